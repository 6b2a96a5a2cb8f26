"""The demo's GS1 data (market/services/demo_gs1.py): GTINs with valid check digits, lots that resolve, and
EPCIS documents GS1's validator accepts; seeding twice changes nothing."""
import json

import sqlalchemy as sa

from market.extensions import db
from market.models import OcopProduct, Organisation, ProductLot, SupplyListing
from market.services import demo_gs1, demo_market, gs1
from tests.conftest import log_in_en
from tests.gs1.test_gs1 import assert_valid_epcis


def test_demo_products_have_gtins_and_lots_that_resolve(app, client):
    with app.app_context():
        demo_market.seed_demo()
        demo_market.seed_demo_catalog()
        demo_market.seed_demo_contracts()
        db.session.commit()
        assert demo_gs1.seed_demo_gs1() == {"gtins": 0, "lots": 0}  # idempotent
        gtins = [p.gtin for p in db.session.scalars(sa.select(OcopProduct))]
        assert gtins and all(g and gs1.has_valid_check_digit(g) and g.startswith("0893") for g in gtins)
        assert all(x.lot_number and gs1.clean_lot(x.lot_number) for x in db.session.scalars(sa.select(SupplyListing)))
        lot = db.session.scalar(sa.select(ProductLot).where(ProductLot.lot_number.like("TDQ-%")))
        assert lot is not None and lot.source_delivery is not None
        gtin, number, org_id = lot.product.gtin, lot.lot_number, lot.product.organisation_id
        owner = next(m.user_id for m in db.session.get(Organisation, org_id).memberships if m.role == "owner")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation).where(
            Organisation.gln.is_not(None))) == 2
    with client.session_transaction() as session:
        session["lang"] = "en"
    assert client.get(f"/01/{gtin}/10/{number}").status_code == 200
    history = json.loads(client.get(f"/gs1/epcis/01/{gtin}/10/{number}").data)
    assert [e["type"] for e in history["epcisBody"]["eventList"]] == ["TransformationEvent"]  # public part
    log_in_en(client, owner)
    history = json.loads(client.get(f"/gs1/epcis/01/{gtin}/10/{number}").data)
    steps = [e.get("bizStep") for e in history["epcisBody"]["eventList"]]
    assert "shipping" in steps and "receiving" in steps and steps[-1] == "commissioning"
    assert_valid_epcis(history)
    export = json.loads(client.get(f"/gs1/orgs/{org_id}/events.jsonld?start=2000-01-01&end=2000-12-31").data)
    assert export["epcisBody"]["eventList"] == []
    assert client.get(f"/gs1/orgs/{org_id}/events.jsonld?start=2000-01-01&end=2001-12-31").status_code == 400
    page = client.get(f"/gs1/orgs/{org_id}/events")
    assert page.status_code == 200
    document = json.loads(client.get(f"/gs1/orgs/{org_id}/events.jsonld").data)
    assert len(document["epcisBody"]["eventList"]) >= 3
    assert_valid_epcis(document)
