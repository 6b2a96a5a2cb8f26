"""A realistic synthetic market for the search benchmark: cooperatives of Lạng Sơn in the communes where
their crops grow, growing zones with certificates of every kind and validity, seasonal supply listings and
OCOP products, all in Vietnamese with diacritics. Inserted with SQLAlchemy Core bulk inserts (no ORM
events, so nothing reaches the search outbox or the index while the corpus is built)."""
import random
import secrets
from calendar import monthrange
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

# Thôn/bản names of the kind found across Lạng Sơn (for seller names and descriptions).
VILLAGES = [
    "Nà Pàn", "Khuổi Phầy", "Bản Chắt", "Pác Cáp", "Nà Làng", "Còn Chè", "Lũng Cút", "Bó Chạp", "Nà Thí",
    "Kéo Coóc", "Pò Mã", "Khòn Pổ", "Nà Già", "Pắc Khuông", "Bản Quấn", "Nà Lầm", "Khau Phạ", "Phai Sen",
    "Kha Lai", "Đông Mò", "Bản Mạ", "Nà Hin", "Pá Phiêng", "Khuổi Khỉn", "Tà Lài", "Nà Tâm", "Bình Độ",
    "Pác Giường", "Thâm Mò", "Nà Chuông", "Khuổi Ngòa", "Nà Mò", "Bản Nầng", "Lùng Khoang", "Pò Nhùng",
]
FAMILY = ["Hoàng", "Lương", "Nông", "Vi", "Lộc", "Hà", "Chu", "Dương", "Triệu", "Bế", "Lăng", "Mã", "Đinh",
          "Nguyễn", "Lý", "Tô", "Vy", "Hứa", "Đàm", "La"]
GIVEN = ["Văn Minh", "Thị Lan", "Văn Tú", "Thị Thu", "Văn Sơn", "Thị Mai", "Văn Bình", "Thị Nga", "Văn Phúc",
         "Văn Quang", "Thị Hạnh", "Văn Long", "Thị Yến", "Văn Đức", "Thị Hoa", "Văn Khánh", "Thị Huyền"]

