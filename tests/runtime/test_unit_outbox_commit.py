"""Group commit, imported from the runtime's source with a stand-in for the SQLite write: callers arriving while a
transaction runs share the next one, each hears how its own rows fared, and a failed transaction reaches every
caller of its group."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from netmera_codegen.runtime._encoding import EncodedEvent
from netmera_codegen.runtime._outbox_commit import GroupCommit
from netmera_codegen.runtime._outbox_store import OutboxError

PATH = Path("outbox.sqlite3")
TIMEOUT = 10.0


def row(number: int) -> EncodedEvent:
    return EncodedEvent(number, "Rated", f"user-{number}", b"{}")


class Store:
    """Records each transaction's rows; the first one is held open until ``release`` is set, so that the callers
    who arrive meanwhile queue up behind it."""

    def __init__(self, accept: int | None = None, fail: bool = False) -> None:
        self.transactions: list[list[EncodedEvent]] = []
        self.started = threading.Event()
        self.release = threading.Event()
        self.accept = accept
        self.fail = fail

    def write(self, rows: list[EncodedEvent]) -> int:
        self.started.set()
        assert self.release.wait(TIMEOUT)
        self.transactions.append(list(rows))
        if self.fail and len(self.transactions) > 1:
            raise OutboxError(PATH, "disk I/O error")
        return len(rows) if self.accept is None or len(self.transactions) == 1 else self.accept


def run_callers(
    commits: GroupCommit, store: Store, callers: int, before_release: Callable[[], None] = lambda: None
) -> dict[int, int | BaseException]:
    """One caller commits alone and is held in its transaction; ``callers`` more arrive meanwhile (then
    ``before_release`` is called)."""
    results: dict[int, int | BaseException] = {}

    def call(number: int) -> None:
        try:
            results[number] = commits.commit([row(number)])
        except BaseException as error:  # noqa: BLE001 - recorded for the test to look at
            results[number] = error

    first = threading.Thread(target=call, args=(0,))
    first.start()
    assert store.started.wait(TIMEOUT)
    others = [threading.Thread(target=call, args=(number,)) for number in range(1, callers + 1)]
    for thread in others:
        thread.start()
    deadline = time.monotonic() + TIMEOUT
    while commits._waiting < callers:  # every later caller has queued its row
        assert time.monotonic() < deadline, "the callers did not queue up"
        time.sleep(0.001)
    before_release()
    store.release.set()
    for thread in [first, *others]:
        thread.join(TIMEOUT)
        assert not thread.is_alive()
    return results


def test_callers_arriving_during_a_commit_share_the_next_transaction() -> None:
    store = Store()
    commits = GroupCommit(threading.Lock(), store.write, PATH, lambda: False)
    results = run_callers(commits, store, callers=12)
    assert results == {number: 1 for number in range(13)}
    assert [len(rows) for rows in store.transactions] == [1, 12]
    assert sorted(rows.ext_id for rows in store.transactions[1]) == sorted(f"user-{n}" for n in range(1, 13))


def test_each_caller_hears_whether_its_own_rows_fitted() -> None:
    store = Store(accept=5)  # the second transaction takes the first five rows it is given
    commits = GroupCommit(threading.Lock(), store.write, PATH, lambda: False)
    results = run_callers(commits, store, callers=8)
    fitted = {row.ext_id for row in store.transactions[1][:5]}
    assert {number for number, result in results.items() if result == 1} == {0} | {
        int(user.split("-")[1]) for user in fitted
    }
    assert sum(1 for result in results.values() if result == 0) == 3


def test_a_failed_transaction_reaches_every_caller_of_its_group() -> None:
    store = Store(fail=True)
    commits = GroupCommit(threading.Lock(), store.write, PATH, lambda: False)
    results = run_callers(commits, store, callers=6)
    assert results[0] == 1
    failures = [results[number] for number in range(1, 7)]
    assert all(isinstance(failure, OutboxError) and failure.path == PATH for failure in failures)
    assert store.transactions[1:] and sum(len(rows) for rows in store.transactions[1:]) == 6


def test_a_refusing_outbox_commits_nothing() -> None:
    store = Store()
    commits = GroupCommit(threading.Lock(), store.write, PATH, lambda: True)
    assert commits.commit([row(1)]) == 0
    assert store.transactions == []


def test_a_caller_alone_commits_on_its_own_thread() -> None:
    threads: list[str] = []

    def write(rows: list[EncodedEvent]) -> int:
        threads.append(threading.current_thread().name)
        return len(rows)

    commits = GroupCommit(threading.Lock(), write, PATH, lambda: False)
    assert [commits.commit([row(n)]) for n in range(3)] == [1, 1, 1]
    assert threads == [threading.current_thread().name] * 3


@pytest.mark.parametrize("callers", [2, 40])
def test_no_caller_is_left_waiting_when_callers_keep_arriving(callers: int) -> None:
    committed: list[int] = []
    lock = threading.Lock()

    def write(rows: list[EncodedEvent]) -> int:
        with lock:
            committed.extend(int(row.ext_id.split("-")[1]) for row in rows)
        return len(rows)

    commits = GroupCommit(threading.Lock(), write, PATH, lambda: False)

    def produce(start: int) -> None:
        for number in range(start, start + 250):
            assert commits.commit([row(number)]) == 1

    threads = [threading.Thread(target=produce, args=(start * 250,)) for start in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive()
    assert sorted(committed) == list(range(callers * 250))


def test_without_a_commit_thread_a_waiting_caller_commits_its_own_rows(monkeypatch: pytest.MonkeyPatch) -> None:
    """At interpreter shutdown no thread can start: a caller that would wait for the commit thread commits itself."""
    store = Store()
    commits = GroupCommit(threading.Lock(), store.write, PATH, lambda: False)
    results: dict[int, int] = {}
    first = threading.Thread(target=lambda: results.setdefault(0, commits.commit([row(0)])))
    first.start()
    assert store.started.wait(TIMEOUT)  # the first caller is inside its transaction

    def refuse(thread: threading.Thread) -> None:
        raise RuntimeError("can't create new thread at interpreter shutdown")

    releaser = threading.Timer(0.2, store.release.set)  # ends the first transaction while this thread waits
    releaser.start()
    monkeypatch.setattr(threading.Thread, "start", refuse)
    results[1] = commits.commit([row(1)])  # finds the first commit under way, and no commit thread can start
    monkeypatch.undo()
    first.join(TIMEOUT)
    assert results == {0: 1, 1: 1}
    assert [len(rows) for rows in store.transactions] == [1, 1]


def test_stop_ends_the_commit_thread_once_the_rows_left_to_it_are_committed() -> None:
    """A closed sender stops its group commit: its thread held the sender, so each one closed lived on, thread
    and all, as long as the process."""
    store = Store()
    commits = GroupCommit(threading.Lock(), store.write, PATH, lambda: False)
    committers: list[threading.Thread | None] = []

    def stop() -> None:  # while 6 callers wait for the commit thread
        committers.append(commits._committer)
        commits.stop()

    assert run_callers(commits, store, callers=6, before_release=stop) == {number: 1 for number in range(7)}
    committer = committers[0]
    assert committer is not None
    committer.join(TIMEOUT)
    assert not committer.is_alive() and commits._committer is None
    assert [len(rows) for rows in store.transactions] == [1, 6]
