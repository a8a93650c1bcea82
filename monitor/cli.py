"""The command line: ``monitor run | check | test | backtest | feeds | alerts``.

Exit codes: 0 ok, 1 runtime failure, 2 usage or config error. Config errors
are printed as a list for a person to fix, never as a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from ipaddress import ip_network
from pathlib import Path
from typing import Any

from monitor import __version__, logs
from monitor.backtest import backtest, summary, to_json_lines, to_text
from monitor.config import Config, StoreLocation, load, locate_store
from monitor.daemon import STORE_FILE, Daemon
from monitor.errors import ConfigError, ConfigIssue, MonitorError
from monitor.http import AddressPolicy, HttpClient
from monitor.preview import preview
from monitor.report import alerts_table, feeds_table
from monitor.rules import RuleSet
from monitor.store import TEXT_KEPT, SqliteStore
from monitor.units import parse_duration

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

log = logging.getLogger("monitor")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.setup(args.log_level, args.log_format)
    commands: dict[str, Callable[[argparse.Namespace], Coroutine[Any, Any, int]]] = {
        "run": _run,
        "check": _check,
        "test": _test,
        "backtest": _backtest,
        "feeds": _feeds,
        "alerts": _alerts,
    }
    try:
        return asyncio.run(commands[args.command](args))
    except ConfigError as e:
        print(str(e), file=sys.stderr)
        return EXIT_USAGE
    except MonitorError as e:
        log.error("monitor failed", extra={"error": str(e)})
        return EXIT_FAILURE
    except KeyboardInterrupt:
        return EXIT_OK
    except BrokenPipeError:
        # The reader went away (`monitor backtest | head`): not an error of ours.
        # Point stdout at /dev/null so the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="monitor", description="Watch news feeds and alert on stories that match your rules."
    )
    parser.add_argument("--version", action="version", version=f"monitor {__version__}")
    parser.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"]
    )
    parser.add_argument("--log-format", default="text", choices=["text", "json"])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    config_help = "config file (default: $MONITOR_CONFIG, else ./config.yaml)"

    run = commands.add_parser("run", help="run the daemon in the foreground")
    run.add_argument("-c", "--config", type=Path, help=config_help)
    run.add_argument("--once", action="store_true", help="poll every feed once, deliver, exit")

    check = commands.add_parser("check", help="validate the config: exit 0, or 2 listing errors")
    check.add_argument("-c", "--config", type=Path, help=config_help)

    test = commands.add_parser(
        "test", help="show a page's clean text, what was removed as appeal, which rules match"
    )
    test.add_argument("inputs", nargs="+", metavar="URL|FILE")
    test.add_argument("-c", "--config", type=Path, help=config_help + "; none: no rules")
    test.add_argument(
        "--feed", metavar="NAME", help="use this feed's rules scope and extract settings"
    )
    test.add_argument("--json", action="store_true", help="one JSON object per input, one per line")

    back = commands.add_parser(
        "backtest", help="run today's rules over stored stories: what would have alerted"
    )
    back.add_argument("-c", "--config", type=Path, help=config_help)
    back.add_argument(
        "--since",
        default="7d",
        metavar="DURATION",
        help=f"how far back: 12h, 7d (default 7d; stories are kept {TEXT_KEPT.days} days)",
    )
    back.add_argument("--json", action="store_true", help="one JSON object per story, per line")

    feeds = commands.add_parser("feeds", help="per feed: last poll, result, errors, next poll")
    feeds.add_argument("-c", "--config", type=Path, help=config_help)

    alerts = commands.add_parser(
        "alerts", help="recent alerts and their delivery; 'alerts retry' resends dead letters"
    )
    alerts.add_argument("action", nargs="?", choices=["retry"], help="resend dead letters")
    alerts.add_argument("-c", "--config", type=Path, help=config_help)
    alerts.add_argument("--failed", action="store_true", help="only dead letters and retries")
    alerts.add_argument("--limit", type=int, default=50, metavar="N", help="rows (default 50)")
    return parser


def _config_path(given: Path | None) -> Path:
    return given if given is not None else Path(os.environ.get("MONITOR_CONFIG") or "config.yaml")


def _existing(given: Path | None) -> Path:
    path = _config_path(given)
    if not path.is_file():
        hint = "give one with -c FILE or $MONITOR_CONFIG"
        raise ConfigError(str(path), [ConfigIssue("", None, f"no config file here ({hint})")])
    return path


def _load(given: Path | None, *, delivering: bool = True) -> Config:
    return load(_existing(given), delivering=delivering)


async def _run(args: argparse.Namespace) -> int:
    config = _load(args.config)
    return await Daemon(config).run(once=args.once)


async def _check(args: argparse.Namespace) -> int:
    config = _load(args.config)
    print(
        f"{config.source}: ok: {len(config.feeds)} feeds, {len(config.rules)} rules,"
        f" {len(config.notifiers)} notifiers"
    )
    return EXIT_OK


async def _open_store(location: StoreLocation) -> SqliteStore | None:
    path = location.state_dir / STORE_FILE
    if not path.exists():
        return None
    return await SqliteStore.open(path)


async def _feeds(args: argparse.Namespace) -> int:
    location = locate_store(_existing(args.config))
    store = await _open_store(location)
    states = [] if store is None else await store.all_feed_states()
    if store is not None:
        await store.aclose()
    print(feeds_table(states, location.feeds, datetime.now(UTC)))
    return EXIT_OK


async def _alerts(args: argparse.Namespace) -> int:
    location = locate_store(_existing(args.config))
    store = await _open_store(location)
    if store is None:
        print(f"no alerts yet: there is no store at {location.state_dir / STORE_FILE}")
        return EXIT_OK
    try:
        now = datetime.now(UTC)
        if args.action == "retry":
            count = await store.retry_dead(now)
            print(f"{count} dead letter{'s' if count != 1 else ''} queued again;"
                  " a running daemon sends them within a minute")  # fmt: skip
            return EXIT_OK
        records = await store.recent_deliveries(args.limit, failed=args.failed)
    finally:
        await store.aclose()
    print(alerts_table(records, now) if records else "no alerts")
    return EXIT_OK


# Far beyond what the store keeps; a bound keeps the subtraction from overflowing.
_LONGEST_BACKTEST = timedelta(days=3650)


async def _backtest(args: argparse.Namespace) -> int:
    try:
        back = parse_duration(args.since)
    except ValueError as e:
        print(f"monitor backtest: --since {args.since!r}: {e}", file=sys.stderr)
        return EXIT_USAGE
    config = _load(args.config, delivering=False)
    path = config.state_dir / STORE_FILE
    if not path.exists():
        print(f"nothing to backtest yet: there is no store at {path}")
        return EXIT_OK
    store = await SqliteStore.open(path)
    since = datetime.now(UTC) - min(back, _LONGEST_BACKTEST)
    try:
        result = await backtest(
            store.stored_stories(since),
            RuleSet.compile(config.rules, config.entities),
            {feed.name: feed for feed in config.feeds},
            since=since,
        )
    finally:
        await store.aclose()
    if args.json:
        if result.hits:
            print(to_json_lines(result))
        print(summary(result, kept_days=TEXT_KEPT.days), file=sys.stderr)
    else:
        print(to_text(result, kept_days=TEXT_KEPT.days))
    return EXIT_OK


async def _test(args: argparse.Namespace) -> int:
    # Without a config, `test` still shows clean text and removals: there are just no rules.
    config = (
        _load(args.config, delivering=False)
        if args.config or _config_path(None).is_file()
        else None
    )
    rules = RuleSet.compile(config.rules, config.entities) if config else RuleSet.compile([], {})
    feed = None
    if args.feed:
        feeds = {f.name: f for f in config.feeds} if config else {}
        if args.feed not in feeds:
            known = ", ".join(sorted(feeds)) or "none"
            print(f"monitor test: no feed named {args.feed!r} (feeds: {known})", file=sys.stderr)
            return EXIT_USAGE
        feed = feeds[args.feed]
    # The user names these pages, so any address is theirs to reach.
    everywhere = AddressPolicy(networks=(ip_network("0.0.0.0/0"), ip_network("::/0")))
    if config is None:
        http = HttpClient(policy=everywhere)
    else:
        settings = config.http
        http = HttpClient(
            user_agent=settings.user_agent,
            timeout=settings.timeout,
            max_body=settings.max_body,
            policy=everywhere,
        )
    failed = False
    try:
        for source in args.inputs:
            result = await preview(source, rules, feed, http)
            failed |= result.error is not None
            print(result.to_json() if args.json else result.to_text(), flush=True)
    finally:
        await http.aclose()
    return EXIT_FAILURE if failed else EXIT_OK
