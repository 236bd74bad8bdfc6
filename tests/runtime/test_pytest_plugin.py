"""The `fake_netmera` fixture, as a user's test suite sees it: a three-line test passes, faults are at hand, and
installing the generated package registers the plugin with pytest by itself."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from support import GENERATED

USER_TESTS = """
from netmera_events import BackgroundSender, ShareEvent


def test_an_event_reaches_netmera(fake_netmera):
    fake_netmera.client.fire(ShareEvent(ext_id="u1", item_id="4234", channel="Mail"))
    assert fake_netmera.events == [{"extId": "u1", "name": "ShareEvent", "itemId": "4234", "channel": "Mail"}]


def test_server_errors_are_retried(fake_netmera):
    fake_netmera.fail_next(503, times=2)
    result = fake_netmera.client.fire(ShareEvent(ext_id="u1", item_id="1", channel="Mail"))
    assert result.sent == 1 and [r.status_code for r in fake_netmera.requests] == [503, 503, 200]


def test_a_slow_answer_and_a_background_sender(fake_netmera):
    fake_netmera.script(fake_netmera.Fault.delay(0.2))
    with BackgroundSender(fake_netmera.client, flush_interval=0.01) as sender:
        sender.enqueue(ShareEvent(ext_id="u2", item_id="2", channel="Mail"))
        assert sender.flush(timeout=5)
    assert fake_netmera.wait_for_events(1)
"""


def write_user_project(folder: Path) -> Path:
    tests = folder / "test_users_code.py"
    tests.write_text(USER_TESTS)
    return tests


def test_a_users_tests_pass_with_the_fixture(tmp_path: Path) -> None:
    tests = write_user_project(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "netmera_events.pytest_plugin", "-p", "no:cacheprovider", tests],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PYTHONPATH=str(GENERATED)),
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout


@pytest.mark.slow
def test_installing_the_generated_package_registers_the_fixture(tmp_path: Path) -> None:
    package = tmp_path / "generated"
    shutil.copytree(GENERATED, package, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info", "build"))
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", str(package), "pytest"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert install.returncode == 0, install.stderr
    tests = write_user_project(tmp_path)
    done = subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", tests],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3 passed" in done.stdout
