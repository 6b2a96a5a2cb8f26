"""The demo market (development only): organisations of every kind with one account per role, a catalogue
that stays alive (dates relative to the day of seeding), contracts in every state, and shop orders.

Built on the plan's reference data (`market.services.reference_data`), which must be loaded first.
`flask market seed --demo` runs, in order, `seed_demo` (organisations and accounts), `seed_demo_catalog`,
`seed_demo_contracts` and `seed_demo_orders`. Each is idempotent: rows are found by their natural keys
(names, e-mails, codes, references) and left alone when they exist, so running it twice changes nothing."""
import secrets
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
    Delivery,
    GrowingZone,
    ListingStatus,
    Membership,
    OcopProduct,
    OrderItem,
    Organisation,
    OrgKind,
    OrgStatus,
    Payment,
    ProductStatus,
    ReviewStatus,
    ShopOrder,
    SupplyListing,
    User,
)
from market.models.types import utcnow
from market.services import (
    demo_banking,
    demo_deals,
    demo_geo,
    demo_gs1,
    demo_processing,
    demo_reporting,
    demo_trust_ocop,
    demo_trust_shelves,
)
from market.services.contracts import deposit_amount, terms_hash
from market.services.reference_data import commune_named
from market.text import name_key

DEMO_PASSWORD = "langson-demo-2026"


# The demo market: (key, name, kind, commune, tax code, verified?, description).
DEMO_ORGANISATIONS = [
    ("department", "Sở Nông nghiệp và Môi trường tỉnh Lạng Sơn", OrgKind.DEPARTMENT, "Lương Văn Tri", None, True,
     "Theo dõi kế hoạch phát triển vùng nguyên liệu tập trung 2026-2030."),
    ("office_van_quan", "UBND xã Văn Quan", OrgKind.COMMUNE_OFFICE, "Văn Quan", None, True,
     "Cán bộ nông nghiệp xã Văn Quan."),
    ("htx_hoi", "HTX Hồi Văn Quan", OrgKind.COOPERATIVE, "Văn Quan", "4900112233", True,
     "Hoa hồi khô và tinh dầu hồi từ vùng trồng hữu cơ."),
    ("htx_na", "HTX Na Chi Lăng", OrgKind.COOPERATIVE, "Chi Lăng", "4900223344", True,
     "Na quả tươi đạt VietGAP, vụ thu hoạch tháng 7 đến tháng 9."),
    ("htx_quyt", "HTX Quýt vàng Bắc Sơn", OrgKind.COOPERATIVE, "Bắc Sơn", "4900334455", True,
     "Quýt vàng Bắc Sơn, thu hoạch từ tháng 10 đến tháng 1."),
    ("htx_que", "HTX Quế Tràng Định", OrgKind.COOPERATIVE, "Tràng Định", "4900445566", True,
     "Vỏ quế và tinh dầu quế."),
    ("htx_thach_den", "HTX Thạch đen Thất Khê", OrgKind.COOPERATIVE, "Thất Khê", "4900556677", True,
     "Thạch đen khô và bột thạch đen."),
    ("htx_hong", "HTX Hồng không hạt Hoàng Văn Thụ", OrgKind.COOPERATIVE, "Hoàng Văn Thụ", "4900667788", True,
     "Hồng quả tươi và hồng sấy."),
    ("thg_thong", "Tổ hợp tác Nhựa thông Đình Lập", OrgKind.FARMER_GROUP, "Đình Lập", None, True,
     "Khai thác nhựa thông của các hộ trồng rừng."),
    ("htx_mac_ca", "HTX Mắc ca Lộc Bình", OrgKind.COOPERATIVE, "Lộc Bình", "4900778899", False,
     "Đang chờ Sở xác minh."),
    ("dn_che_bien", "Công ty CP Chế biến Nông lâm sản Xứ Lạng", OrgKind.ENTERPRISE, "Đông Kinh", "4901001001", True,
     "Chế biến hồi, quế, tinh dầu xuất khẩu."),
    ("dn_nhua_thong", "Công ty TNHH Nhựa thông Đình Lập", OrgKind.ENTERPRISE, "Đình Lập", "4901002002", True,
     "Chưng cất nhựa thông thành tùng hương và dầu thông."),
    ("chuoi_ban_le", "Chuỗi siêu thị Nông sản Sạch Miền Bắc", OrgKind.RETAIL_CHAIN, "Kỳ Lừa", "0109003003", True,
     "Chuỗi bán lẻ nhận sản phẩm OCOP 4-5 sao."),
    ("cua_hang_du_lich", "Cửa hàng đặc sản Động Tam Thanh", OrgKind.TOURIST_SHOP, "Tam Thanh", "4901004004", True,
     "Bán quà đặc sản Lạng Sơn cho khách du lịch."),
]

