"""Bad input to the contract services: each refusal names the field, and nothing is half-saved."""
from datetime import datetime, time, timedelta

import pytest

from market.clock import LOCAL_TZ, today
from market.extensions import db
from market.labels import UNITS
from market.models import (
    CertificateKind,
    Contract,
    ContractState,
    ContractVersion,
    Delivery,
    DeliveryStatus,
    GrowingZone,
    ReviewStatus,
    Role,
    SourcingOffer,
    SourcingRequest,
    User,
)
from market.services import contracts, sourcing
from market.services.errors import PermissionDenied, ValidationFailed
from tests.factories import QUANTITY, contract_data, count, delivery_data, get, request_data, snapshot

# --- terms --------------------------------------------------------------------------------------------------

BAD_TERMS = [
    ({"deposit_pct": "150"}, "deposit_pct"),
    ({"deposit_pct": "-1"}, "deposit_pct"),
    ({"deposit_pct": "abc"}, "deposit_pct"),
    ({"deposit_pct": "12,5"}, "deposit_pct"),
    ({"delivery_end": today() - timedelta(days=1)}, "delivery_end"),
    ({"delivery_start": None}, "delivery_start"),
    ({"delivery_end": "2026-13-01"}, "delivery_end"),
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "-3"}, "quantity"),
    ({"quantity": "10000000,5"}, "quantity"),
    ({"quantity": "20000000"}, "quantity"),
    ({"quantity": "nan"}, "quantity"),
    ({"quantity": "inf"}, "quantity"),
    ({"quantity": ""}, "quantity"),
    ({"price_per_unit": "-1"}, "price_per_unit"),
    ({"price_per_unit": "1000000001"}, "price_per_unit"),
    ({"price_per_unit": "95,5"}, "price_per_unit"),
    ({"price_per_unit": "mười"}, "price_per_unit"),
    ({"payment_days": "366"}, "payment_days"),
    ({"crop_id": ""}, "crop_id"),
    ({"crop_id": "999999"}, "crop_id"),
    ({"unit": "bao"}, "unit"),
    ({"product_form": "jam"}, "product_form"),
    ({"zone_ids": ["999999"]}, "zone_ids"),
]


@pytest.mark.parametrize("changes, field", BAD_TERMS, ids=[f"{f}-{i}" for i, (_c, f) in enumerate(BAD_TERMS)])
def test_bad_terms_name_the_field_and_save_nothing(req, world, changes, field):
    w = world
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        contracts.start_contract(w.user("buyer_owner"), w.org("buyer"), w.org("seller"),
                                 contract_data([w.zone], **changes))
    assert list(caught.value.errors) == [field]
    db.session.rollback()
    assert snapshot() == before and count(Contract) == 0


@pytest.mark.parametrize("changes, field", BAD_TERMS, ids=[f"{f}-{i}" for i, (_c, f) in enumerate(BAD_TERMS)])
def test_a_bad_counter_proposal_adds_no_version(req, build, world, changes, field):
    contract_id = build.contract(ContractState.PROPOSED, price_per_unit="90000000")
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        contracts.counter_propose(world.user("seller_owner"), get(Contract, contract_id),
                                  contract_data([world.zone], **changes))
    assert list(caught.value.errors) == [field]
    db.session.rollback()
    assert snapshot() == before and count(ContractVersion) == 1


@pytest.mark.parametrize("changes, expected", [
    ({"quantity": "10000000"}, 10_000_000),
    ({"quantity": "0,5"}, 0.5),
    ({"price_per_unit": "0"}, 0),
    ({"price_per_unit": "1000000000"}, 1_000_000_000),
    ({"deposit_pct": "100"}, 100),
    ({"deposit_pct": ""}, 0),
])
def test_the_limits_themselves_are_accepted(req, world, changes, expected):
    w = world
    contract = contracts.start_contract(w.user("buyer_owner"), w.org("buyer"), w.org("seller"),
                                        contract_data([w.zone], **changes))
    terms = contract.current.terms.to_dict()
    field = next(iter(changes))
    value = terms["deposit_pct"] if field == "deposit_pct" else terms["items"][0][field]
    assert value == expected


