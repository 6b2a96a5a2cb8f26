#!/usr/bin/env python
"""Search benchmark: the embedded SQLite FTS5 engine and Elasticsearch against a plain SQL LIKE search doing
the same job, on a realistic Lạng Sơn market built in a throwaway database.

    .venv/bin/python bench/search_bench.py [--listings 100000 --products 10000 --elasticsearch-url URL]
    .venv/bin/python bench/search_bench.py --growth   # 10k/100k/1M listings on Elasticsearch, 10k/100k embedded

What it does (bench/README.md explains the choices):
1. builds a fresh SQLite market in a temporary folder (migrations, plan, demo accounts, then generated
   cooperatives, growing zones with certificates, supply listings and OCOP products inserted with
   SQLAlchemy Core, with SEARCH_SYNC_ON_COMMIT off; the search outbox is emptied afterwards);
2. times building every document (market.search.bulk_documents) and a full reindex
   (market.search.sync.reindex) of each engine: documents per second;
3. runs eight query types (diacritics, folded, facets, filters, sort, typos, Telex/VNI, extra words), each
   many times with varied inputs after a warm-up, through the search page's own path; the naive LIKE search
   (count + first page + facets) runs for (a)-(c); engines take turns on every input so that other load on
   the machine falls on all alike;
4. records where the embedded engine spends its time (per statement) and its query plans;
5. writes bench/results/search-<timestamp>.json and prints a Markdown table and the goals met or not.
Nothing is cached between searches by the benchmark; every timed search runs its queries.
"""
import argparse
import cProfile
import io
import itertools
import json
import os
import platform
import pstats
import random
import secrets
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
import warnings
from calendar import monthrange
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"
GOALS = {"elasticsearch_p95_ms": 20, "embedded_p95_ms": 40, "reindex_docs_per_s": 5000}


# --- the corpus ------------------------------------------------------------------------------------
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
    return d.replace(tzinfo=UTC)


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


def build_corpus(conn, *, listings: int, products: int, seed: int = 2026, on: date | None = None) -> dict:  # noqa: C901 - one insert block per table
    """Insert the corpus through `conn` (a SQLAlchemy Core connection in a transaction). Returns counts."""
    from market.models import (
        Certificate,
        Commune,
        Crop,
        GrowingZone,
        OcopProduct,
        Organisation,
        SupplyListing,
        listing_zone,
    )
    from market.services.reference_data import plan_data
    from market.text import name_key

    rng = random.Random(seed)
    on = on or date.today()
    now = datetime.now(UTC)
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
    # Cumulated once: random.choices with `weights` sums them on every call (the same draws, but quadratic:
    # hours at 1,000,000 listings).
    seller_cum = list(itertools.accumulate(seller_weights))
    listing_rows, lz_rows = [], []
    for listing_id in ids(SupplyListing.__table__, listings):
        seller = rng.choices(sellers, cum_weights=seller_cum)[0]
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
        seller = rng.choices(sellers, cum_weights=seller_cum)[0]
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


# --- the queries ---------------------------------------------------------------------------------------
QUERY_TYPES = {
    "a": "text with diacritics",
    "b": "folded text",
    "c": "text + crop + commune (facets)",
    "d": "filters only: cert + month",
    "e": "sort price_asc + crop",
    "f": "typos (one edit in a syllable)",
    "g": "Telex / VNI typed literally",
    "h": "extra words (all-words finds nothing)",
}
GOAL_TYPES = tuple(QUERY_TYPES)  # every type, the typo, Telex/VNI and fallback paths included
TEXT_WITH_DIACRITICS = ["hồi khô", "quế ống", "tinh dầu hồi", "na dai", "quýt vàng", "hồng sấy", "thạch đen",
                        "mắc ca sấy", "nhựa thông", "hạt dẻ", "chè hoa vàng", "bột quế", "hoa hồi khô loại 1",
                        "tinh dầu quế", "vỏ quế", "hồng không hạt"]
TEXT_FOLDED = ["hoi kho", "que", "dau", "tinh dau", "na dai", "quyt vang", "hong say", "thach den", "mac ca",
               "nhua thong", "hat de", "che hoa vang", "bot que", "hoi", "tinh dau que", "vo que"]
# One edit in a syllable (doubled, dropped or swapped letter), short syllables included.
TEXT_TYPOS = ["hooi kho", "hoi khoo", "qeu ong", "tinh dauu hoi", "na daii", "quyt vnag", "hong sya", "thach dne",
              "nhựa thôngg", "hạt dẻ rangg", "vietgapp", "chè hoa vàngg", "mắc ca nhânn", "bot qeu"]
# Typed with a Telex or VNI keyboard's keys but no input method: the marks arrive as letters or digits.
TEXT_TELEX_VNI = ["hooif khoo", "quees oongs", "tinh daauf hooif", "quyts vangf", "hoongf saays", "thachj dden",
                  "ho6i2 kho6", "que61 o6ng1", "tinh da6u2 ho6i2", "quy1t va2ng", "ho6ng2 sa6y1", "ma81c ca"]
# A good query plus a word no document has (a town elsewhere, a wish): all-words finds nothing.
TEXT_EXTRA_WORDS = ["hồi khô Hà Nội", "quế ống giao Sài Gòn", "tinh dầu hồi nguyên chất Đà Nẵng", "na dai ship nhanh",
                    "quýt vàng Bắc Sơn giá sỉ Hải Phòng", "hồng sấy Đà Lạt", "thạch đen Cao Bằng", "mắc ca Tây Nguyên",
                    "nhựa thông Quảng Ninh", "hạt dẻ Trùng Khánh Hà Giang"]
