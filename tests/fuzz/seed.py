"""A small world for the fuzzer, made through the public API: accounts, statuses, a follow
request, a notification, a media attachment and a hashtag.

Notes on design: everything is created with HTTP requests through the same in-process
client schemathesis uses, so the app's lifespan, event loop and workers are the ones the
fuzzer talks to; no fixture reaches around the API. The ids collected here are what the
path-parameter hook offers the fuzzer, so generated requests hit objects that exist (a
fuzzer drawing random ids only ever sees 404s).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import requests

SCOPES = "read write follow push"
HASHTAG = "fuzzing"


@dataclass
class World:
    """Ids of what exists, by kind; ``token`` is the fuzzing viewer's (every scope)."""

    token: str
    account_id: str
    accounts: list[str] = field(default_factory=list)
    statuses: list[str] = field(default_factory=list)
    notifications: list[str] = field(default_factory=list)
    media: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _ok(response: requests.Response) -> Any:
    assert response.status_code < 300, (response.status_code, response.text)
    return response.json()


def _register(session: requests.Session, app_token: str, username: str) -> tuple[str, str]:
    """Sign up ``username``; its (account id, full-scope token)."""
    token = _ok(
        session.post(
            "/api/v1/accounts",
            headers={"Authorization": f"Bearer {app_token}"},
            data={
                "username": username,
                "email": f"{username}@example.com",
                "password": f"{username}-password-1",
                "agreement": "true",
                "locale": "en",
            },
        )
    )["access_token"]
    me = _ok(
        session.get(
            "/api/v1/accounts/verify_credentials", headers={"Authorization": f"Bearer {token}"}
        )
    )
    return me["id"], token


def build_world(session: requests.Session) -> World:
    app = _ok(
        session.post(
            "/api/v1/apps",
            data={
                "client_name": "fuzz",
                "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
                "scopes": SCOPES,
            },
        )
    )
    app_token = _ok(
        session.post(
            "/oauth/token",
            data={
                "grant_type": "client_credentials",
                "client_id": app["client_id"],
                "client_secret": app["client_secret"],
                "scope": SCOPES,
            },
        )
    )["access_token"]
    alice_id, alice = _register(session, app_token, "alice")
    bob_id, bob = _register(session, app_token, "bob")
    carol_id, carol = _register(session, app_token, "carol")
    as_alice = {"Authorization": f"Bearer {alice}"}
    as_bob = {"Authorization": f"Bearer {bob}"}
    as_carol = {"Authorization": f"Bearer {carol}"}
    world = World(token=alice, account_id=alice_id, accounts=[alice_id, bob_id, carol_id])

    # Alice is locked, so carol's follow waits as a follow request for alice to answer.
    _ok(
        session.patch(
            "/api/v1/accounts/update_credentials", headers=as_alice, data={"locked": "true"}
        )
    )
    _ok(session.post(f"/api/v1/accounts/{alice_id}/follow", headers=as_carol))
    _ok(session.post(f"/api/v1/accounts/{bob_id}/follow", headers=as_alice))

    avatar = session.get("/avatars/original/missing.png").content
    media = _ok(
        session.post(
            "/api/v1/media",
            headers=as_alice,
            files={"file": ("avatar.png", avatar, "image/png")},
            data={"description": "a picture"},
        )
    )
    world.media.append(media["id"])
    first = _ok(
        session.post(
            "/api/v1/statuses",
            headers=as_alice,
            data={"status": f"Hello @bob #{HASHTAG}", "media_ids[]": media["id"]},
        )
    )
    reply = _ok(
        session.post(
            "/api/v1/statuses",
            headers=as_bob,
            data={"status": f"@alice hi #{HASHTAG}", "in_reply_to_id": first["id"]},
        )
    )
    private = _ok(
        session.post(
            "/api/v1/statuses",
            headers=as_bob,
            data={"status": "followers only", "visibility": "private"},
        )
    )
    _ok(session.post(f"/api/v1/statuses/{first['id']}/favourite", headers=as_bob))
    _ok(session.post(f"/api/v1/statuses/{reply['id']}/reblog", headers=as_alice))
    world.statuses.extend([first["id"], reply["id"], private["id"]])
    world.tags.append(HASHTAG)
    world.notifications.extend(_wait_for_notifications(session, world.auth))
    return world


def _wait_for_notifications(session: requests.Session, auth: dict[str, str]) -> list[str]:
    """The viewer's notification ids, once the in-process workers have made them."""
    deadline = time.monotonic() + 10
    while True:
        found = [item["id"] for item in _ok(session.get("/api/v1/notifications", headers=auth))]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.05)
