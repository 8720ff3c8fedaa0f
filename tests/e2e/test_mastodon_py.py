"""Mastodon.py, the real client library, against ``roost serve`` running as a subprocess.

The story: an app is registered, alice and bob sign up through it, bob signs in
with his email and password, follows alice, reads her posts on his home timeline,
replies, favourites and reblogs; alice reads the thread, posts more than a page,
both page through it, alice deletes a post, posts a picture, finds her post by
search and hears bob's favourite on her notification stream. Runs on a fresh SQLite data folder
and on a fresh PostgreSQL database.
"""

from __future__ import annotations

import io
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mastodon import Mastodon, StreamListener
from mastodon.errors import MastodonIllegalArgumentError, MastodonNotFoundError
from PIL import Image

from tests.e2e.server import Server, free_port, roost_env, running_server

pytestmark = pytest.mark.e2e

SCOPES = ["read", "write", "follow", "push"]


@pytest.fixture(params=["sqlite", "postgres"])
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Server]:
    """``roost serve`` with a fresh data folder, on SQLite or on a fresh PostgreSQL database."""
    # The public URL is the one the test reaches, so the instance's streaming URL (which
    # Mastodon.py follows for streams) points at this server.
    port = free_port()
    overrides = {"ROOST_PUBLIC_URL": f"http://127.0.0.1:{port}"}
    if request.param == "postgres":
        overrides["ROOST_DATABASE_URL"] = request.getfixturevalue("empty_postgres_url")
    env = roost_env(tmp_path / "data", **overrides)
    with running_server(env=env, cwd=tmp_path, port=port) as running:
        yield running
    assert running.process.returncode is not None, "the server was not stopped"


def _client(server: Server, client_id: str, client_secret: str) -> Mastodon:
    # "created" makes Mastodon.py read the instance version and refuse endpoints the
    # server's declared version lacks, so it also checks the version string.
    return Mastodon(
        client_id=client_id,
        client_secret=client_secret,
        api_base_url=server.url,
        version_check_mode="created",
        ratelimit_method="throw",
        request_timeout=30,
    )


def _ids(items: list[Any]) -> list[str]:
    return [str(item["id"]) for item in items]


def _walk_pages(api: Mastodon, first_page: Any) -> list[Any]:
    pages = [first_page]
    while True:
        following: Any = api.fetch_next(pages[-1])
        if not following:
            return pages
        pages.append(following)
        assert len(pages) < 10, "pagination does not end"


