"""The demo province (development only): a market that looks alive, drawn from the plan.

On top of the small demo market (`demo_market`, whose accounts the README lists), every tradable crop of the
plan gets cooperatives and farmer groups in its own communes (the plan's list for that crop), each with a
verified zone, listings across the seasons of the past and coming year, and OCOP products of every star;
processors, retail chains and tourist-site shops buy from them, with contracts in every state spread over the
past year. Everything is built from fixed tables and the crop's index, with no randomness, so the province is
the same on every machine; rows are found by natural keys (names, codes, titles, references) and left alone
when they exist, so `flask market seed --demo` stays idempotent. The accounts of these organisations share
the demo password, hashed once (hashing hundreds of times would take most of a minute).
"""
from calendar import monthrange
from datetime import date, timedelta

import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import (
    Certificate,
    Contract,
    ContractSignature,
    ContractVersion,
    Crop,
    GrowingZone,
    ListingStatus,
    Membership,
    OcopProduct,
    Organisation,
    OrgKind,
    OrgStatus,
    ProductStatus,
    ReviewStatus,
    SupplyListing,
    User,
)
from market.models.shelves import PlacementStatus, ShelfPlacement
from market.models.types import utcnow
from market.services import demo_banking, demo_geo, demo_processing, demo_trust_ocop
from market.services.contracts import terms_hash
from market.text import name_key, slugify

# crop key -> (season (first month, last month), [(product form, title, unit, price VND)], seller words)
CROP_PROFILES = {
    "hoi": ((8, 10), [("dried", "Hoa hồi khô", "kg", 95_000), ("oil", "Tinh dầu hồi", "lit", 650_000)], "Hồi"),
    "que": ((2, 4), [("bark", "Vỏ quế", "kg", 48_000), ("oil", "Tinh dầu quế", "lit", 550_000)], "Quế"),
    "na": ((7, 9), [("fresh", "Na quả tươi", "kg", 45_000), ("fresh", "Na dai loại 1", "kg", 60_000)], "Na"),
    "quyt": ((10, 1), [("fresh", "Quýt vàng", "kg", 35_000), ("fresh", "Cam, bưởi", "kg", 25_000)], "Quýt"),
    "hong": ((9, 11), [("fresh", "Hồng không hạt", "kg", 30_000), ("dried", "Hồng sấy", "kg", 150_000)], "Hồng"),
    "thach_den": ((7, 9), [("dried", "Thạch đen khô", "kg", 42_000), ("powder", "Bột thạch đen", "kg", 120_000)],
                  "Thạch đen"),
    "thong": ((3, 11), [("resin", "Nhựa thông", "kg", 28_000), ("timber", "Gỗ thông", "m3", 1_800_000)], "Thông"),
    "keo": ((1, 12), [("timber", "Gỗ keo nguyên liệu", "m3", 1_200_000), ("seedling", "Cây giống keo", "cay", 1_500)],
            "Keo"),
    "mac_ca": ((9, 11), [("dried", "Hạt mắc ca sấy", "kg", 220_000), ("seedling", "Cây giống mắc ca", "cay", 35_000)],
               "Mắc ca"),
    "de": ((9, 10), [("fresh", "Hạt dẻ tươi", "kg", 80_000), ("dried", "Hạt dẻ sấy", "kg", 150_000)], "Dẻ"),
    "dua": ((1, 12), [("fresh", "Dừa quả", "kg", 12_000), ("seedling", "Cây giống dừa", "cay", 40_000)], "Dừa"),
    "duoc_lieu": ((3, 5), [("dried", "Chè hoa vàng khô", "kg", 1_500_000), ("fresh", "Gừng tươi", "kg", 25_000)],
                  "Dược liệu"),
}
# Communes for a crop the plan grows everywhere ("all communes and wards").
EVERYWHERE = ["Lộc Bình", "Cao Lộc", "Na Dương", "Bình Gia"]
SELLERS_PER_CROP = 4          # three cooperatives and one farmer group, each in its own commune
LISTINGS_PER_SELLER = 6       # across the seasons: last year's (closed), this year's and next year's
QUALITY = ["Loại 1", "Loại 2", "Hàng tuyển", None]
# OCOP products of a crop's sellers: (category, stars) by seller index.
OCOP = [("food", 5), ("spice", 4), ("herbal", 3), ("food", 4)]
OCOP_UNITS = {"lit": "chai", "m3": "san_pham", "cay": "san_pham"}

