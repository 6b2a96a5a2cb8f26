"""A market with one person for every kind of visitor and one object behind every address, for the tests that
walk `app.url_map` (tests/test_access.py, tests/test_fuzz.py) and bench/fuzz.py.

The owning organisation is a verified cooperative ("seller") with an owner, a manager, a signer and a plain
member; it owns a zone, a certificate, a listing, a product with a photo. A verified enterprise ("enterprise")
has a contract with it (active, one delivery) and a sourcing request it offered on; a retail chain ("chain")
ordered its product (an order with a card payment, and a cart line); a tourist shop, another cooperative with a
zone that fits the request, an unverified cooperative, department staff and commune staff complete the cast.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO

import sqlalchemy as sa
from flask import Flask
from itsdangerous import URLSafeTimedSerializer
from werkzeug.datastructures import FileStorage

from market.extensions import db
from market.models import (
    ContractState,
    DeliveryStatus,
    GrowingZone,
    Membership,
    OrgKind,
    OrgStatus,
    Role,
    SourcingRequest,
    SupplyListing,
    User,
)
from market.models import Organisation as Org
from tests.factories import ContractBuilder, ContractParties, Factory, Shop, request_data

# role name -> (organisation key, role in it); "anonymous" has none.
ROLES: dict[str, tuple[str, str] | None] = {
    "anonymous": None,
    "seller_owner": ("seller", Role.OWNER),
    "seller_manager": ("seller", Role.MANAGER),
    "seller_signer": ("seller", Role.SIGNER),
    "seller_member": ("seller", Role.MEMBER),
    "other_coop": ("other_coop", Role.OWNER),
    "enterprise_owner": ("enterprise", Role.OWNER),
    "enterprise_member": ("enterprise", Role.MEMBER),
    "chain_owner": ("chain", Role.OWNER),
    "shop_owner": ("shop", Role.OWNER),
    "unverified_owner": ("unverified", Role.OWNER),
    "department": ("department", Role.OWNER),
    "commune_staff": ("commune", Role.OWNER),
}
KINDS = {"seller": OrgKind.COOPERATIVE, "other_coop": OrgKind.COOPERATIVE, "enterprise": OrgKind.ENTERPRISE,
         "chain": OrgKind.RETAIL_CHAIN, "shop": OrgKind.TOURIST_SHOP, "unverified": OrgKind.COOPERATIVE,
         "department": OrgKind.DEPARTMENT, "commune": OrgKind.COMMUNE_OFFICE}
VERIFIED = {key for key in KINDS if key != "unverified"}
# The parties to each kind of object in this world: side -> organisation key (market.access.PARTIES).
PARTY_SIDES = {
    "contract": {"buyer": "enterprise", "seller": "seller"},
    "order": {"buyer": "chain", "seller": "seller"},
    "payment": {"payer": "chain", "payee": "seller"},
    "cart_item": {"buyer": "chain"},
    "sourcing_request": {"buyer": "enterprise"},
    "sourcing_offer": {"buyer": "enterprise", "seller": "seller"},
    "conversation": {"starter": "enterprise", "other": "seller"},  # about the contract (its dispute referred)
    "dispute": {"opener": "enterprise", "other": "seller"},  # answered by the other side, settled by the opener
    "document": {"seller": "seller", "buyer": "chain"},  # the order's document
    "documents_of": {"seller": "seller"},
    "placement": {"chain": "chain", "producer": "seller"},
    "product": {"seller": "seller"},
    "organisation": {"member": "seller"},  # the org_id of the address (banking pages)
}
PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00"
       b"\x00\x00\x0cIDATx\x9cc\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00IEND\xaeB`\x82")


@dataclass
class RoleWorld:
    users: dict[str, int | None]
    orgs: dict[str, int]
    args: dict[str, object]  # view argument -> value, for most endpoints
    per_endpoint: dict[str, dict] = field(default_factory=dict)  # endpoint -> view arguments that differ
    query: dict[str, dict] = field(default_factory=dict)  # endpoint -> query string it needs
    data: dict[str, dict] = field(default_factory=dict)  # endpoint -> form fields naming its object
    member_of: dict[str, str] = field(default_factory=dict)  # endpoint -> organisation key its org_id names
    # role -> a signed session cookie whose log-in session is part of the world (sign_in_all): the walks send
    # thousands of requests, and opening a log-in session before each one was a quarter of their time.
    cookies: dict[str, str] = field(default_factory=dict)

    def view_args(self, endpoint: str, arguments) -> dict | None:
        values = {**self.args, **self.per_endpoint.get(endpoint, {})}
        if any(name not in values for name in arguments):
            return None
        return {name: values[name] for name in arguments}

    def allowed(self, rule, role: str, endpoint: str = "") -> bool:
        """Whether `role` may call a route with `rule` here, worked out from the cast (not from market.access)."""
        where = ROLES[role]
        org, member_role = where if where else (None, None)
        kind = rule.kind
        if kind in ("public", "token", "signed") or (kind == "visible" and not rule.logged_in):
            return True  # every object here is published by a verified organisation
        if role == "anonymous":
            return False
        if kind in ("logged_in", "visible"):
            return True
        if kind == "department":
            return org == "department"
        if kind == "authority":
            return org in ("department", "commune")
        if kind == "commune_office":
            return org == "commune"
        if kind in ("buyer", "seller"):
            kinds = OrgKind.BUYERS if kind == "buyer" else OrgKind.SELLERS
            return (org is not None and KINDS[org] in kinds and (not rule.roles or member_role in rule.roles)
                    and (not getattr(rule, "verified", False) or org in VERIFIED))
        if kind == "member":  # org_id is the owning cooperative's (unless member_of says); membership_id its member's
            return org == self.member_of.get(endpoint, "seller") and (not rule.roles or member_role in rule.roles
                                        or (rule.or_self == "membership_id" and role == "seller_member"))
        if kind == "party":
            if rule.department and org == "department":
                return True
            sides = PARTY_SIDES[rule.of]
            return any(org == key and (rule.side is None or side == rule.side)
                       and (not rule.roles or member_role in rule.roles) for side, key in sides.items())
        raise AssertionError(f"tests/roles.py does not know the rule kind {kind!r}")


def _gs1_args(listing: int, product: int, zone_code: str) -> dict:
    """The GS1 Digital Link routes (issue 16a): the listing's harvest lot and the product by their market numbers."""
    from market.services import gs1

    item, harvest = gs1.rcn(gs1.RCN_PRODUCT, product), gs1.rcn(gs1.RCN_LISTING, listing)
    return {"gs1.resolve": {"gtin": item}, "gs1.item_history": {"gtin": item},
            "gs1.resolve_lot": {"gtin": harvest, "lot": "LOT-ROLES-1"},
            "gs1.lot_history": {"gtin": harvest, "lot": "LOT-ROLES-1"},
            "api.epcis_item": {"gtin": item}, "api.epcis_lot": {"gtin": harvest, "lot": "LOT-ROLES-1"},
            "gs1.malformed": {"gtin": harvest, "rest": "21/1"},
            "gs1.gln": {"gln": "8935049500001"},
            "gs1.zone_by_gln": {"gln": "8935049500001", "extension": zone_code}}


