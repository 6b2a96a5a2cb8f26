"""Linkage chains declared by the department for chains that exist outside the market."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from market.extensions import db
from market.models import ChainRole, Crop, DeclaredChain, Organisation, User
from market.services import audit, targets, uploads
from market.services.errors import ValidationFailed
from market.services.organisations import require_department


def declare(actor: User, data: dict, evidence_file) -> DeclaredChain:
    """Only the department declares; the organisation must be a verified processor or cooperative, and
    evidence is required (a declaration without proof would make the figure a typed-in total)."""
    require_department(actor)
    errors: dict[str, list[str]] = {}
    org = db.session.get(Organisation, int(data["organisation_id"])) \
        if str(data.get("organisation_id") or "").isdigit() else None
    if org is None or org.kind not in targets.PROCESSOR_KINDS:
        errors["organisation_id"] = [_("Choose a processing enterprise or cooperative.")]
    elif not org.is_verified:
        errors["organisation_id"] = [_("%(org)s is not verified: verify it before declaring its chain.",
                                       org=org.name)]
    partner = " ".join((data.get("partner_name") or "").split())
    if not partner:
        errors["partner_name"] = [_("Name the partner in the chain.")]
    crop = db.session.get(Crop, int(data["crop_id"])) if str(data.get("crop_id") or "").isdigit() else None
    started, ended = data.get("started_on"), data.get("ended_on")
    if not isinstance(started, date):
        errors["started_on"] = [_("Enter the date the chain started.")]
    elif isinstance(ended, date) and ended < started:
        errors["ended_on"] = [_("The chain ends before it starts.")]
    if not evidence_file or not getattr(evidence_file, "filename", ""):
        errors["evidence"] = [_("Attach the evidence: a declared chain needs a document.")]
    role = data.get("role") or ChainRole.PROCESSOR  # a processing role unless the department says otherwise
    if role not in ChainRole.ALL:
        errors["role"] = [_("Choose the organisation's role in the chain.")]
    if errors:
        raise ValidationFailed(errors)
    try:
        evidence = uploads.save_upload(actor, _department(actor),
                                       evidence_file, allowed=("pdf", "image"))
    except ValidationFailed as exc:
        raise ValidationFailed({"evidence": sum(exc.errors.values(), [])}) from None
    chain = DeclaredChain(organisation=org, partner_name=partner, crop=crop, started_on=started, ended_on=ended,
                          role=role, evidence=evidence, note=(data.get("note") or "").strip() or None, declared_by_id=actor.id)
    db.session.add(chain)
    db.session.flush()
    audit.record("chain.declared", actor, organisation=org, obj=chain, partner=partner)
    return chain


def _department(actor: User) -> Organisation:
    from market.models import OrgKind

    return next(m.organisation for m in actor.memberships
                if m.organisation.kind == OrgKind.DEPARTMENT and m.organisation.is_verified)


def declared_chains() -> list[DeclaredChain]:
    return list(db.session.scalars(sa.select(DeclaredChain).order_by(DeclaredChain.started_on.desc())))