BUYERS = [
    ("Công ty CP Tinh dầu Đông Kinh", OrgKind.ENTERPRISE, "Đông Kinh"),
    ("Công ty TNHH Chế biến Lâm sản Lộc Bình", OrgKind.ENTERPRISE, "Lộc Bình"),
    ("Công ty CP Nông sản Chi Lăng", OrgKind.ENTERPRISE, "Chi Lăng"),
    ("Công ty TNHH Gỗ ván ép Cao Lộc", OrgKind.ENTERPRISE, "Cao Lộc"),
    ("Công ty CP Thực phẩm Xanh Kỳ Lừa", OrgKind.ENTERPRISE, "Kỳ Lừa"),
    ("Công ty TNHH Dược liệu Mẫu Sơn", OrgKind.ENTERPRISE, "Mẫu Sơn"),
    ("Chuỗi cửa hàng Nông sản Việt", OrgKind.RETAIL_CHAIN, "Lương Văn Tri"),
    ("Siêu thị Xứ Lạng Mart", OrgKind.RETAIL_CHAIN, "Tam Thanh"),
    ("Chuỗi thực phẩm sạch Đồng Đăng", OrgKind.RETAIL_CHAIN, "Đồng Đăng"),
    ("Cửa hàng quà Chợ Kỳ Lừa", OrgKind.TOURIST_SHOP, "Kỳ Lừa"),
    ("Cửa hàng đặc sản Mẫu Sơn", OrgKind.TOURIST_SHOP, "Mẫu Sơn"),
    ("Quầy đặc sản Cửa khẩu Hữu Nghị", OrgKind.TOURIST_SHOP, "Đồng Đăng"),
    ("Cửa hàng lưu niệm Chùa Tam Thanh", OrgKind.TOURIST_SHOP, "Tam Thanh"),
]
CONTRACT_STATES = ["completed", "active", "signed", "proposed", "draft", "cancelled", "disputed", "completed",
                   "active", "completed"]
SHARED_EMAIL_DOMAIN = "tinh.demo.langson.vn"


def _window(year: int, first: int, last: int) -> tuple[date, date]:
    end_year = year + (1 if last < first else 0)
    return date(year, first, 1), date(end_year, last, monthrange(end_year, last)[1])


def _commune_by_name(name: str, cache: dict):
    from market.services.reference_data import commune_named

    if name not in cache:
        try:
            cache[name] = commune_named(name)
        except LookupError:
            cache[name] = None
    return cache[name]


def seed_demo_province(password_hash: str | None = None) -> dict[str, int]:
    """Build (or complete) the demo province. Returns the counts of what exists afterwards."""
    on = today()
    crops = {c.key: c for c in db.session.scalars(sa.select(Crop).where(Crop.tradable))}
    department_user = db.session.scalar(sa.select(User).where(User.email == "so@demo.langson.vn"))
    if password_hash is None:
        probe = User(email="probe@example.invalid", full_name="probe")
        from market.services.demo_market import DEMO_PASSWORD

        probe.set_password(DEMO_PASSWORD)
        password_hash = probe.password_hash
    existing_orgs = {(o.name_key, o.commune_id): o for o in db.session.scalars(sa.select(Organisation))}
    existing_users = set(db.session.scalars(sa.select(User.email)))
    existing_zones = {z.code: z for z in db.session.scalars(sa.select(GrowingZone))}
    existing_titles = set(db.session.execute(sa.select(SupplyListing.organisation_id, SupplyListing.title)).all())
    existing_products = set(db.session.execute(sa.select(OcopProduct.organisation_id, OcopProduct.name)).all())
    existing_refs = set(db.session.scalars(sa.select(Contract.reference)))
    communes: dict = {}
    reviewer_id = department_user.id if department_user else None

    def organisation(name, kind, commune_name, tax_code, description):
        commune = _commune_by_name(commune_name, communes)
        key = (name_key(name), commune.id if commune else None)
        org = existing_orgs.get(key)
        if org is None:
            org = Organisation(name=name, name_key=key[0], kind=kind, commune=commune, tax_code=tax_code,
                               description=description, status=OrgStatus.VERIFIED, status_changed_at=utcnow(),
                               status_changed_by_id=reviewer_id, phone="0205" + tax_code[-7:] if tax_code else None,
                               address=f"{commune.display_name if commune else commune_name}, tỉnh Lạng Sơn")
            db.session.add(org)
            existing_orgs[key] = org
        email = f"{slugify(name)}@{SHARED_EMAIL_DOMAIN}"
        if email not in existing_users:
            user = User(email=email, full_name=f"Chủ nhiệm {name}", password_hash=password_hash)
            db.session.add(user)
            db.session.add(Membership(user=user, organisation=org, role="owner"))
            existing_users.add(email)
        return org

    sellers = _sellers(crops, communes, organisation)
    buyers = [organisation(name, kind, place, f"4990{i:06d}", "Mua nguyên liệu và sản phẩm OCOP của tỉnh.")
              for i, (name, kind, place) in enumerate(BUYERS, 1)]
    db.session.flush()
    owner_of = {m.organisation_id: m.user for m in db.session.scalars(
        sa.select(Membership).where(Membership.role == "owner"))}
    zone_of = _zones_and_listings(on, crops, sellers, existing_zones, existing_titles, reviewer_id)
    _products(on, crops, sellers, buyers, zone_of, existing_products)
    _contracts(on, sellers, buyers, owner_of, existing_refs)
    db.session.flush()
    # The province's zones on the map and its sellers' bank accounts, as the small demo's (both idempotent).
    demo_geo.seed_demo_coordinates()
    demo_banking.seed_demo_banking()
    demo_processing.seed_demo_processing()  # issue 10a: the processors' verified facilities (the linkage figure)
    return counts()


