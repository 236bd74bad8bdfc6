"""Queued events are never lost silently, however the process ends: normal exit and Ctrl-C flush through atexit,
SIGTERM with Python's default disposition is handled (flush, then die by SIGTERM as before; the outbox the same way,
or, not handling it, leaving its events in the file for the next sender), an application's
own SIGTERM handler is left alone, a multiprocessing child started with fork flushes before its os._exit(), a
child of a bare os.fork() warns, and events still being sent when the exit bound runs out reach on_drop."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import netmera_events
import pytest
from netmera_events.testing import FakeNetmera, Fault

from .conftest import API_KEY

PACKAGE_ROOT = Path(netmera_events.__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs POSIX signals and fork")

PRELUDE = """
import os, signal, sys, time
from netmera_events import BackgroundSender, NetmeraClient, ShareEvent
def events(count, prefix="user"):
    return [ShareEvent(ext_id=f"{prefix}-{n}", item_id=str(n), channel="Mail") for n in range(count)]
def wait_for_a_signal():
    # Short sleeps: a signal that lands between the interpreter's check for one and the start of a long
    # sleep is handled only when that sleep ends.
    for _ in range(1200):
        time.sleep(0.05)
"""


def start(code: str, fake: FakeNetmera, *args: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=str(PACKAGE_ROOT), FAKE_URL=fake.url, NETMERA_API_KEY=API_KEY)
    return subprocess.Popen(
        [sys.executable, "-c", PRELUDE + textwrap.dedent(code), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def run(
    code: str, fake: FakeNetmera, timeout: float = 30, args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    process = start(code, fake, *args)
    stdout, stderr = process.communicate(timeout=timeout)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


WAIT_FOR_SIGNAL = """
sender = BackgroundSender(NetmeraClient(base_url=os.environ["FAKE_URL"]), flush_interval=60, exit_timeout=10)
for event in events(200):
    sender.enqueue(event)
print("ready", flush=True)
wait_for_a_signal()
"""


def signal_when_ready(process: subprocess.Popen[str], signum: int) -> tuple[str, str]:
    stdout, stderr, _ = signal_when_running(process, signum, after=0.0)
    return stdout, stderr


def signal_when_running(process: subprocess.Popen[str], signum: int, after: float) -> tuple[str, str, float]:
    """Send ``signum`` ``after`` seconds past the process's "ready"; its output, and the seconds it lived on."""
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    time.sleep(after)
    signalled = time.monotonic()
    process.send_signal(signum)
    try:
        stdout, stderr = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        stdout, stderr = process.communicate()
        pytest.fail(f"the process lived on for 30 s after the signal; its stderr:\n{stderr}")
    return stdout, stderr, time.monotonic() - signalled


def test_sigterm_flushes_then_ends_the_process_as_sigterm_does(fake: FakeNetmera) -> None:
    process = start(WAIT_FOR_SIGNAL, fake)
    _, stderr = signal_when_ready(process, signal.SIGTERM)
    assert process.returncode == -signal.SIGTERM  # the disposition the application had: killed by SIGTERM
    assert len(fake.events) == 200, stderr
    assert stderr == ""


OUTBOX_WAITS_FOR_SIGNAL = """
from netmera_events import OutboxSender
outbox = OutboxSender(
    NetmeraClient(base_url=os.environ["FAKE_URL"]), sys.argv[1], flush_interval=60, exit_timeout=10,
    handle_sigterm=sys.argv[2] == "handled",
)
outbox.enqueue_many(events(200))
print("ready", flush=True)
wait_for_a_signal()
"""


