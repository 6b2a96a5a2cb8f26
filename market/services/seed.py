"""Loading the plan's facts (idempotent) and a living demo market on top of them."""
import json
from importlib import resources

import sqlalchemy as sa

from market.extensions import db
from market.models import Commune, CommuneAlias, Crop, Membership, Organisation, OrgKind, OrgStatus, PlanTarget, User
from market.models.types import utcnow
from market.text import name_key, slugify

DEMO_PASSWORD = "langson-demo-2026"


def plan_data() -> dict:
    return json.loads(resources.files("market.data").joinpath("plan.json").read_text(encoding="utf-8"))


def _upsert(model, lookup: dict, values: dict):
    row = db.session.scalar(sa.select(model).filter_by(**lookup))
    if row is None:
        row = model(**lookup)
        db.session.add(row)
    for key, value in values.items():
        setattr(row, key, value)
    return row


def seed_plan() -> dict[str, int]:
    """Communes (with aliases), crops (with their communes and target ranges) and plan targets.
    Running it twice changes nothing."""
    data = plan_data()
    communes = {}
    for item in data["communes"]:
        commune = _upsert(Commune, {"name": item["name"]}, {"kind": item["kind"], "slug": slugify(item["name"])})
        communes[item["name"]] = commune
        existing = {a.name for a in commune.aliases}
        for alias in item["aliases"]:
            if alias not in existing:
                commune.aliases.append(CommuneAlias(name=alias))
    for item in data["crops"]:
        fields = {k: v for k, v in item.items() if k not in ("key", "communes")}
        crop = _upsert(Crop, {"key": item["key"]}, fields)
        crop.communes = [communes[name] for name in item["communes"]]
    for item in data["targets"]:
        _upsert(PlanTarget, {"key": item["key"]}, {k: v for k, v in item.items() if k != "key"})
    db.session.flush()
    return {"communes": len(data["communes"]), "crops": len(data["crops"]), "targets": len(data["targets"])}


def commune_named(name: str) -> Commune:
    """A commune by its name or one of its aliases (names in old registers vary)."""
    commune = db.session.scalar(sa.select(Commune).where(Commune.name == name))
    if commune is None:
        commune = db.session.scalar(sa.select(Commune).join(CommuneAlias).where(CommuneAlias.name == name))
    if commune is None:
        raise LookupError(f"unknown commune {name!r}")
    return commune


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
    ("htx_hoi", "hoi", "dried", "Hoa hồi khô vụ mùa, hữu cơ", ["LS-VQ-HOI-0001"], (8, 10), 12, "tan", 95_000, "Loại 1"),
    ("htx_hoi", "hoi", "oil", "Tinh dầu hồi chưng cất", ["LS-VQ-HOI-0001", "LS-VQ-HOI-0002"], (9, 12), 800, "lit", 650_000, None),
    ("htx_hoi", "hoi", "dried", "Hoa hồi vụ xuân", ["LS-VQ-HOI-0002"], (2, 4), 5, "tan", None, "Loại 2"),
    ("htx_na", "na", "fresh", "Na Chi Lăng VietGAP", ["LS-CL-NA-0001"], (7, 9), 40, "tan", 45_000, "Quả trên 300 g"),
    ("htx_quyt", "quyt", "fresh", "Quýt vàng Bắc Sơn", ["LS-BS-QUYT-0001"], (10, 1), 25, "tan", 35_000, None),
    ("htx_que", "que", "bark", "Vỏ quế Tràng Định", ["LS-TD-QUE-0001"], (2, 4), 30, "tan", 48_000, "Quế ống"),
    ("htx_thach_den", "thach_den", "dried", "Thạch đen khô Thất Khê", ["LS-TK-TD-0001"], (7, 9), 18, "tan", 42_000, None),
    ("htx_hong", "hong", "fresh", "Hồng không hạt Bảo Lâm", ["LS-HVT-HONG-0001"], (9, 10), 15, "tan", 30_000, None),
    ("thg_thong", "thong", "resin", "Nhựa thông Đình Lập", ["LS-DL-RT-0001"], (3, 11), 200, "tan", 28_000, None),
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
    from calendar import monthrange
    from datetime import date

    year = on.year
    end_year = year + (1 if end_month < start_month else 0)
    end = date(end_year, end_month, monthrange(end_year, end_month)[1])
    if end < on:
        year += 1
        end_year += 1
        end = date(end_year, end_month, monthrange(end_year, end_month)[1])
    return date(year, start_month, 1), end


def seed_demo_catalog() -> dict[str, int]:
    from datetime import timedelta

    from market.clock import today
    from market.models import (
        Certificate, GrowingZone, ListingStatus, OcopProduct, ProductStatus, ReviewStatus, SupplyListing,
    )

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
    retail = orgs["chuoi_ban_le"]
    for index, (org_key, name, category, stars, age, left, unit, price, stock, in_retail) in enumerate(DEMO_PRODUCTS, 1):
        org = orgs[org_key]
        if db.session.scalar(sa.select(OcopProduct.id).where(OcopProduct.organisation_id == org.id,
                                                            OcopProduct.name == name)) is None:
            db.session.add(OcopProduct(
                organisation=org, name=name, category=category, stars=stars,
                certificate_number=f"OCOP-LS-{stars}S-{index:03d}",
                certificate_issued_on=on - timedelta(days=age), certificate_expires_on=on + timedelta(days=left),
                unit=unit, price=price, stock=stock, min_order_qty=1 if stars < 5 else 2,
                tourist_shops_allowed=True, retail_chains=[retail] if in_retail else [],
                status=ProductStatus.PUBLISHED if left >= 0 else ProductStatus.WITHDRAWN,
                description=f"{name}, sản phẩm OCOP {stars} sao của tỉnh Lạng Sơn."))
    # One zone waits for the department, so the verification queue has something in it.
    pending_code = "LS-LB-MC-0001"
    if db.session.scalar(sa.select(GrowingZone.id).where(GrowingZone.code == pending_code)) is None:
        db.session.add(GrowingZone(code=pending_code, kind="planting_area", organisation=orgs["htx_mac_ca"],
                                   crop=crops["mac_ca"], commune=commune_named("Lộc Bình"), area_ha=22.0,
                                   households=15, status=ReviewStatus.PENDING))
    db.session.flush()
    return {"zones": len(DEMO_ZONES) + 1, "listings": len(DEMO_LISTINGS), "products": len(DEMO_PRODUCTS)}
