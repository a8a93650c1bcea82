"""The sd_notify protocol: tell systemd that the daemon is ready, reloading,
stopping, or still alive (the watchdog). Stdlib only.

Pure parts (reading the environment, formatting messages) are plain functions;
``SystemdNotifier`` is the only thing here that does I/O, one non-blocking
datagram per message. Without ``NOTIFY_SOCKET`` (not started by
systemd, or ``Type=simple``) every method is a silent no-op, so callers never
branch on it.

What this module does not do: judge health or sleep (``daemon.py`` owns the
watchdog loop and calls ``watchdog()`` only while ``health.assess`` says the
daemon is healthy, the same verdict ``/healthz`` serves), unset
``NOTIFY_SOCKET`` for children (``NotifyAccess=main`` makes systemd ignore
them, and ``WATCHDOG_PID`` keeps them from thinking they are watched), speak
the ``vsock:`` addresses of systemd >= 254, or pass file descriptors.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping
from datetime import timedelta
from types import TracebackType

log = logging.getLogger(__name__)

# systemd reads at most a pipe buffer (4096 bytes) per datagram; 1000 characters
# of status is at most 4000 bytes of UTF-8 and leaves room for the other fields.
STATUS_MAX_CHARS = 1000

STOPPING = b"STOPPING=1"
WATCHDOG = b"WATCHDOG=1"


# -- pure: environment -------------------------------------------------------


def notify_address(value: str | None) -> str | None:
    """``NOTIFY_SOCKET`` as an ``AF_UNIX`` address for ``socket.sendto``.

    ``/path`` is a socket file; ``@name`` is in the abstract namespace, which
    Python spells as a string starting with NUL. None when unset, empty, or of
    a kind not spoken here (relative paths, ``vsock:``).
    """
    if not value:
        return None
    if value.startswith("/"):
        return value
    if value.startswith("@") and len(value) > 1:
        return "\0" + value[1:]
    return None


def _digits(value: str | None) -> int | None:
    # int() would also take " 5", "+5" and "1_000"; systemd writes plain digits.
    if value and value.isascii() and value.isdigit():
        return int(value)
    return None


def watchdog_interval(environ: Mapping[str, str], pid: int) -> timedelta | None:
    """How often to send ``WATCHDOG=1``: half of ``WATCHDOG_USEC``, as sd_watchdog_enabled(3)
    advises, so one late ping does not get the daemon killed.

    None when the watchdog is off, the value is malformed, or ``WATCHDOG_PID`` names
    another process (a child that inherited the environment is not the one watched).
    """
    usec = _digits(environ.get("WATCHDOG_USEC"))
    if not usec:
        return None
    owner = environ.get("WATCHDOG_PID")
    if owner is not None and _digits(owner) != pid:
        return None
    return timedelta(microseconds=usec) / 2


# -- pure: messages ----------------------------------------------------------


def sanitise_status(text: str) -> str:
    """One line of status: a newline would start a new field (``READY=1``, say), so every
    unprintable character becomes a space; overlong text is cut to ``STATUS_MAX_CHARS``."""
    line = "".join(c if c.isprintable() else " " for c in text)
    if len(line) > STATUS_MAX_CHARS:
        line = line[: STATUS_MAX_CHARS - 1] + "…"
    return line


def status_message(text: str) -> bytes:
    # Lone surrogates were replaced by sanitise_status (they are not printable),
    # so encoding cannot fail.
    return f"STATUS={sanitise_status(text)}".encode()


def ready_message(status: str) -> bytes:
    return b"READY=1\n" + status_message(status)


def reloading_message(monotonic_usec: int) -> bytes:
    """systemd >= 253 (``Type=notify-reload``) requires ``MONOTONIC_USEC`` with
    ``RELOADING=1`` to tell this reload from an earlier one; older systemd ignores it."""
    return f"RELOADING=1\nMONOTONIC_USEC={monotonic_usec}".encode()


def monotonic_usec() -> int:
    """CLOCK_MONOTONIC in microseconds: the clock systemd compares ``MONOTONIC_USEC`` with."""
    return time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000


# -- I/O ---------------------------------------------------------------------


class SystemdNotifier:
    """Sends sd_notify messages to systemd; never raises and never blocks.

    systemd going away (a ``daemon-reexec``, a full queue, a test harness that closed
    its socket) must not take the daemon down with it: a failed send is logged at
    debug level once per run of failures and otherwise ignored.
    """

    def __init__(
        self,
        address: str | None,
        watchdog_interval: timedelta | None = None,
        *,
        clock_usec: Callable[[], int] = monotonic_usec,
    ) -> None:
        self.address = address
        # A watchdog interval without a socket to report to means nothing.
        self.watchdog_interval = watchdog_interval if address is not None else None
        self._clock_usec = clock_usec
        self._socket: socket.socket | None = None
        self._failing = False

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str] | None = None, *, pid: int | None = None
    ) -> SystemdNotifier:
        """Read ``NOTIFY_SOCKET``, ``WATCHDOG_USEC`` and ``WATCHDOG_PID`` (from ``os.environ``
        unless given; ``pid`` defaults to this process)."""
        env = os.environ if environ is None else environ
        return cls(
            notify_address(env.get("NOTIFY_SOCKET")),
            watchdog_interval(env, os.getpid() if pid is None else pid),
        )

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def ready(self, status: str) -> None:
        """Start-up (or a reload) is complete: systemd starts dependants, ``systemctl`` returns."""
        self._send(ready_message(status))

    def reloading(self) -> None:
        """A reload has begun; send ``ready()`` when it is over, failed or not."""
        self._send(reloading_message(self._clock_usec()))

    def stopping(self) -> None:
        self._send(STOPPING)

    def watchdog(self) -> None:
        """Still alive. Send only while healthy: silence is how a hung daemon gets restarted."""
        self._send(WATCHDOG)

    def status(self, text: str) -> None:
        """Free text shown by ``systemctl status``."""
        self._send(status_message(text))

    def close(self) -> None:
        """Release the socket; a later message opens a new one."""
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def __enter__(self) -> SystemdNotifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _send(self, data: bytes) -> None:
        if self.address is None:
            return
        try:
            if self._socket is None:
                # Python makes it close-on-exec already, so worker processes do not inherit it.
                self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self._socket.setblocking(False)
            # sendto each time rather than connect once: after `systemctl daemon-reexec`
            # the socket path is the same but the socket behind it is new.
            self._socket.sendto(data, self.address)
        except OSError as e:
            if not self._failing:
                log.debug(
                    "sd_notify failed; ignoring until it works again",
                    extra={"error": repr(e), "sent": data.split(b"\n", 1)[0].decode()},
                )
            self._failing = True
        else:
            self._failing = False
