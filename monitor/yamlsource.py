"""YAML text → plain values, remembering the line of every key, with ``${NAME}``
references resolved from the environment or ``$CREDENTIALS_DIRECTORY``.

Scalars follow YAML 1.2: ``yes``/``no``/``on``/``off``, ``1:30`` and dates stay
strings, so a term such as ``NO`` (Norway) is not read as ``False``. Knows
nothing of monitor's schema: ``config`` validates what this returns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml

from monitor.errors import ConfigIssue

KeyPath = tuple[str | int, ...]

_BOOL, _INT = "tag:yaml.org,2002:bool", "tag:yaml.org,2002:int"
_YAML11_ONLY = {_BOOL, _INT, "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"}


class _Loader(yaml.SafeLoader):
    """SafeLoader resolving plain scalars as YAML 1.2 does (see the module docstring)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regex) for tag, regex in resolvers if tag not in _YAML11_ONLY]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(_INT, re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))

_REFERENCE = re.compile(r"\$\$\{|\$\{([^}]*)\}")
_REFERENCE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_MAX_NODES = 100_000  # alias bombs: each alias is walked again, unlike PyYAML's own constructor


class YamlReader:
    """Builds plain values from YAML, noting each key's line and resolving ``${NAME}``."""

    def __init__(
        self,
        text: str,
        environ: Mapping[str, str],
        *,
        may_be_unset: Callable[[KeyPath], bool] = lambda path: False,
    ) -> None:
        self.environ = environ
        self._may_be_unset = may_be_unset  # paths where a missing ${NAME} is no problem
        self.lines: dict[KeyPath, int] = {}
        self.problems: list[tuple[KeyPath, str, int | None]] = []
        self.secrets: list[str] = []  # substituted values, scrubbed from every message
        self.unresolved: list[KeyPath] = []  # paths with a missing ${NAME}: already reported
        self._loader = _Loader(text)
        self._nodes = 0

    def read(self) -> object:
        try:
            node = self._loader.get_single_node()
            return None if node is None else self._build(node, (), frozenset())
        finally:
            self._loader.dispose()

    def problem(self, path: KeyPath, message: str, line: int | None = None) -> None:
        self.problems.append((path, message, line))

    def issues(self) -> list[ConfigIssue]:
        found: dict[ConfigIssue, None] = {}  # ordered set: pydantic may repeat itself
        for path, message, line in self.problems:
            text = message
            for secret in self.secrets:
                text = text.replace(secret, "***")
            found[ConfigIssue(dotted(path), line or self._line(path), text)] = None
        return sorted(found, key=lambda issue: (issue.line or 0, issue.path))

    def _line(self, path: KeyPath) -> int | None:
        while path and path not in self.lines:
            path = path[:-1]
        return self.lines.get(path)

    def _build(self, node: yaml.Node, path: KeyPath, parents: frozenset[int]) -> object:
        self._nodes += 1
        if self._nodes > _MAX_NODES or id(node) in parents:
            mark = node.start_mark
            raise yaml.MarkedYAMLError(problem="recursive or exploding aliases", problem_mark=mark)
        parents |= {id(node)}
        if isinstance(node, yaml.MappingNode):
            return self._mapping(node, path, parents)
        if isinstance(node, yaml.SequenceNode):
            items = []
            for i, child in enumerate(node.value):
                self.lines[(*path, i)] = child.start_mark.line + 1
                items.append(self._build(child, (*path, i), parents))
            return items
        value = self._loader.construct_object(node)
        if isinstance(value, str):
            return self._substitute(value, path, node.start_mark.line + 1)
        return value

    def _mapping(self, node: yaml.MappingNode, path: KeyPath, parents: frozenset[int]) -> object:
        self._loader.flatten_mapping(node)  # resolves "<<: *anchor" merges
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = self._loader.construct_object(key_node)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int) or isinstance(key, bool):
                self.problem(path, "keys must be plain strings", line)
                continue
            key = str(key)
            if key in result:
                self.problem((*path, key), "duplicate key", line)
                continue
            self.lines[(*path, key)] = line
            result[key] = self._build(value_node, (*path, key), parents)
        return result

    def _substitute(self, text: str, path: KeyPath, line: int) -> str:
        def replace(found: re.Match[str]) -> str:
            if found[1] is None:
                return "${"  # "$${" escapes a literal "${"
            value = self._resolve(found[1], path, line)
            if value is None:
                self.unresolved.append(path)
                return found[0]
            if value:
                self.secrets.append(value)
            return value

        return _REFERENCE.sub(replace, text)

    def _resolve(self, name: str, path: KeyPath, line: int) -> str | None:
        if not _REFERENCE_NAME.fullmatch(name):
            self.problem(path, f"${{{name}}}: not a valid variable name", line)
            return None
        if name in self.environ:
            return self.environ[name]
        directory = self.environ.get("CREDENTIALS_DIRECTORY")
        if directory:
            try:
                text = (Path(directory) / name).read_text(encoding="utf-8")
            except FileNotFoundError:
                pass
            except (OSError, UnicodeDecodeError) as e:
                self.problem(path, f"${{{name}}}: cannot read the credential file: {e}", line)
                return None
            else:
                return text.removesuffix("\n")
        if self._may_be_unset(path):
            return None
        where = " nor $CREDENTIALS_DIRECTORY/" + name if directory else ""
        self.problem(path, f"${{{name}}} is not set: no environment variable {name}{where}", line)
        return None


def dotted(path: KeyPath) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else part
    return text


def yaml_issue(error: yaml.YAMLError) -> ConfigIssue:
    if isinstance(error, yaml.MarkedYAMLError):
        mark = error.problem_mark or error.context_mark
        what = ", ".join(filter(None, [error.problem, error.context]))
        return ConfigIssue("", mark.line + 1 if mark else None, f"YAML syntax: {what}")
    return ConfigIssue("", None, f"YAML syntax: {error}")
