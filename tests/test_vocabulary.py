"""The vocabulary (market/labels.py) and how templates read it: every stored code has a label in both
languages through the one `label` filter, templates compare against the state classes rather than raw
strings, and permission rules reach templates through `can`.

Nothing here reads the database, so the tests use an app of their own instead of the `app` fixture: the
answer cannot differ between SQLite and PostgreSQL."""
import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_login import AnonymousUserMixin

from market import create_app, labels
from market.models import (
    ContractState,
    ListingStatus,
    Membership,
    Organisation,
    OrgKind,
    OrgStatus,
    Role,
    User,
)
from market.permissions import can_edit_catalog, can_manage_org, can_remove_member, can_review, can_see_unpublished
from market.services import visibility

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
LABELLED = [(kind, code) for kind, codes in labels.KINDS.items() for code in codes]
# Labels that are the same word in both languages, by design (names and symbols, not translations).
SAME_IN_BOTH = {"VietGAP", "GlobalGAP", "kg", "m³", "ha", "%"}


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory):
    return create_app({"TESTING": True, "SERVER_NAME": None, "RATELIMIT_STORAGE_URI": "memory://",
                       "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('vocabulary')}/unused.sqlite3"})


def _render(app, source: str, locale: str, **context) -> str:
    with app.test_request_context(), force_locale(locale):
        return render_template_string(source, **context)


@pytest.mark.parametrize(("kind", "code"), LABELLED, ids=[f"{k}-{c}" for k, c in LABELLED])
def test_every_code_renders_through_the_filter_in_both_languages(plain_app, kind, code):
    english = _render(plain_app, '{{ code|label(kind) }}', "en", code=code, kind=kind)
    vietnamese = _render(plain_app, '{{ code|label(kind) }}', "vi", code=code, kind=kind)
    assert english and vietnamese
    assert english != code or english in SAME_IN_BOTH  # a label, not the stored code shown raw
    if english not in SAME_IN_BOTH:
        assert vietnamese != english, f"{kind} {code!r} has no Vietnamese label"
    with plain_app.test_request_context(), force_locale("vi"):
        assert labels.label(kind, code) == vietnamese  # Python code and templates say the same


def test_unknown_codes_show_as_themselves_and_unknown_kinds_fail(plain_app):
    assert _render(plain_app, '{{ "mystery"|label("unit") }}|{{ none|label("status") }}', "en") == "mystery|"
    with pytest.raises(KeyError), plain_app.test_request_context():
        labels.label("no_such_kind", "x")


def test_units_of_both_groups_are_labelled_and_groups_stay_apart():
    assert set(labels.UNIT_LABELS) == set(labels.UNITS) | set(labels.PRODUCT_UNITS)
    assert "hop" not in labels.UNITS and "tan" not in labels.PRODUCT_UNITS  # listings sell tonnes, shops boxes


def test_one_badge_macro_for_every_status(plain_app):
    html = _render(plain_app, '{% from "_macros.html" import status_badge %}{{ status_badge(state) }}', "vi",
                   state=ContractState.ACTIVE)
    with plain_app.test_request_context(), force_locale("vi"):
        assert html == f'<span class="badge badge-active">{labels.label("status", ContractState.ACTIVE)}</span>'
    macros = [m for path in _templates() for m in re.findall(r"macro (\w*badge)\(", path.read_text(encoding="utf-8"))]
    assert macros.count("status_badge") == 1 and "state_badge" not in macros


def test_state_classes_are_template_globals(plain_app):
    out = _render(plain_app, "{{ status == ListingStatus.OPEN }} {{ Validity.EXPIRED }}", "en",
                  status=ListingStatus.OPEN)
    assert out == "True expired"


# --- templates read the vocabulary, not strings ------------------------------------------------------

def _templates():
    return sorted(TEMPLATES.rglob("*.html"))