# One account per role: (e-mail, full name, organisation key, role).
DEMO_ACCOUNTS = [
    ("so@demo.langson.vn", "Nguyễn Thị Hoa", "department", "owner"),
    ("xa.vanquan@demo.langson.vn", "Hoàng Văn Đức", "office_van_quan", "owner"),
    ("htx.hoi@demo.langson.vn", "Lương Văn Minh", "htx_hoi", "owner"),
    ("kyhd.hoi@demo.langson.vn", "Vi Thị Lan", "htx_hoi", "signer"),
    ("xaxa.hoi@demo.langson.vn", "Nông Văn Tú", "htx_hoi", "member"),
    ("htx.na@demo.langson.vn", "Hà Thị Thu", "htx_na", "owner"),
    ("htx.quyt@demo.langson.vn", "Dương Văn Sơn", "htx_quyt", "owner"),
    ("htx.que@demo.langson.vn", "Chu Thị Mai", "htx_que", "owner"),
    ("htx.thachden@demo.langson.vn", "Lộc Văn Bình", "htx_thach_den", "owner"),
    ("htx.hong@demo.langson.vn", "Hoàng Thị Nga", "htx_hong", "owner"),
    ("thong.dinhlap@demo.langson.vn", "Triệu Văn Phúc", "thg_thong", "owner"),
    ("htx.macca@demo.langson.vn", "Vy Văn Quang", "htx_mac_ca", "owner"),
    ("dn.chebien@demo.langson.vn", "Trần Quốc Huy", "dn_che_bien", "owner"),
    ("quanly.chebien@demo.langson.vn", "Phạm Thị Yến", "dn_che_bien", "manager"),
    ("dn.nhuathong@demo.langson.vn", "Lê Minh Khang", "dn_nhua_thong", "owner"),
    ("sieuthi@demo.langson.vn", "Đỗ Thị Hạnh", "chuoi_ban_le", "owner"),
    ("cuahang@demo.langson.vn", "Bế Văn Long", "cua_hang_du_lich", "owner"),
]


def seed_demo() -> dict[str, int]:
    """Organisations of every kind with one account per role (password DEMO_PASSWORD). Idempotent:
    rows are found by their natural keys and left alone when they exist."""
    orgs: dict[str, Organisation] = {}
    department_user = None
    for key, name, kind, commune_name, tax_code, verified, description in DEMO_ORGANISATIONS:
        commune = commune_named(commune_name)
        org = db.session.scalar(sa.select(Organisation).where(
            Organisation.name_key == name_key(name), Organisation.commune_id == commune.id))
        if org is None:
            org = Organisation(name=name, name_key=name_key(name), kind=kind, commune=commune, tax_code=tax_code,
                               description=description, status=OrgStatus.PENDING,
                               address=f"{commune.display_name}, tỉnh Lạng Sơn")
            db.session.add(org)
            if verified:
                org.status, org.status_changed_at = OrgStatus.VERIFIED, utcnow()
        orgs[key] = org
    for email, full_name, org_key, role in DEMO_ACCOUNTS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        if user is None:
            user = User(email=email, full_name=full_name)
            user.set_password(DEMO_PASSWORD)
            db.session.add(user)
            db.session.add(Membership(user=user, organisation=orgs[org_key], role=role))
        if org_key == "department":
            department_user = user
    db.session.flush()
    for org in orgs.values():
        if org.is_verified and org.status_changed_by_id is None and org.kind != OrgKind.DEPARTMENT:
            org.status_changed_by_id = department_user.id
    return {"organisations": len(orgs), "accounts": len(DEMO_ACCOUNTS)}


