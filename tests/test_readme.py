"""The README tells the truth: its settings table and API coverage table match the code."""

from __future__ import annotations

import re
from pathlib import Path

from roost.app import create_app
from roost.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\|\s*`(?P<key>[^`]+)`\s*\|\s*(?P<value>[^|]*?)\s*\|")


def _table_after(marker: str) -> dict[str, str]:
    """The first column (in backticks) -> second column of the table after ``marker``."""
    lines = README.read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if marker in line)
    rows: dict[str, str] = {}
    for line in lines[start + 1 :]:
        if not line.startswith("|"):
            if rows:
                break
            continue
        match = ROW.match(line)
        if match:
            rows[match["key"]] = match["value"]
    return rows


def _normalise(method: str, path: str) -> str:
    """``GET /api/v1/accounts/{account_id}`` and ``GET /api/v1/accounts/:id`` compare equal."""
    path = re.sub(r"\{[^}]+\}|:[A-Za-z_]+", "{}", path)
    return f"{method.upper()} {path}"


def _served_routes() -> set[str]:
    """Every method and path the app serves, as its OpenAPI document lists them."""
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    paths: dict[str, dict[str, object]] = app.openapi()["paths"]
    served = {_normalise(method, path) for path, methods in paths.items() for method in methods}
    assert served, "the app serves no documented route: cannot check the README"
    return served


def _default_text(value: object) -> str:
    value = getattr(value, "value", value)
    if value is None:
        return "unset"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    return f"`{value}`"


def test_settings_table_lists_every_setting_with_its_default() -> None:
    table = _table_after("<!-- settings-table")
    expected = {
        f"ROOST_{name.upper()}": _default_text(field.default)
        for name, field in Settings.model_fields.items()
    }
    assert {name: table.get(name) for name in expected} == expected
    assert set(table) == set(expected), "the README lists settings that do not exist"


def test_api_table_marks_served_endpoints_yes_and_the_rest_no() -> None:
    table = _table_after("<!-- api-table")
    served = _served_routes()
    claimed = {_normalise(*endpoint.split(" ", 1)): answer for endpoint, answer in table.items()}
    wrong = {
        endpoint: answer
        for endpoint, answer in claimed.items()
        if answer not in ("yes", "no") or (answer == "yes") != (endpoint in served)
    }
    assert wrong == {}, "README API table disagrees with the app's routes"


def test_api_table_lists_every_served_api_endpoint() -> None:
    table = _table_after("<!-- api-table")
    listed = {_normalise(*endpoint.split(" ", 1)) for endpoint in table}
    api_routes = {route for route in _served_routes() if " /api/" in route or " /oauth/" in route}
    assert sorted(api_routes - listed) == []
