"""The buyer's inspection of a delivery: received, accepted and rejected quantities, the grade found, the
weigh ticket and photos. Nothing here commits.

Rules: received <= delivered; accepted + rejected = received; rejected <= delivered; a rejection says why.
The delivery is then confirmed with its accepted quantity, which is what the contract, the plan's delivered
figures (services/targets.py) and the delivery's public traceability page count. Rejected goods remain to be
delivered on the contract."""
from flask_babel import gettext as _

from market.labels import unit_label
from market.models import Delivery, DeliveryStatus, User
from market.models.types import utcnow
from market.numbers import clean_number, format_number
from market.services import audit, contracts, notifications, uploads
from market.services.errors import PermissionDenied, ValidationFailed

MAX_PHOTOS = 6
TOLERANCE = 1e-6


def clean(delivery: Delivery, data: dict) -> dict:
    """The inspection figures, checked; ValidationFailed with one Vietnamese message per field."""
    errors: dict[str, list[str]] = {}
    unit = unit_label(delivery.contract.current.terms.item.unit)
    delivered = delivery.quantity
    received = clean_number(errors, "received_quantity", data.get("received_quantity"), minimum=0,
                            maximum=contracts.MAX_QUANTITY)
    accepted = clean_number(errors, "accepted_quantity", data.get("accepted_quantity"), minimum=0,
                            maximum=contracts.MAX_QUANTITY)
    rejected = clean_number(errors, "rejected_quantity", data.get("rejected_quantity") or 0, minimum=0,
                            maximum=contracts.MAX_QUANTITY)
    if received is not None and received > delivered + TOLERANCE:
        errors["received_quantity"] = [_("You cannot receive more than the %(n)s %(unit)s delivered.",
                                         n=format_number(delivered), unit=unit)]
    if rejected is not None and rejected > delivered + TOLERANCE:
        errors["rejected_quantity"] = [_("The rejected quantity cannot be more than the %(n)s %(unit)s delivered.",
                                         n=format_number(delivered), unit=unit)]
    if (not errors and None not in (received, accepted, rejected)
            and abs(accepted + rejected - received) > TOLERANCE):
        errors["accepted_quantity"] = [_("Accepted (%(a)s) plus rejected (%(r)s) must equal the %(n)s %(unit)s "
                                         "received.", a=format_number(accepted), r=format_number(rejected), n=format_number(received),
                                         unit=unit)]
    reason = (data.get("rejection_reason") or "").strip()
    if rejected and rejected > 0 and len(reason) < 3:
        errors["rejection_reason"] = [_("Say why part of the delivery is rejected.")]
    grade = (data.get("grade_found") or "").strip()
    if len(grade) > 60:
        errors["grade_found"] = [_("At most %(n)d characters.", n=60)]
    ticket = (data.get("weigh_ticket") or "").strip()
    if len(ticket) > 40:
        errors["weigh_ticket"] = [_("At most %(n)d characters.", n=40)]
    if errors:
        raise ValidationFailed(errors)
    return {"received": received, "accepted": accepted, "rejected": rejected or 0.0, "reason": reason or None,
            "grade": grade or None, "ticket": ticket or None}


def inspect(actor: User, delivery: Delivery, data: dict, photos=()) -> Delivery:
    """The buyer records what it found; the delivery is confirmed for its accepted quantity."""
    contract = delivery.contract
    side, org = contracts.acting_side(actor, contract)
    if side != "buyer":
        raise PermissionDenied(_("The buyer inspects deliveries; the seller records them."))
    if delivery.status != DeliveryStatus.RECORDED:
        raise ValidationFailed({"status": _("Only a delivery waiting for the buyer can be inspected.")})
    found = clean(delivery, data)
    photos = [f for f in photos or () if getattr(f, "filename", None)]
    if len(photos) > MAX_PHOTOS:
        raise ValidationFailed({"photos": _("Attach at most %(n)d photos.", n=MAX_PHOTOS)})
    saved = []
    for f in photos:
        try:
            saved.append(uploads.save_upload(actor, org, f, allowed=(uploads.IMAGE,)))
        except ValidationFailed as exc:
            raise ValidationFailed({"photos": exc.errors.get("file", [])}) from None
    delivery.received_quantity, delivery.accepted_quantity = found["received"], found["accepted"]
    delivery.rejected_quantity, delivery.rejection_reason = found["rejected"], found["reason"]
    delivery.grade_found, delivery.weigh_ticket = found["grade"], found["ticket"]
    delivery.photos.extend(saved)
    delivery.inspected_by_id, delivery.inspected_at = actor.id, utcnow()
    delivery.status, delivery.answered_by_id, delivery.answered_at = DeliveryStatus.CONFIRMED, actor.id, utcnow()
    audit.record("delivery.inspected", actor, organisation=org, obj=delivery, contract=contract.reference,
                 received=found["received"], accepted=found["accepted"], rejected=found["rejected"],
                 reason=found["reason"], grade=found["grade"], weigh_ticket=found["ticket"], photos=len(saved))
    unit = unit_label(contract.current.terms.item.unit)
    if found["rejected"]:
        message = _("%(org)s inspected the delivery on %(ref)s: %(a)s %(unit)s accepted, %(r)s %(unit)s rejected "
                    "(%(reason)s).", org=org.name, ref=contract.reference, a=format_number(found["accepted"]),
                    r=format_number(found["rejected"]), unit=unit, reason=found["reason"])
    else:
        message = _("%(org)s inspected the delivery on %(ref)s: %(a)s %(unit)s accepted.", org=org.name,
                    ref=contract.reference, a=format_number(found["accepted"]), unit=unit)
    notifications.notify(contract.seller, "delivery.inspected", message,
                         notifications.page("contracts.show", contract_id=contract.id))
    contracts._settle(contract)
    return delivery
