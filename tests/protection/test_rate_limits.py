"""Rate limits as Mastodon applies them, in-process on both deployments.

Embedded, the counters live in the app's memory; scaled out, in Redis under the test's
key prefix. The limiter's clock is frozen (see conftest), so reset times are exact.
"""

from __future__ import annotations

from typing import Any

import httpx

from roost.app import create_app
from tests.conftest import Actor, _delete_redis_prefix
from tests.protection.conftest import (
    ACCOUNT_LIMIT,
    DELETES_LIMIT,
    FIVE_MINUTES_END,
    HALF_HOUR_END,
    HOUR_END,
    IP_LIMIT,
    MEDIA_LIMIT,
    SIGN_IN_LIMIT,
    SIGN_UP_LIMIT,
    client_from,
    rate_headers,
)

TOO_MANY = {"error": "Too many requests"}
# Retry-After at the frozen NOW: seconds to the end of the window, rounded up.
HOUR_WAIT = "2600"  # 3600 - 1000.25
HALF_HOUR_WAIT = "800"  # 1800 - 1000.25


async def test_every_api_response_carries_the_headers(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v1/instance")
    second = await client.get("/api/v1/timelines/public")
    missing = await client.get("/api/v1/statuses/1")

    assert first.status_code == 200
    assert rate_headers(first) == (str(IP_LIMIT), str(IP_LIMIT - 1), HOUR_END)
    assert rate_headers(second) == (str(IP_LIMIT), str(IP_LIMIT - 2), HOUR_END)
    assert missing.status_code == 404  # errors count too, as in Mastodon
    assert rate_headers(missing) == (str(IP_LIMIT), str(IP_LIMIT - 3), HOUR_END)


async def test_a_burst_past_the_limit_gets_429_with_the_headers(client: httpx.AsyncClient) -> None:
    answers = [await client.get("/api/v1/instance") for _ in range(IP_LIMIT + 2)]

    assert [answer.status_code for answer in answers] == [200] * IP_LIMIT + [429, 429]
    for answer in answers[IP_LIMIT:]:
        assert answer.json() == TOO_MANY
        assert rate_headers(answer) == (str(IP_LIMIT), "0", HOUR_END)
        assert answer.headers["retry-after"] == HOUR_WAIT
        assert answer.headers["content-type"].startswith("application/json")
    assert [answer.headers["x-ratelimit-remaining"] for answer in answers[:IP_LIMIT]] == [
        str(IP_LIMIT - n) for n in range(1, IP_LIMIT + 1)
    ]


async def test_user_tokens_count_per_account_not_per_address(
    app: Any, client: httpx.AsyncClient, alice: Actor, bob: Actor
) -> None:
    answers = [await alice.get("/api/v1/accounts/verify_credentials") for _ in range(ACCOUNT_LIMIT)]
    assert [answer.status_code for answer in answers] == [200] * ACCOUNT_LIMIT
    assert rate_headers(answers[0]) == (str(ACCOUNT_LIMIT), str(ACCOUNT_LIMIT - 1), HOUR_END)

    limited = await alice.get("/api/v1/accounts/verify_credentials")
    assert limited.status_code == 429
    assert rate_headers(limited) == (str(ACCOUNT_LIMIT), "0", HOUR_END)

    # Same address, other account: its own budget. Same address, no token: the address's.
    other = await bob.get("/api/v1/accounts/verify_credentials")
    assert rate_headers(other) == (str(ACCOUNT_LIMIT), str(ACCOUNT_LIMIT - 1), HOUR_END)
    anonymous = await client.get("/api/v1/instance")
    assert rate_headers(anonymous) == (str(IP_LIMIT), str(IP_LIMIT - 1), HOUR_END)

    # Alice from another address is still alice.
    async with client_from(app, "198.51.100.9") as elsewhere:
        moved = await elsewhere.get("/api/v1/accounts/verify_credentials", headers=alice.auth)
    assert moved.status_code == 429


async def test_the_access_token_query_parameter_counts_per_account(alice: Actor) -> None:
    answer = await alice.http.get(
        "/api/v1/accounts/verify_credentials", params={"access_token": alice.token}
    )
    assert answer.status_code == 200
    assert answer.headers["x-ratelimit-limit"] == str(ACCOUNT_LIMIT)


async def test_anonymous_requests_count_per_address(app: Any) -> None:
    async with client_from(app, "203.0.113.1") as first, client_from(app, "203.0.113.2") as second:
        for _ in range(IP_LIMIT):
            assert (await first.get("/api/v1/instance")).status_code == 200
        assert (await first.get("/api/v1/instance")).status_code == 429
        assert (await second.get("/api/v1/instance")).status_code == 200


async def test_ipv6_addresses_count_per_64_block(app: Any) -> None:
    async with client_from(app, "2001:db8:1:2::1") as one:
        for _ in range(IP_LIMIT):
            assert (await one.get("/api/v1/instance")).status_code == 200
    async with client_from(app, "2001:db8:1:2::ffff") as same_block:
        assert (await same_block.get("/api/v1/instance")).status_code == 429
    async with client_from(app, "2001:db8:1:3::1") as next_block:
        assert (await next_block.get("/api/v1/instance")).status_code == 200


async def test_an_invalid_token_counts_per_address(client: httpx.AsyncClient) -> None:
    answer = await client.get(
        "/api/v1/accounts/verify_credentials", headers={"Authorization": "Bearer nonsense"}
    )
    assert answer.status_code == 401
    assert rate_headers(answer) == (str(IP_LIMIT), str(IP_LIMIT - 1), HOUR_END)


async def test_sign_ups_are_limited_per_address(client: httpx.AsyncClient) -> None:
    answers = [
        await client.post("/api/v1/accounts", data={"username": f"new{n}"})
        for n in range(SIGN_UP_LIMIT + 1)
    ]
    # Refused or not (no app token here), every attempt counts on the stricter rule.
    assert [answer.status_code for answer in answers[:SIGN_UP_LIMIT]] != [429] * SIGN_UP_LIMIT
    assert rate_headers(answers[0]) == (str(SIGN_UP_LIMIT), str(SIGN_UP_LIMIT - 1), HALF_HOUR_END)
    assert answers[-1].status_code == 429
    assert answers[-1].json() == TOO_MANY
    assert rate_headers(answers[-1]) == (str(SIGN_UP_LIMIT), "0", HALF_HOUR_END)
    assert answers[-1].headers["retry-after"] == HALF_HOUR_WAIT
    # Other API calls from the address still have the general budget left.
    still = await client.get("/api/v1/instance")
    assert still.status_code == 200


async def test_sign_in_attempts_are_limited_per_address(client: httpx.AsyncClient) -> None:
    form = {"grant_type": "password", "username": "x@example.com", "password": "wrong"}
    answers = [await client.post("/oauth/token", data=form) for _ in range(SIGN_IN_LIMIT + 1)]

    assert all(answer.status_code != 429 for answer in answers[:SIGN_IN_LIMIT])
    assert answers[-1].status_code == 429
    assert rate_headers(answers[-1]) == (str(SIGN_IN_LIMIT), "0", FIVE_MINUTES_END)
    # The authorize form shares the budget; the GET of the form does not count.
    assert (await client.get("/oauth/authorize")).headers.get("x-ratelimit-limit") is None
    assert (await client.post("/oauth/authorize")).status_code == 429


async def test_media_uploads_are_limited_per_account(alice: Actor, bob: Actor) -> None:
    answers = [await alice.post("/api/v1/media") for _ in range(MEDIA_LIMIT + 1)]

    assert answers[0].status_code == 422  # no file: refused, but counted
    assert rate_headers(answers[0]) == (str(MEDIA_LIMIT), str(MEDIA_LIMIT - 1), HALF_HOUR_END)
    assert answers[-1].status_code == 429
    assert rate_headers(answers[-1]) == (str(MEDIA_LIMIT), "0", HALF_HOUR_END)
    assert (await alice.post("/api/v2/media")).status_code == 429  # one rule for both
    assert (await bob.post("/api/v2/media")).status_code == 422
    # Other calls keep the account's general budget (the headers show the closest rule).
    other = await alice.get("/api/v1/accounts/verify_credentials")
    assert other.status_code == 200
    assert other.headers["x-ratelimit-limit"] == str(ACCOUNT_LIMIT)


async def test_deletes_and_unreblogs_share_a_stricter_limit(alice: Actor) -> None:
    posted = await alice.post("/api/v1/statuses", data={"status": "hello"})
    status_id = posted.json()["id"]
    first = await alice.delete(f"/api/v1/statuses/{status_id}")
    second = await alice.post("/api/v1/statuses/1/unreblog")
    third = await alice.delete("/api/v1/statuses/1")

    assert first.status_code == 200
    assert rate_headers(first) == (str(DELETES_LIMIT), str(DELETES_LIMIT - 1), HALF_HOUR_END)
    assert second.status_code == 404
    assert rate_headers(second) == (str(DELETES_LIMIT), "0", HALF_HOUR_END)
    assert third.status_code == 429
    assert third.json() == TOO_MANY
    # Posting is not a delete: still allowed.
    assert (await alice.post("/api/v1/statuses", data={"status": "again"})).status_code == 200


async def test_pages_outside_the_api_are_not_counted(client: httpx.AsyncClient) -> None:
    for _ in range(IP_LIMIT + 1):
        answer = await client.get("/livez")
        assert answer.headers.get("x-ratelimit-limit") is None


async def test_switched_off_no_limit_and_no_headers(settings: Any) -> None:
    app = create_app(settings.model_copy(update={"rate_limits_enabled": False}))
    async with app.router.lifespan_context(app), client_from(app, "192.0.2.5") as http:
        answers = [await http.get("/api/v1/instance") for _ in range(IP_LIMIT + 2)]
    if settings.redis_url:
        await _delete_redis_prefix(settings)
    assert {answer.status_code for answer in answers} == {200}
    assert all(answer.headers.get("x-ratelimit-limit") is None for answer in answers)


async def test_processes_share_counters_only_through_redis(
    app: Any, client: httpx.AsyncClient, settings: Any, backend: str
) -> None:
    """A second app stands for a second API process on the same configuration."""
    await client.get("/api/v1/instance")
    await client.get("/api/v1/instance")
    other = create_app(settings)
    async with other.router.lifespan_context(other):
        other.state.rate_limiter.clock = app.state.rate_limiter.clock
        async with client_from(other, "127.0.0.1") as http:
            answer = await http.get("/api/v1/instance")
    shared = backend == "postgres"  # scaled out: Redis; embedded: each process its own
    assert answer.headers["x-ratelimit-remaining"] == str(IP_LIMIT - (3 if shared else 1))
