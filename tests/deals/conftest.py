"""Fixtures for issue 11 part B (conversations, inspection, disputes, to-do, next steps): the contract parties
(`world`, built once per module on SQLite) and contracts in any state (`build`)."""
import pytest

from tests.conftest import built_once
from tests.factories import ContractBuilder, contract_parties


@pytest.fixture(scope="module")
def _parties_once(app):
    yield from built_once(app, contract_parties)


@pytest.fixture
def world(_parties_once, factory):
    return _parties_once or contract_parties(factory)


@pytest.fixture
def build(app, world):
    return ContractBuilder(app, world)