# --- the demo catalogue: zones with certificates, seasonal listings, OCOP products -------------------
# Dates are relative to the day of seeding so the demo stays alive: some certificates valid, one expiring
# within 60 days, one expired; harvest windows placed on each crop's usual season.

# (code, org key, crop key, commune, area ha, households, kind, certificates [(kind, number, issuer, age days, days left)])
DEMO_ZONES = [
    ("LS-VQ-HOI-0001", "htx_hoi", "hoi", "Văn Quan", 120.5, 64, "planting_area",
     [("planting_area_code", "MSVT-LS-0001", "Chi cục Trồng trọt và BVTV Lạng Sơn", 400, 700),
      ("organic", "HC-2025-118", "Trung tâm Chứng nhận Phù hợp QUACERT", 300, 30),
      ("geographical_indication", "CDDL-00045", "Cục Sở hữu trí tuệ", 3000, None)]),
    ("LS-VQ-HOI-0002", "htx_hoi", "hoi", "Tri Lễ", 85.0, 41, "planting_area",
     [("planting_area_code", "MSVT-LS-0002", "Chi cục Trồng trọt và BVTV Lạng Sơn", 800, -20)]),
    ("LS-CL-NA-0001", "htx_na", "na", "Chi Lăng", 64.2, 52, "planting_area",
     [("planting_area_code", "MSVT-LS-0101", "Chi cục Trồng trọt và BVTV Lạng Sơn", 200, 900),
      ("vietgap", "VG-LS-2025-031", "Trung tâm Kiểm nghiệm và Chứng nhận VietGAP", 150, 580)]),
    ("LS-BS-QUYT-0001", "htx_quyt", "quyt", "Bắc Sơn", 48.0, 37, "planting_area",
     [("planting_area_code", "MSVT-LS-0201", "Chi cục Trồng trọt và BVTV Lạng Sơn", 100, 1000),
      ("vietgap", "VG-LS-2024-077", "Trung tâm Kiểm nghiệm và Chứng nhận VietGAP", 900, -5)]),
    ("LS-TD-QUE-0001", "htx_que", "que", "Tràng Định", 210.0, 88, "planting_area",
     [("planting_area_code", "MSVT-LS-0301", "Chi cục Trồng trọt và BVTV Lạng Sơn", 60, 1030)]),
    ("LS-TK-TD-0001", "htx_thach_den", "thach_den", "Thất Khê", 35.5, 29, "planting_area",
     [("vietgap", "VG-LS-2025-090", "Trung tâm Kiểm nghiệm và Chứng nhận VietGAP", 90, 640)]),
    ("LS-HVT-HONG-0001", "htx_hong", "hong", "Hoàng Văn Thụ", 27.0, 23, "planting_area", []),
    ("LS-DL-RT-0001", "thg_thong", "thong", "Đình Lập", 640.0, 112, "planted_forest",
     [("forest_code", "MSRT-LS-0007", "Chi cục Kiểm lâm Lạng Sơn", 365, 1460),
      ("sfm", "FSC-C187654", "FSC / Preferred by Nature", 500, 1300)]),
]

