"""Fixtures of the monitoring tests: the world builder (tests/monitoring/worlds.py) and a throwaway
UPLOAD_FOLDER for the evidence of declared chains."""
import pytest

from tests.monitoring.worlds import World


@pytest.fixture
def world(app):
    return World(app)


@pytest.fixture
def upload_dir(app, tmp_path):
    """UPLOAD_FOLDER in the test's tmp_path (the app is shared by the session: set, then restore)."""
    before = app.config["UPLOAD_FOLDER"]
    app.config["UPLOAD_FOLDER"] = str(tmp_path / "uploads")
    yield tmp_path / "uploads"
    app.config["UPLOAD_FOLDER"] = before