def build(factory: Factory, app: Flask, upload_folder: str | None = None) -> RoleWorld:
    shop = Shop(factory)
    orgs = {key: factory.org(kind=kind, status=OrgStatus.VERIFIED if key in VERIFIED else OrgStatus.PENDING,
                             commune="Lương Văn Tri" if key == "department" else "Văn Quan")
            for key, kind in KINDS.items()}
    users: dict[str, int | None] = {"anonymous": None}
    for role, where in ROLES.items():
        if where:
            users[role] = factory.member(orgs[where[0]], where[1])
    seller = orgs["seller"]
    zone = factory.zone(seller)
    factory.certificate(zone)
    factory.zone(orgs["other_coop"])  # so that the other cooperative may offer on the request
    listing = factory.listing(seller, [zone])
    product = shop.product(seller, stock=50)
    parties = ContractParties(buyer=orgs["enterprise"], buyer_owner=users["enterprise_owner"],
                              buyer_signer=users["enterprise_owner"], seller=seller,
                              seller_owner=users["seller_owner"], seller_signer=users["seller_signer"],
                              seller_member=users["seller_member"], zone=zone, plain_zone=zone, listing=listing)
    contract = ContractBuilder(app, parties).contract(ContractState.ACTIVE,
                                                      deliveries=((1.0, DeliveryStatus.RECORDED),
                                                                                  (1.0, DeliveryStatus.DISPUTED)))
    order = shop.place(users["chain_owner"], orgs["chain"], {product: 1})[0]
    payment = shop.stripe_payment(order)
    cart_item = shop.put_in_cart(orgs["chain"], product, 1)
    with app.test_request_context():
        from market.models import Contract, OcopProduct
        from market.services import accounts, sourcing, uploads

        enterprise_owner = db.session.get(User, users["enterprise_owner"])
        wanted = sourcing.create_request(enterprise_owner, db.session.get(Org, orgs["enterprise"]),
                                         request_data(required_certificates=[]))
        db.session.flush()
        seller_org = db.session.get(Org, seller)
        offer = sourcing.make_offer(db.session.get(User, users["seller_owner"]), wanted, seller_org,
                                    {"quantity": "5", "price_per_unit": "90000", "zone_ids": [str(zone)]})
        delivery, disputed = sorted(db.session.get(Contract, contract).deliveries, key=lambda d: d.id)
        more = _newer_objects(app, users, orgs, contract=contract, zone=zone, product=product, order=order,
                              upload_folder=upload_folder)
        from market.services import reports, targets

        snapshot = reports.take_snapshot(db.session.get(User, users["department"]),
                                         targets.Scope(as_of=wanted.delivery_start - timedelta(days=2),
                                                       commune_id=seller_org.commune_id))
        from market.models import ReportingRound
        from market.services import reporting

        reporting_round = ReportingRound(**reporting.default_dates(2026), opened_by_id=users["department"])
        db.session.add(reporting_round)
        db.session.flush()
        reporting.compile_and_lock(db.session.get(User, users["department"]), reporting_round)  # its report exists
        upload = None
        if upload_folder:
            app.config["UPLOAD_FOLDER"] = upload_folder
            upload = uploads.save_upload(db.session.get(User, users["seller_owner"]), seller_org,
                                         FileStorage(BytesIO(PNG), filename="hoa-hoi.png", content_type="image/png"))
            upload.product_id = product
        db.session.get(SupplyListing, listing).lot_number = "LOT-ROLES-1"  # GS1 resolver routes (issue 16a)
        db.session.get(Org, seller).gln = "8935049500001"
        db.session.commit()
        membership = db.session.scalar(sa.select(Membership.id).where(
            Membership.user_id == users["seller_member"], Membership.organisation_id == seller))
        token = accounts.make_reset_token(db.session.get(User, users["seller_member"]))
        from market.models import ProcessingCapability
        from market.services import api_tokens

        api_token, _secret = api_tokens.create(db.session.get(User, users["seller_owner"]), seller_org, name="ERP",
                                               scope="read", expires_on=wanted.delivery_start + timedelta(days=30))
        capability = ProcessingCapability(organisation_id=orgs["enterprise"], products="Tinh dầu hồi", capacity=50,
                                          capacity_unit="tan", address="Khu công nghiệp Đồng Bành")
        db.session.add(capability)
        db.session.commit()
        api_token_id = api_token.id
        ids = {"capability": capability.id, "request": wanted.id, "offer": offer.id, "delivery": delivery.id, "disputed": disputed.id, "delivery_public": delivery.public_id,
               "snapshot": snapshot.id, "round": reporting_round.id,
               "commune": db.session.get(Org, orgs["commune"]).commune_id, "zone_code": db.session.get(GrowingZone, zone).code,
               "listing_public": db.session.get(SupplyListing, listing).public_id,
               "product_public": db.session.get(OcopProduct, product).public_id,
               "upload": upload.id if upload else None, "upload_name": upload.stored_name if upload else None}
        assert db.session.get(SourcingRequest, wanted.id) is not None
    args = {"org_id": seller, "listing_id": listing, "product_id": product, "zone_id": zone, "code": ids["zone_code"],
            "contract_id": contract, "delivery_id": ids["delivery"], "order_id": order, "payment_id": payment,
            "item_id": cart_item, "request_id": ids["request"], "offer_id": ids["offer"],
            "membership_id": membership, "snapshot_id": ids["snapshot"], "fmt": "csv", "token": token,
            "kind": "zones", "code_lang": "vi", "upload_id": ids["upload"], "name": ids["upload_name"],
            "public_id": ids["listing_public"], "filename": "css/site.css",
            "account_id": more["account"], "certificate_id": more["ocop_certificate"],
            "revision_id": more["product_revision"], "conversation_id": more["conversation"],
            "dispute_id": more["dispute"], "doc_id": more["document"], "placement_id": more["placement"],
            "round_id": ids["round"], "commune_id": ids["commune"],
            "token_id": api_token_id, "capability_id": ids["capability"]}
    per_endpoint = {
        "main.set_language": {"code": "vi"},
        "department.review": {"org_id": orgs["unverified"]},
        "department.verify": {"org_id": orgs["unverified"]},
        "department.reject": {"org_id": orgs["unverified"]},
        "department.review_item": {"what": "zone", "item_id": zone, "action": "verify"},
        "trace.product": {"public_id": ids["product_public"]},
        "trace.product_label": {"public_id": ids["product_public"]},
        "contracts.public_delivery": {"public_id": ids["delivery_public"]},
        "contracts.withdraw_delivery": {"delivery_id": ids["disputed"]},
        "dashboard.export": {"fmt": "csv"},
        "banking.map_columns": {"upload_id": more["statement"]},
        "conversations.attachment": {"upload_id": more["attachment"], "name": more["attachment_name"]},
        "department.ocop_review": {"action": "verify"},
        "department.confirm_recall": {"what": "zone", "item_id": zone, "action": "recall"},
        "department.revision_decide": {"action": "accept"},
        "department.zone_revision_decide": {"revision_id": more["zone_revision"], "action": "accept"},
        "documents.verify": {"token": more["document_token"]},
        "shelves.chain": {"org_id": orgs["chain"]},
        "shelves.answer": {"action": "confirm"},
        **_gs1_args(listing, product, ids["zone_code"]),
        "department.capability_review": {"action": "verify"},
        "orgs.withdraw_processing": {"org_id": orgs["enterprise"]},  # the capability is the enterprise's
    }
    if upload is None:
        per_endpoint.update({"media.file": {"upload_id": None}, "media.thumbnail": {"upload_id": None}})
    query = {"contracts.new": {"listing": listing}, "conversations.new": {"about": "listing", "id": listing}}
    data = {"orders.add_to_cart": {"product_id": str(product)},
            "conversations.new": {"about": "listing", "subject_id": str(listing)}}
    return RoleWorld(users=users, orgs=orgs, args=args, per_endpoint=per_endpoint, query=query, data=data,
                     member_of={"shelves.chain": "chain", "orgs.withdraw_processing": "enterprise"})