def test_the_delivery_window_may_be_one_day(req, world):
    w = world
    day = today() + timedelta(days=3)
    contract = contracts.start_contract(w.user("buyer_owner"), w.org("buyer"), w.org("seller"),
                                        contract_data([w.zone], delivery_start=day, delivery_end=day))
    assert contract.current.terms.delivery_window.start == day


def _zone_refused(w, zone_ids):
    with pytest.raises(ValidationFailed) as caught:
        contracts.start_contract(w.user("buyer_owner"), w.org("buyer"), w.org("seller"), contract_data(zone_ids))
    assert list(caught.value.errors) == ["zone_ids"]
    db.session.rollback()
    assert count(Contract) == 0


def test_a_zone_of_another_organisation_is_refused(req, factory, cat, world):
    theirs = cat.zone(factory.org(name="HTX Hồi Khác"), code="LS-CL-HOI-0009")
    _zone_refused(world, [theirs])
    _zone_refused(world, [world.zone, theirs])
    # ... nor one of the buyer's own.
    _zone_refused(world, [cat.zone(world.buyer, code="LS-LVT-HOI-0001")])


def test_a_zone_of_another_crop_is_refused(req, cat, world):
    _zone_refused(world, [world.zone, cat.zone(world.seller, crop="na")])


@pytest.mark.parametrize("status", [ReviewStatus.RECALLED, ReviewStatus.REJECTED])
def test_a_recalled_or_rejected_zone_is_refused(req, cat, world, status):
    _zone_refused(world, [world.zone, cat.zone(world.seller, status=status)])


# --- sourcing ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("changes, field", [
    ({"delivery_start": today() - timedelta(days=1)}, "delivery_start"),
    ({"delivery_end": today()}, "delivery_end"),
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "10000001"}, "quantity"),
    ({"max_price_per_unit": "-5"}, "max_price_per_unit"),
    ({"required_certificates": ["halal"]}, "required_certificates"),
    ({"preferred_commune_ids": ["999999"]}, "preferred_commune_ids"),
    ({"title": "  "}, "title"),
])
def test_bad_sourcing_requests(req, world, changes, field):
    with pytest.raises(ValidationFailed) as caught:
        sourcing.create_request(world.user("buyer_owner"), world.org("buyer"), request_data(**changes))
    assert list(caught.value.errors) == [field]
    db.session.rollback()
    assert count(SourcingRequest) == 0


@pytest.mark.parametrize("changes, field", [
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "10000001"}, "quantity"),
    ({"price_per_unit": "-1"}, "price_per_unit"),
    ({"zone_ids": []}, "zone_ids"),
])
def test_bad_offers(req, world, changes, field):
    w = world
    request = sourcing.create_request(w.user("buyer_owner"), w.org("buyer"), request_data())
    db.session.commit()
    data = {"quantity": "10", "price_per_unit": "90000000", "zone_ids": [str(w.zone)], **changes}
    with pytest.raises(ValidationFailed) as caught:
        sourcing.make_offer(w.user("seller_owner"), get(SourcingRequest, request.id), w.org("seller"), data)
    assert list(caught.value.errors) == [field]
    db.session.rollback()
    assert count(SourcingOffer) == 0


def test_an_offer_from_an_unfitting_zone_is_refused(req, factory, cat, world):
    """Only the seller's verified zones of the crop holding the required certificates valid today may supply."""
    w = world
    request = sourcing.create_request(w.user("buyer_owner"), w.org("buyer"), request_data())
    db.session.commit()
    expired = cat.zone(w.seller)
    cat.certificate(expired, kind=CertificateKind.ORGANIC, issued_on=today() - timedelta(days=400),
                    expires_on=today() - timedelta(days=1))
    pending = cat.zone(w.seller, status=ReviewStatus.PENDING)
    cat.certificate(pending, kind=CertificateKind.ORGANIC)
    theirs = cat.zone(factory.org(name="HTX Hồi Khác"))
    cat.certificate(theirs, kind=CertificateKind.ORGANIC)
    for zone_id in (w.plain_zone, expired, pending, theirs, 999999):
        with pytest.raises(ValidationFailed) as caught:
            sourcing.make_offer(w.user("seller_owner"), get(SourcingRequest, request.id), w.org("seller"),
                                {"quantity": "10", "price_per_unit": "90000000",
                                 "zone_ids": [str(w.zone), str(zone_id)]})
        assert list(caught.value.errors) == ["zone_ids"]
        db.session.rollback()
    assert count(SourcingOffer) == 0


