"""The real ``roost`` command, run as a subprocess against a temporary data folder."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import httpx
import pytest

from roost import __version__
from tests.e2e.server import roost_env, run_roost, running_server


def _journal_mode(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        connection.close()


def _usernames(path: Path) -> list[str]:
    connection = sqlite3.connect(path)
    try:
        return [row[0] for row in connection.execute("SELECT username FROM accounts")]
    finally:
        connection.close()


def test_version_prints_the_package_version(tmp_path: Path) -> None:
    result = run_roost("version", env=roost_env(tmp_path / "data"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == __version__


def test_migrate_with_no_configuration_creates_roost_data_here(tmp_path: Path) -> None:
    result = run_roost("migrate", env=roost_env(), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    database = tmp_path / "roost-data" / "roost.sqlite3"
    assert database.is_file()
    assert (tmp_path / "roost-data" / "media").is_dir()
    assert _journal_mode(database) == "wal"
    assert "up to date" in result.stdout


def test_migrate_honours_roost_data_dir_and_is_repeatable(tmp_path: Path) -> None:
    data_dir = tmp_path / "elsewhere"
    env = roost_env(data_dir)
    first = run_roost("migrate", env=env, cwd=tmp_path)
    second = run_roost("migrate", env=env, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert _journal_mode(data_dir / "roost.sqlite3") == "wal"
    assert not (tmp_path / "roost-data").exists()


def test_create_account_prints_the_new_account_id(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = run_roost(
        "admin", "create-account", "alice",
        "--email", "alice@example.com", "--password", "correct horse",
        env=roost_env(data_dir), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    printed = result.stdout.strip()
    assert re.fullmatch(r"[1-9][0-9]*", printed), printed
    assert 0 < int(printed) < 2**63
    connection = sqlite3.connect(data_dir / "roost.sqlite3")
    try:
        row = connection.execute(
            "SELECT id, username, email, password_hash FROM accounts"
        ).fetchone()
    finally:
        connection.close()
    assert row[:3] == (int(printed), "alice", "alice@example.com")
    assert row[3].startswith("$argon2id$")
    assert "correct horse" not in row[3]


def test_duplicate_username_exits_non_zero_with_a_message(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = roost_env(data_dir)
    first = run_roost(
        "admin", "create-account", "alice",
        "--email", "alice@example.com", "--password", "correct horse",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    again = run_roost(
        "admin", "create-account", "alice",
        "--email", "other@example.com", "--password", "battery staple",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert again.returncode != 0
    assert "Username has already been taken" in again.stderr
    assert "Traceback" not in again.stderr
    assert again.stdout.strip() == ""
    assert _usernames(data_dir / "roost.sqlite3") == ["alice"]


def test_invalid_email_is_refused_without_creating_anything(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    result = run_roost(
        "admin", "create-account", "alice",
        "--email", "not-an-email", "--password", "correct horse",
        env=roost_env(data_dir), cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode != 0
    assert "Email is invalid" in result.stderr
    assert _usernames(data_dir / "roost.sqlite3") == []


def test_create_account_on_postgresql(tmp_path: Path, empty_postgres_url: str) -> None:
    env = roost_env(tmp_path / "data", ROOST_DATABASE_URL=empty_postgres_url)
    created = run_roost(
        "admin", "create-account", "alice",
        "--email", "alice@example.com", "--password", "correct horse",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert re.fullmatch(r"[1-9][0-9]*", created.stdout.strip())
    duplicate = run_roost(
        "admin", "create-account", "ALICE",
        "--email", "alice2@example.com", "--password", "correct horse",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert duplicate.returncode != 0
    assert "already been taken" in duplicate.stderr
    assert not (tmp_path / "data" / "roost.sqlite3").exists(), "PostgreSQL, not SQLite, was used"


@pytest.mark.e2e
def test_serve_with_no_configuration_prints_its_url_and_answers(tmp_path: Path) -> None:
    with running_server(env=roost_env(), cwd=tmp_path) as server:
        response = httpx.get(f"{server.url}/api/v1/does-not-exist", timeout=5)
        assert response.status_code == 404
        assert response.json() == {"error": "Record not found"}
        assert f"serving at {server.url}" in server.log()
    assert _journal_mode(tmp_path / "roost-data" / "roost.sqlite3") == "wal"
    assert (tmp_path / "roost-data" / "media").is_dir()
