"""Streaming tests: short heartbeats and a small client queue, so both are quick to see."""

from __future__ import annotations

from typing import Any

import pytest

from roost.settings import Settings

HEARTBEAT_S = 0.2
QUEUE_SIZE = 20


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return Settings(
        **{
            **settings.model_dump(),
            "streaming_heartbeat_seconds": HEARTBEAT_S,
            "streaming_queue_size": QUEUE_SIZE,
        },
        _env_file=None,  # type: ignore[call-arg]
    )


@pytest.fixture
async def server_url(app: Any) -> Any:
    """The test's app served by a real uvicorn on a loopback port (streams need a socket)."""
    from tests.streaming.support import serve

    async with serve(app) as url:
        yield url