# crop key -> weight, seasons (start month, end month), zone kind, what is sold:
# (form, base title, unit, (min price, max price) VND per unit), crop-specific sentences, OCOP product names.
CROPS = {
    "hoi": {
        "weight": 22, "seasons": [(8, 10), (2, 4)], "forest": 0.5,
        "items": [
            ("dried", "Hoa hồi khô", "kg", (70_000, 140_000)), ("dried", "Hồi khô vụ mùa", "kg", (75_000, 135_000)),
            ("dried", "Hồi cánh loại 1", "kg", (90_000, 150_000)), ("dried", "Hồi chiêm khô", "tan", (60_000_000, 110_000_000)),
            ("fresh", "Hồi tươi", "kg", (18_000, 35_000)), ("oil", "Tinh dầu hồi", "lit", (550_000, 900_000)),
            ("powder", "Bột hồi xay", "kg", (120_000, 220_000)), ("seedling", "Cây giống hồi ghép", "cay", (8_000, 25_000)),
        ],
        "facts": ["Hồi tám cánh đều, màu nâu đỏ, hàm lượng tinh dầu cao.", "Hồi phơi nắng tự nhiên, không lưu huỳnh.",
                  "Tinh dầu hồi chưng cất bằng nồi inox, hàm lượng anethol trên 85%."],
        "products": [("Tinh dầu hồi {place}", "spice", "chai"), ("Hoa hồi khô đóng túi {w}g", "spice", "tui"),
                     ("Hồi sao xuất khẩu {place}", "spice", "kg"), ("Bột hồi nguyên chất", "spice", "lo")],
    },
    "que": {
        "weight": 14, "seasons": [(2, 4), (8, 10)], "forest": 0.5,
        "items": [
            ("bark", "Vỏ quế", "kg", (38_000, 60_000)), ("bark", "Quế ống", "kg", (45_000, 75_000)),
            ("bark", "Quế chẻ sấy khô", "kg", (30_000, 55_000)), ("oil", "Tinh dầu quế", "lit", (450_000, 800_000)),
            ("powder", "Bột quế", "kg", (90_000, 160_000)), ("dried", "Cành lá quế khô", "tan", (2_000_000, 4_500_000)),
        ],
        "facts": ["Vỏ quế dày, hàm lượng cinnamaldehyde cao.", "Quế được bóc vỏ vào mùa mưa, ủ và phơi khô đúng kỹ thuật."],
        "products": [("Quế thanh {place}", "spice", "goi"), ("Tinh dầu quế nguyên chất", "spice", "chai"),
                     ("Bột quế hữu cơ {place}", "spice", "lo"), ("Trà quế túi lọc", "beverage", "hop")],
    },
    "na": {
        "weight": 12, "seasons": [(7, 9)], "forest": 0.0,
        "items": [
            ("fresh", "Na dai", "kg", (35_000, 70_000)), ("fresh", "Na Chi Lăng", "kg", (40_000, 80_000)),
            ("fresh", "Na bở", "tan", (25_000_000, 45_000_000)), ("dried", "Na sấy dẻo", "kg", (180_000, 260_000)),
        ],
        "facts": ["Quả to đều, mắt na mở, vị ngọt thanh đặc trưng vùng núi đá vôi.", "Hàng tươi hái trong ngày, phân loại theo cỡ quả."],
        "products": [("Na dai {place} hộp quà", "food", "hop"), ("Na sấy dẻo", "food", "tui")],
    },
    "quyt": {
        "weight": 10, "seasons": [(10, 1)], "forest": 0.0,
        "items": [
            ("fresh", "Quýt vàng Bắc Sơn", "kg", (25_000, 45_000)), ("fresh", "Quýt vàng", "tan", (18_000_000, 35_000_000)),
            ("fresh", "Cam đường canh", "kg", (20_000, 35_000)), ("fresh", "Bưởi Diễn", "kg", (25_000, 40_000)),
            ("dried", "Vỏ quýt sấy", "kg", (60_000, 120_000)),
        ],
        "facts": ["Quýt vỏ vàng óng, múi mọng, ngọt đậm.", "Vườn quýt trồng trên đất đồi, bón phân hữu cơ."],
        "products": [("Quýt vàng Bắc Sơn hộp {n} kg", "food", "hop"), ("Mứt vỏ quýt", "food", "hop")],
    },
    "hong": {
        "weight": 8, "seasons": [(9, 11)], "forest": 0.0,
        "items": [
            ("fresh", "Hồng không hạt Bảo Lâm", "kg", (25_000, 45_000)), ("fresh", "Hồng vành khuyên", "kg", (30_000, 55_000)),
            ("dried", "Hồng sấy dẻo", "kg", (200_000, 320_000)), ("dried", "Hồng treo gió", "kg", (250_000, 380_000)),
        ],
        "facts": ["Hồng giòn, ngọt, không chát khi chín.", "Hồng sấy theo phương pháp truyền thống, không chất bảo quản."],
        "products": [("Hồng sấy dẻo {place}", "food", "hop"), ("Hồng treo gió", "food", "hop"),
                     ("Hồng không hạt hộp quà", "food", "hop")],
    },
    "thach_den": {
        "weight": 7, "seasons": [(7, 9)], "forest": 0.0,
        "items": [
            ("dried", "Thạch đen khô", "kg", (30_000, 55_000)), ("dried", "Cây thạch đen phơi khô", "tan", (28_000_000, 48_000_000)),
            ("powder", "Bột thạch đen", "kg", (110_000, 180_000)),
        ],
        "facts": ["Cây thạch đen cắt khi ra hoa, phơi khô giữ mùi thơm.", "Thạch đen nấu cho màu đen bóng, giòn dai."],
        "products": [("Bột thạch đen {place}", "food", "goi"), ("Thạch đen khô", "food", "tui"), ("Thạch đen đóng lon", "beverage", "hop")],
    },
    "mac_ca": {
        "weight": 7, "seasons": [(8, 10)], "forest": 0.0,
        "items": [
            ("dried", "Mắc ca sấy nứt vỏ", "kg", (220_000, 320_000)), ("fresh", "Quả mắc ca tươi", "kg", (40_000, 65_000)),
            ("oil", "Dầu mắc ca ép lạnh", "lit", (700_000, 1_200_000)), ("dried", "Nhân mắc ca", "kg", (450_000, 650_000)),
        ],
        "facts": ["Hạt mắc ca to, nhân trắng ngà, béo ngậy.", "Vườn mắc ca trồng xen trên đất đồi, chăm sóc hữu cơ."],
        "products": [("Mắc ca sấy nứt vỏ {place}", "food", "hop"), ("Dầu mắc ca ép lạnh", "food", "chai"),
                     ("Nhân mắc ca rang muối", "food", "hop")],
    },
    "thong": {
        "weight": 9, "seasons": [(3, 11)], "forest": 1.0,
        "items": [
            ("resin", "Nhựa thông", "tan", (25_000_000, 34_000_000)), ("resin", "Nhựa thông thô", "kg", (24_000, 33_000)),
            ("timber", "Gỗ thông", "m3", (1_800_000, 3_200_000)), ("oil", "Tinh dầu thông", "lit", (250_000, 450_000)),
            ("seedling", "Cây giống thông mã vĩ", "cay", (1_500, 4_000)),
        ],
        "facts": ["Nhựa thông khai thác theo phương pháp mở máng, không dùng hóa chất kích thích.",
                  "Rừng thông trồng có mã số rừng trồng, khai thác bền vững."],
        "products": [("Tinh dầu thông {place}", "spice", "chai"), ("Tùng hương tinh chế", "handicraft", "kg")],
    },
    "de": {
        "weight": 5, "seasons": [(8, 10)], "forest": 0.0,
        "items": [
            ("dried", "Hạt dẻ sấy", "kg", (90_000, 150_000)), ("fresh", "Hạt dẻ tươi", "kg", (60_000, 110_000)),
            ("powder", "Bột hạt dẻ", "kg", (160_000, 240_000)), ("dried", "Hạt dẻ rang", "kg", (120_000, 180_000)),
        ],
        "facts": ["Hạt dẻ Trùng Khánh giống địa phương, bùi và thơm.", "Hạt dẻ được tuyển chọn, loại bỏ hạt sâu."],
        "products": [("Hạt dẻ rang {place}", "food", "tui"), ("Bột hạt dẻ", "food", "goi"), ("Hạt dẻ sấy túi {w}g", "food", "tui")],
    },
    "duoc_lieu": {
        "weight": 4, "seasons": [(12, 3)], "forest": 0.0,
        "items": [
            ("dried", "Chè hoa vàng sấy khô", "kg", (1_500_000, 3_500_000)), ("fresh", "Hoa chè vàng tươi", "kg", (300_000, 700_000)),
            ("dried", "Gừng sấy lát", "kg", (80_000, 140_000)), ("dried", "Ba kích khô", "kg", (250_000, 450_000)),
            ("other", "Sa nhân quả khô", "kg", (180_000, 320_000)),
        ],
        "facts": ["Chè hoa vàng mọc dưới tán rừng tự nhiên, thu hái thủ công.", "Dược liệu sấy lạnh giữ nguyên hoạt chất."],
        "products": [("Trà hoa vàng {place}", "herbal", "hop"), ("Chè hoa vàng sấy lạnh", "herbal", "hop"),
                     ("Rượu ba kích", "beverage", "chai"), ("Gừng sấy lát", "herbal", "goi")],
    },
    "keo": {
        "weight": 2, "seasons": [(1, 12)], "forest": 1.0,
        "items": [("timber", "Gỗ keo nguyên liệu", "m3", (1_100_000, 1_600_000)), ("seedling", "Cây giống keo lai", "cay", (900, 2_000))],
        "facts": ["Gỗ keo 6-7 năm tuổi, đường kính trên 12 cm."],
        "products": [("Đũa gỗ keo", "handicraft", "hop")],
    },
}

