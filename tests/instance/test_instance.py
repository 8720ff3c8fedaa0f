"""GET /api/v1/instance and /api/v2/instance."""

from __future__ import annotations

import httpx
import pytest
from mastodon.versions import parse_version_string
from sqlalchemy import update

from roost.accounts.schema import accounts
from roost.db import Database
from roost.settings import RegistrationMode, Settings
from tests.conftest import Actor


@pytest.fixture
def registration_mode() -> RegistrationMode:
    return RegistrationMode.open


@pytest.fixture
def settings(settings: Settings, registration_mode: RegistrationMode) -> Settings:
    return settings.model_copy(update={"registrations": registration_mode, "max_status_chars": 640})


def _mastodon_py_version(version: str) -> tuple[int, int, int]:
    """What Mastodon.py makes of a version string (it keeps the text before the first space)."""
    return tuple(parse_version_string(version.split(" ")[0]))  # type: ignore[return-value]


async def test_v1_instance_describes_the_server(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/instance")
    assert response.status_code == 200
    body = response.json()
    assert body["uri"] == "localhost:8000"
    assert body["title"] == "Roost"
    assert body["version"].startswith("4.2.0 (compatible; Roost ")
    assert _mastodon_py_version(body["version"]) == (4, 2, 0)
    assert body["configuration"]["statuses"]["max_characters"] == 640
    assert body["registrations"] is True
    assert body["approval_required"] is False
    assert body["urls"]["streaming_api"].startswith("ws")
    assert body["email"] == "admin@localhost"


async def test_v1_stats_count_users_and_statuses(
    client: httpx.AsyncClient, db: Database, alice: Actor, bob: Actor
) -> None:
    async with db.write() as conn:
        await conn.execute(
            update(accounts).where(accounts.c.id == int(alice.id)).values(statuses_count=3)
        )
        await conn.execute(
            update(accounts).where(accounts.c.id == int(bob.id)).values(statuses_count=2)
        )
    stats = (await client.get("/api/v1/instance")).json()["stats"]
    assert stats == {"user_count": 2, "status_count": 5, "domain_count": 0}


async def test_v2_instance_describes_the_server(client: httpx.AsyncClient, alice: Actor) -> None:
    response = await client.get("/api/v2/instance")
    assert response.status_code == 200
    body = response.json()
    assert body["domain"] == "localhost:8000"
    assert _mastodon_py_version(body["version"]) == (4, 2, 0)
    assert body["configuration"]["statuses"]["max_characters"] == 640
    assert body["registrations"] == {
        "enabled": True,
        "approval_required": False,
        "message": None,
        "url": None,
    }
    assert body["usage"]["users"]["active_month"] == 1  # alice joined just now
    assert body["contact"]["email"] == "admin@localhost"
    assert body["thumbnail"]["url"].endswith(".png")


@pytest.mark.parametrize("registration_mode", [RegistrationMode.approval])
async def test_approval_mode_is_announced(client: httpx.AsyncClient) -> None:
    v1 = (await client.get("/api/v1/instance")).json()
    v2 = (await client.get("/api/v2/instance")).json()
    assert (v1["registrations"], v1["approval_required"]) == (True, True)
    assert v2["registrations"]["enabled"] is True
    assert v2["registrations"]["approval_required"] is True


@pytest.mark.parametrize("registration_mode", [RegistrationMode.closed])
async def test_closed_registrations_are_announced(client: httpx.AsyncClient) -> None:
    v1 = (await client.get("/api/v1/instance")).json()
    v2 = (await client.get("/api/v2/instance")).json()
    assert v1["registrations"] is False
    assert v2["registrations"]["enabled"] is False
