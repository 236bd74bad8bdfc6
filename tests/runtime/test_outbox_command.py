"""`python -m netmera_events.outbox stats|retry-dead|purge PATH`: inspects an outbox, sends dead letters again,
deletes them; a missing, corrupt or foreign file is a clear error with exit status 1 and stays untouched."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from netmera_events import NetmeraClient, OutboxSender, ShareEvent
from netmera_events import outbox as outbox_command
from netmera_events.testing import FakeNetmera
from support import GENERATED

from .conftest import API_KEY, FAST_RETRY


def outbox(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    """`python -m netmera_events.outbox ARGUMENTS`, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "netmera_events.outbox", *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONPATH=str(GENERATED)),
        check=False,
    )


def outbox_inline(*arguments: str | Path) -> subprocess.CompletedProcess[str]:
    """The same command's `main()` in this process, for the tests about what it does to the file."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        status = outbox_command.main([str(argument) for argument in arguments])
    return subprocess.CompletedProcess(["outbox", *map(str, arguments)], status, stdout.getvalue(), stderr.getvalue())


def share(number: int) -> ShareEvent:
    return ShareEvent(ext_id=f"user-{number}", item_id=str(number), channel="Facebook")


@pytest.fixture
def with_dead_letters(fake: FakeNetmera, tmp_path: Path) -> Path:
    """An outbox holding two dead letters (refused as unknown events) and three events waiting."""
    path = tmp_path / "outbox.sqlite3"
    fake.unknown_events.add("ShareEvent")
    with NetmeraClient(API_KEY, base_url=fake.url, retry=FAST_RETRY) as client:
        with OutboxSender(client, path, flush_interval=0.01) as sender:
            sender.enqueue_many([share(1), share(2)])
            assert sender.flush(timeout=5)
        with OutboxSender(client, path, deliver=False) as producer:
            producer.enqueue_many([share(3), share(4), share(5)])
    fake.unknown_events.clear()
    return path


def test_stats_shows_what_waits_and_the_dead_letters(with_dead_letters: Path) -> None:
    done = outbox("stats", with_dead_letters)
    assert done.returncode == 0, done.stderr
    lines = done.stdout
    assert "waiting       3 events" in lines
    assert "dead letters  2" in lines
    assert "ShareEvent extId='user-1'" in lines and "HTTP 400, Netmera code 5028: Event not found" in lines
    assert '{"itemId": "2", "channel": "Facebook"}' in lines  # attributes shown; private ones would be masked


def test_retry_dead_sends_them_again_and_purge_deletes(fake: FakeNetmera, with_dead_letters: Path) -> None:
    done = outbox_inline("retry-dead", with_dead_letters, "--id", "1")
    assert done.returncode == 0 and "1 dead letters moved back" in done.stdout
    with (
        NetmeraClient(API_KEY, base_url=fake.url) as client,
        OutboxSender(client, with_dead_letters, flush_interval=0.01) as sender,
    ):
        assert sender.flush(timeout=5)
    assert sorted(int(event["itemId"]) for event in fake.events) == [1, 3, 4, 5]
    done = outbox_inline("purge", with_dead_letters)
    assert done.returncode == 0 and "deleted 1 dead letters" in done.stdout
    assert "dead letters  0" in outbox_inline("stats", with_dead_letters).stdout


def test_purge_pending_deletes_undelivered_events_and_says_how_many(with_dead_letters: Path) -> None:
    done = outbox_inline("purge", with_dead_letters, "--pending")
    assert done.returncode == 0 and "deleted 2 dead letters and 3 pending events" in done.stdout
    with sqlite3.connect(with_dead_letters) as connection:
        assert connection.execute("SELECT rows, bytes FROM totals").fetchone() == (0, 0)


def test_a_missing_corrupt_or_foreign_file_is_an_error_and_left_alone(tmp_path: Path) -> None:
    missing = tmp_path / "missing.sqlite3"
    done = outbox("stats", missing)
    assert done.returncode == 1 and "no such file" in done.stderr and "Traceback" not in done.stderr
    assert not missing.exists()
    corrupt = tmp_path / "corrupt.sqlite3"
    corrupt.write_bytes(b"\x00garbage" * 1000)
    before = corrupt.read_bytes()
    done = outbox("purge", corrupt, "--pending")
    assert done.returncode == 1 and "not a usable outbox" in done.stderr and "Traceback" not in done.stderr
    assert corrupt.read_bytes() == before
    assert outbox("frobnicate", corrupt).returncode == 2
