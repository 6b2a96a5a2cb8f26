"""Fixtures for the contract tests: the two parties (`world`), contracts in any state (`build`), a request
context for the services (`req`), and stripe-mock for the card tests."""
import os

import pytest

from market.extensions import db
from tests.catalog.builders import CatalogBuilder
from tests.conftest import require_service
from tests.contracts.builders import ContractBuilder, build_world


@pytest.fixture
def cat(app):
    return CatalogBuilder(app)


@pytest.fixture
def world(factory, cat):
    return build_world(factory, cat)


@pytest.fixture
def build(app, world):
    return ContractBuilder(app, world)


@pytest.fixture
def req(app):
    """Services word their errors in the visitor's language, so they are called inside a request context
    (which also pushes the app context, and with it the session the test reads through)."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def stripe_mock(app, monkeypatch):
    """Stripe pointed at stripe-mock for one test; the app's settings come back afterwards."""
    base = os.environ.get("MARKET_TEST_STRIPE_API_BASE")
    if not base:
        require_service("stripe-mock", os.environ.get(
            "MARKET_TEST_STRIPE_REASON", "MARKET_TEST_STRIPE_API_BASE is not set (start stripe-mock and point "
                                         "it there, e.g. http://127.0.0.1:12111)"))
    monkeypatch.setitem(app.config, "STRIPE_SECRET_KEY", "sk_test_123")
    monkeypatch.setitem(app.config, "STRIPE_API_BASE", base)
    return base