QUALIFIERS = ["loại 1", "loại 2", "hữu cơ", "VietGAP", "xuất khẩu", "vụ mùa", "vụ chiêm", "sấy lò", "phơi nắng",
              "đóng bao 50 kg", "hàng tuyển", "giá tốt", "số lượng lớn", "chính vụ", "giao tại vườn"]
GRADES = ["Loại 1", "Loại 2", "Loại đặc biệt", "Hàng tuyển", "Tiêu chuẩn xuất khẩu", "Độ ẩm dưới 13%",
          "Quả trên 300 g", None, None, None]
SENTENCES = [
    "{item} được thu hái tại thôn {village}, xã {commune}.",
    "Sản phẩm được phơi khô tự nhiên, độ ẩm dưới 13%, không nấm mốc.",
    "Sấy bằng lò sấy gián tiếp, giữ màu và mùi thơm đặc trưng.",
    "Cam kết nguồn gốc rõ ràng, có mã số vùng trồng.",
    "Đóng bao PP 25-50 kg, giao hàng tại kho hợp tác xã.",
    "Nhận đặt hàng theo vụ, ký hợp đồng bao tiêu dài hạn.",
    "Hỗ trợ vận chuyển đến cửa khẩu Hữu Nghị và Tân Thanh.",
    "Giá có thể thương lượng theo số lượng.",
    "Sản lượng dự kiến {qty} {unit} mỗi vụ.",
    "Hộ thành viên canh tác theo quy trình VietGAP, hạn chế phân bón hóa học.",
    "Phù hợp cho nhà máy chế biến, chưng cất tinh dầu và xuất khẩu.",
    "Liên hệ {person} để xem mẫu và thăm vườn.",
    "Có hóa đơn, hợp đồng và giấy chứng nhận đầy đủ.",
    "Ưu tiên doanh nghiệp thu mua ổn định nhiều năm.",
]
UNIT_QTY = {"kg": (100, 50_000), "tan": (1, 200), "lit": (20, 2_000), "cay": (1_000, 100_000), "m3": (10, 2_000)}
GI_CROPS = {"hoi", "na", "quyt", "hong", "thach_den", "que"}