# (org key, crop, form, title, zone codes, (start month, end month), quantity, unit, price VND or None, grade)
DEMO_LISTINGS = [
    ("htx_hoi", "hoi", "dried", "Hoa hồi khô vụ mùa, hữu cơ", ["LS-VQ-HOI-0001"], (8, 10), 12000, "kg", 95_000, "Loại 1"),
    ("htx_hoi", "hoi", "oil", "Tinh dầu hồi chưng cất", ["LS-VQ-HOI-0001", "LS-VQ-HOI-0002"], (9, 12), 800, "lit", 650_000, None),
    ("htx_hoi", "hoi", "dried", "Hoa hồi vụ xuân", ["LS-VQ-HOI-0002"], (2, 4), 5000, "kg", None, "Loại 2"),
    ("htx_na", "na", "fresh", "Na Chi Lăng VietGAP", ["LS-CL-NA-0001"], (7, 9), 40000, "kg", 45_000, "Quả trên 300 g"),
    ("htx_quyt", "quyt", "fresh", "Quýt vàng Bắc Sơn", ["LS-BS-QUYT-0001"], (10, 1), 25000, "kg", 35_000, None),
    ("htx_que", "que", "bark", "Vỏ quế Tràng Định", ["LS-TD-QUE-0001"], (2, 4), 30000, "kg", 48_000, "Quế ống"),
    ("htx_thach_den", "thach_den", "dried", "Thạch đen khô Thất Khê", ["LS-TK-TD-0001"], (7, 9), 18000, "kg", 42_000, None),
    ("htx_hong", "hong", "fresh", "Hồng không hạt Bảo Lâm", ["LS-HVT-HONG-0001"], (9, 10), 15000, "kg", 30_000, None),
    ("thg_thong", "thong", "resin", "Nhựa thông Đình Lập", ["LS-DL-RT-0001"], (3, 11), 200000, "kg", 28_000, None),
]

# (org key, name, category, stars, certificate age days, days left, unit, price, stock, retail chains?)
DEMO_PRODUCTS = [
    ("htx_hoi", "Tinh dầu hồi Văn Quan", "spice", 5, 200, 900, "chai", 180_000, 400, True),
    ("htx_hoi", "Hoa hồi khô đóng túi", "spice", 4, 300, 700, "tui", 90_000, 1200, True),
    ("htx_na", "Na dai Chi Lăng hộp quà", "food", 4, 100, 1000, "hop", 150_000, 200, True),
    ("htx_quyt", "Quýt vàng Bắc Sơn hộp 5 kg", "food", 4, 500, 400, "hop", 250_000, 80, False),
    ("htx_que", "Quế thanh Tràng Định", "spice", 3, 400, 600, "goi", 60_000, 500, False),
    ("htx_thach_den", "Bột thạch đen Thất Khê", "food", 3, 1100, -15, "goi", 45_000, 300, False),
    ("htx_hong", "Hồng sấy dẻo", "food", 3, 250, 800, "hop", 120_000, 150, False),
    ("dn_che_bien", "Tinh dầu quế nguyên chất", "spice", 4, 80, 1000, "chai", 220_000, 300, True),
]


def _season(start_month: int, end_month: int, on):
    """The next window of a crop's usual season (this year's if it has not ended yet)."""
    year = on.year
    end_year = year + (1 if end_month < start_month else 0)
    end = date(end_year, end_month, monthrange(end_year, end_month)[1])
    if end < on:
        year += 1
        end_year += 1
        end = date(end_year, end_month, monthrange(end_year, end_month)[1])
    return date(year, start_month, 1), end


