"""Runs every case of the authorization table on both backends (see cases.py)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from roost.db import Database
from roost.oauth.scopes import ALL_SCOPES, SUB_SCOPES
from tests.authorization.cases import CASES, ROLES, Case, Expect
from tests.authorization.world import PNG, World, build_world
from tests.conftest import Actor

if TYPE_CHECKING:
    from tests.conftest import TestApp

_NAME = re.compile(r"\{(\w+)\}")


@pytest.fixture
async def world(
    alice: Actor,
    bob: Actor,
    carol: Actor,
    make_actor: Any,
    client: httpx.AsyncClient,
    db: Database,
    test_app: TestApp,
    drain: Any,
) -> World:
    return await build_world(
        alice=alice,
        bob=bob,
        carol=carol,
        make_actor=make_actor,
        client=client,
        db=db,
        test_app=test_app,
        drain=drain,
    )


def fill(value: Any, ids: dict[str, str]) -> Any:
    """Replace ``{name}`` with the world's id of that name, inside strings, lists and dicts."""
    if isinstance(value, str):
        return _NAME.sub(lambda match: ids[match.group(1)], value)
    if isinstance(value, list):
        return [fill(item, ids) for item in value]
    if isinstance(value, dict):
        return {key: fill(item, ids) for key, item in value.items()}
    return value


async def _tokens(world: World, case: Case) -> dict[str, str | None]:
    narrow_scopes = SUB_SCOPES - {case.scope} if case.scope else SUB_SCOPES
    return {
        "anonymous": None,
        "app": await world.token(account=None, scopes=ALL_SCOPES),
        "narrow": await world.token(account=world.owner, scopes=narrow_scopes),
        "blocked": world.blocked.token,
        "other": world.other.token,
        "follower": world.follower.token,
        "owner": world.owner.token,
    }


async def _send(world: World, case: Case, token: str | None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs: dict[str, Any] = {"headers": headers, "params": fill(case.params, world.ids)}
    if case.json is not None:
        kwargs["json"] = fill(case.json, world.ids)
    if case.upload:
        kwargs["files"] = {"file": ("a.png", PNG, "image/png")}
    return await world.client.request(case.method, fill(case.path, world.ids), **kwargs)


async def _probe(world: World, case: Case) -> Any:
    assert case.probe is not None
    response = await world.owner.get(fill(case.probe, world.ids))
    return response.status_code, response.text


def _check(role: str, expected: Expect, response: httpx.Response, ids: dict[str, str]) -> list[str]:
    where = f"{role}: {response.status_code} {response.text[:200]}"
    if response.status_code != expected.status:
        return [f"{where} (expected {expected.status})"]
    problems = []
    if expected.status >= 400 and "error" not in response.json():
        problems.append(f"{where} (an error without an 'error' field)")
    problems += [
        f"{where} (missing {name})" for name in expected.shows if ids[name] not in response.text
    ]
    problems += [f"{where} (leaks {name})" for name in expected.hides if ids[name] in response.text]
    return problems


async def _run(world: World, case: Case) -> list[str]:
    tokens = await _tokens(world, case)
    expected = {role: exp for role in ROLES if (exp := case.expectation(role)) is not None}
    refused = [role for role in ROLES if role in expected and expected[role].status >= 400]
    allowed = [role for role in ROLES if role in expected and role not in refused]
    allowed.sort(key=lambda role: role == "owner")  # the owner goes last
    before = await _probe(world, case) if case.probe else None
    problems: list[str] = []
    for stage, roles in (("refused", refused), ("allowed", allowed)):
        for role in roles:
            owner_turn = stage == "allowed" and role == "owner" and not case.others_change
            if owner_turn and case.probe and (now := await _probe(world, case)) != before:
                problems.append(f"others changed the owner's object: {before} -> {now}")
            response = await _send(world, case, tokens[role])
            problems += _check(role, expected[role], response, world.ids)
        if stage == "refused" and case.probe and (now := await _probe(world, case)) != before:
            problems.append(f"a refused request changed the object: {before} -> {now}")
    return problems


async def test_who_may_read_or_change(world: World) -> None:
    """Every case, in table order, on one world (cases that destroy objects come last);
    every problem of every case is reported, not just the first."""
    report = [
        f"{case.id}:\n  " + "\n  ".join(problems)
        for case in CASES
        if (problems := await _run(world, case))
    ]
    assert not report, "\n".join(report)
