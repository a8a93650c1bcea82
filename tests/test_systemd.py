"""sd_notify against a real unix datagram socket owned by the test, as systemd's would be."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.systemd import (
    STATUS_MAX_CHARS,
    SystemdNotifier,
    notify_address,
    sanitise_status,
    watchdog_interval,
)

PID = os.getpid()


@dataclass
class Listener:
    """The systemd end: a bound datagram socket and the NOTIFY_SOCKET value naming it."""

    sock: socket.socket
    notify_socket: str

    def notifier(self, **environ: str) -> SystemdNotifier:
        return SystemdNotifier.from_environ({"NOTIFY_SOCKET": self.notify_socket, **environ})

    def received(self) -> bytes:
        return self.sock.recv(8192)

    def nothing_more(self) -> bool:
        self.sock.setblocking(False)
        try:
            self.sock.recv(8192)
        except BlockingIOError:
            return True
        return False


def listen(address: str) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(address)
    sock.settimeout(5)
    return sock


@pytest.fixture
def listener(tmp_path: Path) -> Iterator[Listener]:
    path = tmp_path / "notify"
    with listen(str(path)) as sock:
        yield Listener(sock, str(path))


@pytest.fixture
def abstract_listener() -> Iterator[Listener]:
    name = f"monitor-test-{uuid.uuid4().hex}"
    with listen("\0" + name) as sock:
        yield Listener(sock, "@" + name)


# -- messages on the wire ----------------------------------------------------


def test_each_message_is_one_exact_datagram(listener: Listener) -> None:
    with listener.notifier() as notifier:
        assert notifier.enabled
        notifier.ready("watching 3 feeds")
        notifier.status("polling moscow-times")
        notifier.watchdog()
        notifier.stopping()
    assert listener.received() == b"READY=1\nSTATUS=watching 3 feeds"
    assert listener.received() == b"STATUS=polling moscow-times"
    assert listener.received() == b"WATCHDOG=1"
    assert listener.received() == b"STOPPING=1"
    assert listener.nothing_more()


def test_reloading_carries_the_monotonic_clock_in_microseconds(listener: Listener) -> None:
    with SystemdNotifier(listener.notify_socket, clock_usec=lambda: 1_234_567) as notifier:
        notifier.reloading()
    assert listener.received() == b"RELOADING=1\nMONOTONIC_USEC=1234567"


def test_reloading_reads_clock_monotonic_by_default(listener: Listener) -> None:
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    with listener.notifier() as notifier:
        notifier.reloading()
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    first, second = listener.received().split(b"\n")
    assert first == b"RELOADING=1"
    key, _, value = second.partition(b"=")
    assert key == b"MONOTONIC_USEC"
    assert before <= int(value) <= after


def test_abstract_namespace_socket(abstract_listener: Listener) -> None:
    with abstract_listener.notifier() as notifier:
        notifier.ready("ok")
    assert abstract_listener.received() == b"READY=1\nSTATUS=ok"


def test_status_cannot_smuggle_fields(listener: Listener) -> None:
    with listener.notifier() as notifier:
        notifier.ready("feed\nREADY=1\r\nWATCHDOG=1\x00\u2028done")
    assert listener.received() == b"READY=1\nSTATUS=feed READY=1  WATCHDOG=1  done"


def test_status_is_one_printable_line_of_bounded_length() -> None:
    assert sanitise_status("a\tb\nc") == "a b c"
    assert sanitise_status("Казань ✓") == "Казань ✓"
    assert sanitise_status("bad \udcff byte") == "bad   byte"
    long = sanitise_status("x" * 5000)
    assert len(long) == STATUS_MAX_CHARS
    assert long.endswith("…")
    # The whole datagram stays under systemd's 4096-byte read even in 4-byte UTF-8.
    assert len(("READY=1\nSTATUS=" + sanitise_status("😀" * 5000)).encode()) < 4096


# -- without systemd ---------------------------------------------------------


def test_without_notify_socket_everything_is_a_silent_no_op(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="monitor.systemd")
    notifier = SystemdNotifier.from_environ({"WATCHDOG_USEC": "60000000"})
    assert not notifier.enabled
    assert notifier.watchdog_interval is None
    notifier.ready("x")
    notifier.reloading()
    notifier.status("x")
    notifier.watchdog()
    notifier.stopping()
    notifier.close()
    assert caplog.records == []


@pytest.mark.parametrize("value", ["", "relative/path", "@", "vsock:2:1234"])
def test_unusable_notify_socket_values_disable_notifications(value: str) -> None:
    assert notify_address(value) is None
    assert not SystemdNotifier.from_environ({"NOTIFY_SOCKET": value}).enabled


def test_notify_socket_addresses() -> None:
    assert notify_address(None) is None
    assert notify_address("/run/systemd/notify") == "/run/systemd/notify"
    assert notify_address("@sd-notify") == "\0sd-notify"


def test_from_environ_reads_os_environ_by_default(
    listener: Listener, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NOTIFY_SOCKET", listener.notify_socket)
    monkeypatch.setenv("WATCHDOG_USEC", "2000000")
    monkeypatch.setenv("WATCHDOG_PID", str(PID))
    with SystemdNotifier.from_environ() as notifier:
        assert notifier.watchdog_interval == timedelta(seconds=1)
        notifier.watchdog()
    assert listener.received() == b"WATCHDOG=1"


# -- the watchdog interval ---------------------------------------------------


def test_watchdog_interval_is_half_of_watchdog_usec() -> None:
    assert watchdog_interval({"WATCHDOG_USEC": "60000000"}, PID) == timedelta(seconds=30)
    assert watchdog_interval({"WATCHDOG_USEC": "1"}, PID) == timedelta(microseconds=0.5)


def test_watchdog_pid_must_be_this_process() -> None:
    env = {"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": str(PID)}
    assert watchdog_interval(env, PID) == timedelta(seconds=30)
    # A worker process that inherited the main process's environment is not watched.
    assert watchdog_interval(env, PID + 1) is None


@pytest.mark.parametrize(
    "environ",
    [
        {},
        {"WATCHDOG_USEC": ""},
        {"WATCHDOG_USEC": "0"},
        {"WATCHDOG_USEC": "-5"},
        {"WATCHDOG_USEC": " 5"},
        {"WATCHDOG_USEC": "1_000"},
        {"WATCHDOG_USEC": "60s"},
        {"WATCHDOG_USEC": "٣"},  # a digit, but not one systemd writes
        {"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": ""},
        {"WATCHDOG_USEC": "60000000", "WATCHDOG_PID": "self"},
    ],
)
def test_malformed_watchdog_settings_mean_no_watchdog(environ: dict[str, str]) -> None:
    assert watchdog_interval(environ, PID) is None


def test_notifier_watchdog_interval_follows_pid(listener: Listener) -> None:
    mine = listener.notifier(WATCHDOG_USEC="60000000", WATCHDOG_PID=str(PID))
    other = listener.notifier(WATCHDOG_USEC="60000000", WATCHDOG_PID=str(PID + 1))
    assert mine.watchdog_interval == timedelta(seconds=30)
    assert other.watchdog_interval is None
    assert other.enabled  # READY and STOPPING still go through


# -- systemd going away ------------------------------------------------------


def test_closed_listener_does_not_raise_and_is_logged_once(
    listener: Listener, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="monitor.systemd")
    listener.sock.close()  # the file stays: sends are refused (ECONNREFUSED)
    with listener.notifier() as notifier:
        notifier.ready("x")
        notifier.watchdog()
        notifier.stopping()
    assert [r.getMessage() for r in caplog.records] == [
        "sd_notify failed; ignoring until it works again"
    ]
    assert caplog.records[0].levelno == logging.DEBUG


def test_vanished_socket_file_does_not_raise(tmp_path: Path) -> None:
    with SystemdNotifier(str(tmp_path / "gone")) as notifier:
        notifier.ready("x")  # ENOENT
        notifier.watchdog()


def test_a_new_failure_after_recovery_is_logged_again(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="monitor.systemd")
    path = tmp_path / "notify"
    with SystemdNotifier(str(path)) as notifier:
        notifier.watchdog()  # fails: nobody listens yet
        with listen(str(path)) as sock:
            notifier.watchdog()  # works (systemd came back, e.g. after daemon-reexec)
            assert sock.recv(100) == b"WATCHDOG=1"
        path.unlink()
        notifier.watchdog()  # fails again
        notifier.watchdog()
    assert len(caplog.records) == 2


def test_full_queue_never_blocks(listener: Listener, caplog: pytest.LogCaptureFixture) -> None:
    # Nobody reads: once the receive queue is full, sends fail with EAGAIN at once
    # instead of stalling the event loop (the per-test timeout would catch a block).
    caplog.set_level(logging.DEBUG, logger="monitor.systemd")
    with listener.notifier() as notifier:
        for _ in range(10_000):
            notifier.watchdog()
    assert "BlockingIOError" in str(vars(caplog.records[0])["error"])
    assert listener.received() == b"WATCHDOG=1"


def test_close_is_idempotent_and_a_later_message_reopens(listener: Listener) -> None:
    notifier = listener.notifier()
    notifier.close()
    notifier.watchdog()
    notifier.close()
    notifier.close()
    notifier.stopping()
    notifier.close()
    assert listener.received() == b"WATCHDOG=1"
    assert listener.received() == b"STOPPING=1"
