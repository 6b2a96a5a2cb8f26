"""A token is one more way to be signed in: every /api/ route answers every role's token as its access rule
says (the walk of tests/test_access.py, with a token of the role's organisation instead of a cookie)."""
import pytest

from market import access
from tests.api.conftest import bearer, make_token
from tests.conftest import built_once
from tests.roles import ROLES, build
from tests.test_access import _put_back, _refused


@pytest.fixture(scope="module")
def role_world(app):
    yield from built_once(app, lambda factory: build(factory, app))


def test_every_api_route_answers_every_roles_token_as_declared(app, role_world):
    if role_world is None:
        pytest.skip("the walk runs on SQLite, where the world is built once")
    adapter = app.url_map.bind("localhost")
    mismatches, walked = [], 0
    for url_rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if not url_rule.rule.startswith("/api/"):
            continue
        for method in sorted(url_rule.methods - {"HEAD", "OPTIONS"}):
            declared = access.rule_for(app, url_rule.endpoint, method)
            url = adapter.build(url_rule.endpoint, role_world.view_args(url_rule.endpoint, url_rule.arguments),
                                method=method)
            for role in ROLES:
                if role == "anonymous":
                    continue
                # A write puts the database back after it, tokens included: each call makes its own.
                secret = make_token(app, role_world.users[role], role_world.orgs[ROLES[role][0]],
                                    scope="read" if method == "GET" else "write")
                response = app.test_client().open(url, method=method, headers=bearer(secret),
                                                  query_string=role_world.query.get(url_rule.endpoint, {}))
                if method != "GET":
                    _put_back(app)
                walked += 1
                expected_refused = not role_world.allowed(declared, role, url_rule.endpoint)
                if response.status_code >= 500 or _refused(response, role) != expected_refused:
                    mismatches.append(f"{method} {url} ({declared}) as {role}: {response.status_code}")
    assert walked > 100 and not mismatches, "\n".join(mismatches)
