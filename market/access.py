"""Who may call each route: one declaration per view, enforced before the view runs, and the truth that
tests/test_access.py checks every route against, as every kind of visitor.

    from market import access

    @bp.get("/<int:contract_id>")
    @access.rule(access.party("contract", department=True))
    def show(contract_id): ...

    @bp.route("/<int:org_id>/members", methods=["GET", "POST"])
    @access.rule(access.member(), POST=access.member(*Role.ADMINS))   # another rule for one method
    def members(org_id): ...

Put `@access.rule(...)` right under the route decorator. A route without a rule fails the test, which names it.
The services keep their own checks (`organisations.require_role`, `permissions.can_*`): the rule is the first
gate, not the only one. Refusals: a visitor who is not logged in is sent to the login page (JSON: 401); a
logged-in person outside the rule gets 403 for a kind of page they may not use (department pages, buying) and
404 for someone else's object (it does not confirm that the object exists).

The rules (`Rule.kind`):
- PUBLIC: anyone. TOKEN: anyone holding the link (a signed token or a public id checks itself).
  SIGNED: a caller proving itself in the request (the Stripe webhook's signature).
- LOGGED_IN: any logged-in person.
- DEPARTMENT: department staff (members of the verified department). AUTHORITY: department or commune staff.
  COMMUNE_OFFICE: commune staff only (a commune's own report: the department reads it, never writes it).
- BUYER: a member of a buying organisation (enterprise, retail chain, tourist shop); SELLER: of a cooperative or
  farmer group. Either with `*roles` to narrow them, `verified=True` for verified organisations only.
- member(*roles, org="org_id", or_self=None): a member of the organisation in the address (with one of `roles`,
  if given), or, with `or_self="membership_id"`, the member whose membership is in the address (leaving).
- party(of, *roles, side=None, department=False): a member of a party to the object in the address (a
  contract, an order, a payment...), of the given side, with one of `roles`; department staff too if asked.
- visible(of, logged_in=False): whoever may see that object (services/visibility.py and the services'
  can_view_*: public when published, else its organisation's members and the department); the route checks.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from flask import Flask, abort, current_app, request
from flask_login import current_user

__all__ = ["AUTHORITY", "BUYER", "COMMUNE_OFFICE", "DEPARTMENT", "LOGGED_IN", "PUBLIC", "SELLER", "SIGNED", "TOKEN", "Rule",
           "buyer", "member", "party", "rule", "rule_for", "seller", "visible"]


@dataclass(frozen=True)
class Rule:
    kind: str
    roles: tuple[str, ...] = ()
    of: str | None = None  # the object in the address: "contract", "order", ... or the view argument (member)
    side: str | None = None  # party rules: "buyer", "seller", "payee", "payer", "opener"... or None for either
    department: bool = False  # party rules: department staff too
    logged_in: bool = False  # visible rules: only logged-in people see even public ones
    verified: bool = False  # buyer/seller rules: the organisation must be verified
    or_self: str | None = None  # member rules: or the member whose membership id is this view argument
    why: object = field(default=None, compare=False)  # the 403's message (a lazy string), else a generic one

    def __str__(self) -> str:
        extra = [f"of={self.of}"] if self.of else []
        extra += [f"roles={','.join(self.roles)}"] if self.roles else []
        extra += [f"side={self.side}"] if self.side else []
        extra += ["+department"] if self.department else []
        extra += ["logged_in"] if self.logged_in else []
        extra += ["verified"] if self.verified else []
        extra += [f"or_self={self.or_self}"] if self.or_self else []
        return self.kind + (f"({' '.join(extra)})" if extra else "")


PUBLIC = Rule("public")
TOKEN = Rule("token")
SIGNED = Rule("signed")
LOGGED_IN = Rule("logged_in")
DEPARTMENT = Rule("department")
AUTHORITY = Rule("authority")
COMMUNE_OFFICE = Rule("commune_office")
BUYER = Rule("buyer")
SELLER = Rule("seller")


def buyer(*roles: str, verified: bool = False, why=None) -> Rule:
    return Rule("buyer", roles=roles, verified=verified, why=why)


def seller(*roles: str, verified: bool = False, why=None) -> Rule:
    return Rule("seller", roles=roles, verified=verified, why=why)


def member(*roles: str, org: str = "org_id", or_self: str | None = None) -> Rule:
    return Rule("member", roles=roles, of=org, or_self=or_self)


def party(of: str, *roles: str, side: str | None = None, department: bool = False, why=None) -> Rule:
    if of not in PARTIES:
        raise ValueError(f"access.party: no loader for {of!r} (add it to market.access.PARTIES)")
    return Rule("party", roles=roles, of=of, side=side, department=department, why=why)


def visible(of: str, *, logged_in: bool = False) -> Rule:
    return Rule("visible", of=of, logged_in=logged_in)


# --- the parties of each kind of object ----------------------------------------------------------
# of -> (view argument, loader(id) -> [(side, organisation)] or None when there is no such object). Two pseudo
# sides say who else sees the object: ("department", None) for department staff, ("anyone", None) for every
# logged-in person (an open sourcing request). Someone who sees the object but may not act gets 403; someone
# who does not see it, 404.

def _contract(ident):
    from market.extensions import db
    from market.models import Contract

    item = db.session.get(Contract, ident)
    return item and [("buyer", item.buyer), ("seller", item.seller), ("department", None)]


def _order(ident):
    from market.extensions import db
    from market.models import ShopOrder

    item = db.session.get(ShopOrder, ident)
    return item and [("buyer", item.buyer), ("seller", item.seller), ("department", None)]


def _payment(ident):
    from market.extensions import db
    from market.models import Payment

    item = db.session.get(Payment, ident)
    return item and [("payer", item.payer), ("payee", item.payee)]


def _cart_item(ident):
    from market.extensions import db
    from market.models import CartItem, Organisation

    item = db.session.get(CartItem, ident)
    return item and [("buyer", db.session.get(Organisation, item.buyer_id))]


def _sourcing_request(ident):
    from market.extensions import db
    from market.models import RequestStatus, SourcingRequest

    item = db.session.get(SourcingRequest, ident)
    if item is None:
        return None
    return ([("buyer", item.buyer), ("department", None)] + [("seller", o.seller) for o in item.offers]
            + ([("anyone", None)] if item.status == RequestStatus.OPEN else []))


def _sourcing_offer(ident):
    from market.extensions import db
    from market.models import SourcingOffer

    item = db.session.get(SourcingOffer, ident)
    return item and [("buyer", item.request.buyer), ("seller", item.seller), ("department", None)]


def _conversation(ident):
    from market.extensions import db
    from market.models import Conversation
    from market.permissions import department_sees_thread

    item = db.session.get(Conversation, ident)
    if item is None:
        return None
    return ([("starter", item.starter), ("other", item.other)]
            + ([("department", None)] if department_sees_thread(item) else []))


def _dispute(ident):
    from market.extensions import db
    from market.models import Dispute

    item = db.session.get(Dispute, ident)
    if item is None:
        return None
    opener = item.opened_by_org
    other = item.contract.seller if opener.id == item.contract.buyer_id else item.contract.buyer
    return [("opener", opener), ("other", other), ("department", None)]


def _document(ident):
    from market.extensions import db
    from market.models import IssuedDocument
    from market.services import documents

    item = db.session.get(IssuedDocument, ident)
    if item is None:
        return None
    content = documents.content(item)
    return [("seller", content.seller), ("buyer", content.buyer), ("department", None)]


def _documents_of(ident):
    from market.extensions import db
    from market.models import Organisation

    org = db.session.get(Organisation, ident)
    return org and [("seller", org), ("department", None)]


def _placement(ident):
    from market.extensions import db
    from market.models import ShelfPlacement

    item = db.session.get(ShelfPlacement, ident)
    # ("anyone", None): like the view, a stranger is told 403 (the product page names its chains), not 404.
    return item and [("chain", item.chain), ("producer", item.product.organisation), ("anyone", None)]


def _organisation(ident):
    from market.extensions import db
    from market.models import Organisation

    org = db.session.get(Organisation, ident)
    return org and [("member", org)]


def _product(ident):
    from market.extensions import db
    from market.models import OcopProduct

    item = db.session.get(OcopProduct, ident)
    return item and [("seller", item.organisation)]


PARTIES: dict[str, tuple[str, Callable]] = {
    "contract": ("contract_id", _contract),
    "order": ("order_id", _order),
    "payment": ("payment_id", _payment),
    "cart_item": ("item_id", _cart_item),
    "sourcing_request": ("request_id", _sourcing_request),
    "sourcing_offer": ("offer_id", _sourcing_offer),
    "conversation": ("conversation_id", _conversation),
    "dispute": ("dispute_id", _dispute),
    "document": ("doc_id", _document),
    "documents_of": ("org_id", _documents_of),  # a seller's documents: its members and the department
    "placement": ("placement_id", _placement),
    "product": ("product_id", _product),
    # The organisation in the address, for pages a stranger must not learn about (404), while a member
    # without the role is told 403 (access.member answers 403 to both).
    "organisation": ("org_id", _organisation),  # an OCOP product's organisation (its editors' pages)
}


# --- the decorator ---------------------------------------------------------------------------------

def rule(default: Rule, **per_method: Rule):
    """Declare (and enforce) who may call this view; `POST=...` etc. for a method with another rule."""
    rules = {"*": default, **{m.upper(): r for m, r in per_method.items()}}

    def decorate(view):
        @wraps(view)
        def guarded(*args, **kwargs):
            _enforce(rules.get(request.method, default), kwargs)
            return view(*args, **kwargs)

        guarded.access_rules = rules
        return guarded

    return decorate


# Endpoints that are not views of ours (Flask's static files).
DECLARED: dict[str, Rule] = {"static": PUBLIC}


def rule_for(app: Flask, endpoint: str, method: str) -> Rule | None:
    """The rule declared for `endpoint` and `method`, or None when there is none."""
    if endpoint in DECLARED:
        return DECLARED[endpoint]
    rules = getattr(app.view_functions.get(endpoint), "access_rules", None)
    if rules is None:
        return None
    return rules.get(method.upper(), rules["*"])


def _logged_in() -> bool:
    return bool(current_user and current_user.is_authenticated)


def _has(org, roles) -> bool:
    membership = current_user.membership_in(org) if org is not None else None
    return bool(membership and (not roles or membership.role in roles))


def _unauthorised() -> None:
    if request.path.startswith("/api/"):
        from flask_babel import gettext as _

        from market.blueprints.api.auth import carries_token
        from market.blueprints.api.errors import json_error

        if carries_token():
            abort(json_error(401, _("The token is unknown, revoked or expired. Make a new one in your account."),
                             code="invalid_token", headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}))
        abort(json_error(401, _("Log in first, or send a personal access token: Authorization: Bearer <token>."),
                         headers={"WWW-Authenticate": "Bearer"}))
    abort(current_app.login_manager.unauthorized())


def _department(r: Rule, view_args: dict) -> bool:
    from market.services.organisations import require_department

    require_department(current_user)  # PermissionDenied with its message
    return True


def _authority(r: Rule, view_args: dict) -> bool:
    return bool(current_user.is_department_staff or current_user.office_communes)


def _commune_office(r: Rule, view_args: dict) -> bool:
    return bool(current_user.office_communes)


def _trader(r: Rule, view_args: dict) -> bool:
    from market.models import OrgKind

    kinds = OrgKind.BUYERS if r.kind == "buyer" else OrgKind.SELLERS
    return any(m.organisation.kind in kinds and (not r.roles or m.role in r.roles)
               and (not r.verified or m.organisation.is_verified) for m in current_user.memberships)


def _member(r: Rule, view_args: dict) -> bool:
    from market.extensions import db
    from market.models import Organisation
    from market.services.visibility import can_see_organisation

    org = db.session.get(Organisation, view_args.get(r.of))
    if org is None or not can_see_organisation(current_user, org):
        abort(404)
    if r.or_self and any(m.id == view_args.get(r.or_self) and m.organisation_id == org.id
                         for m in current_user.memberships):
        return True
    from market.services.organisations import require_role

    require_role(current_user, org, *r.roles)  # PermissionDenied saying what is missing
    return True


def _party(r: Rule, view_args: dict) -> bool:
    arg, load = PARTIES[r.of]
    sides = load(view_args.get(arg))
    if not sides:
        abort(404)
    department = current_user.is_department_staff
    if r.department and department:
        return True
    if any(_has(org, r.roles) for side, org in sides if org is not None and (r.side is None or side == r.side)):
        return True
    sees = any(side == "anyone" or (side == "department" and department)
               or (org is not None and current_user.membership_in(org)) for side, org in sides)
    if not sees:
        abort(404)  # someone else's object: the answer does not confirm that it exists
    if r.why:
        return False
    from market.services.organisations import require_role

    eligible = [org for side, org in sides if org is not None and (r.side is None or side == r.side)]
    require_role(current_user, next((o for o in eligible if current_user.membership_in(o)), eligible[0]), *r.roles)
    return False


CHECKS: dict[str, Callable[[Rule, dict], bool]] = {
    "logged_in": lambda r, view_args: True, "visible": lambda r, view_args: True,
    "department": _department, "authority": _authority, "commune_office": _commune_office, "buyer": _trader, "seller": _trader,
    "member": _member, "party": _party,
}


def _enforce(r: Rule, view_args: dict) -> None:
    if r.kind in ("public", "token", "signed") or (r.kind == "visible" and not r.logged_in):
        return
    if not _logged_in():
        _unauthorised()
    if not CHECKS[r.kind](r, view_args):
        if r.why:
            abort(403, description=str(r.why))
        abort(403)


def undeclared(app: Flask) -> list[str]:
    """'METHOD /rule (endpoint)' for every route without a rule."""
    missing = []
    for url_rule in app.url_map.iter_rules():
        for method in sorted((url_rule.methods or set()) - {"HEAD", "OPTIONS"}):
            if rule_for(app, url_rule.endpoint, method) is None:
                missing.append(f"{method} {url_rule.rule} ({url_rule.endpoint})")
    return missing
