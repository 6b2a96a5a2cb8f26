"""The monitoring tests' builder: rows dated for the plan's figures (tests/factories.py: FiguresWorld).
`upload_dir` (evidence of declared chains) comes from tests/conftest.py."""
import pytest

from tests.factories import FiguresWorld


@pytest.fixture
def world(app):
    return FiguresWorld(app)
