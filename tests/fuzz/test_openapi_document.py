"""The OpenAPI document's completions (roost.web.openapi) stay attached to real routes."""

from __future__ import annotations

from typing import Any

from roost.app import create_app
from roost.settings import Settings
from roost.web import openapi


def _document() -> dict[str, Any]:
    return create_app(Settings(_env_file=None)).openapi()  # type: ignore[call-arg]


def test_every_table_entry_names_a_served_operation() -> None:
    """A renamed or removed route cannot leave a stale description behind."""
    paths = _document()["paths"]
    served = {(method, path) for path, methods in paths.items() for method in methods}
    for table in (openapi._RESPONSES, openapi._QUERY, openapi._BODIES, openapi._EXTRA_SUCCESS):
        assert set(table) <= served, set(table) - served


def test_every_api_operation_documents_its_errors_with_the_error_schema() -> None:
    paths = _document()["paths"]
    for path, methods in paths.items():
        if not path.startswith("/api/") or path == "/api/v1/streaming/health":
            continue
        for method, operation in methods.items():
            responses = operation["responses"]
            for code in ("401", "404", "422", "429", "503"):
                schema = responses[code]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (method, path, code)


def test_json_routes_describe_their_success_body() -> None:
    """Every JSON success answer names an entity, not just "an object"."""
    paths = _document()["paths"]
    for path, methods in paths.items():
        for method, operation in methods.items():
            content = operation["responses"]["200"].get("content", {})
            if "application/json" in content and path.startswith(("/api/", "/oauth/")):
                assert content["application/json"]["schema"] != {"type": "object"}, (method, path)