@pytest.mark.parametrize("handled", [True, False])
def test_sigterm_delivers_what_the_outbox_holds_or_leaves_it_in_the_file_for_the_next_sender(
    fake: FakeNetmera, tmp_path: Path, handled: bool
) -> None:
    outbox = tmp_path / "outbox.sqlite3"
    process = start(OUTBOX_WAITS_FOR_SIGNAL, fake, str(outbox), "handled" if handled else "default")
    _, stderr = signal_when_ready(process, signal.SIGTERM)
    assert process.returncode == -signal.SIGTERM, stderr
    assert len(fake.events) == (200 if handled else 0), stderr
    if not handled:  # killed at once, as SIGTERM's default does: the events wait in the file
        later = run(f"from netmera_events import OutboxSender\n{DELIVER_LEFTOVERS}", fake, args=(str(outbox),))
        assert later.returncode == 0, later.stderr
        assert len(fake.events) == 200


OUTBOX_ENQUEUES_UNTIL_SIGNALLED = """
from netmera_events import OutboxSender
outbox = OutboxSender(NetmeraClient(base_url=os.environ["FAKE_URL"]), sys.argv[1], exit_timeout=10)
event = events(1)[0]
print("ready", flush=True)
while True:
    outbox.enqueue(event)
"""


def test_sigterm_while_the_main_thread_is_inside_the_outbox_closes_it_promptly(
    fake: FakeNetmera, tmp_path: Path
) -> None:
    """The signal mostly lands inside enqueue(), which holds the outbox's lock: waiting there for the close
    would wait for the lock it holds, for the whole bound, and deliver nothing."""
    outbox = tmp_path / "outbox.sqlite3"
    process = start(OUTBOX_ENQUEUES_UNTIL_SIGNALLED, fake, str(outbox))
    _, stderr, lived = signal_when_running(process, signal.SIGTERM, after=0.3)
    assert process.returncode == -signal.SIGTERM, stderr
    assert lived < 5, stderr  # the bound is 11 s
    assert "could not be closed" not in stderr
    assert "dropped" not in stderr  # the main thread waited for the close at its next enqueue()
    assert len(fake.events) > 0


BOTH_WAIT_FOR_SIGNAL = """
from netmera_events import OutboxSender
client = NetmeraClient(base_url=os.environ["FAKE_URL"])
background = BackgroundSender(client, flush_interval=60, exit_timeout=10)
outbox = OutboxSender(client, sys.argv[1], flush_interval=60, exit_timeout=10, handle_sigterm=False)
for event in events(100, "background"):
    background.enqueue(event)
outbox.enqueue_many(events(200, "outbox"))
print("ready", flush=True)
wait_for_a_signal()
"""


def test_another_senders_sigterm_handler_closes_an_outbox_made_with_handle_sigterm_false_too(
    fake: FakeNetmera, tmp_path: Path
) -> None:
    """`handle_sigterm=False` installs no handler; one that another sender installed closes every sender, so
    that none loses what it holds to a signal the process handles."""
    outbox = tmp_path / "outbox.sqlite3"
    process = start(BOTH_WAIT_FOR_SIGNAL, fake, str(outbox))
    _, stderr = signal_when_ready(process, signal.SIGTERM)
    assert process.returncode == -signal.SIGTERM, stderr
    assert len(fake.events) == 300, stderr
    with contextlib.closing(sqlite3.connect(outbox)) as connection:
        assert connection.execute("SELECT rows FROM totals").fetchone() == (0,)


def test_an_applications_handler_that_chains_to_ours_ends_the_process_once(fake: FakeNetmera) -> None:
    chaining = """
        previous = None
        def stop(signum, frame):
            print("the application's handler ran", flush=True)
            previous(signum, frame)
        """
    install = """
        previous = signal.getsignal(signal.SIGTERM)  # the sender's, installed when it was made
        signal.signal(signal.SIGTERM, stop)
        """
    code = textwrap.dedent(chaining) + WAIT_FOR_SIGNAL.replace(
        'print("ready"', textwrap.dedent(install) + 'print("ready"'
    )
    process = start(code, fake)
    stdout, stderr = signal_when_ready(process, signal.SIGTERM)
    assert process.returncode == -signal.SIGTERM, stderr
    assert stdout.count("the application's handler ran") == 1
    assert len(fake.events) == 200 and "RecursionError" not in stderr


