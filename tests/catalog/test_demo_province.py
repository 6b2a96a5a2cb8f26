"""The demo province (market/services/demo_province.py): drawn from the plan, idempotent, alive, with a
picture on every card and a home page that shows the season, the best OCOP products and the plan's crops."""
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from market.extensions import db
from market.models import (
    Contract,
    ContractState,
    Crop,
    GrowingZone,
    ListingStatus,
    OcopProduct,
    Organisation,
    OrgKind,
    SupplyListing,
    User,
)
from market.services import demo_market, demo_province
from tests.conftest import built_once

CROPS_DIR = Path(__file__).resolve().parents[2] / "static" / "img" / "crops"


def load_province(factory) -> bool:
    with factory.app.test_request_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        demo_market.seed_demo_contracts()
        demo_market.seed_demo_orders()
        demo_province.seed_demo_province()
        db.session.commit()
        db.session.remove()
    return True


@pytest.fixture(scope="module")
def _province_once(app):
    yield from built_once(app, load_province)


@pytest.fixture
def province(req, factory, _province_once):
    if not _province_once:
        load_province(factory)


@pytest.mark.both_engines
def test_seeding_again_adds_nothing(province):
    first = demo_province.counts()
    demo_province.seed_demo_province()
    db.session.commit()
    assert demo_province.counts() == first


def test_the_province_is_large_enough_to_look_alive(province):
    counts = demo_province.counts()
    assert counts["cooperatives and groups"] >= 36
    assert counts["listings"] >= 250 and counts["ocop products"] >= 30 and counts["contracts"] >= 40
    kinds = dict(db.session.execute(sa.select(Organisation.kind, sa.func.count()).group_by(Organisation.kind)).all())
    assert kinds[OrgKind.ENTERPRISE] >= 6 and kinds[OrgKind.RETAIL_CHAIN] >= 3 and kinds[OrgKind.TOURIST_SHOP] >= 4
    assert kinds[OrgKind.FARMER_GROUP] >= 10


def test_every_plan_crop_grows_in_its_own_communes(province):
    for crop in db.session.scalars(sa.select(Crop).where(Crop.tradable)):
        zones = db.session.scalars(sa.select(GrowingZone).where(GrowingZone.crop_id == crop.id)).all()
        assert len(zones) >= 3, crop.key
        if not crop.all_communes:
            plan_communes = {c.id for c in crop.communes}
            assert sum(z.commune_id in plan_communes for z in zones) >= 3, crop.key


def test_listings_span_the_seasons_and_contracts_every_state_over_the_past_year(province):
    years = set(db.session.scalars(sa.select(sa.func.distinct(sa.extract("year", SupplyListing.harvest_start)))))
    assert len(years) >= 3
    statuses = set(db.session.scalars(sa.select(sa.func.distinct(SupplyListing.status))))
    assert {ListingStatus.OPEN, ListingStatus.CLOSED} <= statuses
    assert set(db.session.scalars(sa.select(sa.func.distinct(Contract.state)))) == set(ContractState.ALL)
    assert set(db.session.scalars(sa.select(sa.func.distinct(OcopProduct.stars)))) == {3, 4, 5}


def test_the_readme_accounts_still_log_in(province, client):
    user = db.session.scalar(sa.select(User).where(User.email == "htx.hoi@demo.langson.vn"))
    assert user.check_password(demo_market.DEMO_PASSWORD)
    province_owner = db.session.scalar(sa.select(User).where(User.email.like("%@tinh.demo.langson.vn")))
    assert province_owner.check_password(demo_market.DEMO_PASSWORD)


def test_every_plan_crop_has_a_light_drawing():
    keys = {p.stem for p in CROPS_DIR.glob("*.svg")}
    plan = {"hoi", "que", "na", "quyt", "hong", "thach_den", "thong", "keo", "mac_ca", "de", "dua", "duoc_lieu",
            "hoang_dan"}
    assert plan | {"default"} <= keys
    for path in CROPS_DIR.glob("*.svg"):
        text = path.read_text()
        assert path.stat().st_size < 4096 and text.startswith("<svg") and "<script" not in text


def test_the_home_page_shows_the_season_the_best_products_and_the_crops(province, client):
    html = client.get("/").get_data(as_text=True)
    for heading in ("Đang vào vụ tháng này", "Sản phẩm OCOP 4 và 5 sao", "Mới đăng bán"):
        assert heading in html
    crop_links = set(re.findall(r'href="/search\?crop=([a-z_]+)"', html))
    assert crop_links == {c.key for c in db.session.scalars(sa.select(Crop).where(Crop.tradable))}
    # every card has a picture: a crop drawing when the seller has no photo
    cards = re.findall(r'<li class="card[^"]*">(.*?)</li>', html, re.S)
    assert len(cards) >= 20 and all('class="card-picture"' in card for card in cards)
    assert re.search(r"/static/img/crops/hoi(\.[0-9a-f]+)?\.svg", html)
    five_star = db.session.scalar(sa.select(OcopProduct).where(OcopProduct.stars == 5).limit(1))
    assert five_star.name in html or "★★★★★" in html


def test_a_crop_card_opens_the_search_for_that_crop(province, client):
    response = client.get("/search?crop=hoi")
    assert response.status_code == 200 and "Hồi" in response.get_data(as_text=True)


def test_a_card_shows_the_sellers_photo_when_there_is_one_else_the_crop_drawing(app):
    from types import SimpleNamespace

    from market.pictures import card_picture_url

    with app.test_request_context():
        with_photo = SimpleNamespace(photos=[SimpleNamespace(id=7)], crop=SimpleNamespace(key="hoi"))
        without = SimpleNamespace(photos=[], crop=SimpleNamespace(key="na"))
        unknown = SimpleNamespace(photos=[], crop=None)
        assert card_picture_url(with_photo) == "/media/7/thumb"
        # static files carry a hash of their content in their name (market/web.py)
        assert re.fullmatch(r"/static/img/crops/na\.[0-9a-f]{12}\.svg", card_picture_url(without))
        assert re.fullmatch(r"/static/img/crops/default\.[0-9a-f]{12}\.svg", card_picture_url(unknown))
