"""Property-based fuzzing of every route (tests/fuzzing.py) as every kind of visitor: never a 5xx, and a
submission that is refused (4xx) saves nothing (the row count of every table is unchanged). Bounded to about
a minute; bench/fuzz.py runs the same generator for 10,000+ inputs on SQLite and PostgreSQL."""
import os

import pytest
from hypothesis import HealthCheck, given, settings

from market.extensions import db
from tests.conftest import built_once, restore_baseline
from tests.fuzzing import describe, requests, routes, send
from tests.roles import build, sign_in_all

EXAMPLES = int(os.environ.get("MARKET_FUZZ_EXAMPLES", "700"))


@pytest.fixture(scope="module")
def fuzz_world(app, tmp_path_factory):
    folder = app.config.get("UPLOAD_FOLDER")
    yield from built_once(app, lambda factory: sign_in_all(app, build(factory, app,
                                                                      str(tmp_path_factory.mktemp("uploads")))))
    app.config["UPLOAD_FOLDER"] = folder


def test_no_input_gives_a_5xx_and_a_refused_submission_saves_nothing(app, fuzz_world):
    if fuzz_world is None:
        pytest.skip("runs on SQLite (the world is put back after each write); bench/fuzz.py covers PostgreSQL")
    all_routes = routes(app)
    assert len(all_routes) > 90 and sum(bool(r.fields) for r in all_routes) > 30  # forms were found
    failures = []

    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck))
    @given(requests(app, fuzz_world, all_routes))
    def check(sent):
        outcome = send(app, fuzz_world, sent)
        if sent.route.method != "GET":
            with app.app_context():
                db.session.remove()
                restore_baseline(app)
        if outcome.status >= 500 or outcome.rejected_but_saved:
            failures.append(describe(sent, outcome))
        assert outcome.status < 500, describe(sent, outcome)
        assert not outcome.rejected_but_saved, describe(sent, outcome)

    check()