def _sellers(crops, communes, organisation) -> dict[str, list[Organisation]]:
    """Three cooperatives and a farmer group for each crop, in the plan's communes for that crop."""
    sellers: dict[str, list[Organisation]] = {}
    for crop_index, (crop_key, (_season, _forms, word)) in enumerate(CROP_PROFILES.items(), 1):
        crop = crops.get(crop_key)
        if crop is None:
            continue
        places = [c.name for c in crop.communes] if not crop.all_communes else EVERYWHERE
        places = [p for p in places if _commune_by_name(p, communes) is not None][:SELLERS_PER_CROP] or EVERYWHERE
        sellers[crop_key] = []
        for n in range(SELLERS_PER_CROP):
            place = places[n % len(places)]
            group = n == SELLERS_PER_CROP - 1
            name = (f"Tổ hợp tác {word} {place}" if group else f"HTX {word} {place}") + (
                f" {n + 1}" if n >= len(places) else "")
            tax_code = f"49{crop_index:02d}{n + 1:06d}"
            org = organisation(name, OrgKind.FARMER_GROUP if group else OrgKind.COOPERATIVE, place, tax_code,
                               f"{word} của các hộ thành viên ở {place}, trồng theo vùng có mã số.")
            sellers[crop_key].append(org)
    return sellers


