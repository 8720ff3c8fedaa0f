"""Property: whatever a small cast does, after the workers drain, every home timeline
(paged down with max_id and up with min_id) equals the database query's answer.

Random sequences of post, reply (some carrying the example's hashtag), reblog, delete,
follow, unfollow, block, unblock, mute, unmute, follow and unfollow of the hashtag,
mid-way drains and reads, generated and shrunk by hypothesis, on both
deployments. A tiny cap (6) makes most pages cross the store's floor into the database;
a threshold of 2 followers makes some authors pull authors; fall-off is off because the
reference query has none (its own test is in test_engine.py).
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from roost.db import Database
from roost.settings import Settings
from tests.conftest import Actor
from tests.timelines.helpers import HOME, settle
from tests.timelines.test_engine import reference, walk_down, walk_up

CAST = 4
_examples = itertools.count()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    changes = {"timeline_cap": 6, "fanout_threshold": 2, "reblog_falloff": 0,
               "fanout_batch_size": 2}  # fmt: skip
    return Settings(**{**settings.model_dump(), **changes}, _env_file=None)  # type: ignore[call-arg]


who = st.integers(0, CAST - 1)
RELATIONS = ["follow", "unfollow", "block", "unblock", "mute", "unmute"]
post = st.tuples(
    st.just("post"),
    who,
    st.sampled_from(["public", "unlisted", "private", "direct"]),
    st.none() | who,
    st.booleans(),
)
reply = st.tuples(st.just("reply"), who, st.integers(0, 40), st.none() | who, st.booleans())
action = st.one_of(
    post, post, post, reply, reply,
    st.tuples(st.just("reblog"), who, st.integers(0, 40)),
    st.tuples(st.just("reblog"), who, st.integers(0, 40)),
    st.tuples(st.just("delete"), who, st.integers(0, 40)),
    st.tuples(st.just("relate"), who, who, st.sampled_from(RELATIONS)),
    st.tuples(st.just("relate"), who, who, st.just("follow")),
    st.tuples(st.just("tag"), who, st.sampled_from(["follow", "unfollow"])),
    st.tuples(st.just("drain")),
    st.tuples(st.just("read"), who),
)  # fmt: skip
# Who follows whom before the story starts (most of the cast, so homes fill up).
start = st.lists(st.tuples(who, who), min_size=4, max_size=12)


@hypothesis_settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large],
)  # fmt: skip
@given(follows=start, actions=st.lists(action, min_size=10, max_size=45))
async def test_home_timelines_equal_the_database_answer(
    follows: list[tuple[int, int]],
    actions: list[tuple[Any, ...]],
    make_actor: Any,
    db: Database,
) -> None:
    example = next(_examples)
    cast: list[Actor] = [await make_actor(f"p{example}c{n}") for n in range(CAST)]
    posted: list[dict[str, Any]] = []
    for follower, followed in follows:
        await _perform(("relate", follower, followed, "follow"), cast, posted, tag="")

    for step in actions:
        await _perform(step, cast, posted, tag=f"prop{example}")

    await settle()
    for actor in cast:
        expected = await reference(db, actor)
        assert await walk_down(actor, 3) == expected, (actor.username, follows, actions)
        assert await walk_up(actor, 3) == expected, (actor.username, follows, actions)


async def _perform(
    step: tuple[Any, ...], cast: list[Actor], posted: list[dict[str, Any]], *, tag: str
) -> None:
    kind = step[0]
    if kind == "drain":
        await settle()
        return
    actor = cast[step[1]]
    if kind == "read":
        assert (await actor.get(HOME)).status_code == 200
        return
    if kind == "relate":
        target = cast[step[2]]
        response = await actor.post(f"/api/v1/accounts/{target.id}/{step[3]}")
        assert response.status_code < 500, response.text
        return
    if kind == "tag":
        response = await actor.post(f"/api/v1/tags/{tag}/{step[2]}")
        assert response.status_code < 500, response.text
        return
    if kind in ("post", "reply"):
        fields: dict[str, Any] = {}
        text = "words"
        if kind == "post":
            fields["visibility"] = step[2]
        elif posted:
            fields["in_reply_to_id"] = posted[step[2] % len(posted)]["id"]
        if step[3] is not None:
            text = f"@{cast[step[3]].username} {text}"
        if step[4]:
            text = f"{text} #{tag}"
        response = await actor.post("/api/v1/statuses", json={"status": text, **fields})
        assert response.status_code < 500, response.text
        if response.status_code == 200:
            posted.append(response.json())
        return
    if not posted:
        return
    target_status = posted[step[2] % len(posted)]
    if kind == "reblog":
        response = await actor.post(f"/api/v1/statuses/{target_status['id']}/reblog")
    else:
        response = await actor.delete(f"/api/v1/statuses/{target_status['id']}")
    assert response.status_code < 500, response.text