# --- deliveries ---------------------------------------------------------------------------------------------

@pytest.fixture
def active(build):
    """An active contract for 10 t, signed now, with 4 t delivered and waiting for confirmation."""
    return build.contract(ContractState.ACTIVE, deliveries=((4.0, DeliveryStatus.RECORDED),))


def _delivery_refused(world, contract_id, field, **changes):
    before = snapshot()
    data = delivery_data([world.zone], **changes)
    with pytest.raises(ValidationFailed) as caught:
        contracts.record_delivery(world.user("seller_owner"), get(Contract, contract_id), data)
    assert list(caught.value.errors) == [field]
    db.session.rollback()
    assert snapshot() == before
    return caught.value.errors[field][0]


def test_delivering_more_than_remains_names_what_remains(req, world, active):
    message = _delivery_refused(world, active, "quantity", quantity="6,5")
    assert "6" in message and "6,5" not in message
    # Exactly what remains is accepted; then nothing remains.
    contracts.record_delivery(world.user("seller_owner"), get(Contract, active), delivery_data([world.zone],
                                                                                              quantity="6"))
    db.session.commit()
    assert contracts.remaining_quantity(get(Contract, active)) == 0
    message = _delivery_refused(world, active, "quantity", quantity="0,5")
    assert "0" in message


def test_a_disputed_delivery_does_not_count_against_what_remains(req, build, world):
    contract_id = build.contract(ContractState.DISPUTED, deliveries=((4.0, DeliveryStatus.DISPUTED),
                                                                     (5.0, DeliveryStatus.CONFIRMED)))
    assert contracts.remaining_quantity(get(Contract, contract_id)) == QUANTITY - 5
    _delivery_refused(world, contract_id, "quantity", quantity="5,5")


def test_what_remains_is_worded_with_the_unit_name(req, world, active):
    message = _delivery_refused(world, active, "quantity", quantity="7")
    assert str(UNITS["tan"]) in message


@pytest.mark.parametrize("changes", [{"quantity": "0"}, {"quantity": "-1"}, {"quantity": "abc"},
                                     {"quantity": "10000001"}, {"quantity": None}])
def test_a_delivery_quantity_must_be_positive(req, world, active, changes):
    _delivery_refused(world, active, "quantity", **changes)


def test_a_delivery_dated_in_the_future_is_refused(req, world, active):
    _delivery_refused(world, active, "delivered_on", delivered_on=today() + timedelta(days=1))


@pytest.mark.parametrize("value", [None, "2026-01-01", ""])
def test_a_delivery_needs_a_date(req, world, active, value):
    _delivery_refused(world, active, "delivered_on", delivered_on=value)


def test_a_delivery_dated_before_the_signature_is_refused(req, build, world):
    signed_at = datetime.now(LOCAL_TZ) - timedelta(days=5)
    contract_id = build.contract(ContractState.ACTIVE, signed_at=signed_at)
    # Two days before, so this holds at any hour (the day before is test_the_signature_day_is_judged_in_lang_son).
    _delivery_refused(world, contract_id, "delivered_on", delivered_on=signed_at.date() - timedelta(days=2))
    contracts.record_delivery(world.user("seller_owner"), get(Contract, contract_id),
                              delivery_data([world.zone], delivered_on=signed_at.date()))


def test_the_signature_day_is_judged_in_lang_son(req, build, world):
    # Signed at 01:00 today in Lạng Sơn, which is 18:00 yesterday in UTC.
    signed_at = datetime.combine(today(), time(1, 0), tzinfo=LOCAL_TZ)
    contract_id = build.contract(ContractState.ACTIVE, signed_at=signed_at)
    _delivery_refused(world, contract_id, "delivered_on", delivered_on=today() - timedelta(days=1))


def test_a_delivery_from_a_zone_not_in_the_contract_is_refused(req, factory, cat, world, active):
    # The cooperative's other zone of the same crop, verified, but not named in the contract.
    _delivery_refused(world, active, "zone_ids", zone_ids=[str(world.plain_zone)])
    _delivery_refused(world, active, "zone_ids", zone_ids=[str(world.zone), str(world.plain_zone)])
    theirs = cat.zone(factory.org(name="HTX Hồi Khác"), code="LS-CL-HOI-0009")
    _delivery_refused(world, active, "zone_ids", zone_ids=[str(theirs)])
    _delivery_refused(world, active, "zone_ids", zone_ids=[])
    _delivery_refused(world, active, "zone_ids", zone_ids=["999999"])


