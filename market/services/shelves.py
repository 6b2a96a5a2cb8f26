"""Retail shelves, confirmed by the chain: the producer asks a retail chain to confirm that it stocks a
product; the chain's members answer "we stock this since DATE" (or decline), and later "no longer since
DATE". Only a confirmed placement is shown as a fact and counted in the plan's retail share; a request
counts for nothing. Two placements of one product at one chain never overlap in time."""
from datetime import date

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from market.clock import today
from market.extensions import db
from market.models import (
    OcopProduct,
    Organisation,
    OrgKind,
    OrgStatus,
    PlacementStatus,
    ShelfPlacement,
    User,
)
from market.models.types import utcnow
from market.services import audit, notifications
from market.services.errors import PermissionDenied, ValidationFailed
from market.services.organisations import require_role
from market.services.zones import EDITORS

MAX_NOTE = 1000


def chains() -> list[Organisation]:
    """The retail chains a producer may ask: verified ones."""
    return list(db.session.scalars(sa.select(Organisation).where(
        Organisation.kind == OrgKind.RETAIL_CHAIN, Organisation.status == OrgStatus.VERIFIED)
        .order_by(Organisation.name)))


def _day(value, field: str, errors: dict, *, required: bool) -> date | None:
    if value is None or value == "":
        if required:
            errors[field] = [_("Enter the date.")]
        return None
    if not isinstance(value, date):
        errors[field] = [_("Enter the date.")]
        return None
    if value > today():
        errors[field] = [_("The date cannot be in the future.")]
    return value


def _overlap_message(other: ShelfPlacement) -> str:
    until = format_date(other.ended_on) if other.ended_on else _("today")
    return _("This product is already on the chain's shelves from %(since)s to %(until)s: the periods "
             "of one product at one chain cannot overlap.", since=format_date(other.since), until=until)


def _check_no_overlap(placement: ShelfPlacement, since: date, ended_on: date | None, field: str) -> None:
    """Refuse a period that overlaps another confirmed period of the same product at the same chain
    (half-open periods: a placement ended on 1 May and one since 1 May do not overlap)."""
    others = db.session.scalars(sa.select(ShelfPlacement).where(
        ShelfPlacement.product_id == placement.product_id, ShelfPlacement.chain_id == placement.chain_id,
        ShelfPlacement.status == PlacementStatus.CONFIRMED, ShelfPlacement.id != placement.id))
    for other in others:
        if (ended_on is None or other.since < ended_on) and (other.ended_on is None or since < other.ended_on):
            raise ValidationFailed({field: _overlap_message(other)})


def request(actor: User, product: OcopProduct, data: dict) -> ShelfPlacement:
    """The producer asks a chain to confirm that it stocks the product."""
    require_role(actor, product.organisation, *EDITORS)
    errors: dict[str, list[str]] = {}
    chain_id = str(data.get("chain_id") or "")
    chain = db.session.get(Organisation, int(chain_id)) if chain_id.isdigit() else None
    if chain is None or chain.kind != OrgKind.RETAIL_CHAIN or chain.status != OrgStatus.VERIFIED:
        errors["chain_id"] = [_("Choose a verified retail chain.")]
    since = _day(data.get("since"), "since", errors, required=False)
    note = (data.get("note") or "").strip()[:MAX_NOTE] or None
    if errors:
        raise ValidationFailed(errors)
    open_ = db.session.scalar(sa.select(ShelfPlacement).where(
        ShelfPlacement.product_id == product.id, ShelfPlacement.chain_id == chain.id,
        ShelfPlacement.status.in_(PlacementStatus.OPEN), ShelfPlacement.ended_on.is_(None)))
    if open_ is not None:
        raise ValidationFailed({"chain_id": [
            _("%(chain)s has already confirmed this product on its shelves.", chain=chain.name)
            if open_.status == PlacementStatus.CONFIRMED else
            _("A request to %(chain)s is already waiting for its answer.", chain=chain.name)]})
    placement = ShelfPlacement(product=product, chain=chain, status=PlacementStatus.REQUESTED, since=since,
                               note=note, requested_by_id=actor.id, requested_at=utcnow())
    if since is not None:
        _check_no_overlap(placement, since, None, "since")
    db.session.add(placement)
    db.session.flush()
    audit.record("shelf.requested", actor, organisation=product.organisation, obj=placement,
                 product=product.name, chain=chain.name)
    notifications.notify(chain, "shelf.requested", _(
        "%(producer)s asks you to confirm that %(product)s is on your shelves.",
        producer=product.organisation.name, product=product.name),
        notifications.page("shelves.chain", org_id=chain.id))
    return placement


def _require_chain_member(actor: User, placement: ShelfPlacement) -> None:
    require_role(actor, placement.chain)
    if not placement.chain.is_verified:
        raise PermissionDenied(_("Your organisation must be verified by the department before it confirms."))