def _newer_objects(app: Flask, users: dict, orgs: dict, *, contract: int, zone: int, product: int, order: int,
                   upload_folder: str | None) -> dict:
    """The objects behind the addresses of banking, documents, conversations, disputes, shelves and the
    department's OCOP and revision pages (inside the caller's request context, committed by it)."""
    from market.models import (
        Contract,
        OcopProduct,
        Revision,
        RevisionStatus,
        ShopOrder,
        StatementUpload,
    )
    from market.services import conversations, disputes, documents, payee_accounts, products, shelves, zones

    def user(role):
        return db.session.get(User, users[role])

    seller = db.session.get(Org, orgs["seller"])
    account = payee_accounts.add_account(user("seller_owner"), seller, bank_code="VCB",
                                         account_number="0071000123456", holder_name="HTX HOI")
    statement = StatementUpload(organisation_id=seller.id, filename="sao-ke.csv", created_by_id=users["seller_owner"],
                                content="Cột A,Cột B\n01/12/2026,100000\n".encode())
    db.session.add(statement)
    document = documents.issue_for_order(db.session.get(ShopOrder, order))
    item = db.session.get(Contract, contract)
    dispute = disputes.open_dispute(user("enterprise_owner"), item, "Hàng giao thiếu so với hợp đồng đã ký")
    disputes.refer(user("seller_owner"), dispute)
    if upload_folder:
        app.config["UPLOAD_FOLDER"] = upload_folder
    files = ([FileStorage(BytesIO(PNG), filename="phieu-can.png", content_type="image/png")]
             if upload_folder else ())
    message = conversations.start(user("enterprise_owner"), db.session.get(Org, orgs["enterprise"]), "contract",
                                  contract, "Xin chào, về đợt giao hàng", files=files)
    placement = shelves.request(user("seller_owner"), db.session.get(OcopProduct, product),
                                {"chain_id": str(orgs["chain"])})
    ocop_product = db.session.get(OcopProduct, product)
    product_revision = Revision(object_type=products.REVISION_KIND, object_id=product, organisation_id=seller.id,
                                previous={"name": ocop_product.name}, proposed={"name": ocop_product.name + " mới"},
                                status=RevisionStatus.PENDING, proposed_by_id=users["seller_owner"])
    grown = db.session.get(GrowingZone, zone)
    previous = {key: getattr(grown, key) for key in zones.MATERIAL}
    zone_revision = Revision(object_type=zones.REVISION_OBJECT, object_id=zone, organisation_id=seller.id,
                             previous=previous, proposed={**previous, "area_ha": round(grown.area_ha + 1, 2)},
                             status=RevisionStatus.PENDING, proposed_by_id=users["seller_owner"])
    db.session.add_all([product_revision, zone_revision])
    db.session.flush()
    attachment = message.attachments[0] if message.attachments else None
    return {"account": account.id, "statement": statement.id, "document": document.id,
            "document_token": document.token, "dispute": dispute.id, "conversation": message.conversation_id,
            "attachment": attachment.id if attachment else None,
            "attachment_name": attachment.stored_name if attachment else None, "placement": placement.id,
            "ocop_certificate": ocop_product.ocop_certificate_id, "product_revision": product_revision.id,
            "zone_revision": zone_revision.id}


def csrf_for(app: Flask, client) -> str:
    """A valid CSRF token for `client`'s session, as Flask-WTF makes one (no page needed)."""
    raw = "f" * 40
    with client.session_transaction() as session:
        session["csrf_token"] = raw
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)


def sign_in_all(app: Flask, world: RoleWorld) -> RoleWorld:
    """Open one log-in session per role, as the form would (tests.conftest.signed_in_cookie), and keep its signed
    cookie in `world.cookies`. Call it inside the world's build (built_once), so the sessions are part of the
    baseline every request starts from: a POST that logs out is put back with the rest of the database."""
    from tests.conftest import signed_in_cookie

    for role, user_id in world.users.items():
        if user_id is not None:
            world.cookies[role] = signed_in_cookie(app, user_id, "http://localhost")["value"]
    return world


def client_as(app: Flask, world: RoleWorld, role: str):
    """A fresh test client signed in as `role`: with the world's cookie when it has one, else a new log-in
    session (tests.conftest.log_in)."""
    from tests.conftest import log_in

    client = app.test_client()
    if world.users[role] is None:
        return client
    if role in world.cookies:
        client.set_cookie(app.config["SESSION_COOKIE_NAME"], world.cookies[role])
    else:
        log_in(client, world.users[role])
    return client
