"""``roost admin rebuild-timelines`` run as the real command on an embedded data folder."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.e2e.server import roost_env, run_roost


def _home_feeds(path: Path) -> list[int]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT account_id FROM home_feeds")]
    finally:
        connection.close()


def test_rebuild_timelines_writes_every_home_or_one(tmp_path: Path) -> None:
    env = roost_env(tmp_path / "data")
    ids = []
    for name in ("ann", "ben", "cat"):
        created = run_roost(
            "admin", "create-account", name, "--email", f"{name}@example.com",
            "--password", "long-enough-password", env=env, cwd=tmp_path,
        )  # fmt: skip
        assert created.returncode == 0, created.stderr
        ids.append(int(created.stdout.strip()))
    database = tmp_path / "data" / "roost.sqlite3"

    one = run_roost("admin", "rebuild-timelines", "--account", str(ids[1]), env=env, cwd=tmp_path)
    assert one.returncode == 0, one.stderr
    assert "Rebuilt 1 home timeline" in one.stdout
    assert _home_feeds(database) == [ids[1]]

    every = run_roost("admin", "rebuild-timelines", env=env, cwd=tmp_path)
    assert every.returncode == 0, every.stderr
    assert "Rebuilt 3 home timeline" in every.stdout
    assert sorted(_home_feeds(database)) == sorted(ids)

    unknown = run_roost("admin", "rebuild-timelines", "--account", "12345", env=env, cwd=tmp_path)
    assert unknown.returncode == 1
    assert "No such account" in unknown.stderr