def _utc(d: datetime) -> datetime:
    return d.replace(tzinfo=timezone.utc)


def _abbr(name: str) -> str:
    from market.text import fold

    return "".join(w[0] for w in fold(name).split()).upper()[:3]


def _window(rng: random.Random, crop: dict, form: str, on: date) -> tuple[date, date]:
    """A harvest window on the crop's season (shifted a little), sometimes off-season; long for timber,
    resin and seedlings. Spread over this year and the next so every month has supply."""
    year = on.year + rng.choice((-1, 0, 0, 1))
    if form in ("timber", "seedling") or rng.random() < 0.08:
        start = date(year, rng.randint(1, 12), rng.randint(1, 28))
        end = start + timedelta(days=rng.randint(30, 300))
        return start, end
    m1, m2 = rng.choice(crop["seasons"])
    shift = rng.choice((-1, 0, 0, 0, 1))
    m1 = (m1 - 1 + shift) % 12 + 1
    m2 = (m2 - 1 + shift) % 12 + 1
    end_year = year + (1 if m2 < m1 else 0)
    start = date(year, m1, rng.choice((1, 1, 5, 10, 15)))
    end = date(end_year, m2, monthrange(end_year, m2)[1])
    if (end - start).days > 365:
        end = start + timedelta(days=365)
    return start, end


