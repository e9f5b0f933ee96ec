"""`make loadtest`'s accounting (bench/loadtest.py): a few simulated users for 3 s against the live
test server, logging with retries, races, re-sends and batches; every acknowledged log is then found
in PostgreSQL exactly once, and a log removed behind the generator's back is reported missing.

The live server commits for real; the users are deleted at the end through the API
(DELETE /users/me), with their logs: the user tables are not Django's to flush."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import loadtest  # bench/loadtest.py
import run as bench_run  # bench/run.py

pytestmark = pytest.mark.django_db(transaction=True)

CONFIG = loadtest.Config(
    users=6,
    duration=3,
    think=0.05,
    ramp=0.3,
    mix=(("browse", 10), ("search", 10), ("log", 60), ("progress", 20)),
    impatient=0.3,
    race=0.2,
    resend=0.2,
    batch=0.2,
    token_share=0.5,
    grace=10,
)


def test_every_acknowledged_log_is_counted_once_and_a_lost_one_is_reported(live_server: Any) -> None:
    database_url = bench_run.database_url(connection.settings_dict["NAME"])

    async def scenario() -> tuple[loadtest.LoadResult, dict[str, Any], dict[str, Any], int]:
        result = await loadtest.load(CONFIG, live_server.url)
        try:
            check = loadtest.log_check(result.run.ledger, loadtest.stored_log_ids(database_url, result.user_ids))
            lost = next(iter(result.run.ledger.acked))
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute("DELETE FROM user_workout_logs WHERE id = %s", [lost])
            after_loss = loadtest.log_check(result.run.ledger, loadtest.stored_log_ids(database_url, result.user_ids))
        finally:
            await loadtest.finish(result, keep_users=False)
        left = len(loadtest.stored_log_ids(database_url, result.user_ids))
        return result, check, after_loss, left

    result, check, after_loss, left = asyncio.run(scenario())
    report = loadtest.summary(result, check)
    loadtest.judge(report)

    ledger = result.run.ledger
    assert result.setup_failed == 0
    # the offline-sync paths were taken
    assert ledger.abandoned > 0  # answers lost on purpose, then the same id sent again
    assert ledger.races > 0
    assert ledger.resends > 0
    assert ledger.batches > 0
    assert report["server_5xx"] == 0, report["server_errors_seen"]
    assert check["acked"] > 20
    assert check["missing"] == check["duplicates"] == 0
    assert check["stored"] == check["acked"] + check["stored_not_acked"]
    assert report["pass"], report["verdict"]
    assert after_loss["missing"] == 1
    assert not after_loss["ok"]
    assert left == 0  # the users were deleted with their logs
