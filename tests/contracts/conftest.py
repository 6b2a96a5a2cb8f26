"""Fixtures for the contract tests: the two parties (`world`) and contracts in any state (`build`); `req`,
`factory` and `stripe_mock` come from tests/conftest.py."""
import pytest

from tests.conftest import built_once
from tests.factories import ContractBuilder, contract_parties


@pytest.fixture(scope="module")
def _parties_once(app):
    yield from built_once(app, contract_parties)


@pytest.fixture
def world(_parties_once, factory):
    """The parties, built once per module on SQLite (each test's changes are undone after it)."""
    return _parties_once or contract_parties(factory)


@pytest.fixture
def build(app, world):
    return ContractBuilder(app, world)
