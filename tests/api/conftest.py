"""Fixtures shared by the catalogue tests: a builder for catalogue rows, and a request context for services."""
import pytest

from market.extensions import db
from tests.catalog.builders import CatalogBuilder


@pytest.fixture
def cat(app):
    return CatalogBuilder(app)


@pytest.fixture
def req(app):
    """Services word their errors in the visitor's language (the locale comes from the session), so
    they are called inside a request context, which also pushes the app context (`ctx`)."""
    with app.test_request_context():
        yield
        db.session.remove()
