"""The command line: ``monitor run | check | test``.

Exit codes: 0 ok, 1 runtime failure, 2 usage or config error. Config errors
are printed as a list for a person to fix, never as a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence
from ipaddress import ip_network
from pathlib import Path

from monitor import __version__, logs
from monitor.config import Config, load
from monitor.daemon import Daemon, address_policy
from monitor.errors import ConfigError, ConfigIssue, MonitorError
from monitor.http import AddressPolicy, HttpClient
from monitor.preview import preview
from monitor.rules import RuleSet

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

log = logging.getLogger("monitor")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.setup(args.log_level, args.log_format)
    try:
        if args.command == "run":
            return asyncio.run(_run(args.config, once=args.once))
        if args.command == "check":
            return _check(args.config)
        return asyncio.run(_test(args))
    except ConfigError as e:
        print(str(e), file=sys.stderr)
        return EXIT_USAGE
    except MonitorError as e:
        log.error("monitor failed", extra={"error": str(e)})
        return EXIT_FAILURE
    except KeyboardInterrupt:
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
    return parser


def _config_path(given: Path | None) -> Path:
    return given if given is not None else Path(os.environ.get("MONITOR_CONFIG") or "config.yaml")


def _load(given: Path | None) -> Config:
    path = _config_path(given)
    if not path.is_file():
        hint = "give one with -c FILE or $MONITOR_CONFIG"
        raise ConfigError(str(path), [ConfigIssue("", None, f"no config file here ({hint})")])
    return load(path)


async def _run(given: Path | None, *, once: bool) -> int:
    config = _load(given)
    return await Daemon(config).run(once=once)


def _check(given: Path | None) -> int:
    config = _load(given)
    print(
        f"{config.source}: ok: {len(config.feeds)} feeds, {len(config.rules)} rules,"
        f" {len(config.notifiers)} notifiers"
    )
    return EXIT_OK


async def _test(args: argparse.Namespace) -> int:
    # Without a config, `test` still shows clean text and removals: there are just no rules.
    config = _load(args.config) if args.config or _config_path(None).is_file() else None
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
    policy = AddressPolicy(networks=(ip_network("0.0.0.0/0"), ip_network("::/0")))
    if config:
        policy = AddressPolicy(policy.hosts | address_policy(config).hosts, policy.networks)
    http = (
        HttpClient(policy=policy)
        if config is None
        else HttpClient(
            user_agent=config.http.user_agent,
            timeout=config.http.timeout,
            max_body=config.http.max_body,
            policy=policy,
        )
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