TASKS_ENQUEUE_UNTIL_SIGNALLED = """
import asyncio
from netmera_events import OutboxSender, _lifecycle
outbox = OutboxSender(NetmeraClient(base_url=os.environ["FAKE_URL"]), sys.argv[1], exit_timeout=10)
end = _lifecycle._end_by_sigterm
def end_and_say_what_is_left():  # what the loop's tasks handed over and nobody committed
    print("left behind:", sum(len(commits._events) for commits in list(outbox._loops)), flush=True)
    end()
_lifecycle._end_by_sigterm = end_and_say_what_is_left
async def produce(task):
    number = 0
    while True:
        number += 1
        await outbox.enqueue_async(ShareEvent(ext_id=f"task-{task}", item_id=str(number), channel="Mail"))
async def main():
    print("ready", flush=True)
    await asyncio.gather(*(produce(task) for task in range(200)))
asyncio.run(main())
"""


@pytest.mark.slow
@pytest.mark.parametrize("delay", [0.2, 0.5])
def test_sigterm_to_an_event_loop_on_the_main_thread_leaves_no_handed_event_behind(
    fake: FakeNetmera, tmp_path: Path, delay: float
) -> None:
    """The loop, stopped in the handler or waiting for the close, never runs again to commit its last group."""
    process = start(TASKS_ENQUEUE_UNTIL_SIGNALLED, fake, str(tmp_path / "outbox.sqlite3"))
    stdout, stderr, _ = signal_when_running(process, signal.SIGTERM, after=delay)
    assert process.returncode == -signal.SIGTERM, stderr
    assert "left behind: 0" in stdout, stdout
    assert len(fake.events) > 0


LOGS_AS_EVENTS = """
import logging
sender = BackgroundSender(NetmeraClient(base_url=os.environ["FAKE_URL"]), exit_timeout=1)
class EventHandler(logging.Handler):  # ships the application's warnings as events
    def emit(self, record):
        sender.enqueue(events(1, "log")[0])
logging.getLogger().addHandler(EventHandler())
print("ready", flush=True)
while True:
    logging.getLogger("app").warning("something")
"""


@pytest.mark.slow
def test_sigterm_ends_the_process_within_its_bound_while_the_main_thread_holds_a_lock_the_close_needs(
    fake: FakeNetmera,
) -> None:
    """The main thread enqueues under a logging handler's lock, and the close logs: it must not wait for ever."""
    fake.fault_hook = lambda number: Fault.delay(3)
    process = start(LOGS_AS_EVENTS, fake)
    _, stderr, lived = signal_when_running(process, signal.SIGTERM, after=0.5)
    assert process.returncode == -signal.SIGTERM, stderr[-2000:]
    assert lived < 5  # the bound: exit_timeout 1 s and the grace


DELIVER_LEFTOVERS = """
with OutboxSender(NetmeraClient(base_url=os.environ["FAKE_URL"]), sys.argv[1]) as outbox:
    assert outbox.flush(timeout=10)
"""


def test_ctrl_c_flushes_at_exit(fake: FakeNetmera) -> None:
    # Python's own Ctrl-C handler, as a program started from a terminal has it: a test run started in the
    # background (`pytest &`, some CI runners) hands its children SIGINT ignored, and nothing would be raised.
    interactive = "signal.signal(signal.SIGINT, signal.default_int_handler)\n"
    process = start(interactive + WAIT_FOR_SIGNAL, fake)
    _, stderr = signal_when_ready(process, signal.SIGINT)
    assert "KeyboardInterrupt" in stderr
    assert len(fake.events) == 200


