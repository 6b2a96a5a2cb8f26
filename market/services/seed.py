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
