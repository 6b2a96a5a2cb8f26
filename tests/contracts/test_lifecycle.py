"""The whole path of an offtake contract, service by service, committing where the routes would: a sourcing
request, the cooperative's offer, proposal and counter-proposal, both signatures, the deposit by bank transfer,
deliveries with a dispute, and completion. Each step tells the other party and leaves an audit event."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from market import payments
from market.clock import today
from market.extensions import db
from market.models import (
    AuditEvent,
    CertificateKind,
    Contract,
    ContractState,
    DeliveryStatus,
    ListingStatus,
    OfferStatus,
    Organisation,
    OrgKind,
    OrgStatus,
    Payment,
    PaymentMethod,
    PaymentStatus,
    ReviewStatus,
    Role,
    SourcingOffer,
    SourcingRequest,
    SupplyListing,
    User,
)
from market.services import contracts, sourcing
from market.services.errors import PermissionDenied, ValidationFailed
from tests.conftest import PASSWORD
from tests.factories import (
    DEPOSIT_PCT,
    PRICE,
    QUANTITY,
    actions,
    contract_data,
    count,
    delivery_data,
    get,
    notified,
    request_data,
)


def _other_cooperatives(factory, cat) -> dict[str, int]:
    """Cooperatives growing star anise that must not match an organic request, each with an owner."""
    orgs = {}
    orgs["no_organic"] = factory.org(name="HTX Hồi Tràng Định")
    zone = cat.zone(orgs["no_organic"])
    cat.certificate(zone, kind=CertificateKind.VIETGAP)
    orgs["zone_unverified"] = factory.org(name="HTX Hồi Bình Gia")
    cat.certificate(cat.zone(orgs["zone_unverified"], status=ReviewStatus.PENDING), kind=CertificateKind.ORGANIC)
    orgs["zone_recalled"] = factory.org(name="HTX Hồi Cao Lộc")
    cat.certificate(cat.zone(orgs["zone_recalled"], status=ReviewStatus.RECALLED), kind=CertificateKind.ORGANIC)
    orgs["organic_expired"] = factory.org(name="HTX Hồi Chi Lăng")
    cat.certificate(cat.zone(orgs["organic_expired"]), kind=CertificateKind.ORGANIC,
                    issued_on=today() - timedelta(days=400), expires_on=today() - timedelta(days=1))
    orgs["organic_unverified"] = factory.org(name="HTX Hồi Lộc Bình")
    cat.certificate(cat.zone(orgs["organic_unverified"]), kind=CertificateKind.ORGANIC, status=ReviewStatus.PENDING)
    orgs["org_pending"] = factory.org(name="HTX Hồi Đình Lập", status=OrgStatus.PENDING)
    cat.certificate(cat.zone(orgs["org_pending"]), kind=CertificateKind.ORGANIC)
    orgs["other_crop"] = factory.org(name="HTX Na Chi Lăng")
    cat.certificate(cat.zone(orgs["other_crop"], crop="na"), kind=CertificateKind.ORGANIC)
    for org_id in orgs.values():
        factory.member(org_id, Role.OWNER)
    return orgs


def test_the_whole_path_from_sourcing_request_to_completed_contract(req, factory, cat, world):
    w = world
    others = _other_cooperatives(factory, cat)
    buyer_people, seller_people = 2, 3  # inbox rows per notification of each party

    # 1. The buyer posts a sourcing request that needs organic star anise; only the cooperative matches.
    request = sourcing.create_request(w.user("buyer_owner"), w.org("buyer"), request_data())
    db.session.commit()
    request = get(SourcingRequest, request.id)
    assert request.required_certificates == [CertificateKind.ORGANIC]
    assert [s.id for s in sourcing.matching_sellers(request)] == [w.seller]
    assert [z.id for z in sourcing.fitting_zones(request, w.org("seller"))] == [w.zone]
    for name, org_id in others.items():  # (the pending organisation's zone fits; the organisation is not verified)
        assert sourcing.fitting_zones(request, get(Organisation, org_id)) == [] or name == "org_pending"
    assert notified("sourcing.request") == {w.seller: seller_people}

    # 2. The cooperative offers from its organic zone; its zone without the certificate cannot supply.
    with pytest.raises(ValidationFailed) as caught:
        sourcing.make_offer(w.user("seller_owner"), request, w.org("seller"),
                            {"quantity": "10", "price_per_unit": "90000000", "zone_ids": [str(w.plain_zone)]})
    assert list(caught.value.errors) == ["zone_ids"]
    db.session.rollback()
    assert count(SourcingOffer) == 0
    offer = sourcing.make_offer(w.user("seller_owner"), get(SourcingRequest, request.id), w.org("seller"),
                                {"quantity": "10", "price_per_unit": "90000000", "zone_ids": [str(w.zone)],
                                 "note": "Hồi vụ thu, phơi nắng"})
    db.session.commit()
    offer = get(SourcingOffer, offer.id)
    assert offer.status == OfferStatus.SUBMITTED and [z.id for z in offer.zones] == [w.zone]
    assert notified("sourcing.offer") == {w.buyer: buyer_people}

    # 3. The buyer turns the offer into a proposal: version 1, proposed, the cooperative is told.
    contract = contracts.accept_offer_as_proposal(w.user("buyer_owner"), offer,
                                                  contract_data([w.zone], price_per_unit="90000000"))
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.PROPOSED and contract.offer_id == offer.id
    assert [v.number for v in contract.versions] == [1] and contract.current.proposed_by_id == w.buyer
    assert contract.reference.startswith(f"HD-{today().year}-")
    assert get(SourcingOffer, offer.id).status == OfferStatus.ACCEPTED
    assert notified("contract.proposed") == {w.seller: seller_people}
    version_1 = contract.current

    # 4. The cooperative asks for a higher price: version 2, and the difference is the price alone.
    version_2 = contracts.counter_propose(w.user("seller_owner"), contract, contract_data([w.zone]),
                                          note="Giá thu mua năm nay cao hơn")
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.PROPOSED
    assert [v.number for v in contract.versions] == [1, 2] and contract.current.id == version_2.id
    assert contract.current.proposed_by_id == w.seller
    assert contracts.differences(version_1.terms, contract.current.terms) == [
        ("price_per_unit", 90_000_000, PRICE)]
    assert notified("contract.countered") == {w.buyer: buyer_people}

    # 5. Both signers sign version 2; the second signature makes the contract signed.
    contracts.sign(w.user("buyer_signer"), contract, version_id=version_2.id, password=PASSWORD)
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.PROPOSED and contract.signed_at is None
    assert notified("contract.signed") == {w.seller: seller_people}
    contracts.sign(w.user("seller_signer"), contract, version_id=version_2.id, password=PASSWORD)
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.SIGNED and contract.signed_at is not None
    assert {s.organisation_id for s in contract.signatures_of(contract.current)} == {w.buyer, w.seller}
    assert notified("contract.signed") == {w.seller: seller_people, w.buyer: buyer_people}

    # 6. The deposit by bank transfer: 20 % of 10 t × 95,000,000 VND, confirmed by the cooperative's owner.
    payment = contracts.start_deposit(w.user("buyer_signer"), contract, PaymentMethod.BANK_TRANSFER)
    db.session.commit()
    payment = get(Payment, payment.id)
    expected = QUANTITY * PRICE * DEPOSIT_PCT // 100
    assert expected == 190_000_000 == contracts.deposit_amount(get(Contract, contract.id).current.terms)
    assert payment.status == PaymentStatus.PENDING and payment.method == PaymentMethod.BANK_TRANSFER
    assert payment.amount == expected and isinstance(payment.amount, int) and payment.currency == "VND"
    assert payment.reference.startswith("TT-") and len(payment.reference) > 3
    assert (payment.purpose, payment.contract_id, payment.order_id) == ("deposit", contract.id, None)
    assert (payment.payer_id, payment.payee_id) == (w.buyer, w.seller)
    assert get(Contract, contract.id).state == ContractState.SIGNED  # not active before the money is in
    payments.confirm_bank_transfer(w.user("seller_owner"), payment)
    db.session.commit()
    payment, contract = get(Payment, payment.id), get(Contract, contract.id)
    assert payment.status == PaymentStatus.SUCCEEDED and payment.confirmed_by_id == w.seller_owner
    assert contract.state == ContractState.ACTIVE and contract.activated_at is not None
    assert notified("payment.received") == {w.buyer: buyer_people, w.seller: seller_people}
    assert notified("contract.active") == {w.buyer: buyer_people, w.seller: seller_people}

    # 7. Two deliveries recorded by a plain member of the cooperative; the buyer is asked to confirm each.
    first = contracts.record_delivery(w.user("seller_member"), contract, delivery_data([w.zone], quantity="4"))
    second = contracts.record_delivery(w.user("seller_member"), contract,
                                       delivery_data([w.zone], quantity="3", lot_code="HOI-VQ-02"))
    db.session.commit()
    assert notified("delivery.recorded") == {w.buyer: 2 * buyer_people}
    assert contracts.remaining_quantity(get(Contract, contract.id)) == 3

    # 8. The buyer confirms the first and disputes the second: the contract is disputed.
    contracts.confirm_delivery(w.user("buyer_signer"), first)
    contracts.dispute_delivery(w.user("buyer_signer"), second, "Hồi bị ẩm, nhiều cánh gãy")
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.DISPUTED and contract.dispute_reason == "Hồi bị ẩm, nhiều cánh gãy"
    assert {d.id: d.status for d in contract.deliveries} == {first.id: DeliveryStatus.CONFIRMED,
                                                             second.id: DeliveryStatus.DISPUTED}
    assert notified("delivery.disputed") == {w.seller: seller_people}

    # 9. The cooperative takes the disputed delivery back: active again, its quantity due once more.
    contracts.withdraw_delivery(w.user("seller_member"), second)
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.ACTIVE and contract.dispute_reason is None
    assert [d.id for d in contract.deliveries] == [first.id]
    assert contracts.remaining_quantity(contract) == 6

    # 10. The rest is delivered and confirmed: completed.
    last = contracts.record_delivery(w.user("seller_member"), contract,
                                     delivery_data([w.zone], quantity="6", lot_code="HOI-VQ-03"))
    db.session.commit()
    contracts.confirm_delivery(w.user("buyer_owner"), last)
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.COMPLETED and contract.completed_at is not None
    assert contracts.delivered_quantity(contract, confirmed_only=True) == QUANTITY
    assert notified("contract.completed") == {w.buyer: buyer_people, w.seller: seller_people}
    # Nobody outside the two parties was told anything about the contract.
    for org_id in others.values():
        assert all(org_id not in notified(kind) for kind in ("contract.proposed", "delivery.recorded"))

    assert actions() == {
        "sourcing.requested": 1, "sourcing.offered": 1, "contract.drafted": 1, "contract.proposed": 1,
        "contract.countered": 1, "contract.signed": 2, "payment.started": 1, "payment.received": 1,
        "delivery.recorded": 3, "delivery.confirmed": 2, "delivery.disputed": 1, "delivery.withdrawn": 1,
        # the dispute on the delivery (services/disputes.py), settled by the seller's withdrawal
        "dispute.opened": 1, "dispute.settled": 1,
    }
    signed = _events("contract.signed")
    assert {e.actor_id for e in signed} == {w.buyer_signer, w.seller_signer}
    assert all(e.details["version"] == 2 and e.details["terms_hash"] == contract.current.terms_hash for e in signed)
    received = _events("payment.received")[0]
    assert received.actor_id == w.seller_owner and received.organisation_id == w.seller


def _events(action):
    return list(db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                                   .order_by(AuditEvent.id)))


def test_a_contract_started_from_an_open_listing(req, world):
    w = world
    contract = contracts.start_contract(w.user("buyer_owner"), w.org("buyer"), w.org("seller"),
                                        contract_data([w.zone]), listing=get(SupplyListing, w.listing))
    contracts.propose(w.user("buyer_owner"), contract)
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.PROPOSED and contract.listing_id == w.listing
    assert contract.current.terms.zone_codes == ("LS-VQ-HOI-0001",)
    assert contract.current.terms.buyer.to_dict() == {"id": w.buyer, "name": "Công ty CP Tinh dầu Xứ Lạng",
                                                      "tax_code": "4900123456"}
    assert actions() == {"contract.drafted": 1, "contract.proposed": 1}


def test_a_closed_listing_or_a_wrong_seller_is_refused(req, factory, cat, world):
    w = world
    closed = get(SupplyListing, cat.listing(w.seller, [w.zone], status=ListingStatus.CLOSED))
    other = factory.org(name="HTX Hồi Khác")
    with pytest.raises(ValidationFailed) as caught:
        contracts.start_contract(w.user("buyer_owner"), w.org("buyer"), w.org("seller"), contract_data([w.zone]),
                                 listing=closed)
    assert list(caught.value.errors) == ["listing"]
    with pytest.raises(ValidationFailed) as caught:
        contracts.start_contract(w.user("buyer_owner"), w.org("buyer"), get(Organisation, other),
                                 contract_data([w.zone]), listing=get(SupplyListing, w.listing))
    assert list(caught.value.errors) == ["listing"]  # the cooperative's listing, offered to another seller
    db.session.rollback()
    assert count(Contract) == 0


def test_only_buyers_start_contracts_and_only_with_producers(req, factory, world):
    w = world
    # A cooperative cannot be the buyer.
    with pytest.raises(PermissionDenied):
        contracts.start_contract(w.user("seller_owner"), w.org("seller"), w.org("buyer"), contract_data([w.zone]))
    # A buyer cannot contract with itself, nor with a retail chain.
    with pytest.raises(ValidationFailed) as caught:
        contracts.start_contract(w.user("buyer_owner"), w.org("buyer"), w.org("buyer"), contract_data([w.zone]))
    assert list(caught.value.errors) == ["seller"]
    chain = get(Organisation, factory.org(kind=OrgKind.RETAIL_CHAIN, name="Siêu thị Lạng Sơn"))
    with pytest.raises(ValidationFailed):
        contracts.start_contract(w.user("buyer_owner"), w.org("buyer"), chain, contract_data([w.zone]))
    # A plain member of the buyer cannot negotiate.
    member = get(User, factory.member(w.buyer, Role.MEMBER))
    with pytest.raises(PermissionDenied):
        contracts.start_contract(member, w.org("buyer"), w.org("seller"), contract_data([w.zone]))
    db.session.rollback()
    assert count(Contract) == 0


def test_an_offer_no_longer_open_cannot_become_a_contract(req, world):
    w = world
    request = sourcing.create_request(w.user("buyer_owner"), w.org("buyer"), request_data())
    offer = sourcing.make_offer(w.user("seller_owner"), request, w.org("seller"),
                                {"quantity": "10", "price_per_unit": "90000000", "zone_ids": [str(w.zone)]})
    sourcing.withdraw_offer(w.user("seller_owner"), offer)
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        contracts.accept_offer_as_proposal(w.user("buyer_owner"), get(SourcingOffer, offer.id),
                                           contract_data([w.zone]))
    assert list(caught.value.errors) == ["offer"]
    db.session.rollback()
    assert count(Contract) == 0


def test_no_deposit_activates_on_signature(req, build, world):
    """A contract with a 0 % deposit has nothing to wait for: the second signature activates it."""
    w = world
    contract = get(Contract, build.contract(ContractState.PROPOSED, deposit_pct="0"))
    for signer in ("buyer_signer", "seller_signer"):
        contracts.sign(w.user(signer), contract, version_id=contract.current.id, password=PASSWORD)
    db.session.commit()
    contract = get(Contract, contract.id)
    assert contract.state == ContractState.ACTIVE and contract.signed_at and contract.activated_at
    with pytest.raises(ValidationFailed) as caught:
        contracts.start_deposit(w.user("buyer_owner"), contract, PaymentMethod.BANK_TRANSFER)
    assert list(caught.value.errors) == ["payment"]


def test_the_deposit_is_paid_once_and_by_the_buyer(req, factory, build, world):
    w = world
    contract = get(Contract, build.contract(ContractState.SIGNED))
    # Not by the seller, nor by a plain member of the buyer.
    for actor in (w.user("seller_owner"), get(User, factory.member(w.buyer, Role.MEMBER))):
        with pytest.raises(PermissionDenied):
            contracts.start_deposit(actor, contract, PaymentMethod.BANK_TRANSFER)
    first = contracts.start_deposit(w.user("buyer_signer"), contract, PaymentMethod.BANK_TRANSFER)
    db.session.commit()
    # A second click gives the same payment, never a second one.
    again = contracts.start_deposit(w.user("buyer_owner"), get(Contract, contract.id), PaymentMethod.BANK_TRANSFER)
    assert again.id == first.id and count(Payment) == 1
    # Only the receiving side confirms, and only its owner or manager.
    for actor in (w.user("buyer_owner"), w.user("seller_signer"), w.user("seller_member")):
        with pytest.raises(PermissionDenied):
            payments.confirm_bank_transfer(actor, get(Payment, first.id))
    payments.confirm_bank_transfer(w.user("seller_owner"), get(Payment, first.id))
    db.session.commit()
    with pytest.raises(ValidationFailed):
        payments.confirm_bank_transfer(w.user("seller_owner"), get(Payment, first.id))
    with pytest.raises(ValidationFailed):
        contracts.start_deposit(w.user("buyer_owner"), get(Contract, contract.id), PaymentMethod.BANK_TRANSFER)
    assert get(Contract, contract.id).state == ContractState.ACTIVE


@pytest.mark.parametrize("quantity, price, pct, expected", [
    ("10", "95000000", "20", 190_000_000),
    ("2,5", "120000", "30", 90_000),
    ("0,3", "100000", "10", 3_000),  # a fraction of a tonne
    ("7", "33333", "15", 35_000),  # 233331 × 15 % = 34999.65
    ("10", "95000000", "100", 950_000_000),
    ("10", "95000000", "0", 0),
])
def test_deposit_amount_is_whole_dong(req, build, quantity, price, pct, expected):
    contract = get(Contract, build.contract(ContractState.PROPOSED, quantity=quantity, price_per_unit=price,
                                            deposit_pct=pct))
    amount = contracts.deposit_amount(contract.current.terms)
    assert amount == expected and isinstance(amount, int)


# --- the other party hears of every step --------------------------------------------------------------

def test_confirming_a_delivery_tells_the_seller(req, build, world):
    w = world
    contract = get(Contract, build.contract(ContractState.ACTIVE, deliveries=((4.0, DeliveryStatus.RECORDED),)))
    contracts.confirm_delivery(w.user("buyer_signer"), contract.deliveries[0])
    db.session.commit()
    assert notified("delivery.confirmed") == {w.seller: 3}


def test_withdrawing_a_disputed_delivery_tells_the_buyer(req, build, world):
    w = world
    contract = get(Contract, build.contract(ContractState.DISPUTED))
    contracts.withdraw_delivery(w.user("seller_member"), contract.deliveries[0])
    db.session.commit()
    assert get(Contract, contract.id).state == ContractState.ACTIVE
    assert notified("delivery.withdrawn") == {w.buyer: 2}