def test_an_applications_own_sigterm_handler_is_left_alone(fake: FakeNetmera) -> None:
    handler = """
        def stop(signum, frame):
            print("the application's handler ran", flush=True)
            sys.exit(3)
        signal.signal(signal.SIGTERM, stop)
        """
    process = start(textwrap.dedent(handler) + WAIT_FOR_SIGNAL, fake)
    stdout, _ = signal_when_ready(process, signal.SIGTERM)
    assert process.returncode == 3
    assert "the application's handler ran" in stdout
    assert len(fake.events) == 200  # its sys.exit() ran the exit-time flush


def test_sigterm_is_bounded_and_reports_what_was_lost(fake: FakeNetmera) -> None:
    fake.fault_hook = lambda number: Fault.delay(30)
    process = start(
        """
        dropped = []
        def on_drop(event):
            dropped.append(event)
            if len(dropped) == 30:
                print("in flight:", sum(e.in_flight for e in dropped), "queued:", sum(not e.in_flight for e in dropped), flush=True)
        client = NetmeraClient(base_url=os.environ["FAKE_URL"], timeout=20)
        sender = BackgroundSender(client, batch_size=10, exit_timeout=0.5, on_drop=on_drop)
        for event in events(30):
            sender.enqueue(event)
        while sender.stats.in_flight == 0:
            time.sleep(0.01)
        print("ready", flush=True)
        wait_for_a_signal()
        """,
        fake,
    )
    started = time.monotonic()
    stdout, _ = signal_when_ready(process, signal.SIGTERM)
    assert time.monotonic() - started < 10  # the exit bound (0.5 s), not the 20 s request timeout
    assert process.returncode == -signal.SIGTERM
    assert "in flight: 10 queued: 20" in stdout


def test_events_in_flight_at_the_exit_bound_reach_on_drop(fake: FakeNetmera) -> None:
    fake.fault_hook = lambda number: Fault.delay(30)
    result = run(
        """
        client = NetmeraClient(base_url=os.environ["FAKE_URL"], timeout=20)
        def on_drop(event):
            print(event.index, event.reason, event.in_flight)
        sender = BackgroundSender(client, batch_size=10, exit_timeout=0.5, on_drop=on_drop)
        for event in events(15):
            sender.enqueue(event)
        while sender.stats.in_flight == 0:
            time.sleep(0.01)
        """,
        fake,
    )
    assert result.returncode == 0, result.stderr
    lines = sorted(result.stdout.split("\n")[:-1], key=lambda line: int(line.split()[0]))
    assert lines == [f"{n} exit {n < 10}" for n in range(15)]
    assert result.stderr == ""  # reported through the callback, once


@pytest.mark.parametrize("where", ["parent", "child"])
def test_a_multiprocessing_fork_child_flushes_before_it_exits(fake: FakeNetmera, where: str) -> None:
    result = run(
        f"""
        import multiprocessing
        def make():
            return BackgroundSender(NetmeraClient(base_url=os.environ["FAKE_URL"]), flush_interval=60)
        shared = make() if {where == "parent"!r} else None
        def work():
            sender = shared or make()
            for event in events(100, prefix="child"):
                sender.enqueue(event)
        if __name__ == "__main__":
            child = multiprocessing.get_context("fork").Process(target=work)
            child.start()
            child.join(30)
            print(child.exitcode)
        """,
        fake,
    )
    assert result.stdout.strip() == "0", result.stderr
    assert sorted(int(event["itemId"]) for event in fake.events) == list(range(100))
    assert "os.fork()" not in result.stderr  # covered: no warning needed


def test_a_bare_fork_child_using_a_sender_is_warned(fake: FakeNetmera) -> None:
    result = run(
        """
        sender = BackgroundSender(NetmeraClient(base_url=os.environ["FAKE_URL"]))
        pid = os.fork()
        if pid == 0:
            sender.enqueue(events(1)[0])
            sender.close()
            os._exit(0)
        os.waitpid(pid, 0)
        """,
        fake,
    )
    assert result.returncode == 0
    assert "RuntimeWarning" in result.stderr and "os._exit()" in result.stderr
    assert len(fake.events) == 1