CROP_WORDS = {"hoi": ["khô", "tinh dầu", "hoa hồi", "loại 1"], "que": ["vỏ quế", "bột", "tinh dầu", "quế ống"],
              "na": ["na dai", "tươi", "sấy"], "quyt": ["quýt vàng", "cam", "bưởi"], "hong": ["sấy", "không hạt"],
              "thach_den": ["khô", "bột"], "mac_ca": ["sấy", "nhân", "dầu"], "thong": ["nhựa", "gỗ", "tinh dầu"],
              "de": ["hạt dẻ", "rang", "bột"], "duoc_lieu": ["chè hoa vàng", "gừng", "ba kích"]}
CERT_KINDS = ["vietgap", "organic", "planting_area_code", "geographical_indication", "globalgap", "forest_code"]


def make_queries(conn, rng: random.Random) -> dict[str, list[dict]]:
    """Varied inputs for each query type (request arguments, as the search page receives them)."""
    combos = conn.execute(sa.text(
        "SELECT cr.key, co.name, count(*) AS n FROM supply_listing l JOIN crop cr ON cr.id = l.crop_id "
        "JOIN listing_zone lz ON lz.listing_id = l.id JOIN growing_zone z ON z.id = lz.zone_id "
        "JOIN commune co ON co.id = z.commune_id WHERE cr.key IN :keys GROUP BY cr.key, co.name HAVING n >= 20"
    ).bindparams(sa.bindparam("keys", expanding=True)), {"keys": list(CROP_WORDS)}).all()
    rng.shuffle(combos := list(combos))
    c = [{"q": rng.choice(CROP_WORDS[crop]), "crop": crop, "commune": commune} for crop, commune, _n in combos[:60]]
    d = [{"cert": "vietgap", "month": "9"}] + [{"cert": cert, "month": str(m)} for cert in CERT_KINDS
                                               for m in range(1, 13) if (cert, m) != ("vietgap", 9)]
    e = [{"sort": "price_asc", "crop": crop} for crop in CROP_WORDS]
    return {"a": [{"q": t} for t in TEXT_WITH_DIACRITICS], "b": [{"q": t} for t in TEXT_FOLDED], "c": c, "d": d, "e": e,
            "f": [{"q": t} for t in TEXT_TYPOS], "g": [{"q": t} for t in TEXT_TELEX_VNI],
            "h": [{"q": t} for t in TEXT_EXTRA_WORDS]}


# --- timing --------------------------------------------------------------------------------------------
def summarise(times_s: list[float]) -> dict:
    ms = sorted(t * 1000 for t in times_s)
    q = statistics.quantiles(ms, n=100, method="inclusive")
    return {"runs": len(ms), "p50_ms": round(statistics.median(ms), 2), "p95_ms": round(q[94], 2),
            "p99_ms": round(q[98], 2), "mean_ms": round(statistics.fmean(ms), 2), "max_ms": round(ms[-1], 2)}


def measure_interleaved(contestants: list, inputs: list, runs: int, warmup: int) -> dict:
    """Time `runs` searches per contestant. Every round gives the same input to every contestant, in an order
    rotated each round, so that load from other processes on the machine falls on all of them alike."""
    for i in range(warmup):
        for _name, run in contestants:
            run(inputs[i % len(inputs)])
    times: dict[str, list[float]] = {name: [] for name, _run in contestants}
    cpu: dict[str, list[float]] = {name: [] for name, _run in contestants}
    totals: dict[str, list[int]] = {name: [] for name, _run in contestants}
    for i in range(runs):
        args = inputs[i % len(inputs)]
        for j in range(len(contestants)):
            name, run = contestants[(i + j) % len(contestants)]
            started, cpu_started = time.perf_counter(), time.thread_time()
            total = run(args)
            times[name].append(time.perf_counter() - started)
            cpu[name].append(time.thread_time() - cpu_started)
            totals[name].append(total)
    out = {}
    for name, _run in contestants:
        per_input = [(statistics.median(times[name][k::len(inputs)]) * 1000, totals[name][k])
                     for k in range(min(len(inputs), runs))]
        # The CPU time of the searching thread: what the search itself costs, whatever else runs on the machine
        # (for Elasticsearch only the client's share; its server works in another process).
        cpu_ms = summarise(cpu[name])
        out[name] = {**summarise(times[name]), "cpu_p50_ms": cpu_ms["p50_ms"], "cpu_p95_ms": cpu_ms["p95_ms"],
                     "median_total_hits": int(statistics.median(totals[name])),
                     "inputs": len(inputs),
                     "per_input": [{"p50_ms": round(ms, 2), "hits": hits} for ms, hits in per_input]}
    return out


def search_runner(app, backend):
    """What is timed for an engine: the search page's own path (market/blueprints/search/routes.py `_run`:
    parse_args, then the configured engine's search, with whatever matching, fallback and correction it does),
    with `backend` as the configured engine."""
    from market.blueprints.search.routes import _run
    from market.search import set_backend

    def run(args) -> int:
        set_backend(app, backend)
        _query, result, errors, unavailable = _run(args)
        if errors or unavailable:
            raise RuntimeError(f"search failed for {dict(args)}: {errors or 'engine unavailable'}")
        return result.total

    return run


