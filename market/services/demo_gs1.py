"""Demo data of issue 16 part A, on top of the demo catalogue and contracts (`demo_market.seed_demo_contracts`
calls `seed_demo_gs1`): GTINs with valid check digits on the demo's OCOP products (GS1 Vietnam's prefix 893
and a made-up company prefix), GLNs for two organisations, a harvest lot number on each demo listing, and
product lots made from a harvest lot and from a delivered lot. Idempotent: nothing already set is changed,
each lot is found by product and number before it is written."""
from datetime import timedelta

import sqlalchemy as sa

from market.clock import today
from market.extensions import db
from market.models import Contract, Delivery, OcopProduct, Organisation, ProductLot, SupplyListing
from market.services import gs1

COMPANY_PREFIX = "89350495"  # 893 (GS1 Vietnam) + a made-up company number, for the demo only
GLNS = {"HTX Hồi Văn Quan": "0000", "Công ty CP Chế biến Nông lâm sản Xứ Lạng": "0009"}
# (product name, lot number, days ago, quantity, harvest listing title or contract reference, input quantity)
LOTS = [
    ("Tinh dầu hồi Văn Quan", "TDH-{year}-01", 25, 300, "listing:Tinh dầu hồi chưng cất", 120),
    ("Tinh dầu hồi Văn Quan", "TDH-{year}-02", 8, 250, None, None),
    ("Hoa hồi khô đóng túi", "HHT-{year}-01", 20, 1000, "listing:Hoa hồi khô vụ mùa, hữu cơ", 500),
    ("Tinh dầu quế nguyên chất", "TDQ-{year}-01", 28, 200, "delivery:HD-DEMO-02", 6000),
]


def _with_check_digit(body: str) -> str:
    return body + gs1.check_digit(body)


def seed_demo_gs1() -> dict[str, int]:
    given = _identifiers()
    db.session.flush()
    lots = _lots()
    db.session.flush()
    return {"gtins": given, "lots": lots}


def _identifiers() -> int:
    products = list(db.session.scalars(sa.select(OcopProduct).order_by(OcopProduct.id)))
    taken = {p.gtin for p in products if p.gtin}
    given = 0
    for number, product in enumerate(products, start=1):
        if product.gtin or number > 9999:
            continue
        gtin = gs1.clean_gtin(_with_check_digit(f"{COMPANY_PREFIX}{number:04d}"))
        if gtin not in taken:
            product.gtin, given = gtin, given + 1
            taken.add(gtin)
    for name, suffix in GLNS.items():
        org = db.session.scalar(sa.select(Organisation).where(Organisation.name == name))
        gln = _with_check_digit(COMPANY_PREFIX + suffix)
        if org is not None and not org.gln and db.session.scalar(
                sa.select(Organisation.id).where(Organisation.gln == gln)) is None:
            org.gln = gln
    for index, listing in enumerate(db.session.scalars(sa.select(SupplyListing).order_by(SupplyListing.id)), 1):
        if listing.lot_number is None and listing.crop is not None:
            crop = "".join(ch for ch in listing.crop.key.upper() if ch.isalnum())[:8]
            listing.lot_number = f"{crop}-{listing.harvest_start.year}-{index:02d}"
    return given


def _lots() -> int:
    on = today()
    lots = 0
    for product_name, pattern, days_ago, quantity, source, input_quantity in LOTS:
        product = db.session.scalar(sa.select(OcopProduct).where(OcopProduct.name == product_name))
        if product is None:
            continue
        made_on = on - timedelta(days=days_ago)
        number = pattern.format(year=made_on.year)
        if db.session.scalar(sa.select(ProductLot.id).where(ProductLot.product_id == product.id,
                                                            ProductLot.lot_number == number)):
            continue
        listing = delivery = None
        if source and source.startswith("listing:"):  # only a harvest that had begun when the lot was made
            listing = db.session.scalar(sa.select(SupplyListing).where(
                SupplyListing.organisation_id == product.organisation_id, SupplyListing.title == source[8:],
                SupplyListing.harvest_start <= made_on))
        elif source:
            delivery = db.session.scalar(sa.select(Delivery).join(Contract).where(
                Contract.reference == source[9:], Delivery.delivered_on <= made_on).order_by(Delivery.id))
        db.session.add(ProductLot(product=product, lot_number=number, produced_on=made_on, quantity=quantity,
                                  source_listing=listing, source_delivery=delivery,
                                  input_quantity=input_quantity if (listing or delivery) else None))
        lots += 1
    return lots
