"""Temporary: the seed was split into reference_data (production) and demo (development); removed once
every import uses them."""
from market.services.demo_market import *  # noqa: F403
from market.services.demo_market import _season  # noqa: F401
from market.services.reference_data import *  # noqa: F403
