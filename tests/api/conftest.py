"""A small market for the API's tests: a buyer and a seller with a contract and two deliveries, a second
cooperative with its own contract, an order, and personal access tokens made through the service."""
from dataclasses import dataclass
from datetime import timedelta

import pytest

from market.clock import today
from market.extensions import db
from market.models import CertificateKind, ContractState, DeliveryStatus, Organisation, OrgKind, Role, User
from market.services import api_tokens
from tests.factories import ContractBuilder, ContractParties, contract_parties


def make_token(app, user_id: int, org_id: int, *, scope: str = "read", days: int = 30, name: str = "ERP") -> str:
    """A token made as the account page makes it; its secret."""
    with app.test_request_context():
        _token, secret = api_tokens.create(db.session.get(User, user_id), db.session.get(Organisation, org_id),
                                           name=name, scope=scope, expires_on=today() + timedelta(days=days))
        db.session.commit()
    return secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class ApiWorld:
    parties: ContractParties
    contract: int
    deliveries: list[int]
    other_seller: int
    other_contract: int
    order: int
    chain: int
    chain_owner: int


@pytest.fixture
def api_world(app, factory, shop) -> ApiWorld:
    parties = contract_parties(factory)
    contract = ContractBuilder(app, parties).contract(
        ContractState.ACTIVE, deliveries=((2.0, DeliveryStatus.RECORDED), (3.0, DeliveryStatus.RECORDED)))
    # Another cooperative selling to another buyer; the buyer's owner is a member of that cooperative too.
    other_seller, other_buyer = factory.org(name="HTX Quế Bình Gia"), factory.org(kind=OrgKind.ENTERPRISE)
    zone = factory.zone(other_seller, code="LS-BG-HOI-0009")
    factory.certificate(zone, kind=CertificateKind.PLANTING_AREA_CODE)
    owner, signer = factory.member(other_buyer), factory.member(other_buyer, Role.SIGNER)
    other_parties = ContractParties(
        buyer=other_buyer, buyer_owner=owner, buyer_signer=signer, seller=other_seller,
        seller_owner=factory.member(other_seller), seller_signer=factory.member(other_seller, Role.SIGNER),
        seller_member=factory.member(other_seller, Role.MEMBER), zone=zone, plain_zone=zone,
        listing=factory.listing(other_seller, [zone]))
    other_contract = ContractBuilder(app, other_parties).contract(ContractState.ACTIVE)
    factory.join(parties.buyer_owner, other_seller)
    chain = shop.buyer()
    chain_owner = shop.member(chain)
    product = shop.product(parties.seller, stock=20)
    order = shop.place(chain_owner, chain, {product: 2})[0]
    with app.app_context():
        from market.models import Contract

        deliveries = sorted(d.id for d in db.session.get(Contract, contract).deliveries)
    return ApiWorld(parties=parties, contract=contract, deliveries=deliveries, other_seller=other_seller,
                    other_contract=other_contract, order=order, chain=chain, chain_owner=chain_owner)
