"""No route escapes the authorization suite: each one of the app is exercised by the table,
by a hand-written test of this suite, or listed with the reason it needs no object check."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from roost.app import create_app
from roost.settings import Settings
from tests.authorization.cases import CASES, HAND_WRITTEN, NO_OBJECT

_NAME = re.compile(r"\{(\w+)\}")


def _walk(routes: Iterable[Any]) -> Iterator[tuple[str, str, re.Pattern[str]]]:
    """(method, path template, path regex) of every route, included routers flattened.

    FastAPI 0.165 wraps an included router in one route object that holds the effective
    routes (``effective_candidates``); older versions copy them into ``app.routes``.
    """
    for route in routes:
        if hasattr(route, "effective_candidates"):
            yield from _walk(route.effective_candidates())
            continue
        if not route.path and getattr(route, "starlette_route", None) is not None:
            route = route.starlette_route  # a WebSocket route keeps its path there
        methods = sorted(getattr(route, "methods", None) or ["WS"])
        for method in methods:
            if method != "HEAD":
                yield method, route.path, route.path_regex


def app_routes(app: FastAPI) -> list[tuple[str, str, re.Pattern[str]]]:
    return list(_walk(app.router.routes))


def _route_of(method: str, path: str, routes: list[tuple[str, str, re.Pattern[str]]]) -> str:
    """The route template a case's request reaches (the first match, as the router does)."""
    concrete = _NAME.sub("1", path.split("?", 1)[0])
    for route_method, template, regex in routes:
        if route_method == method and regex.match(concrete):
            return template
    raise AssertionError(f"no route serves {method} {path}")


def test_every_route_is_checked_or_exempt_with_a_reason(tmp_path: Path) -> None:
    app = create_app(Settings(data_dir=tmp_path, database_url=None, _env_file=None))
    routes = app_routes(app)
    assert len(routes) > 50  # the walk found the routes at all
    in_table = {(case.method, _route_of(case.method, case.path, routes)) for case in CASES}
    covered = in_table | set(HAND_WRITTEN) | set(NO_OBJECT)
    missing = sorted({(method, path) for method, path, _ in routes} - covered)
    assert not missing, (
        "routes without an authorization check; add them to tests/authorization/cases.py "
        f"(CASES, or NO_OBJECT with a reason): {missing}"
    )
    assert all(reason.strip() for reason in (*HAND_WRITTEN.values(), *NO_OBJECT.values()))
    present = {(method, path) for method, path, _ in routes}
    assert set(HAND_WRITTEN) <= present, set(HAND_WRITTEN) - present
    assert not in_table & set(NO_OBJECT), "a route is both checked and exempt"
