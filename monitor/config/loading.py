"""config.yaml -> ``Config``: read with line numbers, fill in defaults, check
cross-references, validate, and report every problem at once with its key path
and line. Secret values never appear in an error message.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from monitor import units
from monitor.config.models import Config, Defaults
from monitor.errors import ConfigError, ConfigIssue
from monitor.terms import normalize
from monitor.yamlsource import KeyPath, YamlReader, yaml_issue

Problem = Callable[[KeyPath, str], None]  # reports an issue at a key path


def load(
    path: Path, *, environ: Mapping[str, str] | None = None, delivering: bool = True
) -> Config:
    """Read and validate a config file; relative paths in it are taken from its
    directory. ``delivering=False``: for commands that never send an alert
    (``test``, ``backtest``), see ``parse``."""
    text = _read(path)
    config = parse(
        text,
        source=str(path),
        base_dir=path.absolute().parent,
        environ=environ,
        delivering=delivering,
    )
    return config.model_copy(update={"source": path})


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(str(path), [ConfigIssue("", None, f"cannot read: {e}")]) from e


@dataclass(frozen=True, slots=True)
class StoreLocation:
    """Where a config keeps its store, and its feeds' names in order."""

    state_dir: Path
    feeds: tuple[str, ...]


def locate_store(path: Path, *, environ: Mapping[str, str] | None = None) -> StoreLocation:
    """What ``monitor feeds`` and ``monitor alerts`` need, read without validating the
    rest: they inspect the store, so a secret this shell cannot see (the service's
    credentials) or a half-finished edit must not stop them. Raises ``ConfigError``
    only when the file cannot be read as YAML at all."""
    environ = os.environ if environ is None else environ
    reader = YamlReader(_read(path), environ)
    try:
        raw = reader.read()
    except yaml.YAMLError as e:
        raise ConfigError(str(path), [yaml_issue(e)]) from e
    data = _dict(raw)
    names = []
    for feed in _dicts(data.get("feeds")):
        name, url = feed.get("name"), feed.get("url")
        if isinstance(name, str):
            names.append(name)
        elif isinstance(url, str):
            names.append(units.derive_feed_name(url))
    state_dir = _state_dir(data, environ, path.absolute().parent)
    if not isinstance(state_dir, str):
        raise ConfigError(str(path), [ConfigIssue("state_dir", None, "must be a path")])
    return StoreLocation(Path(state_dir), tuple(names))


def _state_dir(raw: Mapping[str, Any], environ: Mapping[str, str], base_dir: Path | None) -> object:
    state_dir = raw.get("state_dir") or environ.get("STATE_DIRECTORY", "").split(":")[0] or "state"
    if isinstance(state_dir, str) and base_dir is not None:
        state_dir = str(base_dir / state_dir)  # an absolute state_dir replaces base_dir
    return state_dir


def parse(
    text: str,
    *,
    source: str = "<config>",
    base_dir: Path | None = None,
    environ: Mapping[str, str] | None = None,
    delivering: bool = True,
) -> Config:
    """Validate config text; ``environ`` (default ``os.environ``) serves ``${NAME}``.

    ``delivering=False`` is for commands that read rules and feeds but never send
    an alert: the service's credentials (a webhook, a password) usually live in
    its own environment or ``$CREDENTIALS_DIRECTORY``, not in the shell of the
    analyst running ``monitor backtest``. There a notifier whose ``${NAME}`` is
    unset stands in as a console notifier under its own name, so that the rules
    naming it still check; any other problem is still an error."""
    environ = os.environ if environ is None else environ
    reader = YamlReader(
        text, environ, may_be_unset=lambda path: not delivering and _in_a_notifier(path)
    )
    try:
        raw = reader.read()
    except yaml.YAMLError as e:
        raise ConfigError(source, [yaml_issue(e)]) from e
    if not isinstance(raw, dict):
        empty = raw is None
        message = "the file is empty" if empty else "the top level must be a mapping (feeds:, ...)"
        raise ConfigError(source, [ConfigIssue("", None if empty else 1, message)])
    _check_references(raw, reader.problem)  # on the file as written, before defaults fill in
    _fill_in(raw, environ, base_dir, reader.problem)
    config = _validate(raw, reader)
    unset = {str(path[1]) for path in reader.unresolved if _in_a_notifier(path)}
    if unset and not reader.problems:
        # Every notifier was checked as written, its unset secrets aside: now
        # the ones missing a secret stand in as consoles under their names.
        notifiers = {
            name: {"type": "console", "name": name} if name in unset else notifier
            for name, notifier in _dict(raw.get("notifiers")).items()
        }
        config = _validate({**raw, "notifiers": notifiers}, reader)
    if reader.problems or config is None:
        # Not chained: a ValidationError's text shows input values, secrets among them.
        raise ConfigError(source, reader.issues()) from None
    return config


def _in_a_notifier(path: KeyPath) -> bool:
    """Whether a key path lies inside one notifier's settings (``notifiers.NAME.*``)."""
    return len(path) >= 3 and path[0] == "notifiers" and isinstance(path[1], str)


def _validate(raw: dict[str, Any], reader: YamlReader) -> Config | None:
    """The config, or None with its problems reported to ``reader`` (none where a
    ``${NAME}`` was unset: that is reported where it stands, or excused)."""
    try:
        return Config.model_validate(raw)
    except ValidationError as e:
        errors = [(_path_of(err["loc"], raw), err) for err in e.errors(include_input=False)]
        for path, error in errors:
            # "Too short" after invalid items were dropped: the items' own errors say more.
            inner = error["type"] == "too_short" and any(
                len(p) > len(path) and p[: len(path)] == path for p, _ in errors
            )
            missing_secret = any(path[: len(done)] == done for done in reader.unresolved)
            if not inner and not missing_secret:
                reader.problem(path, _message(error["type"], error["msg"]))
    return None