class _TimedCursor:
    def __init__(self, cursor, record):
        self._cursor, self._record = cursor, record

    def fetchone(self):
        started = time.perf_counter()
        try:
            return self._cursor.fetchone()
        finally:
            self._record(time.perf_counter() - started)

    def fetchall(self):
        started = time.perf_counter()
        try:
            return self._cursor.fetchall()
        finally:
            self._record(time.perf_counter() - started)

    def __iter__(self):
        return iter(self.fetchall())

    def __getattr__(self, name):
        return getattr(self._cursor, name)


class _TimedConnection:
    """Wraps the engine's sqlite3 connection to time each statement (execute + fetch) by its role."""

    def __init__(self, conn, stages: Counter):
        self._conn, self.stages = conn, stages

    @staticmethod
    def stage(sql: str) -> str:
        s = " ".join(sql.split())
        if "doc_vocab" in s:
            return "spelling check (doc_vocab)"
        if s.startswith("SELECT count(*)"):
            return "count"
        if s.startswith(("SELECT d.key", "SELECT h.id", "SELECT d.id, d.key")):
            return "page (rank/sort + rows)"
        if "GROUP BY" in s or "group_concat" in s:
            return "facets"
        if s.startswith(("INSERT INTO temp", "INSERT OR IGNORE INTO temp", "DELETE FROM temp")):
            return "match into temp table"
        return "other"

    def execute(self, sql, params=()):
        stage = self.stage(sql)
        started = time.perf_counter()
        cursor = self._conn.execute(sql, params)
        elapsed = time.perf_counter() - started

        def record(extra):
            self.stages[stage] += extra

        self.stages[stage] += elapsed
        return _TimedCursor(cursor, record)

    def __getattr__(self, name):
        return getattr(self._conn, name)


def stage_breakdown(backend, inputs: list[dict], runs: int) -> dict:
    """Mean milliseconds per search spent in each SQL statement of the embedded engine."""
    from werkzeug.datastructures import MultiDict

    from market.search import parse_args

    conn = backend._conn()
    stages: Counter = Counter()
    backend._local.conn = _TimedConnection(conn, stages)
    total = 0.0
    try:
        for i in range(runs):
            started = time.perf_counter()
            backend.search(parse_args(MultiDict(inputs[i % len(inputs)])))
            total += time.perf_counter() - started
    finally:
        backend._local.conn = conn
    out = {k: round(v * 1000 / runs, 2) for k, v in stages.most_common()}
    out["python and the rest"] = round((total - sum(stages.values())) * 1000 / runs, 2)
    out["total"] = round(total * 1000 / runs, 2)
    return out


def query_plans(backend, inputs_by_type: dict) -> dict:
    """EXPLAIN QUERY PLAN of every statement one search of each type runs."""
    from werkzeug.datastructures import MultiDict

    from market.search import parse_args

    conn = backend._conn()
    plans: dict[str, list] = {}

    class Recorder:
        def __init__(self, key):
            self.key = key

        def execute(self, sql, params=()):
            if sql.lstrip().upper().startswith(("SELECT", "INSERT")) and "doc_vocab" not in sql:
                plan = [r[3] for r in conn.execute("EXPLAIN QUERY PLAN " + sql, params)]
                plans[self.key].append({"sql": " ".join(sql.split()), "plan": plan})
            return conn.execute(sql, params)

        def __getattr__(self, name):
            return getattr(conn, name)

    try:
        for key, inputs in inputs_by_type.items():
            plans[key] = []
            backend._local.conn = Recorder(key)
            backend.search(parse_args(MultiDict(inputs[0])))
    finally:
        backend._local.conn = conn
    return plans


def profile_searches(backend, inputs_by_type: dict, runs: int) -> str:
    from werkzeug.datastructures import MultiDict

    from market.search import parse_args

    profiler = cProfile.Profile()
    profiler.enable()
    for inputs in inputs_by_type.values():
        for i in range(runs):
            backend.search(parse_args(MultiDict(inputs[i % len(inputs)])))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()


# --- the naive baseline: LIKE over the tables ------------------------------------------------------------
PUBLIC_LISTING = "l.status IN ('open', 'reserved', 'sold_out')"
PUBLIC_PRODUCT = "p.status = 'published'"


