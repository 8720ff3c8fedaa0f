"""Deleting an account (`roost admin delete-account`): one transaction, counters and events."""

from __future__ import annotations

import pytest

from roost.accounts.deletion import delete_account
from roost.errors import NotFound
from tests.events.support import bus_events


async def test_deleting_an_account_takes_back_its_counters_and_records_account_deleted(
    app, db, alice, bob, carol
):
    status = (await bob.post("/api/v1/statuses", json={"status": "bob's"})).json()
    mine = (await alice.post("/api/v1/statuses", json={"status": "alice's"})).json()
    await alice.post(f"/api/v1/accounts/{bob.id}/follow")
    await carol.post(f"/api/v1/accounts/{alice.id}/follow")
    await alice.post(f"/api/v1/statuses/{status['id']}/favourite")
    await alice.post(f"/api/v1/statuses/{status['id']}/reblog")
    await alice.post(f"/api/v1/statuses/{mine['id']}/reblog")  # her own status, reblogged
    await bob.post(f"/api/v1/statuses/{mine['id']}/reblog")
    before = len(await bus_events(app))

    await delete_account(db=db, account_id=int(alice.id))

    events = (await bus_events(app))[before:]
    assert events[-1].kind == "account.deleted"
    assert events[-1].payload == {"account_id": int(alice.id)}
    assert {e.kind for e in events} == {
        "follow.deleted", "favourite.deleted", "status.deleted", "account.deleted"
    }  # fmt: skip
    bob_now = (await bob.get(f"/api/v1/accounts/{bob.id}")).json()
    assert bob_now["followers_count"] == 0
    assert bob_now["statuses_count"] == 1  # his reblog of alice's status went with it
    assert (await carol.get(f"/api/v1/accounts/{carol.id}")).json()["following_count"] == 0
    counts = (await bob.get(f"/api/v1/statuses/{status['id']}")).json()
    assert (counts["favourites_count"], counts["reblogs_count"]) == (0, 0)
    assert (await bob.get(f"/api/v1/accounts/{alice.id}")).status_code == 404


async def test_deleting_an_unknown_account_records_nothing(app, db):
    before = len(await bus_events(app))
    with pytest.raises(NotFound):
        await delete_account(db=db, account_id=12345)
    assert len(await bus_events(app)) == before


def test_the_admin_command_deletes_an_account(tmp_path):
    from tests.e2e.server import roost_env, run_roost

    env = roost_env(tmp_path / "data")
    made = run_roost(
        "admin", "create-account", "gone", "--email", "gone@example.com",
        "--password", "gone-password", env=env, cwd=tmp_path,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    account_id = made.stdout.strip()
    deleted = run_roost("admin", "delete-account", account_id, env=env, cwd=tmp_path)
    assert deleted.returncode == 0, deleted.stderr
    assert deleted.stdout.strip() == f"Deleted account {account_id}"
    again = run_roost("admin", "delete-account", account_id, env=env, cwd=tmp_path)
    assert again.returncode == 1
