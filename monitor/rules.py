"""Rules: compiled once from the config, matched against every new story.

``RuleSet.compile`` resolves entity names, compiles every term (``monitor.terms``)
and puts all of them, from all rules, into one ``Scanner``; ``RuleSet.match``
scans each field of a story once, then decides every rule from the hits, and
explains each match with the terms found and a snippet of context for each.

Pure: no I/O, no clock, no logging. It does not decide where alerts go
(``RuleConfig.notify``) nor whether a story is new.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from monitor.config import FeedConfig, RuleConfig, TermGroup, TermNode
from monitor.model import Match, Story
from monitor.terms import Pattern, Scanner, Span, compile_term, normalize

SNIPPET_CONTEXT = 60  # characters of context on each side of a found term
# Where a snippet is taken from when a term is in several fields: the body has
# the most context, and the title is in the alert anyway.
_SNIPPET_ORDER = ("text", "summary", "title")
_SPACE = re.compile(r"\s")


@dataclass(frozen=True, slots=True)
class _Leaf:
    label: str  # the term as the user wrote it in the rule (an entity's name, say)
    patterns: tuple[int, ...]  # indexes into the RuleSet's scanner: one per name of an entity


@dataclass(frozen=True, slots=True)
class _Group:
    all: tuple[_Node, ...]
    any: tuple[_Node, ...]
    none: tuple[_Node, ...]


_Node = _Leaf | _Group


@dataclass(frozen=True, slots=True)
class _Rule:
    name: str
    group: _Group
    fields: tuple[str, ...]
    feeds: frozenset[str]
    tags: frozenset[str]

    def applies_to(self, feed: FeedConfig | None) -> bool:
        if feed is None or not (self.feeds or self.tags):
            return True
        return feed.name in self.feeds or not self.tags.isdisjoint(feed.tags)


class _Compiler:
    """Turns config term trees into leaves whose patterns are shared by all rules."""

    def __init__(self, entities: Mapping[str, Sequence[str]]) -> None:
        self.patterns: dict[Pattern, int] = {}
        # An entity's own name counts as one of its names, listed or not.
        self._entities = {
            _fold(name): (name, *names) for name, names in reversed(list(entities.items()))
        }

    def group(self, group: TermGroup) -> _Group:
        return _Group(
            all=tuple(self._node(node) for node in group.all_terms),
            any=tuple(self._node(node) for node in group.any_terms),
            none=tuple(self._node(node) for node in group.none_terms),
        )

    def _node(self, node: TermNode) -> _Node:
        if isinstance(node, TermGroup):
            return self.group(node)
        names = self._entities.get(_fold(node), (node,))
        ids = (self.patterns.setdefault(compile_term(n), len(self.patterns)) for n in names)
        return _Leaf(node, tuple(dict.fromkeys(ids)))


def _fold(term: str) -> str:
    return normalize(term).strip().casefold()


class RuleSet:
    """All rules of a config, ready to match stories. Immutable; share it freely."""

    def __init__(self, rules: Sequence[_Rule], scanner: Scanner) -> None:
        self._rules = tuple(rules)
        self._scanner = scanner

    @classmethod
    def compile(cls, rules: Sequence[RuleConfig], entities: Mapping[str, Sequence[str]]) -> RuleSet:
        """Compile rules; raises ``terms.TermError`` for a bad term (config.py checks first)."""
        compiler = _Compiler(entities)
        compiled = [
            _Rule(
                name=rule.name,
                group=compiler.group(rule),
                fields=rule.fields,
                feeds=frozenset(ref for ref in rule.feeds if not ref.startswith("#")),
                tags=frozenset(ref[1:] for ref in rule.feeds if ref.startswith("#")),
            )
            for rule in rules
        ]
        patterns = sorted(compiler.patterns, key=compiler.patterns.__getitem__)
        return cls(compiled, Scanner(patterns))

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(rule.name for rule in self._rules)

    def match(self, story: Story, *, feed: FeedConfig | None = None) -> tuple[Match, ...]:
        """The rules ``story`` matches, in config order.

        With ``feed``, only rules scoped to it (by name or ``#tag``, or unscoped)
        are tried; with ``feed=None``, every rule is (``monitor test``, backtests).
        """
        hits = _Hits(self._scanner, story)
        matches = []
        for rule in self._rules:
            if not rule.applies_to(feed):
                continue

            def locate(leaf: _Leaf, fields: tuple[str, ...] = rule.fields) -> _Where | None:
                return hits.locate(leaf, fields)

            matched, leaves = _decide(rule.group, locate)
            if matched:
                matches.append(_explain(rule.name, leaves, locate))
        return tuple(matches)


_Where = tuple[str, Span]  # a normalised field text and a span in it


class _Hits:
    """Scans each field of one story at most once, on first need."""

    def __init__(self, scanner: Scanner, story: Story) -> None:
        self._scanner = scanner
        self._raw = {"title": story.title, "summary": story.summary, "text": story.text}
        self._fields: dict[str, tuple[str, dict[int, Span]]] = {}

    def _field(self, name: str) -> tuple[str, dict[int, Span]]:
        if name not in self._fields:
            text = normalize(self._raw[name])
            self._fields[name] = (text, self._scanner.find(text))
        return self._fields[name]

    def locate(self, leaf: _Leaf, fields: tuple[str, ...]) -> _Where | None:
        """Where the leaf is first found, preferring the body; None if in no field."""
        for name in _SNIPPET_ORDER:
            if name in fields:
                text, found = self._field(name)
                spans = [found[index] for index in leaf.patterns if index in found]
                if spans:
                    return text, min(spans)
        return None


def _decide(group: _Group, locate: Callable[[_Leaf], _Where | None]) -> tuple[bool, list[_Leaf]]:
    """Whether the group holds, and the leaves that made it hold (``none`` ones excluded)."""
    leaves: list[_Leaf] = []
    for node in group.all:
        held, found = _holds(node, locate)
        if not held:
            return False, []
        leaves += found
    # Every `any` item is tried, not just the first found, so that all are reported.
    outcomes = [_holds(node, locate) for node in group.any]
    if group.any and not any(held for held, _ in outcomes):
        return False, []
    if any(_holds(node, locate)[0] for node in group.none):
        return False, []
    return True, leaves + [leaf for _, found in outcomes for leaf in found]


def _holds(node: _Node, locate: Callable[[_Leaf], _Where | None]) -> tuple[bool, list[_Leaf]]:
    if isinstance(node, _Group):
        return _decide(node, locate)
    found = locate(node) is not None
    return found, [node] if found else []


def _explain(rule: str, leaves: list[_Leaf], locate: Callable[[_Leaf], _Where | None]) -> Match:
    terms: dict[str, str] = {}
    for leaf in leaves:
        where = locate(leaf)
        if leaf.label not in terms and where is not None:
            terms[leaf.label] = snippet(*where)
    return Match(rule=rule, terms=tuple(terms), snippets=tuple(terms.values()))


def snippet(text: str, span: Span, context: int = SNIPPET_CONTEXT) -> str:
    """The line around ``span``, cut to about ``context`` characters each side on word
    boundaries; ``…`` marks a cut. Whitespace runs become one space."""
    start, end = span
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end == -1 else line_end
    left, right = max(line_start, start - context), min(line_end, end + context)
    if left > line_start and (space := _SPACE.search(text, left, start)):
        left = space.end()  # drop the word the cut went through
    if right < line_end:
        space_at = max(text.rfind(" ", end, right), text.rfind("\t", end, right))
        right = space_at if space_at != -1 else right
    body = " ".join(text[left:right].split())
    return f"{'…' if left > line_start else ''}{body}{'…' if right < line_end else ''}"