# `contract.state == "active"`, `o.status != 'open'`, `m.role in ("owner", ...)`, `p.method == "stripe"`
RAW_COMPARISON = re.compile(r"\b(status|state|role|method)\s*(==|!=|not\s+in|in)\s*[(\[]?\s*[\"']")
# The label dictionaries routes used to pass, under their six names, and the filters they replaced.
OLD_LABEL_NAMES = re.compile(r"\b(kind_labels|role_labels|zone_kinds|certificate_labels|certificate_kinds|"
                             r"product_forms|product_units|status_label)\b|\|unit\b|\blabels\.get\(")


def test_no_template_compares_a_state_to_a_raw_string():
    found = [f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()}"
             for path in _templates() for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if RAW_COMPARISON.search(line)]
    assert not found, "compare against the state classes (ContractState.ACTIVE...):\n" + "\n".join(found)


def test_templates_read_labels_through_the_filter_only():
    found = [f"{path.relative_to(TEMPLATES)}:{n}: {line.strip()}"
             for path in _templates() for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if OLD_LABEL_NAMES.search(line)]
    assert not found, "use {{ code|label(kind) }}:\n" + "\n".join(found)


def test_the_raw_comparison_check_catches_what_it_should():
    assert RAW_COMPARISON.search('{% if contract.state == "active" %}')
    assert RAW_COMPARISON.search("{% if mine.role in ('owner', 'manager') %}")
    assert not RAW_COMPARISON.search("{% if contract.state == ContractState.ACTIVE %}")


# --- permission predicates and visibility take the user -------------------------------------------------

def _org(org_id: int, kind=OrgKind.COOPERATIVE, status=OrgStatus.VERIFIED) -> Organisation:
    return Organisation(id=org_id, name=f"Org {org_id}", kind=kind, status=status)


def _user(user_id: int, *memberships: tuple[Organisation, str]) -> User:
    user = User(id=user_id, email=f"u{user_id}@example.vn", full_name=f"User {user_id}", active=True)
    for org, role in memberships:
        Membership(user=user, organisation=org, organisation_id=org.id, user_id=user_id, role=role)
    return user


def test_organisation_predicates():
    coop, other = _org(1), _org(2)
    owner, manager = _user(1, (coop, Role.OWNER)), _user(2, (coop, Role.MANAGER))
    signer, outsider = _user(3, (coop, Role.SIGNER)), _user(4, (other, Role.OWNER))
    anonymous = AnonymousUserMixin()
    assert can_manage_org(owner, coop) and can_manage_org(manager, coop)
    assert not can_manage_org(signer, coop) and not can_manage_org(outsider, coop)
    assert not can_manage_org(anonymous, coop) and not can_manage_org(None, coop)
    signer_membership = signer.membership_in(coop)
    assert can_remove_member(signer, signer_membership)  # anyone may leave
    assert can_remove_member(manager, signer_membership)
    assert not can_remove_member(outsider, signer_membership) and not can_remove_member(anonymous, signer_membership)
    assert can_edit_catalog(signer, coop) and not can_edit_catalog(outsider, coop)


def test_department_staff_review_and_see_unpublished_items():
    department = _org(9, kind=OrgKind.DEPARTMENT)
    staff, coop = _user(5, (department, Role.MEMBER)), _org(1, status=OrgStatus.PENDING)
    member, stranger = _user(6, (coop, Role.MEMBER)), _user(7)
    assert can_review(staff) and not can_review(member) and not can_review(None)
    assert can_see_unpublished(staff, coop) and can_see_unpublished(member, coop)
    assert not can_see_unpublished(stranger, coop) and not can_see_unpublished(AnonymousUserMixin(), coop)
    # visibility takes the viewer as an argument: no request, no current_user
    assert visibility.can_see_organisation(member, coop) and not visibility.can_see_organisation(stranger, coop)
    assert visibility.can_see_organisation(None, _org(3))


def test_can_is_a_template_global(plain_app):
    coop = _org(1)
    out = _render(plain_app, "{{ can.manage_org(user, org) }} {{ can.manage_org(none, org) }}", "en",
                  user=_user(1, (coop, Role.OWNER)), org=coop)
    assert out == "True False"