def confirm(actor: User, placement: ShelfPlacement, since) -> ShelfPlacement:
    """The chain: "we stock this product since DATE"."""
    _require_chain_member(actor, placement)
    if placement.status != PlacementStatus.REQUESTED:
        raise ValidationFailed({"since": [_("This request was already answered.")]})
    errors: dict[str, list[str]] = {}
    since = _day(since, "since", errors, required=True)
    if errors:
        raise ValidationFailed(errors)
    _check_no_overlap(placement, since, None, "since")
    placement.status, placement.since = PlacementStatus.CONFIRMED, since
    placement.confirmed_by_id, placement.confirmed_at = actor.id, utcnow()
    audit.record("shelf.confirmed", actor, organisation=placement.chain, obj=placement,
                 product=placement.product.name, since=since.isoformat())
    notifications.notify(placement.product.organisation, "shelf.confirmed", _(
        "%(chain)s confirmed that %(product)s is on its shelves since %(since)s.",
        chain=placement.chain.name, product=placement.product.name, since=format_date(since)),
        notifications.page("catalog.product", product_id=placement.product.id))
    return placement


def decline(actor: User, placement: ShelfPlacement, reason: str | None) -> ShelfPlacement:
    """The chain: "we do not stock this product"."""
    _require_chain_member(actor, placement)
    if placement.status != PlacementStatus.REQUESTED:
        raise ValidationFailed({"reason": [_("This request was already answered.")]})
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed({"reason": [_("Say why, so the producer understands.")]})
    placement.status, placement.reason = PlacementStatus.DECLINED, reason[:MAX_NOTE]
    placement.ended_by_id, placement.ended_at = actor.id, utcnow()
    audit.record("shelf.declined", actor, organisation=placement.chain, obj=placement,
                 product=placement.product.name, reason=reason)
    notifications.notify(placement.product.organisation, "shelf.declined", _(
        "%(chain)s did not confirm %(product)s: %(reason)s",
        chain=placement.chain.name, product=placement.product.name, reason=reason),
        notifications.page("shelves.product", product_id=placement.product.id))
    return placement


def end(actor: User, placement: ShelfPlacement, ended_on) -> ShelfPlacement:
    """The chain: "no longer on our shelves since DATE" (the first day it was not)."""
    _require_chain_member(actor, placement)
    if placement.status != PlacementStatus.CONFIRMED or placement.ended_on is not None:
        raise ValidationFailed({"ended_on": [_("Only a placement on the shelves now can be ended.")]})
    errors: dict[str, list[str]] = {}
    ended_on = _day(ended_on, "ended_on", errors, required=True)
    if not errors and ended_on <= placement.since:
        errors["ended_on"] = [_("The end date must be after %(since)s, the date it came on the shelves.",
                                since=format_date(placement.since))]
    if errors:
        raise ValidationFailed(errors)
    _check_no_overlap(placement, placement.since, ended_on, "ended_on")
    placement.ended_on, placement.ended_by_id, placement.ended_at = ended_on, actor.id, utcnow()
    audit.record("shelf.ended", actor, organisation=placement.chain, obj=placement,
                 product=placement.product.name, ended_on=ended_on.isoformat())
    notifications.notify(placement.product.organisation, "shelf.ended", _(
        "%(chain)s says %(product)s is no longer on its shelves since %(date)s.",
        chain=placement.chain.name, product=placement.product.name, date=format_date(ended_on)),
        notifications.page("shelves.product", product_id=placement.product.id))
    return placement


def for_chain(chain: Organisation) -> dict[str, list[ShelfPlacement]]:
    """The chain's page: requests to answer, products on the shelves now, and the history."""
    rows = list(db.session.scalars(sa.select(ShelfPlacement).where(ShelfPlacement.chain_id == chain.id)
                                   .order_by(ShelfPlacement.requested_at.desc(), ShelfPlacement.id.desc())))
    on = today()
    return {
        "requests": [p for p in rows if p.status == PlacementStatus.REQUESTED],
        "current": [p for p in rows if p.status == PlacementStatus.CONFIRMED
                    and (p.ended_on is None or p.ended_on > on)],
        "history": [p for p in rows if p.status == PlacementStatus.DECLINED
                    or (p.status == PlacementStatus.CONFIRMED and p.ended_on is not None and p.ended_on <= on)],
    }


def confirmed_now(product: OcopProduct, on: date | None = None) -> list[ShelfPlacement]:
    """The chains that confirmed the product on their shelves on the day (the product page)."""
    on = on or today()
    return [p for p in product.shelf_placements if p.on_shelf(on)]


def declared(product: OcopProduct) -> list[ShelfPlacement]:
    """Requests the chain has not answered: shown as the producer's word only."""
    return [p for p in product.shelf_placements if p.status == PlacementStatus.REQUESTED]


def chains_of(user: User) -> list[Organisation]:
    return [m.organisation for m in user.memberships if m.organisation.kind == OrgKind.RETAIL_CHAIN]