def _wait_for_home(api: Mastodon, status_id: str, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while str(status_id) not in _ids(api.timeline_home()):
        assert time.monotonic() < deadline, "the status never reached the follower's home"
        time.sleep(0.05)


def _wait_for_search(api: Mastodon, q: str, status_id: str, seconds: float = 10.0) -> None:
    # The full-text index is kept by a worker: poll until it has caught up.
    deadline = time.monotonic() + seconds
    while str(status_id) not in _ids(api.search_v2(q, result_type="statuses")["statuses"]):
        assert time.monotonic() < deadline, f"search for {q!r} never found the status"
        time.sleep(0.1)


class _Notifications(StreamListener):
    """Collects the notifications (and any stream failure) a stream delivers."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[Any] = []
        self.errors: list[BaseException] = []
        self.arrived = threading.Event()
        self.connected = threading.Event()

    def handle_heartbeat(self) -> None:
        # Roost's first comment line comes once the stream is subscribed.
        self.connected.set()

    def on_notification(self, notification: Any) -> None:
        self.received.append(notification)
        self.arrived.set()

    def on_abort(self, err: BaseException) -> None:
        self.errors.append(err)
        self.arrived.set()


def test_mastodon_py_story(server: Server) -> None:
    # An app, registered the way every client does.
    client_id, client_secret = Mastodon.create_app(
        "roost-e2e", scopes=SCOPES, api_base_url=server.url, request_timeout=30
    )
    assert client_id and client_secret

    # Two sign-ups through the app (client_credentials token, then POST /api/v1/accounts).
    alice = _client(server, client_id, client_secret)
    assert alice.verify_minimum_version("2.7.0", cached=True), "instance version not accepted"
    alice_token = alice.create_account(
        "alice", "alice-password-1", "alice@example.com", agreement=True, scopes=SCOPES
    )
    assert alice_token
    signup_bob = _client(server, client_id, client_secret)
    assert signup_bob.create_account(
        "bob", "bob-password-1", "bob@example.com", agreement=True, scopes=SCOPES
    )
    alice_account = alice.me()
    assert alice_account["username"] == "alice"
    assert alice_account["acct"] == "alice"

    # Bob signs in with his email (password grant), as Mastodon.py's log_in does.
    bob = _client(server, client_id, client_secret)
    bob_token = bob.log_in(username="bob@example.com", password="bob-password-1", scopes=SCOPES)
    assert bob_token
    bob_account = bob.me()
    assert bob_account["username"] == "bob"
    assert str(bob_account["id"]) != str(alice_account["id"])
    intruder = _client(server, client_id, client_secret)
    with pytest.raises(MastodonIllegalArgumentError):
        intruder.log_in(username="bob@example.com", password="wrong-password", scopes=SCOPES)

    # Bob follows alice.
    relationship = bob.account_follow(alice_account["id"])
    assert relationship["following"] is True
    assert str(relationship["id"]) == str(alice_account["id"])
    assert alice.me()["followers_count"] == 1
    assert bob.me()["following_count"] == 1

    # Alice posts; it reaches bob's home timeline.
    hello = alice.status_post("Hello from Roost! #roost")
    assert hello["account"]["username"] == "alice"
    assert "Hello from Roost!" in hello["content"]
    assert hello["visibility"] == "public"
    assert [tag["name"] for tag in hello["tags"]] == ["roost"]
    home = bob.timeline_home()
    assert str(hello["id"]) in _ids(home)

    # Bob replies; the thread reads the same from both sides.
    reply = bob.status_reply(hello, "Hello alice, welcome!")
    assert str(reply["in_reply_to_id"]) == str(hello["id"])
    assert str(reply["in_reply_to_account_id"]) == str(alice_account["id"])
    assert "welcome" in reply["content"]
    assert [mention["username"] for mention in reply["mentions"]] == ["alice"]
    context = alice.status_context(hello["id"])
    assert _ids(context["ancestors"]) == []
    assert _ids(context["descendants"]) == [str(reply["id"])]
    assert _ids(bob.status_context(reply["id"])["ancestors"]) == [str(hello["id"])]

    # Bob favourites and reblogs it; the counters follow.
    favourited = bob.status_favourite(hello["id"])
    assert favourited["favourited"] is True
    assert favourited["favourites_count"] == 1
    reblog = bob.status_reblog(hello["id"])
    assert str(reblog["reblog"]["id"]) == str(hello["id"])
    assert reblog["account"]["username"] == "bob"
    assert reblog["reblog"]["reblogged"] is True
    seen_by_alice = alice.status(hello["id"])
    assert seen_by_alice["favourites_count"] == 1
    assert seen_by_alice["reblogs_count"] == 1
    assert seen_by_alice["replies_count"] == 1
    assert [account["username"] for account in alice.status_favourited_by(hello["id"])] == ["bob"]
    assert [account["username"] for account in alice.status_reblogged_by(hello["id"])] == ["bob"]

    # More than a page: 25 posts, read back newest first across pages.
    posted = [str(alice.status_post(f"Post number {n}")["id"]) for n in range(25)]
    newest_first = [*reversed(posted), str(hello["id"])]

    profile_pages = _walk_pages(bob, bob.account_statuses(alice_account["id"]))
    assert [len(page) for page in profile_pages] == [20, 6]
    assert [status_id for page in profile_pages for status_id in _ids(page)] == newest_first

    # Followers' homes are filled by the workers: wait (briefly) until they caught up.
    _wait_for_home(bob, newest_first[0])
    home_pages = _walk_pages(bob, bob.timeline_home())
    assert len(home_pages[0]) == 20
    home_ids = [status_id for page in home_pages for status_id in _ids(page)]
    assert len(home_ids) == len(set(home_ids)), "pages overlap"
    assert [int(status_id) for status_id in home_ids] == sorted(map(int, home_ids), reverse=True)
    assert set(newest_first[:-1]) <= set(home_ids)
    assert str(reply["id"]) in home_ids and str(reblog["id"]) in home_ids

    small_pages = _walk_pages(bob, bob.account_statuses(alice_account["id"], limit=10))
    assert [len(page) for page in small_pages] == [10, 10, 6]
    assert alice.me()["statuses_count"] == 26

    # Alice deletes a post: she gets it back with its source text, and it is gone.
    deleted = alice.status_delete(posted[0])
    assert str(deleted["id"]) == posted[0]
    assert deleted["text"] == "Post number 0"
    with pytest.raises(MastodonNotFoundError):
        bob.status(posted[0])
    assert posted[0] not in _ids(bob.account_statuses(alice_account["id"], limit=40))
    assert alice.me()["statuses_count"] == 25

    # Alice uploads a picture with a description and posts it; bob sees it attached.
    picture = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(picture, "PNG")
    picture.seek(0)
    media = alice.media_post(
        picture, mime_type="image/png", description="A red square", file_name="red.png"
    )
    assert media["type"] == "image" and media["description"] == "A red square"
    assert media["meta"]["original"]["width"] == 64
    with_picture = alice.status_post("A picture for you", media_ids=[media])
    assert [str(m["id"]) for m in with_picture["media_attachments"]] == [str(media["id"])]
    seen = bob.status(with_picture["id"])
    assert seen["media_attachments"][0]["description"] == "A red square"
    assert _ids(bob.account_statuses(alice_account["id"], only_media=True)) == [
        str(with_picture["id"])
    ]

    # Alice finds her first post by full-text search.
    _wait_for_search(alice, "Hello Roost", str(hello["id"]))
    found = alice.search_v2("Hello Roost", result_type="statuses")["statuses"]
    assert str(deleted["id"]) not in _ids(found)

    # Alice streams her notifications; bob's favourite reaches her within seconds.
    listener = _Notifications()
    stream = alice.stream_user_notifications(listener, run_async=True)
    try:
        assert listener.connected.wait(10), "the notification stream never opened"
        bob.status_favourite(with_picture["id"])
        assert listener.arrived.wait(10), "no notification arrived on the stream"
        assert listener.errors == []
        notification = listener.received[0]
        assert notification["type"] == "favourite"
        assert notification["account"]["username"] == "bob"
        assert str(notification["status"]["id"]) == str(with_picture["id"])
    finally:
        stream.close()
