"""Home timelines of other accounts are filled by workers: the story helpers drain
them before reading a home timeline (``helpers.home_ids`` and ``helpers.timeline``)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.timelines import helpers


@pytest.fixture(autouse=True)
def drain_before_home_reads(drain: Any) -> Iterator[None]:
    helpers.DRAIN = drain
    yield
    helpers.DRAIN = None