def _zones_and_listings(on, crops, sellers, existing_zones, existing_titles, reviewer_id) -> dict[int, GrowingZone]:
    """One verified zone per seller (with its planting-area or forest code), and its listings across seasons."""
    zone_of: dict[int, GrowingZone] = {}
    for crop_index, (crop_key, (season, forms, _word)) in enumerate(CROP_PROFILES.items(), 1):
        crop = crops.get(crop_key)
        if crop is None:
            continue
        forest = crop.kind == "forest"
        for n, org in enumerate(sellers[crop_key]):
            code = f"LS-{crop_key.upper().replace('_', '')}-{crop_index:02d}{n + 1:02d}"
            zone = existing_zones.get(code)
            if zone is None:
                zone = GrowingZone(code=code, kind="planted_forest" if forest else "planting_area",
                                   organisation=org, crop=crop, commune=org.commune,
                                   area_ha=float(20 + 37 * ((crop_index * 7 + n * 13) % 11)),
                                   households=12 + (crop_index * 5 + n * 9) % 60, status=ReviewStatus.VERIFIED,
                                   status_changed_at=utcnow(), status_changed_by_id=reviewer_id)
                zone.certificates.append(Certificate(
                    kind="forest_code" if forest else "planting_area_code",
                    number=f"{'MSRT' if forest else 'MSVT'}-LS-{crop_index:02d}{n + 1:02d}",
                    issuer="Chi cục Kiểm lâm Lạng Sơn" if forest else "Chi cục Trồng trọt và BVTV Lạng Sơn",
                    issued_on=on - timedelta(days=200 + 30 * n), expires_on=on + timedelta(days=300 + 90 * n),
                    status=ReviewStatus.VERIFIED, status_changed_at=utcnow(), status_changed_by_id=reviewer_id))
                if n % 2 == 0 and not forest:
                    zone.certificates.append(Certificate(
                        kind="vietgap", number=f"VG-LS-{crop_index:02d}{n + 1:02d}",
                        issuer="Trung tâm Kiểm nghiệm và Chứng nhận VietGAP", issued_on=on - timedelta(days=150),
                        expires_on=on + timedelta(days=500), status=ReviewStatus.VERIFIED,
                        status_changed_at=utcnow(), status_changed_by_id=reviewer_id))
                db.session.add(zone)
                existing_zones[code] = zone
            zone_of[id(org)] = zone
            for k in range(LISTINGS_PER_SELLER):
                form, base_title, unit, price = forms[k % len(forms)]
                year = on.year - 1 + k // 2                     # last year, this year, next year
                start, end = _window(year, *season)
                title = f"{base_title} {org.commune.name if org.commune else ''} vụ {start.year}".strip()
                if (org.id, title) in existing_titles:
                    continue
                past = end < on
                quantity = float((5 + (crop_index * 3 + n * 7 + k) % 20) * (100 if unit in ("m3", "lit") else 1000))
                db.session.add(SupplyListing(
                    organisation=org, crop=crop, product_form=form, title=title, zones=[zone],
                    harvest_start=start, harvest_end=end, quantity=quantity, unit=unit,
                    price_per_unit=None if (n + k) % 5 == 4 else price + 1000 * ((n + k) % 4),
                    grade=QUALITY[(n + k) % len(QUALITY)], min_order_qty=max(quantity / 20, 1.0),
                    status=ListingStatus.CLOSED if past else ListingStatus.OPEN, ends_on=end,
                    description=f"{base_title} từ vùng {zone.code}, {org.name}. Giao tại vườn hoặc tại kho xã."))
                existing_titles.add((org.id, title))
    db.session.flush()
    return zone_of