def test_every_error_of_a_delivery_at_once(req, world, active):
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        contracts.record_delivery(world.user("seller_owner"), get(Contract, active),
                                  {"quantity": "99", "delivered_on": None, "zone_ids": []})
    assert set(caught.value.errors) == {"quantity", "delivered_on", "zone_ids"}
    db.session.rollback()
    assert snapshot() == before


@pytest.mark.parametrize("note", [None, "", "   ", "hỏng"])
def test_a_dispute_needs_a_note(req, world, active, note):
    before = snapshot()
    contract = get(Contract, active)
    with pytest.raises(ValidationFailed) as caught:
        contracts.dispute_delivery(world.user("buyer_owner"), contract.deliveries[0], note)
    assert list(caught.value.errors) == ["note"]
    db.session.rollback()
    assert snapshot() == before
    contract = get(Contract, active)
    assert contract.state == ContractState.ACTIVE and contract.deliveries[0].status == DeliveryStatus.RECORDED


def test_a_confirmed_delivery_is_confirmed_once_and_not_disputed(req, world, active):
    contracts.confirm_delivery(world.user("buyer_owner"), get(Contract, active).deliveries[0])
    db.session.commit()
    before = snapshot()
    with pytest.raises(ValidationFailed) as caught:
        contracts.confirm_delivery(world.user("buyer_signer"), get(Contract, active).deliveries[0])
    assert list(caught.value.errors) == ["status"]
    with pytest.raises(ValidationFailed) as caught:
        contracts.dispute_delivery(world.user("buyer_signer"), get(Contract, active).deliveries[0], "Hàng bị ẩm")
    assert list(caught.value.errors) == ["status"]
    db.session.rollback()
    assert snapshot() == before
    assert get(Contract, active).state == ContractState.ACTIVE


def test_who_records_and_who_answers_deliveries(req, factory, world, active):
    w = world
    contract = get(Contract, active)
    delivery = contract.deliveries[0]
    outsider = get(User, factory.member(factory.org(name="HTX Ngoài Cuộc")))
    for actor in (w.user("buyer_owner"), outsider):  # the buyer does not record; outsiders do nothing
        with pytest.raises(PermissionDenied):
            contracts.record_delivery(actor, contract, delivery_data([w.zone], quantity="1"))
    for actor in (w.user("seller_owner"), w.user("seller_member"), get(User, factory.member(w.buyer, Role.MEMBER)),
                  outsider):
        with pytest.raises(PermissionDenied):
            contracts.confirm_delivery(actor, delivery)
        with pytest.raises(PermissionDenied):
            contracts.dispute_delivery(actor, delivery, "Hàng bị ẩm")
    # Only a disputed delivery is withdrawn, and only by the seller.
    with pytest.raises(PermissionDenied):
        contracts.withdraw_delivery(w.user("seller_owner"), delivery)
    db.session.rollback()
    assert count(Delivery) == 1 and get(Delivery, delivery.id).status == DeliveryStatus.RECORDED


def test_a_delivery_keeps_its_zones_lot_and_recorder(req, world, active):
    # A lot code follows GS1's AI 10 (issue 16a): no accents, so it can go into labels and EPCIS events.
    with pytest.raises(ValidationFailed) as refused:
        contracts.record_delivery(world.user("seller_member"), get(Contract, active),
                                  delivery_data([world.zone], quantity="2,5", lot_code="LÔ-07"))
    assert set(refused.value.errors) == {"lot_code"}
    delivery = contracts.record_delivery(world.user("seller_member"), get(Contract, active),
                                         delivery_data([world.zone], quantity="2,5", lot_code="  LO-07 ", note=" "))
    db.session.commit()
    delivery = get(Delivery, delivery.id)
    assert delivery.quantity == 2.5 and delivery.lot_code == "LO-07" and delivery.note is None
    assert [z.id for z in delivery.zones] == [world.zone] and delivery.recorded_by_id == world.seller_member
    assert delivery.status == DeliveryStatus.RECORDED and len(delivery.public_id) >= 12
    assert get(GrowingZone, world.zone).code in get(Contract, active).current.terms.zone_codes