def _fill_in(
    raw: dict[str, Any], environ: Mapping[str, str], base_dir: Path | None, problem: Problem
) -> None:
    """Put in what the file leaves to defaults, so every model holds final values."""
    if "source" in raw:
        problem(("source",), "unknown key")
        del raw["source"]
    raw["state_dir"] = _state_dir(raw, environ, base_dir)
    try:
        defaults = Defaults.model_validate(raw.get("defaults", {}))
    except ValidationError:
        defaults = Defaults()  # its errors are reported at defaults.*, not once per feed
    for feed in _dicts(raw.get("feeds")):
        for key in ("interval", "lookback", "fetch_article"):
            feed.setdefault(key, getattr(defaults, key))
    for rule in _dicts(raw.get("rules")):
        rule.setdefault("notify", defaults.notify)
    for key, notifier in _dict(raw.get("notifiers")).items():
        if isinstance(notifier, dict):
            if "name" in notifier:
                problem(("notifiers", key, "name"), "unknown key (the name is the key above)")
            notifier["name"] = key


def _check_references(raw: dict[str, Any], problem: Problem) -> None:
    """Cross-references and duplicate names, on raw data so that all are reported at once."""
    notifiers = {"console", *_dict(raw.get("notifiers"))}
    defaults = _dict(raw.get("defaults"))
    for key in ("notify", "admin"):
        _check_known(defaults.get(key), ("defaults", key), notifiers, "notifier", problem)
    names, tags = _feed_names(raw.get("feeds"), problem)
    rule_names: dict[str, int] = {}
    for i, item in enumerate(_list(raw.get("rules"))):
        rule = _dict(item)
        name = rule.get("name")
        if isinstance(name, str) and name in rule_names:
            first = rule_names[name]
            problem(("rules", i, "name"), f"duplicate rule name {name!r} (also rules[{first}])")
        elif isinstance(name, str):
            rule_names[name] = i
        _check_known(rule.get("notify"), ("rules", i, "notify"), notifiers, "notifier", problem)
        scopes = {*names, *(f"#{tag}" for tag in tags)}
        _check_known(rule.get("feeds"), ("rules", i, "feeds"), scopes, "feed or #tag", problem)
    entities: dict[str, str] = {}
    for name in _dict(raw.get("entities")):
        key = normalize(name).casefold()
        if key in entities:
            problem(("entities", name), f"entity {entities[key]!r} is already defined")
        entities.setdefault(key, name)


def _feed_names(feeds: object, problem: Problem) -> tuple[set[str], set[str]]:
    names: dict[str, int] = {}
    tags: set[str] = set()
    for i, item in enumerate(_list(feeds)):
        feed = _dict(item)
        tags.update(tag for tag in _list(feed.get("tags")) if isinstance(tag, str))
        explicit = isinstance(feed.get("name"), str)
        url = feed.get("url")
        name = (
            feed["name"]
            if explicit
            else units.derive_feed_name(url if isinstance(url, str) else "")
        )
        if name in names:
            # Derived names are not renumbered: adding a feed must not rename another's state.
            hint = "" if explicit else " (derived from the host: add a name: to this feed)"
            where = ("feeds", i, "name" if explicit else "url")
            problem(where, f"feed name {name!r} is already used by feeds[{names[name]}]{hint}")
        elif name:
            names[name] = i
    return set(names), tags


def _check_known(refs: object, path: KeyPath, known: set[str], what: str, problem: Problem) -> None:
    for i, ref in enumerate(_list(refs)):
        if isinstance(ref, str) and ref not in known:
            choices = ", ".join(sorted(known)) or "none"
            problem((*path, i), f"unknown {what} {ref!r} (defined: {choices})")


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in _list(value) if isinstance(item, dict)]


_SPLIT_KEYS = {"host": "smtp", "port": "smtp"}  # model fields made from one file key
_UNION_TAGS = {"term", "group", "[key]"}  # pydantic's loc names union members; the file doesn't


def _path_of(loc: tuple[str | int, ...], raw: object) -> KeyPath:
    """Map a pydantic error location onto the key path as written in the file."""
    path: list[str | int] = []
    node: object = raw
    for part in loc:
        key = part
        if isinstance(node, dict) and part in node:  # noqa: SIM114 -- dict and list steps read apart
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        elif isinstance(node, dict) and part in _SPLIT_KEYS:
            key, node = _SPLIT_KEYS[str(part)], None
        elif part in _UNION_TAGS or (isinstance(node, dict) and part == node.get("type")):
            continue
        else:
            node = None
        path.append(key)
    return tuple(path)


# pydantic's wording, where it talks Python rather than YAML.
_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
    "tuple_type": "expected a list, e.g. [a, b]",
    "dict_type": "expected a mapping of keys to values",
    "model_type": "expected a mapping of keys to values",
    "model_attributes_type": "expected a mapping of keys to values",
    "too_short": "needs at least one item",
    "union_tag_not_found": "needs a type: console, slack or email",
}


def _message(kind: str, message: str) -> str:
    return _MESSAGES.get(kind) or message.removeprefix("Value error, ")
