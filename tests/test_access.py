"""Every route declares who may call it (market/access.py), and every route answers every kind of visitor
as its declaration says: walked from `app.url_map`, as anonymous, each member role of the owning cooperative,
another cooperative, each kind of buyer, department and commune staff, and an unverified organisation.

Allowed: any answer but a refusal (a page, a redirect elsewhere, a form's 400). Refused: a visitor who is not
logged in goes to the login page (or gets 401 from the API); a logged-in person gets 403 or 404. Never a 5xx.
POSTs carry a valid CSRF token and no fields; the database is put back after each (an empty form may be
enough to act, e.g. leave an organisation)."""
import pytest

from market import access
from market.extensions import db
from tests.conftest import built_once, restore_baseline
from tests.roles import ROLES, build, client_as, csrf_for, sign_in_all

SKIPPED = {"payments.webhook"}  # SIGNED: answers 400 to everyone without Stripe's signature (tests/payments)


@pytest.fixture(scope="module")
def role_world(app, tmp_path_factory):
    folder = app.config.get("UPLOAD_FOLDER")
    yield from built_once(app, lambda factory: sign_in_all(app, build(factory, app,
                                                                      str(tmp_path_factory.mktemp("uploads")))))
    app.config["UPLOAD_FOLDER"] = folder


def test_every_route_declares_who_may_call_it(app):
    missing = access.undeclared(app)
    assert not missing, ("routes without an access rule: add @access.rule(...) under the route decorator "
                         "(market/access.py, docs/architecture.md):\n  " + "\n  ".join(missing))


def _refused(response, role: str) -> bool:
    if role == "anonymous":
        return response.status_code == 401 or (
            response.status_code == 302 and "/auth/login" in response.headers.get("Location", ""))
    return response.status_code in (403, 404)


def _put_back(app):
    with app.app_context():
        db.session.remove()
        restore_baseline(app)


def _routes(app):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_answers_every_role_as_declared(app, role_world):
    if role_world is None:
        pytest.skip("the walk runs on SQLite, where the world is built once and put back after each POST")
    mismatches, walked = [], 0
    adapter = app.url_map.bind("localhost")
    for url_rule, method in _routes(app):
        if url_rule.endpoint in SKIPPED:
            continue
        declared = access.rule_for(app, url_rule.endpoint, method)
        values = role_world.view_args(url_rule.endpoint, url_rule.arguments)
        assert values is not None and None not in values.values(), f"no value in the world for {url_rule.rule}"
        url = adapter.build(url_rule.endpoint, values, method=method)
        for role in ROLES:
            client = client_as(app, role_world, role)
            query = role_world.query.get(url_rule.endpoint, {})
            if method == "GET":
                response = client.get(url, query_string=query)
            else:
                response = client.open(url, method=method, query_string=query,
                                       data={"csrf_token": csrf_for(app, client),
                                             **role_world.data.get(url_rule.endpoint, {})})
                _put_back(app)
            walked += 1
            response.close()
            expected = role_world.allowed(declared, role, url_rule.endpoint)
            got_refused = _refused(response, role)
            if response.status_code >= 500 or expected == got_refused:
                where = response.headers.get("Location", "")
                mismatches.append(f"{method} {url} ({url_rule.endpoint}, rule {declared}) as {role}: "
                                  f"{response.status_code} {where}, expected {'allowed' if expected else 'refused'}")
    assert walked > 1000
    assert not mismatches, f"{len(mismatches)} answers differ from the declared rules:\n  " + "\n  ".join(mismatches)
