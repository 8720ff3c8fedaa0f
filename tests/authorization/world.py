"""The authorization suite's world: one owner's objects and everyone who must not touch them.

``alice`` owns everything (a locked account, so follow requests exist). Around her:

- ``bob``: a stranger (no follow, not mentioned);
- ``carol``: a follower (request authorized) whom alice follows back and mentions;
- ``dave``: a follow request still pending;
- ``mallory``: an account alice blocks (the author blocked the viewer).

Objects: ``public`` (tagged), ``private`` (a followers-only reply to ``public`` holding a
search word), ``direct`` (mentions carol), carol's favourites of both and her reblog of
``public`` (``reblog``), an unattached ``media`` upload, alice's ``notification`` (carol's
favourite), a notifications ``marker``, a followed ``tag``. Built through the HTTP API so
the suite checks the same rows real clients make.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import httpx

from roost.db import Database
from roost.oauth.scopes import SUB_SCOPES
from roost.oauth.service import issue_token
from tests.accounts.graph_support import set_account
from tests.conftest import Actor, TestApp
from tests.media.images import image_bytes

TAG = "authzsecret"
SEARCH_WORD = "quokkasecret"
PNG = image_bytes("PNG", (8, 8))


@dataclass
class World:
    """Actors by role and object ids by name (``ids`` also holds the account ids)."""

    owner: Actor
    other: Actor
    follower: Actor
    requester: Actor
    blocked: Actor
    client: httpx.AsyncClient
    db: Database
    test_app: TestApp
    ids: dict[str, str] = field(default_factory=dict)

    async def token(self, *, account: Actor | None, scopes: frozenset[str]) -> str:
        """A token of the test app for ``account`` (``None``: an app-only token)."""
        async with self.db.write() as conn:
            issued = await issue_token(
                conn,
                application_id=self.test_app.id,
                account_id=int(account.id) if account is not None else None,
                scopes=scopes,
            )
        return issued.token

    async def narrow_token(self, scope: str) -> str:
        """The owner's token holding every sub-scope except ``scope`` (and no top-level one)."""
        return await self.token(account=self.owner, scopes=SUB_SCOPES - {scope})


def _ok(response: httpx.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


async def build_world(
    *,
    alice: Actor,
    bob: Actor,
    carol: Actor,
    make_actor: Any,
    client: httpx.AsyncClient,
    db: Database,
    test_app: TestApp,
    drain: Any,
) -> World:
    dave: Actor = await make_actor("dave")
    mallory: Actor = await make_actor("mallory")
    world = World(alice, bob, carol, dave, mallory, client, db, test_app)
    ids = world.ids
    for role, actor in (
        ("owner", alice),
        ("other", bob),
        ("follower", carol),
        ("requester", dave),
        ("blocked", mallory),
    ):
        ids[role] = actor.id

    await set_account(db, alice, locked=True)
    _ok(await carol.post(f"/api/v1/accounts/{alice.id}/follow"))
    _ok(await alice.post(f"/api/v1/follow_requests/{carol.id}/authorize"))
    _ok(await alice.post(f"/api/v1/accounts/{carol.id}/follow"))
    _ok(await dave.post(f"/api/v1/accounts/{alice.id}/follow"))
    _ok(await mallory.post(f"/api/v1/accounts/{alice.id}/follow"))  # a request the block ends
    _ok(await alice.post(f"/api/v1/accounts/{mallory.id}/block"))

    public = _ok(await alice.post("/api/v1/statuses", json={"status": f"hello #{TAG}"}))
    private = _ok(
        await alice.post(
            "/api/v1/statuses",
            json={
                "status": f"followers only {SEARCH_WORD} #{TAG}",
                "visibility": "private",
                "in_reply_to_id": public["id"],
            },
        )
    )
    direct = _ok(
        await alice.post(
            "/api/v1/statuses",
            json={"status": f"@carol just you {SEARCH_WORD}", "visibility": "direct"},
        )
    )
    ids.update(public=public["id"], private=private["id"], direct=direct["id"])
    for status in (public, private):
        _ok(await carol.post(f"/api/v1/statuses/{status['id']}/favourite"))
    ids["reblog"] = _ok(await carol.post(f"/api/v1/statuses/{public['id']}/reblog"))["id"]

    media = await alice.post("/api/v2/media", files={"file": ("a.png", PNG, "image/png")})
    ids["media"] = _ok(media)["id"]
    _ok(await alice.post(f"/api/v1/tags/{TAG}/follow"))

    await drain()
    notes = _ok(await alice.get("/api/v1/notifications", params={"types[]": "favourite"}))
    ids["notification"] = notes[0]["id"]
    _ok(
        await alice.post(
            "/api/v1/markers", json={"notifications": {"last_read_id": ids["notification"]}}
        )
    )
    ids["tag"] = TAG
    return world
