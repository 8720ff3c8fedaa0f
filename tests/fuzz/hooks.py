"""schemathesis hooks: path parameters sometimes name objects that exist.

Notes on design: a fuzzer drawing ids at random only ever meets 404s, which tests the
router, not the handlers. Half of the generated path parameters are swapped for ids of
the seeded world (statuses, accounts, notifications, media, hashtags), so the handlers'
real work runs under fuzzed query strings and bodies too.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.fuzz.seed import World


def _known(world: World, path: str, name: str) -> list[str]:
    if name == "notification_id":
        return world.notifications
    if name in ("name", "hashtag"):
        return world.tags
    if path.startswith("/api/v1/statuses/"):
        return world.statuses
    if path.startswith("/api/v1/media/"):
        return world.media
    if path.startswith(("/api/v1/accounts/", "/api/v1/follow_requests/")):
        return world.accounts
    return []


def install_hooks(schema: Any, world: World) -> None:
    @schema.hook
    def before_generate_path_parameters(context: Any, strategy: Any) -> Any:
        path = context.operation.path
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        choices = {name: _known(world, path, name) for name in names}
        if not names or not all(choices.values()):
            return strategy
        known = st.fixed_dictionaries({name: st.sampled_from(ids) for name, ids in choices.items()})
        return st.one_of(strategy, known)