def seed_demo_catalog() -> dict[str, int]:
    """Zones with their certificates, listings in season and OCOP products of the demo organisations,
    plus one zone waiting for the department. Needs `seed_demo` first; rows found by code or title."""
    on = today()
    orgs = {key: db.session.scalar(sa.select(Organisation).where(Organisation.name_key == name_key(name)))
            for key, name, *_rest in DEMO_ORGANISATIONS}
    department_user = db.session.scalar(sa.select(User).where(User.email == DEMO_ACCOUNTS[0][0]))
    crops = {c.key: c for c in db.session.scalars(sa.select(Crop))}
    zones = {}
    for code, org_key, crop_key, commune_name, area, households, kind, certificates in DEMO_ZONES:
        zone = db.session.scalar(sa.select(GrowingZone).where(GrowingZone.code == code))
        if zone is None:
            zone = GrowingZone(code=code, kind=kind, organisation=orgs[org_key], crop=crops[crop_key],
                               commune=commune_named(commune_name), area_ha=area, households=households,
                               status=ReviewStatus.VERIFIED, status_changed_at=utcnow(),
                               status_changed_by_id=department_user.id)
            db.session.add(zone)
            for cert_kind, number, issuer, age, left in certificates:
                zone.certificates.append(Certificate(
                    kind=cert_kind, number=number, issuer=issuer, issued_on=on - timedelta(days=age),
                    expires_on=on + timedelta(days=left) if left is not None else None,
                    status=ReviewStatus.VERIFIED, status_changed_at=utcnow(), status_changed_by_id=department_user.id))
        zones[code] = zone
    for org_key, crop_key, form, title, codes, (m1, m2), qty, unit, price, grade in DEMO_LISTINGS:
        org = orgs[org_key]
        if db.session.scalar(sa.select(SupplyListing.id).where(SupplyListing.organisation_id == org.id,
                                                              SupplyListing.title == title)) is None:
            start, end = _season(m1, m2, on)
            db.session.add(SupplyListing(
                organisation=org, crop=crops[crop_key], product_form=form, title=title, zones=[zones[c] for c in codes],
                harvest_start=start, harvest_end=end, quantity=qty, unit=unit, price_per_unit=price, grade=grade,
                min_order_qty=max(qty / 20, 0.5), status=ListingStatus.OPEN,
                description=f"{title}. Liên hệ HTX để đặt hàng theo vụ.", ends_on=end))
    for index, (org_key, name, category, stars, age, left, unit, price, stock, _in_retail) in enumerate(DEMO_PRODUCTS, 1):
        org = orgs[org_key]
        if db.session.scalar(sa.select(OcopProduct.id).where(OcopProduct.organisation_id == org.id,
                                                            OcopProduct.name == name)) is None:
            db.session.add(OcopProduct(
                organisation=org, name=name, category=category, stars=stars,
                certificate_number=f"OCOP-LS-{stars}S-{index:03d}",
                certificate_issued_on=on - timedelta(days=age), certificate_expires_on=on + timedelta(days=left),
                unit=unit, price=price, stock=stock, min_order_qty=1 if stars < 5 else 2,
                tourist_shops_allowed=True,
                status=ProductStatus.PUBLISHED if left >= 0 else ProductStatus.WITHDRAWN,
                description=f"{name}, sản phẩm OCOP {stars} sao của tỉnh Lạng Sơn."))
    # One zone waits for the department, so the verification queue has something in it.
    pending_code = "LS-LB-MC-0001"
    if db.session.scalar(sa.select(GrowingZone.id).where(GrowingZone.code == pending_code)) is None:
        db.session.add(GrowingZone(code=pending_code, kind="planting_area", organisation=orgs["htx_mac_ca"],
                                   crop=crops["mac_ca"], commune=commune_named("Lộc Bình"), area_ha=22.0,
                                   households=15, status=ReviewStatus.PENDING))
    db.session.flush()
    demo_geo.seed_demo_coordinates()  # the maps show the demo zones where they are
    demo_trust_ocop.seed_demo_trust_ocop()  # each product's OCOP certificate record, in every demo state
    demo_trust_shelves.seed(orgs["chuoi_ban_le"], [p[1] for p in DEMO_PRODUCTS if p[-1]])
    return {"zones": len(DEMO_ZONES) + 1, "listings": len(DEMO_LISTINGS), "products": len(DEMO_PRODUCTS)}