def build(conn, *, listings: int, products: int, seed: int = 2026, on: date | None = None) -> dict:
    """Insert the corpus through `conn` (a SQLAlchemy Core connection in a transaction). Returns counts."""
    from market.models import (
        Certificate, Commune, Crop, GrowingZone, OcopProduct, Organisation, SupplyListing, listing_zone,
    )
    from market.search.documents import harvest_months  # noqa: F401  (same month rule as the index)
    from market.services.seed import plan_data
    from market.text import name_key

    rng = random.Random(seed)
    on = on or date.today()
    now = datetime.now(timezone.utc)
    communes = {name: cid for cid, name in conn.execute(sa.select(Commune.id, Commune.name))}
    crops = {key: cid for cid, key in conn.execute(sa.select(Crop.id, Crop.key))}
    plan = {c["key"]: c for c in plan_data()["crops"]}
    crop_communes = {k: (plan[k]["communes"] or list(communes)) for k in CROPS}
    next_id = {t: (conn.execute(sa.select(sa.func.max(t.c.id))).scalar() or 0) + 1
               for t in (Organisation.__table__, GrowingZone.__table__, Certificate.__table__,
                         SupplyListing.__table__, OcopProduct.__table__)}

    def ids(table, n):
        start = next_id[table]
        next_id[table] += n
        return range(start, start + n)

    crop_keys = list(CROPS)
    weights = [CROPS[k]["weight"] for k in crop_keys]

    # --- sellers: cooperatives and farmer groups in the communes their crops grow in -----------------
    n_sellers = max(50, listings // 40)
    org_rows, sellers = [], []
    commune_names = {cid: name for name, cid in communes.items()}
    used = {(key, commune_names.get(cid)) for key, cid in conn.execute(
        sa.select(Organisation.name_key, Organisation.commune_id))}
    for org_id in ids(Organisation.__table__, n_sellers):
        main = rng.choices(crop_keys, weights)[0]
        crops_of = [main] + ([rng.choices(crop_keys, weights)[0]] if rng.random() < 0.3 else [])
        crops_of = list(dict.fromkeys(crops_of))
        commune = rng.choice(crop_communes[main])
        village = rng.choice(VILLAGES)
        crop_vi = plan[main]["name_vi"].split(" và ")[0].replace(" lấy hạt", "")
        if rng.random() < 0.8:
            kind, base = "cooperative", rng.choice([f"HTX {crop_vi} {village}", f"HTX Nông lâm nghiệp {village}",
                                                      f"HTX {crop_vi} {commune}", f"HTX Dịch vụ nông nghiệp {village}"])
        else:
            kind, base = "farmer_group", f"Tổ hợp tác {crop_vi} thôn {village}"
        name, k = base, 1
        while (name_key(name), commune) in used:
            k += 1
            name = f"{base} số {k}"
        used.add((name_key(name), commune))
        verified = rng.random() < 0.93
        person = f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}"
        created = _utc(datetime(on.year, 1, 1) - timedelta(days=rng.randint(30, 900)))
        org_rows.append({
            "id": org_id, "name": name, "name_key": name_key(name), "kind": kind,
            "tax_code": f"49{org_id:08d}" if rng.random() < 0.7 else None, "commune_id": communes[commune],
            "address": f"Thôn {village}, xã {commune}, tỉnh Lạng Sơn", "contact_name": person,
            "phone": f"09{rng.randint(10_000_000, 99_999_999)}", "email": None,
            "description": f"{name} sản xuất và cung ứng {', '.join(plan[c]['name_vi'] for c in crops_of)} "
                           f"tại xã {commune}. {rng.choice(CROPS[main]['facts'])}",
            "status": "verified" if verified else "pending", "status_changed_at": created if verified else None,
            "created_at": created,
        })
        sellers.append({"id": org_id, "crops": crops_of, "commune": commune, "village": village, "person": person})
    # Buyers (indexed as organisations too).
    buyer_kinds = [("enterprise", "Công ty CP Chế biến Nông lâm sản"), ("enterprise", "Công ty TNHH Tinh dầu"),
                   ("retail_chain", "Chuỗi siêu thị Nông sản"), ("tourist_shop", "Cửa hàng đặc sản")]
    for org_id in ids(Organisation.__table__, max(20, n_sellers // 10)):
        kind, prefix = rng.choice(buyer_kinds)
        commune = rng.choice(list(communes))
        name = f"{prefix} {rng.choice(VILLAGES)} {org_id}"
        org_rows.append({
            "id": org_id, "name": name, "name_key": name_key(name), "kind": kind,
            "tax_code": f"01{org_id:08d}", "commune_id": communes[commune],
            "address": f"xã {commune}, tỉnh Lạng Sơn", "contact_name": f"{rng.choice(FAMILY)} {rng.choice(GIVEN)}",
            "phone": None, "email": None, "description": f"Thu mua {rng.choice(list(plan.values()))['name_vi']} "
                                                         f"và sản phẩm OCOP Lạng Sơn.",
            "status": "verified", "status_changed_at": now, "created_at": now - timedelta(days=rng.randint(1, 600)),
        })
    _insert(conn, Organisation.__table__, org_rows)

    # --- zones (each seller has at least one per crop) and their certificates ------------------------
    zone_rows, cert_rows, zones_of = [], [], {}
    zone_seq = 0
    for seller in sellers:
        for crop in seller["crops"]:
            for _ in range(rng.choice((1, 1, 2, 2, 3))):
                zone_seq += 1
                zone_id = next_id[GrowingZone.__table__]
                next_id[GrowingZone.__table__] += 1
                commune = seller["commune"] if rng.random() < 0.7 else rng.choice(crop_communes[crop])
                forest = rng.random() < CROPS[crop]["forest"]
                status = rng.choices(["verified", "pending", "rejected", "recalled"], [85, 10, 3, 2])[0]
                zone_rows.append({
                    "id": zone_id, "code": f"LS-{_abbr(commune)}-{crop.upper().replace('_', '')}-{zone_seq:05d}",
                    "kind": "planted_forest" if forest else "planting_area",
                    "name": f"Vùng {plan[crop]['name_vi']} thôn {rng.choice(VILLAGES)}",
                    "organisation_id": seller["id"], "commune_id": communes[commune], "crop_id": crops[crop],
                    "area_ha": round(rng.uniform(2, 300), 1), "households": rng.randint(3, 120),
                    "latitude": round(rng.uniform(21.3, 22.4), 5), "longitude": round(rng.uniform(106.0, 107.3), 5),
                    "status": status, "status_changed_at": now if status != "pending" else None,
                    "created_at": now - timedelta(days=rng.randint(30, 900)), "updated_at": now,
                })
                zones_of.setdefault((seller["id"], crop), []).append(zone_id)
                kinds = ["forest_code" if forest else "planting_area_code"] if rng.random() < 0.85 else []
                if forest:
                    kinds += ["sfm"] if rng.random() < 0.25 else []
                else:
                    kinds += [k for k, p in (("vietgap", 0.35), ("globalgap", 0.08), ("organic", 0.12)) if rng.random() < p]
                if crop in GI_CROPS and rng.random() < 0.25:
                    kinds.append("geographical_indication")
                for kind in kinds:
                    issued = on - timedelta(days=rng.randint(0, 1500))
                    validity = rng.random()
                    expires = (None if kind == "geographical_indication" else
                               on + timedelta(days=rng.randint(30, 1200)) if validity < 0.7 else
                               on - timedelta(days=rng.randint(1, 400)) if validity < 0.9 else
                               on + timedelta(days=rng.randint(0, 60)))
                    if expires is not None and expires < issued:
                        issued = expires - timedelta(days=rng.randint(365, 1095))
                    cstatus = rng.choices(["verified", "pending", "rejected"], [88, 9, 3])[0]
                    cert_rows.append({
                        "id": next(iter(ids(Certificate.__table__, 1))), "zone_id": zone_id, "kind": kind,
                        "number": f"{kind[:3].upper()}-LS-{rng.randint(1000, 99999)}",
                        "issuer": rng.choice(["Chi cục Trồng trọt và BVTV Lạng Sơn", "Chi cục Kiểm lâm Lạng Sơn",
                                              "Trung tâm Chứng nhận Phù hợp QUACERT", "Cục Sở hữu trí tuệ",
                                              "FSC / Preferred by Nature"]),
                        "issued_on": issued, "expires_on": expires, "status": cstatus,
                        "status_changed_at": now if cstatus != "pending" else None, "created_at": now,
                    })
    _insert(conn, GrowingZone.__table__, zone_rows)
    _insert(conn, Certificate.__table__, cert_rows)

    # --- supply listings ------------------------------------------------------------------------------
    # A few sellers list much more than others (Zipf-like), as on real markets.
    seller_weights = [1.0 / (1 + (i % 97)) ** 0.6 for i in range(len(sellers))]
    listing_rows, lz_rows = [], []
    for listing_id in ids(SupplyListing.__table__, listings):
        seller = rng.choices(sellers, seller_weights)[0]
        crop = rng.choice(seller["crops"])
        spec = CROPS[crop]
        form, item, unit, (pmin, pmax) = rng.choice(spec["items"])
        quals = rng.sample(QUALIFIERS, rng.choice((0, 1, 1, 2)))
        place = rng.choice((seller["commune"], seller["village"], ""))
        title = " ".join(p for p in (item, *quals, place) if p)
        start, end = _window(rng, spec, form, on)
        qmin, qmax = UNIT_QTY[unit]
        qty = round(rng.uniform(qmin, qmax), 0 if unit in ("cay", "kg") else 1)
        sentences = rng.sample(SENTENCES, rng.randint(2, 4)) + [rng.choice(spec["facts"])]
        rng.shuffle(sentences)
        description = " ".join(s.format(item=item, village=seller["village"], commune=seller["commune"],
                                        qty=f"{qty:,.0f}".replace(",", "."), unit=unit, person=seller["person"])
                               for s in sentences)
        price = None if rng.random() < 0.15 else int(round(rng.uniform(pmin, pmax), -3))
        created = now - timedelta(days=rng.randint(0, 400), seconds=rng.randint(0, 86_400))
        status = rng.choices(["open", "reserved", "sold_out", "draft", "closed"], [88, 5, 3, 2, 2])[0]
        listing_rows.append({
            "id": listing_id, "public_id": secrets.token_urlsafe(9), "organisation_id": seller["id"],
            "crop_id": crops[crop], "product_form": form, "title": title[:200], "description": description,
            "harvest_start": start, "harvest_end": end, "quantity": qty, "unit": unit,
            "grade": rng.choice(GRADES), "price_per_unit": price, "currency": "VND",
            "min_order_qty": max(round(qty / 20, 1), 0.5), "status": status, "ends_on": end,
            "created_at": created, "updated_at": created,
        })
        zones = zones_of[(seller["id"], crop)]
        for zone_id in rng.sample(zones, 1 if len(zones) == 1 or rng.random() < 0.8 else 2):
            lz_rows.append({"listing_id": listing_id, "zone_id": zone_id})
    _insert(conn, SupplyListing.__table__, listing_rows)
    _insert(conn, listing_zone, lz_rows)

    # --- OCOP products -------------------------------------------------------------------------------
    product_rows = []
    for product_id in ids(OcopProduct.__table__, products):
        seller = rng.choices(sellers, seller_weights)[0]
        crop = rng.choice(seller["crops"])
        template, category, unit = rng.choice(CROPS[crop]["products"])
        name = template.format(place=rng.choice((seller["commune"], "Lạng Sơn", "Xứ Lạng", seller["village"])),
                               w=rng.choice((100, 200, 250, 500)), n=rng.choice((2, 3, 5)))
        stars = rng.choices((3, 4, 5), (60, 32, 8))[0]
        issued = on - timedelta(days=rng.randint(0, 1000))
        expires = issued + timedelta(days=rng.choice((1095, 1095, 1095, 730)))
        created = now - timedelta(days=rng.randint(0, 700))
        product_rows.append({
            "id": product_id, "public_id": secrets.token_urlsafe(9), "organisation_id": seller["id"],
            "crop_id": crops[crop], "name": name, "category": category,
            "description": f"{name}, sản phẩm OCOP {stars} sao của {seller['commune']}, tỉnh Lạng Sơn. "
                           f"{rng.choice(CROPS[crop]['facts'])} {rng.choice(SENTENCES[1:8]).format(item=name, village='', commune='', qty='', unit='', person='')}",
            "stars": stars, "certificate_number": f"OCOP-LS-{stars}S-{product_id:05d}",
            "certificate_issued_on": issued, "certificate_expires_on": expires, "unit": unit,
            "price": int(round(rng.uniform(30_000, 900_000), -3)), "currency": "VND",
            "min_order_qty": rng.choice((1, 1, 2, 10)), "stock": rng.randint(0, 5000),
            "tourist_shops_allowed": rng.random() < 0.9,
            "status": rng.choices(["published", "draft", "withdrawn"], [92, 5, 3])[0],
            "created_at": created, "updated_at": created,
        })
    _insert(conn, OcopProduct.__table__, product_rows)
    return {"organisations": len(org_rows), "sellers": len(sellers), "zones": len(zone_rows),
            "certificates": len(cert_rows), "listings": len(listing_rows), "listing_zones": len(lz_rows),
            "products": len(product_rows)}


def _insert(conn, table, rows, chunk: int = 5000) -> None:
    for i in range(0, len(rows), chunk):
        conn.execute(table.insert(), rows[i:i + chunk])
