"""Derive market/data/plan.json from the plan's targets.json (kept in ../shared/plan/, which users lack).

Run again when the plan's facts change:  python scripts/derive_plan_data.py ../shared/plan/targets.json
The output is committed; the app and `flask market seed` read only the derived file.
"""
import json
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "market" / "data" / "plan.json"

# Labels for the plan's numeric targets, in the order the department reads them.
TARGETS = [
    ("linkage_orgs", "linkage", ("linkage", "processing_enterprises_and_coops_in_linkage_chains"), "org",
     "Doanh nghiệp, HTX chế biến tham gia chuỗi liên kết sản xuất - tiêu thụ",
     "Processing enterprises and cooperatives in production-consumption linkage chains"),
    ("ocop_valid", "ocop", ("ocop", "valid_products"), "product",
     "Sản phẩm OCOP còn hạn chứng nhận", "OCOP products with valid certificates"),
    ("ocop_four_star", "ocop", ("ocop", "four_star_min"), "product",
     "Sản phẩm OCOP 4 sao", "Four-star OCOP products"),
    ("ocop_five_star", "ocop", ("ocop", "five_star_min"), "product",
     "Sản phẩm OCOP 5 sao", "Five-star OCOP products"),
    ("ocop_retail_share", "ocop", ("ocop", "four_five_star_sold_in_retail_chains_pct"), "%",
     "Tỷ lệ sản phẩm OCOP 4-5 sao bán qua siêu thị, chuỗi bán lẻ",
     "Share of 4-5 star OCOP products sold through retail chains"),
    ("cert_gap_organic_zone_ha", "certification", ("certified_area", "gap_organic_zone_code_other_standards_ha"), "ha",
     "Diện tích đạt VietGAP, hữu cơ, mã số vùng trồng và tiêu chuẩn khác",
     "Area under GAP, organic, planting-area codes and other standards"),
    ("cert_planted_forest_ha", "certification", ("certified_area", "planted_forest_code_ha"), "ha",
     "Diện tích rừng trồng được cấp mã số", "Planted forest area with forest codes"),
    ("cert_sfm_ha", "certification", ("certified_area", "sustainable_forest_management_certificate_ha"), "ha",
     "Diện tích rừng có chứng chỉ quản lý rừng bền vững", "Forest area with sustainable-forest-management certificates"),
    ("research_projects", "other", ("research_projects",), "project",
     "Đề tài, dự án khoa học công nghệ", "Science and technology projects"),
]

LIVESTOCK = {
    "buffalo_head": ("Đàn trâu", "Buffalo", "head"),
    "cattle_head": ("Đàn bò", "Cattle", "head"),
    "pig_head": ("Đàn lợn", "Pigs", "head"),
    "poultry_head": ("Đàn gia cầm", "Poultry", "head"),
    "goat_head": ("Đàn dê", "Goats", "head"),
    "horse_head": ("Đàn ngựa", "Horses", "head"),
    "aquaculture_ha_min": ("Diện tích nuôi trồng thủy sản", "Aquaculture area", "ha"),
    "cages_rafts": ("Lồng bè nuôi cá", "Fish cages and rafts", "cage"),
    "bee_colonies": ("Đàn ong", "Bee colonies", "colony"),
    "honey_kg": ("Sản lượng mật ong", "Honey output", "kg"),
}


def _range(value):
    if isinstance(value, list):
        return value[0], value[1]
    return value, value


def _strip_unit(name: str) -> str:
    for prefix in ("phường ", "xã "):
        if name.startswith(prefix):
            return name[len(prefix):]
    return name


def derive(source: dict) -> dict:
    units = source["administrative_units"]
    variants = {k: v for k, v in source["name_variants_in_source"].items() if k != "note"}
    communes = [
        {"name": name, "kind": kind, "aliases": variants.get(name, [])}
        for kind, names in (("xa", units["communes"]), ("phuong", units["wards"]))
        for name in names
    ]
    known = {c["name"] for c in communes}
    crops = []
    for crop in source["crops"]:
        listed = crop.get("communes", [])
        all_communes = isinstance(listed, str)
        names = [] if all_communes else [_strip_unit(n) for n in listed]
        unknown = [n for n in names if n not in known]
        if unknown:
            raise SystemExit(f"crop {crop['key']}: unknown communes {unknown}")
        low, high = crop["target_ha"]
        crops.append({
            "key": crop["key"],
            "name_vi": crop["vi"],
            "name_en": crop["en"],
            "kind": crop["kind"],
            "target_ha_min": low,
            "target_ha_max": high,
            "all_communes": all_communes,
            "tradable": crop["kind"] != "conservation",
            "communes": names,
            "products": crop.get("products", []),
            "markets": crop.get("markets", []),
            "aliases": variants.get(crop["vi"], []),
            "note": crop.get("note"),
        })
    targets = []
    for position, (key, section, path, unit, vi, en) in enumerate(TARGETS):
        value = source
        for part in path:
            value = value[part]
        low, high = _range(value)
        targets.append({"key": key, "section": section, "label_vi": vi, "label_en": en,
                        "goal_min": low, "goal_max": high, "unit": unit, "position": position})
    for offset, (key, (vi, en, unit)) in enumerate(LIVESTOCK.items()):
        low, high = _range(source["livestock"][key])
        targets.append({"key": f"livestock_{key}", "section": "livestock", "label_vi": vi, "label_en": en,
                        "goal_min": low, "goal_max": high, "unit": unit, "position": 100 + offset})
    return {
        "source": source["source"],
        "period": source["period"],
        "reporting": source["reporting"],
        "economy": source["economy"],
        "standards": source["standards"],
        "communes": communes,
        "crops": crops,
        "targets": targets,
        "livestock_communes": source["livestock"]["communes"],
    }


if __name__ == "__main__":
    src = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/plan/targets.json")
    data = derive(json.loads(src.read_text(encoding="utf-8")))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT}: {len(data['communes'])} communes, {len(data['crops'])} crops, {len(data['targets'])} targets")