def like_statements(mode: str, crop: bool, commune: bool) -> list[tuple[str, str]]:
    """The naive search doing the engines' job: for listings and products whose text contains the phrase (and
    the crop / commune filters): the count, the first page of 20 (newest first) and facet counts (crop, form,
    commune, stars), as (name, SQL) pairs."""
    if mode == "original":
        listing_text = "(lower(l.title) LIKE :p OR lower(l.description) LIKE :p)"
        product_text = "(lower(p.name) LIKE :p OR lower(p.description) LIKE :p)"
        listing_from, product_from = "supply_listing l", "ocop_product p"
    else:
        listing_text = "(f.title LIKE :p OR f.description LIKE :p)"
        product_text = "(f.title LIKE :p OR f.description LIKE :p)"
        listing_from = "supply_listing l JOIN temp.folded_listing f ON f.id = l.id"
        product_from = "ocop_product p JOIN temp.folded_product f ON f.id = p.id"
    listing_where = [listing_text, PUBLIC_LISTING]
    product_where = [product_text, PUBLIC_PRODUCT]
    if crop:
        listing_where.append("l.crop_id = (SELECT id FROM crop WHERE key = :crop)")
        product_where.append("p.crop_id = (SELECT id FROM crop WHERE key = :crop)")
    if commune:
        listing_where.append("EXISTS (SELECT 1 FROM listing_zone lz JOIN growing_zone z ON z.id = lz.zone_id "
                             "JOIN commune c ON c.id = z.commune_id WHERE lz.listing_id = l.id AND c.name = :commune)")
        product_where.append("p.organisation_id IN (SELECT o.id FROM organisation o JOIN commune c ON c.id = "
                             "o.commune_id WHERE c.name = :commune)")
    lw, pw = " AND ".join(listing_where), " AND ".join(product_where)
    return [
        ("listing count", f"SELECT count(*) FROM {listing_from} WHERE {lw}"),
        ("listing page", f"SELECT l.id, l.title FROM {listing_from} WHERE {lw} ORDER BY l.created_at DESC LIMIT 20"),
        ("listing crop facet", f"SELECT l.crop_id, count(*) FROM {listing_from} WHERE {lw} GROUP BY l.crop_id"),
        ("listing form facet", f"SELECT l.product_form, count(*) FROM {listing_from} WHERE {lw} GROUP BY l.product_form"),
        ("listing commune facet", f"SELECT z.commune_id, count(DISTINCT l.id) FROM {listing_from} JOIN listing_zone lz "
                                  f"ON lz.listing_id = l.id JOIN growing_zone z ON z.id = lz.zone_id WHERE {lw} "
                                  f"GROUP BY z.commune_id"),
        ("product count", f"SELECT count(*) FROM {product_from} WHERE {pw}"),
        ("product page", f"SELECT p.id, p.name FROM {product_from} WHERE {pw} ORDER BY p.created_at DESC LIMIT 20"),
        ("product stars facet", f"SELECT p.stars, count(*) FROM {product_from} WHERE {pw} GROUP BY p.stars"),
    ]


LIKE_SQL = {mode: [sql for _name, sql in like_statements(mode, False, False)] for mode in ("original", "folded")}


def like_connection(db_path: str) -> tuple[sqlite3.Connection, float]:
    """A connection to the market database with TEMP tables of folded title/description (market.text.fold),
    since the FTS index keeps no folded text outside its virtual table. Returns it and the build time."""
    from market.text import fold

    conn = sqlite3.connect(db_path)
    started = time.perf_counter()
    conn.execute("CREATE TEMP TABLE folded_listing (id INTEGER PRIMARY KEY, title TEXT, description TEXT)")
    conn.execute("CREATE TEMP TABLE folded_product (id INTEGER PRIMARY KEY, title TEXT, description TEXT)")
    conn.executemany("INSERT INTO temp.folded_listing VALUES (?, ?, ?)",
                     ((i, fold(t), fold(d or "")) for i, t, d in
                      conn.execute("SELECT id, title, description FROM supply_listing").fetchall()))
    conn.executemany("INSERT INTO temp.folded_product VALUES (?, ?, ?)",
                     ((i, fold(t), fold(d or "")) for i, t, d in
                      conn.execute("SELECT id, name, description FROM ocop_product").fetchall()))
    conn.commit()
    return conn, time.perf_counter() - started


def like_search(conn, args, mode: str) -> int:
    """Count + first page + facets of listings and products by LIKE; returns the total found."""
    from market.text import fold

    text = args["q"].lower() if mode == "original" else fold(args["q"])
    params = {"p": f"%{text}%", "crop": args.get("crop"), "commune": args.get("commune")}
    total = 0
    for name, sql in like_statements(mode, bool(args.get("crop")), bool(args.get("commune"))):
        rows = conn.execute(sql, params).fetchall()
        if name.endswith("count"):
            total += rows[0][0]
    return total


def like_runner(conn, mode: str):
    def run(args) -> int:
        return like_search(conn, args, mode)

    return run


# --- Elasticsearch ---------------------------------------------------------------------------------------
def elasticsearch_url(cli_url: str | None) -> str | None:
    return cli_url or os.environ.get("MARKET_TEST_ELASTICSEARCH_URL") or os.environ.get("ELASTICSEARCH_URL")


def elasticsearch_version(backend) -> str | None:
    try:  # GET / may be refused (a node behind a proxy); the nodes API says the same
        nodes = backend.client.nodes.info(node_id="_local", filter_path="nodes.*.version")["nodes"]
        return next(iter(nodes.values()))["version"]
    except Exception:  # noqa: BLE001
        return None


def drop_bench_indices(backend) -> None:
    try:
        names = list(backend.client.indices.get(index=f"{backend.alias}-*", expand_wildcards="all").keys())
        if names:
            backend.client.indices.delete(index=",".join(names), ignore_unavailable=True)
    except Exception as exc:  # noqa: BLE001
        print(f"  could not delete the benchmark's indices {backend.alias}-*: {exc}")