# --- demo contracts, deliveries, payments and orders ------------------------------------------------
# (reference, buyer key, seller key, listing title, quantity, price, deposit %, state, deliveries
#  [(quantity, days after signing, status)], deposit payment status or None)
DEMO_CONTRACTS = [
    ("HD-DEMO-01", "dn_che_bien", "htx_hoi", "Hoa hồi khô vụ mùa, hữu cơ", 10_000, 95_000, 20, "completed",
     [(6_000, 5, "confirmed"), (4_000, 12, "confirmed")], "succeeded"),
    ("HD-DEMO-02", "dn_che_bien", "htx_que", "Vỏ quế Tràng Định", 20_000, 48_000, 10, "active",
     [(8_000, 4, "confirmed")], "succeeded"),
    ("HD-DEMO-03", "dn_nhua_thong", "thg_thong", "Nhựa thông Đình Lập", 100_000, 28_000, 0, "active", [], None),
    ("HD-DEMO-04", "chuoi_ban_le", "htx_na", "Na Chi Lăng VietGAP", 15_000, 45_000, 30, "signed", [], "pending"),
    ("HD-DEMO-05", "dn_che_bien", "htx_thach_den", "Thạch đen khô Thất Khê", 12_000, 42_000, 20, "proposed", [], None),
    ("HD-DEMO-06", "chuoi_ban_le", "htx_quyt", "Quýt vàng Bắc Sơn", 8_000, 35_000, 20, "draft", [], None),
    ("HD-DEMO-07", "dn_che_bien", "htx_hong", "Hồng không hạt Bảo Lâm", 5_000, 30_000, 10, "cancelled", [], None),
    ("HD-DEMO-08", "dn_che_bien", "htx_hoi", "Tinh dầu hồi chưng cất", 400, 650_000, 10, "disputed",
     [(150, 3, "confirmed"), (80, 9, "disputed")], "succeeded"),
]


def seed_demo_contracts() -> dict[str, int]:
    """Contracts in every state, with deliveries and payments, so the department's figures have data.
    Built directly (not through the services) so the seed is quiet and idempotent by reference."""
    on = today()
    orgs = {key: db.session.scalar(sa.select(Organisation).where(Organisation.name_key == name_key(name)))
            for key, name, *_rest in DEMO_ORGANISATIONS}
    owners = {m.organisation_id: m.user for org in orgs.values() for m in org.memberships if m.role == "owner"}
    created = 0
    for ref, buyer_key, seller_key, title, qty, price, deposit, state, deliveries, payment_status in DEMO_CONTRACTS:
        if db.session.scalar(sa.select(Contract.id).where(Contract.reference == ref)) is not None:
            continue
        buyer, seller = orgs[buyer_key], orgs[seller_key]
        listing = db.session.scalar(sa.select(SupplyListing).where(SupplyListing.organisation_id == seller.id,
                                                                   SupplyListing.title == title))
        signed_on = on - timedelta(days=40)
        contract = Contract(reference=ref, buyer=buyer, seller=seller, crop=listing.crop, state=state,
                            listing=listing, created_by_id=owners[buyer.id].id)
        terms = {
            "contract": ref, "currency": "VND",
            "buyer": {"id": buyer.id, "name": buyer.name, "tax_code": buyer.tax_code},
            "seller": {"id": seller.id, "name": seller.name, "tax_code": seller.tax_code},
            "items": [{"crop": listing.crop.key, "crop_name": listing.crop.name_vi,
                       "product_form": listing.product_form, "grade": listing.grade, "quantity": float(qty),
                       "unit": listing.unit, "price_per_unit": price}],
            "delivery_windows": [{"start": (signed_on + timedelta(days=1)).isoformat(),
                                  "end": (on + timedelta(days=60)).isoformat(), "quantity": float(qty)}],
            "zone_codes": sorted(z.code for z in listing.zones), "deposit_pct": deposit, "payment_days": 15,
            "payment_terms": "Thanh toán phần còn lại trong 15 ngày sau mỗi lần giao hàng.",
            "cancellation_terms": "Hủy trước lần giao đầu tiên: hoàn trả tiền đặt cọc.",
        }
        contract.versions.append(ContractVersion(number=1, terms=terms, terms_hash=terms_hash(terms),
                                                 proposed_by_id=buyer.id, created_by_id=owners[buyer.id].id))
        if state == "proposed":  # the cooperative asked for a better price
            countered = {**terms, "items": [{**terms["items"][0], "price_per_unit": price + 3_000}]}
            contract.versions.append(ContractVersion(number=2, terms=countered, terms_hash=terms_hash(countered),
                                                     proposed_by_id=seller.id, created_by_id=owners[seller.id].id,
                                                     note="Đề nghị tăng giá do chi phí sấy."))
        db.session.add(contract)
        db.session.flush()
        if state in ("signed", "active", "completed", "disputed"):
            version = contract.versions[-1]
            for org in (buyer, seller):
                db.session.add(ContractSignature(contract=contract, version=version, organisation_id=org.id,
                                                 signer_id=owners[org.id].id, signer_name=owners[org.id].full_name,
                                                 terms_hash=version.terms_hash,
                                                 signed_at=utcnow() - timedelta(days=40)))
            contract.signed_at = utcnow() - timedelta(days=40)
            if state != "signed":
                contract.activated_at = utcnow() - timedelta(days=39)
        if state == "completed":
            contract.completed_at = utcnow() - timedelta(days=20)
        if state == "cancelled":
            contract.cancelled_at, contract.cancel_reason = utcnow() - timedelta(days=10), "Bên mua đổi kế hoạch."
        if state == "disputed":
            contract.dispute_reason = "Độ ẩm tinh dầu vượt mức thỏa thuận."
        for delivered, after, status in deliveries:
            db.session.add(Delivery(contract=contract, public_id=secrets.token_urlsafe(9), quantity=float(delivered),
                                    delivered_on=signed_on + timedelta(days=after), lot_code=f"{ref}-L{after:02d}",
                                    status=status, zones=list(listing.zones), recorded_by_id=owners[seller.id].id,
                                    dispute_note=contract.dispute_reason if status == "disputed" else None))
        if payment_status:
            amount = deposit_amount(contract.versions[-1].terms)
            db.session.add(Payment(reference=f"TT-{ref[3:]}", purpose="deposit", contract_id=contract.id,
                                   payer_id=buyer.id, payee_id=seller.id, amount=amount, currency="VND",
                                   method="bank_transfer", status=payment_status,
                                   idempotency_key=secrets.token_hex(16), created_by_id=owners[buyer.id].id,
                                   confirmed_by_id=owners[seller.id].id if payment_status == "succeeded" else None,
                                   succeeded_at=utcnow() - timedelta(days=39) if payment_status == "succeeded"
                                   else None))
        created += 1
    db.session.flush()
    demo_deals.seed_demo_deals()  # issue 11 part B: a question and answer, the open dispute of HD-DEMO-08
    demo_processing.seed_demo_processing()  # issue 10a: the buyers' verified processing facilities
    demo_reporting.seed_demo_reporting()  # issue 10 part B: a locked earlier round, this year's in progress
    demo_gs1.seed_demo_gs1()  # issue 16 part A: GTINs, GLNs, harvest lot numbers, product lots
    return {"contracts": len(DEMO_CONTRACTS), "created": created}