def _products(on, crops, sellers, buyers, zone_of, existing_products) -> None:
    """OCOP products: each crop's first sellers make one, of 3, 4 and 5 stars; 4-5 stars sold in retail chains."""
    chains = [b for b in buyers if b.kind == OrgKind.RETAIL_CHAIN]
    for crop_index, (crop_key, (_season, forms, word)) in enumerate(CROP_PROFILES.items(), 1):
        for n, org in enumerate(sellers.get(crop_key, [])[:3]):
            category, stars = OCOP[(crop_index + n) % len(OCOP)]
            form, base_title, unit, price = forms[n % len(forms)]
            name = f"{base_title} {org.commune.name if org.commune else word} OCOP {stars} sao"
            if (org.id, name) in existing_products:
                continue
            db.session.add(OcopProduct(
                organisation=org, crop=crops[crop_key], name=name, category=category, stars=stars,
                certificate_number=f"OCOP-LS-{crop_index:02d}{n + 1:02d}",
                certificate_issued_on=on - timedelta(days=100 + 40 * n),
                certificate_expires_on=on + timedelta(days=400 + 60 * n),
                unit=OCOP_UNITS.get(unit, "hop"), price=int(price * (1.5 if unit == "kg" else 1) // 1000 * 1000) or 50_000,
                stock=50 + 25 * n, min_order_qty=1, tourist_shops_allowed=True,
                status=ProductStatus.PUBLISHED, zones=[zone_of[id(org)]],
                description=f"{name}: sản phẩm OCOP {stars} sao của {org.name}, tỉnh Lạng Sơn."))
            existing_products.add((org.id, name))
    db.session.flush()
    demo_trust_ocop.seed_demo_trust_ocop()  # the department verified them against its register
    _shelves(on, chains)


def _shelves(on, chains) -> None:
    """4-5 star products confirmed on one or two chains' shelves (the chain's word, not the seller's)."""
    if not chains:
        return
    products = db.session.scalars(sa.select(OcopProduct).where(OcopProduct.stars >= 4,
                                                              OcopProduct.name.like("% OCOP _ sao"))
                                  .order_by(OcopProduct.id)).all()
    for n, product in enumerate(products):
        if product.shelf_placements:
            continue
        for chain in chains[: 1 + n % min(2, len(chains))]:
            confirmer = chain.memberships[0].user if chain.memberships else None
            db.session.add(ShelfPlacement(product=product, chain=chain, status=PlacementStatus.CONFIRMED,
                                          since=on - timedelta(days=60 + 7 * n),
                                          requested_at=utcnow() - timedelta(days=70 + 7 * n),
                                          confirmed_by_id=confirmer.id if confirmer else None,
                                          confirmed_at=utcnow() - timedelta(days=65 + 7 * n)))
    db.session.flush()


def _contracts(on, sellers, buyers, owner_of, existing_refs) -> None:
    """Contracts in every state over the past year, between the buyers and each crop's sellers."""
    enterprises = [b for b in buyers if b.kind in (OrgKind.ENTERPRISE, OrgKind.RETAIL_CHAIN)]
    number = 0
    for crop_index, (crop_key, (_season, forms, _word)) in enumerate(CROP_PROFILES.items(), 1):
        for n, seller in enumerate(sellers.get(crop_key, [])[:3]):
            number += 1
            reference = f"HD-TINH-{number:03d}"
            if reference in existing_refs:
                continue
            state = CONTRACT_STATES[(crop_index + n) % len(CONTRACT_STATES)]
            buyer = enterprises[(crop_index * 3 + n) % len(enterprises)]
            listing = db.session.scalar(sa.select(SupplyListing).where(SupplyListing.organisation_id == seller.id)
                                        .order_by(SupplyListing.harvest_start).limit(1))
            if listing is None or buyer.id not in owner_of or seller.id not in owner_of:
                continue
            started = on - timedelta(days=30 + (number * 11) % 330)
            qty = round(listing.quantity / 4, 2)
            price = listing.price_per_unit or forms[0][3]
            terms = {
                "contract": reference, "currency": "VND",
                "buyer": {"id": buyer.id, "name": buyer.name, "tax_code": buyer.tax_code},
                "seller": {"id": seller.id, "name": seller.name, "tax_code": seller.tax_code},
                "items": [{"crop": crop_key, "crop_name": listing.crop.name_vi, "product_form": listing.product_form,
                           "grade": listing.grade, "quantity": float(qty), "unit": listing.unit,
                           "price_per_unit": price}],
                "delivery_windows": [{"start": (started + timedelta(days=5)).isoformat(),
                                      "end": (started + timedelta(days=90)).isoformat(), "quantity": float(qty)}],
                "zone_codes": sorted(z.code for z in listing.zones), "deposit_pct": 10 * (n % 3), "payment_days": 15,
                "payment_terms": "Thanh toán trong 15 ngày sau mỗi lần giao hàng.",
                "cancellation_terms": "Hủy trước lần giao đầu tiên: hoàn trả tiền đặt cọc.",
            }
            contract = Contract(reference=reference, buyer=buyer, seller=seller, crop=listing.crop, state=state,
                                listing=listing, created_by_id=owner_of[buyer.id].id)
            contract.versions.append(ContractVersion(number=1, terms=terms, terms_hash=terms_hash(terms),
                                                     proposed_by_id=buyer.id, created_by_id=owner_of[buyer.id].id))
            db.session.add(contract)
            db.session.flush()
            contract.created_at = utcnow() - (on - started)
            if state in ("signed", "active", "completed", "disputed"):
                version = contract.versions[-1]
                signed_at = utcnow() - (on - started) + timedelta(days=2)
                for org in (buyer, seller):
                    db.session.add(ContractSignature(
                        contract=contract, version=version, organisation_id=org.id, signer_id=owner_of[org.id].id,
                        signer_name=owner_of[org.id].full_name, terms_hash=version.terms_hash, signed_at=signed_at))
                contract.signed_at = signed_at
                if state != "signed":
                    contract.activated_at = signed_at + timedelta(days=1)
            if state == "completed":
                contract.completed_at = utcnow() - (on - started) + timedelta(days=60)
            if state == "cancelled":
                contract.cancelled_at, contract.cancel_reason = utcnow() - timedelta(days=5), "Bên mua đổi kế hoạch."
            if state == "disputed":
                contract.dispute_reason = "Chất lượng lô hàng chưa đạt như thỏa thuận."
            existing_refs.add(reference)


def counts() -> dict[str, int]:
    """What the whole demo holds now (both the small market and the province)."""
    def n(model, *where):
        return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))

    return {
        "organisations": n(Organisation),
        "cooperatives and groups": n(Organisation, Organisation.kind.in_((OrgKind.COOPERATIVE, OrgKind.FARMER_GROUP))),
        "zones": n(GrowingZone),
        "listings": n(SupplyListing),
        "ocop products": n(OcopProduct),
        "contracts": n(Contract),
        "accounts": n(User),
    }
