"""Watching ``config.yaml`` for edits, so a saved change is applied without SIGHUP.

Editors save in different ways (write in place, write a temporary file and
rename it over, delete and recreate); watching the file's directory and
debouncing turns each save into one event. A save that leaves the content
unchanged (``touch``, an editor's second write) is not an edit.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path

import watchfiles

log = logging.getLogger(__name__)

DEBOUNCE_MS = 500
RECHECK_MS = 5000


def fingerprint(path: Path) -> str | None:
    """A digest of the file's content; None while it is missing (mid-rename)."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


async def watch_config(
    path: Path,
    on_change: Callable[[], Awaitable[object]],
    stop: asyncio.Event,
    *,
    last: str | None = None,
) -> None:
    """Call ``on_change`` after each save that changes ``path``'s content, until ``stop``."""
    path = await asyncio.to_thread(path.resolve)
    last = last or await asyncio.to_thread(fingerprint, path)

    def ours(_change: watchfiles.Change, changed: str) -> bool:
        return Path(changed).name == path.name

    try:
        async for _ in watchfiles.awatch(
            path.parent,
            watch_filter=ours,
            debounce=DEBOUNCE_MS,
            stop_event=stop,
            recursive=False,
            # Wake now and then even without events: a save made before the
            # watch was set up (or an event the filesystem never sent) is still
            # noticed, by its content.
            rust_timeout=RECHECK_MS,
            yield_on_timeout=True,
        ):
            now = await asyncio.to_thread(fingerprint, path)
            if now is None or now == last:
                continue
            last = now
            try:
                await on_change()
            except Exception:  # a reload that failed must not end the watching
                log.exception("reload after an edit failed", extra={"config": str(path)})
    except (OSError, RuntimeError) as e:
        # No inotify (an exotic filesystem, exhausted watches): SIGHUP still works.
        log.warning(
            "cannot watch the config for edits; reload with SIGHUP",
            extra={"config": str(path), "error": str(e)},
        )