# --- machine and report --------------------------------------------------------------------------------
def machine_info() -> dict:
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = None
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), None)
    except OSError:
        pass
    return {"nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "platform": platform.platform()}


def fmt(value, digits=1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def markdown(report: dict) -> str:
    engines, like = report["engines"], report.get("like") or {}
    head = ("| engine | full reindex: s (docs/s) | " + " | ".join(f"({k}) {v}" for k, v in QUERY_TYPES.items()) + " |")
    lines = [head, "| --- | ---: | " + " | ".join("---:" for _ in QUERY_TYPES) + " |"]
    for e in engines:
        cells = [f"{fmt(e['queries'][k]['p50_ms'])} / {fmt(e['queries'][k]['p95_ms'])}" for k in QUERY_TYPES]
        lines.append(f"| {e['label']} | {fmt(e['reindex_s'])} ({e['docs_per_s']:,}) | " + " | ".join(cells) + " |")
        if e["engine"] == "sqlite-fts5" and "cpu_p95_ms" in e["queries"]["a"]:
            cells = [f"{fmt(e['queries'][k]['cpu_p50_ms'])} / {fmt(e['queries'][k]['cpu_p95_ms'])}" for k in QUERY_TYPES]
            lines.append(f"| {e['label']}, CPU time of the search | {fmt(e.get('reindex_cpu_s'))} s CPU | "
                         + " | ".join(cells) + " |")
    if like:
        cells = {"a": like.get("a_original"), "b": like.get("b_folded"), "c": like.get("c_original")}
        lines.append("| LIKE (plain SQL: count + page + facets) | – | " + " | ".join(
            f"{fmt(cells[k]['p50_ms'])} / {fmt(cells[k]['p95_ms'])}{' ¹' if k == 'b' else ''}" if cells.get(k) else "–"
            for k in QUERY_TYPES) + " |")
        lines += ["", "Cells: p50 / p95 latency in ms, through the search page's own path. ¹ LIKE on a folded copy of "
                      "the text; on the original text it takes "
                      f"{fmt(like['b_original']['p50_ms'])} / {fmt(like['b_original']['p95_ms'])} ms and finds "
                      f"{like['b_original']['median_total_hits']} rows (median).", ""]
        lines.append("| engine | speed-up over LIKE (a), p50 / p95 | (b) | (c) | median hits (a) / (b) / (c) |")
        lines.append("| --- | ---: | ---: | ---: | ---: |")
        for e in engines:
            s = e["speedup_vs_like"]
            lines.append(f"| {e['label']} | " + " | ".join(f"{fmt(s[k]['p50'])}x / {fmt(s[k]['p95'])}x" for k in "abc")
                         + " | " + " / ".join(str(e["queries"][k]["median_total_hits"]) for k in "abc") + " |")
        lines.append("| LIKE (plain SQL) | 1x | 1x | 1x | " + " / ".join(
            str(like[k]["median_total_hits"]) for k in ("a_original", "b_folded", "c_original")) + " |")
    return "\n".join(lines)


def goals(report: dict) -> list[dict]:
    out = []
    for e in report["engines"]:
        limit = GOALS["elasticsearch_p95_ms"] if e["engine"] == "elasticsearch" else GOALS["embedded_p95_ms"]
        failing = [k for k in GOAL_TYPES if e["queries"][k]["p95_ms"] >= limit]
        worst = max(GOAL_TYPES, key=lambda k: e["queries"][k]["p95_ms"])
        out.append({"engine": e["label"], "goal": f"p95 < {limit} ms for every query type", "met": not failing,
                    "failing": failing,
                    "detail": f"worst p95 {e['queries'][worst]['p95_ms']:.1f} ms ({worst})"
                              + (f"; over the limit: {', '.join(failing)}" if failing else "")
                              + (f"; CPU time of the search, worst p95 {max(cpu_p95.values()):.1f} ms, over the "
                                 f"limit: {', '.join(k for k, v in cpu_p95.items() if v >= limit) or 'none'}"
                                 if (cpu_p95 := {k: e['queries'][k].get('cpu_p95_ms') for k in GOAL_TYPES})
                                 and e["engine"] == "sqlite-fts5" and None not in cpu_p95.values() else "")})
        out.append({"engine": e["label"], "goal": f"full reindex >= {GOALS['reindex_docs_per_s']:,} documents/s",
                    "met": e["docs_per_s"] >= GOALS["reindex_docs_per_s"],
                    "detail": f"{e['documents']:,} documents in {e['reindex_s']:.1f} s = {e['docs_per_s']:,}/s"})
    return out


# --- the run -------------------------------------------------------------------------------------------
def time_document_build() -> tuple[float, int]:
    """Building every document from the database, as sync.reindex does (set-based), writing to no engine."""
    from sqlalchemy.orm import Session

    from market.clock import today
    from market.extensions import db
    from market.search import bulk_documents

    on, count = today(), 0
    started = time.perf_counter()
    with Session(db.engine) as session:
        for batch in bulk_documents.batches(session, on):
            count += len(batch)
    return time.perf_counter() - started, count


def reindex(app, label: str, backend, note) -> dict:
    from market.search import set_backend, sync

    set_backend(app, backend)
    note(f"reindex {label}")
    print(f"[{label}] full reindex ...", flush=True)
    load = os.getloadavg()[0]
    started, cpu = time.perf_counter(), time.process_time()
    indexed = sync.reindex()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    rate = int(indexed / seconds) if seconds else 0
    print(f"[{label}] {indexed} documents in {seconds:.1f} s = {rate}/s (this process used {cpu:.1f} s of CPU; "
          f"load average {load:.1f} before)", flush=True)
    return {"reindex_s": round(seconds, 2), "reindex_cpu_s": round(cpu, 2), "documents": indexed, "docs_per_s": rate,
            "reindex_load1": round(load, 2)}


def parse_cli(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--listings", type=int, default=100_000, help="supply listings to generate (100000)")
    parser.add_argument("--products", type=int, default=None, help="OCOP products to generate (listings / 10)")
    parser.add_argument("--elasticsearch-url", help="Elasticsearch node to benchmark (else MARKET_TEST_ELASTICSEARCH_URL "
                                                    "or ELASTICSEARCH_URL; without any, Elasticsearch is skipped)")
    parser.add_argument("--engines", default="sqlite,elasticsearch",
                        help="which engines to run, comma-separated: sqlite, elasticsearch (both)")
    parser.add_argument("--runs", type=int, default=200, help="timed searches per query type and engine (200)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed searches per query type and engine (20)")
    parser.add_argument("--seed", type=int, default=2026, help="random seed of the corpus and queries")
    parser.add_argument("--no-like", action="store_true", help="skip the LIKE baseline")
    parser.add_argument("--like-runs", type=int, default=48, help="timed runs of the LIKE baseline per type (48)")
    parser.add_argument("--no-breakdown", action="store_true", help="skip the embedded engine's per-statement times")
    parser.add_argument("--no-build-timing", action="store_true", help="skip timing the document build alone")
    parser.add_argument("--profile", action="store_true", help="also cProfile the embedded engine")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder with the databases")
    parser.add_argument("--out", type=Path, help="write the JSON here (default bench/results/search-<time>.json)")
    parser.add_argument("--growth", action="store_true",
                        help="the growth run: each size in a process of its own (--es-sizes, --embedded-sizes), then "
                             "a table of how latency and reindex time grow")
    parser.add_argument("--es-sizes", default="10000,100000,1000000", help="listings per growth step, Elasticsearch")
    parser.add_argument("--embedded-sizes", default="10000,100000", help="listings per growth step, embedded")
    parser.add_argument("--reuse", default="", help="growth: JSON results of earlier runs to include as steps "
                                                    "(comma-separated), e.g. the full run at 100,000")
    args = parser.parse_args(argv)
    if args.products is None:
        args.products = args.listings // 10
    return args


def growth(args) -> int:
    """Run the benchmark once per size in a fresh process (no LIKE, fewer runs), then print how it grows."""
    import subprocess

    es_sizes = [int(x) for x in args.es_sizes.split(",") if x]
    embedded_sizes = [int(x) for x in args.embedded_sizes.split(",") if x]
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    steps = []
    for path in [p for p in args.reuse.split(",") if p]:
        report = json.loads(Path(path).read_text(encoding="utf-8"))
        steps.append({"listings": report["settings"]["listings"], "wall_s": None, "report": report})
    for size in sorted(set(es_sizes) | set(embedded_sizes)):
        engines = [name for name, sizes in (("sqlite", embedded_sizes), ("elasticsearch", es_sizes)) if size in sizes]
        out = RESULTS_DIR / f"search-growth-{stamp}-{size}.json"
        command = [sys.executable, str(Path(__file__).resolve()), "--listings", str(size), "--engines", ",".join(engines),
                   "--runs", str(args.runs), "--warmup", str(args.warmup), "--seed", str(args.seed), "--no-like",
                   "--no-breakdown", "--no-build-timing", "--out", str(out)]
        if args.elasticsearch_url:
            command += ["--elasticsearch-url", args.elasticsearch_url]
        print(f"--- growth step: {size:,} listings on {', '.join(engines)}", flush=True)
        started = time.perf_counter()
        subprocess.run(command, check=True)
        report = json.loads(out.read_text(encoding="utf-8"))
        steps.append({"listings": size, "wall_s": round(time.perf_counter() - started, 1), "report": report})
    lines = ["| engine | listings | documents | reindex s | docs/s | CPU s of the indexing process | load avg | "
             "worst p50 ms | worst p95 ms | " + " | ".join(f"p95 ({k})" for k in QUERY_TYPES) + " |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | " + " | ".join("---:" for _ in QUERY_TYPES)
             + " |"]
    summary = []
    for step in steps:
        loads = [x["load1"] for x in step["report"]["load_average"]]
        for e in step["report"]["engines"]:
            q = e["queries"]
            row = {"engine": e["label"], "listings": step["listings"], "documents": e["documents"],
                   "reindex_s": e["reindex_s"], "docs_per_s": e["docs_per_s"], "cpu_s": e["reindex_cpu_s"],
                   "load": f"{min(loads):.1f}-{max(loads):.1f}",
                   "worst_p50": max(q[k]["p50_ms"] for k in QUERY_TYPES),
                   "worst_p95": max(q[k]["p95_ms"] for k in QUERY_TYPES),
                   "p95": {k: q[k]["p95_ms"] for k in QUERY_TYPES}}
            summary.append(row)
    for row in sorted(summary, key=lambda r: (r["engine"], r["listings"])):
        lines.append(f"| {row['engine']} | {row['listings']:,} | {row['documents']:,} | {row['reindex_s']:.1f} | "
                     f"{row['docs_per_s']:,} | {row['cpu_s']:.1f} | {row['load']} | {row['worst_p50']:.1f} | {row['worst_p95']:.1f} | "
                     + " | ".join(f"{row['p95'][k]:.1f}" for k in QUERY_TYPES) + " |")
    table = "\n".join(lines)
    out = RESULTS_DIR / f"search-growth-{stamp}.json"
    out.write_text(json.dumps({"steps": summary, "markdown": table}, ensure_ascii=False, indent=2), encoding="utf-8")
    print()
    print(table)
    print(f"\nresults: {out.relative_to(ROOT)}")
    return 0


def main(argv=None) -> int:  # noqa: C901 - one block per benchmark stage
    args = parse_cli(argv)
    if args.growth:
        return growth(args)
    wanted = {name.strip() for name in args.engines.split(",") if name.strip()}
    workdir = Path(tempfile.mkdtemp(prefix="market-search-bench-"))
    # Before the app is imported: a throwaway instance folder, database and FTS file.
    os.environ["MARKET_INSTANCE_DIR"] = str(workdir)
    os.environ["SEARCH_SQLITE_PATH"] = str(workdir / "search.sqlite3")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'market.sqlite3'}"
    es_url = elasticsearch_url(args.elasticsearch_url) if "elasticsearch" in wanted else None
    os.environ.pop("ELASTICSEARCH_URL", None)  # the app starts on the embedded engine; engines are set below
    sys.path.insert(0, str(ROOT))
    warnings.filterwarnings("ignore", category=DeprecationWarning)

    from flask_migrate import upgrade
    from werkzeug.datastructures import MultiDict

    from market import create_app
    from market.extensions import db
    from market.models import SearchOutbox
    from market.search.sqlite_fts import SqliteFtsBackend
    from market.services import demo_market, reference_data

    app = create_app({
        "SQLALCHEMY_DATABASE_URI": os.environ["DATABASE_URL"], "SEARCH_SQLITE_PATH": os.environ["SEARCH_SQLITE_PATH"],
        "SEARCH_SYNC_ON_COMMIT": False, "ELASTICSEARCH_URL": None, "MAIL_SUPPRESS_SEND": True,
        "RATELIMIT_STORAGE_URI": "memory://",
    })
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    report: dict = {"started_at": datetime.now(UTC).isoformat(timespec="seconds"),
                    "command": " ".join([Path(sys.executable).name, *sys.argv]), "machine": machine_info(),
                    "settings": {"listings": args.listings, "products": args.products, "runs": args.runs,
                                 "warmup": args.warmup, "seed": args.seed, "engines": sorted(wanted)},
                    "goals": GOALS, "engines": [], "like": {}, "load_average": []}
    nproc = report["machine"]["nproc"] or 1

    def note(phase: str) -> None:
        load = os.getloadavg()
        report["load_average"].append({"phase": phase, "load1": round(load[0], 2), "load5": round(load[1], 2)})
        if load[0] > nproc:
            print(f"  (busy machine: load average {load[0]:.1f} on {nproc} cores before '{phase}'; "
                  f"other processes compete for the CPU)", flush=True)

    engines: list[dict] = []  # {key, label, engine, backend, reindex...}
    rng = random.Random(args.seed)
    es = None
    try:
        with app.app_context(), app.test_request_context():
            note("corpus")
            print(f"corpus: {args.listings} listings, {args.products} products in {workdir} ...", flush=True)
            started = time.perf_counter()
            upgrade(directory=str(ROOT / "migrations"))
            reference_data.seed_plan()
            demo_market.seed_demo()
            db.session.commit()
            db.session.remove()
            with db.engine.begin() as conn:
                counts = build_corpus(conn, listings=args.listings, products=args.products, seed=args.seed)
                conn.execute(sa.delete(SearchOutbox.__table__))
            report["corpus"] = {**counts, "build_s": round(time.perf_counter() - started, 1)}
            print(f"corpus: {counts} in {report['corpus']['build_s']} s", flush=True)
            with db.engine.connect() as conn:
                queries = make_queries(conn, rng)
            report["queries"] = {k: {"title": QUERY_TYPES[k], "inputs": v} for k, v in queries.items()}

            note("document build")
            build_s, built = time_document_build() if not args.no_build_timing else (0.0, 0)
            report["document_build_only"] = {"seconds": round(build_s, 2), "documents": built,
                                             "docs_per_s": int(built / build_s) if build_s else 0,
                                             "skipped": args.no_build_timing}
            print(f"documents built from the database, written nowhere: {built} in {build_s:.1f} s "
                  f"({report['document_build_only']['docs_per_s']}/s)", flush=True)

            # Full reindex of each engine.
            if "sqlite" in wanted:
                shipped = SqliteFtsBackend(str(workdir / "search.sqlite3"))
                engines.append({"key": "sqlite", "label": "SQLite FTS5 (embedded)", "engine": "sqlite-fts5",
                                "backend": shipped, **reindex(app, "SQLite FTS5", shipped, note)})
            if "elasticsearch" not in wanted:
                pass
            elif not es_url:
                report["elasticsearch"] = {"skipped": "no --elasticsearch-url, MARKET_TEST_ELASTICSEARCH_URL or "
                                                      "ELASTICSEARCH_URL"}
                print("Elasticsearch: skipped (no --elasticsearch-url, MARKET_TEST_ELASTICSEARCH_URL or "
                      "ELASTICSEARCH_URL given)", flush=True)
            else:
                from market.search.elastic import ElasticsearchBackend

                es = ElasticsearchBackend(es_url, alias=f"market-bench-{uuid.uuid4().hex[:10]}", timeout=60)
                health = es.health()
                if not health.get("ok"):
                    report["elasticsearch"] = {"url": es_url, "skipped": f"not answering: {health}"}
                    print(f"Elasticsearch at {es_url}: not answering ({health}), skipped", flush=True)
                    es = None
                else:
                    version = elasticsearch_version(es)
                    report["elasticsearch"] = {"url": es_url, "version": version, "cluster": health.get("cluster"),
                                               "alias": es.alias}
                    report["machine"]["elasticsearch"] = version
                    label = f"Elasticsearch {version or ''}".strip()
                    engines.append({"key": "elasticsearch", "label": label, "engine": "elasticsearch",
                                    "backend": es, **reindex(app, label, es, note)})

            # The naive baseline's folded copy.
            like_conn = None
            if not args.no_like:
                like_conn, fold_s = like_connection(str(workdir / "market.sqlite3"))
                report["like"] = {"folded_copy_build_s": round(fold_s, 2), "sql": LIKE_SQL}

            # Searches, interleaved across engines and the LIKE baseline.
            for key, title in QUERY_TYPES.items():
                note(f"queries ({key})")
                inputs = [MultiDict(a) for a in queries[key]]
                contestants = [(e["key"], search_runner(app, e["backend"])) for e in engines]
                likes = []
                if like_conn is not None and key in ("a", "c"):
                    likes.append(("like-original", like_runner(like_conn, "original")))
                if like_conn is not None and key == "b":
                    likes += [("like-folded", like_runner(like_conn, "folded")),
                              ("like-original", like_runner(like_conn, "original"))]
                print(f"({key}) {title}: {len(inputs)} inputs, {args.runs} runs each on "
                      f"{', '.join(name for name, _run in contestants)}"
                      + (f"; {args.like_runs} on {', '.join(name for name, _run in likes)}" if likes else "")
                      + " ...", flush=True)
                measured = measure_interleaved(contestants, inputs, args.runs, args.warmup)
                if likes:  # LIKE takes up to seconds at full size: fewer runs (still every input alike)
                    measured.update(measure_interleaved(likes, inputs, args.like_runs, min(args.warmup, 4)))
                for name, r in measured.items():
                    print(f"    {name:16} p50 {r['p50_ms']:7.1f} ms  p95 {r['p95_ms']:7.1f} ms  "
                          f"(CPU p50 {r['cpu_p50_ms']:.1f}, p95 {r['cpu_p95_ms']:.1f})  "
                          f"median hits {r['median_total_hits']}", flush=True)
                    engine = next((e for e in engines if e["key"] == name), None)
                    if engine is not None:
                        engine.setdefault("queries", {})[key] = r
                    else:
                        report["like"][f"{key}_{name.split('-')[1]}"] = r
            if like_conn is not None:
                like_conn.close()
            note("end of queries")

            # Why: where the embedded engine spends its time, and its query plans.
            if not args.no_breakdown:
                breakdown_runs = max(10, min(50, args.runs // 4))
                report["sqlite_stage_ms"] = {}
                for e in engines:
                    if e["engine"] == "sqlite-fts5":
                        report["sqlite_stage_ms"][e["key"]] = {k: stage_breakdown(e["backend"], queries[k], breakdown_runs)
                                                              for k in QUERY_TYPES}
                report["sqlite_query_plans"] = {e["key"]: query_plans(e["backend"], queries)
                                                for e in engines if e["engine"] == "sqlite-fts5"}
                if args.profile and "sqlite" in wanted:
                    report["sqlite_profile"] = profile_searches(shipped, queries, breakdown_runs)
                    print(report["sqlite_profile"])
    finally:
        for e in engines:
            if e["engine"] == "sqlite-fts5":
                e["backend"].close()
        if es is not None:
            drop_bench_indices(es)
            es.client.close()
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    like = report["like"]
    for e in engines:
        e.pop("backend", None)
        q = e["queries"]
        if like:
            pairs = {"a": "a_original", "b": "b_folded", "c": "c_original"}
            e["speedup_vs_like"] = {k: {"p50": round(like[v]["p50_ms"] / q[k]["p50_ms"], 1),
                                        "p95": round(like[v]["p95_ms"] / q[k]["p95_ms"], 1)} for k, v in pairs.items()}
    report["engines"] = engines
    report["goal_results"] = goals(report)
    report["markdown"] = markdown(report)
    report["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    out = args.out or RESULTS_DIR / f"search-{stamp}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")

    m, c = report["machine"], report["corpus"]
    loads = [x["load1"] for x in report["load_average"]]
    print()
    print(f"Machine: {m['nproc']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, SQLite {m['sqlite']}, "
          + (f"Elasticsearch {m['elasticsearch']}" if m.get("elasticsearch") else "Elasticsearch skipped")
          + f"; load average during the run {min(loads):.1f}-{max(loads):.1f}")
    print(f"Corpus: {c['listings']} listings, {c['products']} OCOP products, {c['organisations']} organisations, "
          f"{c['zones']} zones, {c['certificates']} certificates; "
          + (f"{engines[0]['documents']} documents indexed " if engines else "")
          + f"(building them from the database alone: {report['document_build_only']['seconds']:.1f} s, "
            f"{report['document_build_only']['docs_per_s']}/s)")
    print()
    print(report["markdown"])
    print()
    for g in report["goal_results"]:
        print(f"- {'MET    ' if g['met'] else 'NOT MET'} {g['engine']}: {g['goal']} — {g['detail']}")
    print(f"\nresults: {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