def seed_demo_orders() -> int:
    """Two shop orders from the tourist-site shop: one paid and packed, one waiting for payment."""
    shop = db.session.scalar(sa.select(Organisation).where(Organisation.name_key == name_key(DEMO_ORGANISATIONS[-1][1])))
    created = 0
    for reference, product_name, quantity, status in (("DH-DEMO-01", "Tinh dầu hồi Văn Quan", 12, "packed"),
                                                      ("DH-DEMO-02", "Na dai Chi Lăng hộp quà", 6, "pending_payment")):
        if db.session.scalar(sa.select(ShopOrder.id).where(ShopOrder.reference == reference)) is not None:
            continue
        product = db.session.scalar(sa.select(OcopProduct).where(OcopProduct.name == product_name))
        order = ShopOrder(reference=reference, buyer_id=shop.id, seller_id=product.organisation_id, status=status,
                          total=quantity * product.price, shipping_address=shop.address,
                          reserved_until=utcnow() + timedelta(hours=1) if status == "pending_payment" else None,
                          paid_at=utcnow() - timedelta(days=2) if status != "pending_payment" else None)
        order.items.append(OrderItem(product_id=product.id, quantity=quantity, unit_price=product.price,
                                     product_name=product.name))
        product.stock -= quantity  # the order holds its units, as a checkout would
        db.session.add(order)
        created += 1
    db.session.flush()
    demo_banking.seed_demo_banking()  # sellers' bank accounts and the documents of the demo deals
    return created
