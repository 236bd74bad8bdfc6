"""`python -m netmera_events.outbox stats|deliver|retry-dead|purge PATH`: inspects an outbox, delivers what it holds
(until it is empty, or until stopped, for processes that only enqueue), sends dead letters again, deletes them; a
missing, corrupt or foreign file is a clear error with exit status 1 and stays untouched."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from netmera_events import NetmeraClient, OutboxSender, ShareEvent, _outbox_store
from netmera_events import outbox as outbox_command
from netmera_events.testing import FakeNetmera, Fault
from support import GENERATED

from .conftest import API_KEY, FAST_RETRY


def command(*arguments: str | Path) -> list[str]:
    return [sys.executable, "-m", "netmera_events.outbox", *map(str, arguments)]


def command_environment(api_key: str | None = API_KEY) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items() if name != "NETMERA_API_KEY"}
    environment["PYTHONPATH"] = str(GENERATED)
    if api_key is not None:
        environment["NETMERA_API_KEY"] = api_key
    return environment


def outbox(*arguments: str | Path, api_key: str | None = API_KEY) -> subprocess.CompletedProcess[str]:
    """`python -m netmera_events.outbox ARGUMENTS`, as a user runs it."""
    return subprocess.run(
        command(*arguments), capture_output=True, text=True, timeout=60, env=command_environment(api_key), check=False
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


def test_ctrl_c_during_retry_dead_is_one_line_and_leaves_the_file_as_it_was(
    with_dead_letters: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = outbox_inline("stats", with_dead_letters).stdout

    def interrupted(*arguments: object) -> None:
        raise KeyboardInterrupt  # inside the transaction, once the dead letters are read

    monkeypatch.setattr(_outbox_store, "_chunk_row", interrupted)
    done = outbox_inline("retry-dead", with_dead_letters)
    assert (done.returncode, done.stdout, done.stderr) == (130, "", "interrupted\n")
    monkeypatch.undo()
    assert outbox_inline("stats", with_dead_letters).stdout == before


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
    foreign = tmp_path / "foreign.sqlite3"
    with contextlib.closing(sqlite3.connect(foreign)) as connection:
        connection.executescript("CREATE TABLE notes (text TEXT); PRAGMA user_version = 2;")
    done = outbox("stats", foreign)
    assert done.returncode == 1 and "not an outbox" in done.stderr and "Traceback" not in done.stderr


def test_stats_reads_a_file_without_the_queue_index_and_leaves_it_as_it_was(with_dead_letters: Path) -> None:
    with contextlib.closing(sqlite3.connect(with_dead_letters)) as connection:
        connection.execute("DROP INDEX chunks_queue")
    assert "waiting       3 events" in outbox("stats", with_dead_letters).stdout
    with contextlib.closing(sqlite3.connect(with_dead_letters)) as connection:
        assert connection.execute("SELECT count(*) FROM sqlite_master WHERE name = 'chunks_queue'").fetchone() == (0,)


def waiting(path: Path) -> int:
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT rows FROM totals").fetchone()[0])


def test_deliver_until_empty_sends_what_waits_and_says_what_it_did(fake: FakeNetmera, with_dead_letters: Path) -> None:
    done = outbox("deliver", with_dead_letters, "--base-url", fake.url, "--until-empty")
    assert done.returncode == 0, done.stderr
    assert sorted(int(event["itemId"]) for event in fake.events) == [3, 4, 5]
    assert "sent 3 events" in done.stdout and "(dead letters: 2), 0 left in the outbox" in done.stdout
    assert waiting(with_dead_letters) == 0


def test_deliver_until_empty_keeps_what_netmera_did_not_take_and_says_so(
    fake: FakeNetmera, with_dead_letters: Path
) -> None:
    fake.fault_hook = lambda number: Fault.respond(503)
    done = outbox("deliver", with_dead_letters, "--base-url", fake.url, "--until-empty", "--timeout", "1")
    assert done.returncode == 3, done.stderr
    assert "3 left in the outbox" in done.stdout and "Traceback" not in done.stderr
    assert waiting(with_dead_letters) == 3


def start_deliverer(path: Path, *arguments: str) -> subprocess.Popen[str]:
    """`python -m netmera_events.outbox deliver PATH ARGUMENTS`, started (its first line read)."""
    process = subprocess.Popen(
        command("deliver", path, *arguments),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=command_environment(),
    )
    assert process.stderr is not None and "delivering from" in process.stderr.readline()
    return process


def outbox_holding(fake: FakeNetmera, path: Path, count: int) -> Path:
    """``path``, an outbox in which ``count`` events wait (numbered from 0)."""
    with NetmeraClient(API_KEY, base_url=fake.url) as client, OutboxSender(client, path, deliver=False) as producer:
        assert producer.enqueue_many(share(n) for n in range(count)) == count
    return path


def wait_for_a_request(fake: FakeNetmera) -> None:
    deadline = time.monotonic() + 10
    while not fake.requests and time.monotonic() < deadline:
        time.sleep(0.01)


def test_deliver_sends_what_other_processes_enqueue_until_it_is_stopped(
    fake: FakeNetmera, with_dead_letters: Path
) -> None:
    deliverer = start_deliverer(with_dead_letters, "--base-url", fake.url, "--flush-interval", "0.05")
    try:
        with (
            NetmeraClient(API_KEY, base_url=fake.url) as client,
            OutboxSender(client, with_dead_letters, deliver=False) as producer,
        ):
            assert producer.enqueue_many(share(n) for n in range(10, 210)) == 200
        deadline = time.monotonic() + 10
        while len(fake.events) < 203 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(fake.events) == 203  # delivered while it runs, not only when it stops
    finally:
        deliverer.terminate()
        stdout, stderr = deliverer.communicate(timeout=30)
    assert deliverer.returncode == 0, stderr
    assert "sent 203 events" in stdout and "0 left in the outbox" in stdout
    assert sorted(int(event["itemId"]) for event in fake.events) == [3, 4, 5, *range(10, 210)]


def test_deliver_refuses_a_missing_file_a_missing_api_key_and_a_bad_interval(
    tmp_path: Path, with_dead_letters: Path
) -> None:
    missing = tmp_path / "missing.sqlite3"
    done = outbox("deliver", missing, "--until-empty")
    assert done.returncode == 1 and "no such file" in done.stderr and "Traceback" not in done.stderr
    assert not missing.exists()
    done = outbox("deliver", with_dead_letters, "--until-empty", api_key=None)
    assert done.returncode == 2 and "NETMERA_API_KEY" in done.stderr and "Traceback" not in done.stderr
    done = outbox("deliver", with_dead_letters, "--until-empty", "--poll-interval", "0")
    assert done.returncode == 2 and "must be positive" in done.stderr and "Traceback" not in done.stderr
    assert waiting(with_dead_letters) == 3


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_deliverer_goes_on_delivering_what_waits_within_its_exit_timeout(
    fake: FakeNetmera, tmp_path: Path, signum: int
) -> None:
    path = outbox_holding(fake, tmp_path / "outbox.sqlite3", 2500)  # three requests
    fake.fault_hook = lambda number: Fault.delay(0.3)
    deliverer = start_deliverer(path, "--base-url", fake.url, "--exit-timeout", "20")
    wait_for_a_request(fake)  # the first request is on its way
    deliverer.send_signal(signum)
    stdout, stderr = deliverer.communicate(timeout=30)
    assert deliverer.returncode == 0, stderr
    assert "sent 2500 events" in stdout and "0 left in the outbox" in stdout and "Traceback" not in stderr
    assert waiting(path) == 0 and len(fake.events) == 2500


@pytest.mark.slow
def test_ctrl_c_stops_deliver_until_empty_with_its_summary_and_keeps_what_is_left(
    fake: FakeNetmera, with_dead_letters: Path
) -> None:
    fake.fault_hook = lambda number: Fault.respond(503)  # it would wait for its whole timeout
    deliverer = start_deliverer(with_dead_letters, "--base-url", fake.url, "--until-empty", "--exit-timeout", "0.5")
    time.sleep(0.5)
    deliverer.send_signal(signal.SIGINT)
    stdout, stderr = deliverer.communicate(timeout=30)
    assert deliverer.returncode == 3, stderr
    assert "3 left in the outbox" in stdout and "Traceback" not in stderr
    assert waiting(with_dead_letters) == 3


def test_deliver_logs_what_goes_wrong(fake: FakeNetmera, with_dead_letters: Path) -> None:
    fake.unknown_events.add("ShareEvent")
    done = outbox("deliver", with_dead_letters, "--base-url", fake.url, "--until-empty")
    assert done.returncode == 0, done.stderr
    assert "WARNING 3 events refused by Netmera moved to the dead letters" in done.stderr
    assert "(dead letters: 5), 0 left in the outbox" in done.stdout


@pytest.mark.slow
def test_a_stopped_deliverer_ends_within_its_exit_timeout_and_says_what_is_left(
    fake: FakeNetmera, tmp_path: Path
) -> None:
    path = outbox_holding(fake, tmp_path / "outbox.sqlite3", 2500)
    fake.fault_hook = lambda number: Fault.delay(3)  # every answer takes longer than the bound
    deliverer = start_deliverer(path, "--base-url", fake.url, "--exit-timeout", "0.5")
    wait_for_a_request(fake)
    stopped = time.monotonic()
    deliverer.send_signal(signal.SIGTERM)
    stdout, stderr = deliverer.communicate(timeout=30)
    assert time.monotonic() - stopped < 2.5, stderr  # not the 3 s the request in flight takes
    assert deliverer.returncode == 0, stderr
    assert f"{waiting(path)} left in the outbox" in stdout  # the request in flight counts as left
