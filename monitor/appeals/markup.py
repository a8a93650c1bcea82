"""The markup layer: drop elements whose markup declares an appeal (class, id,
aria-label, role, data-*) or that hold a "Remind me later" style button, before
extraction. Never drops the article body, what encloses it, or ``keep``."""

from __future__ import annotations

import re
from collections.abc import Collection
from functools import lru_cache
from itertools import pairwise

from lxml.html import HtmlElement

from monitor.model import Removal

# Whole tokens of class/id/aria-label/data-* values that name an appeal. Whole
# tokens, not substrings: "supported-browsers" and "subscriber-count" must not hit.
APPEAL_TOKENS = frozenset(
    {
        "donate", "donation", "donations", "contribute", "contribution", "contributions",
        "support", "supporter", "supporters", "membership", "memberships", "paywall",
        "regwall", "paywalled", "newsletter", "newsletters", "subscribe", "subscription",
        "subscriptions", "signup", "promo", "promos", "cta", "adblock", "adblocker",
        "patreon", "rassylka", "podpiska", "рассылка", "подписка", "пожертвование",
    }
)  # fmt: skip
APPEAL_BIGRAMS = frozenset(
    {
        ("sign", "up"), ("join", "us"), ("become", "member"), ("members", "only"),
        ("ad", "block"), ("ad", "blocker"), ("remind", "later"), ("piano", "offer"),
    }
)  # fmt: skip
_DIALOG_ROLES = frozenset({"dialog", "alertdialog"})
# Buttons that dismiss an appeal: the box holding one is an appeal even when its
# markup says nothing.
_DISMISS_BUTTON = re.compile(
    r"(?:remind me later|maybe later|not now|no,? thanks|напомнить позже|не сейчас)\W*",
    re.IGNORECASE,
)
_BOX_TAGS = frozenset({"div", "section", "aside", "dialog", "form", "footer"})
_NEVER_DROPPED = frozenset({"html", "body", "head", "main"})
_MAX_TEXT_SHARE = 0.5  # a box holding more of the page text than this is the page
_DATA_VALUE_MAX = 80  # longer data-* values are JSON or URLs, not names
_NAMED = frozenset({"class", "id", "aria-label"})
_PRIORITY = ("class", "id", "aria-label", "role", "aria-modal", "data")
# The elements whose markup is read: boxes and paragraphs. Reading every span,
# link and list item of a page costs more than the rare appeal they hold.
_SCANNED = (*_BOX_TAGS, "p", "ul")

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_WORD = re.compile(r"[\W_\d]+")


@lru_cache(maxsize=4096)
def _tokens(value: str) -> tuple[str, ...]:
    """Split an attribute value on -, _, spaces, digits and camelCase, lowercased."""
    return tuple(t for t in _NON_WORD.split(_CAMEL.sub(" ", value).lower()) if t)


# A cheap necessary condition, tried on the lowercased value before tokenising:
# most attribute values on a page name no appeal, and tokenising all is the cost.
_GATE = re.compile(
    "|".join(sorted(APPEAL_TOKENS | {max(pair, key=len) for pair in APPEAL_BIGRAMS}))
)


@lru_cache(maxsize=4096)
def _appeal_word(value: str) -> str | None:
    """The token or token pair of ``value`` that names an appeal, if any."""
    tokens = _tokens(value)
    for token in tokens:
        if token in APPEAL_TOKENS:
            return token
    for pair in pairwise(tokens):
        if pair in APPEAL_BIGRAMS:
            return "-".join(pair)
    return None


def _names_appeal(value: str | None) -> str | None:
    """The appeal word in an attribute value, if any; cheap when there is none."""
    if not value or not _GATE.search(value.lower()):
        return None
    return _appeal_word(value)


def _markup_reason(element: HtmlElement) -> str | None:
    """Why the element's own attributes declare it an appeal, or None."""
    items = element.items()
    return _attributes_reason(tuple(items)) if items else None


@lru_cache(maxsize=8192)
def _attributes_reason(items: tuple[tuple[str, str], ...]) -> str | None:
    """Why these attributes declare an appeal, or None: cached, as a page repeats
    the same few sets of attributes on most of its elements.

    One pass over the attributes, which most elements have few of; the reason
    reported prefers class, then id, aria-label, role, aria-modal, data-*."""
    reasons: dict[str, str] = {}
    for name, value in items:
        if name in _NAMED:
            if word := _names_appeal(value):
                reasons[name] = f"container {name} '{value.strip()}' names an appeal ('{word}')"
        elif name == "role":
            if (role := value.strip().lower()) in _DIALOG_ROLES:
                reasons[name] = f"role '{role}' marks an overlay, not article text"
        elif name == "aria-modal":
            if value.strip().lower() == "true":
                reasons[name] = "aria-modal marks an overlay, not article text"
        elif (
            name.startswith("data-")
            and len(value) <= _DATA_VALUE_MAX
            and "data" not in reasons
            and (word := _names_appeal(f"{name[5:]} {value}"))
        ):
            reasons["data"] = f"attribute {name}='{value.strip()}' names an appeal ('{word}')"
    return next((reasons[name] for name in _PRIORITY if name in reasons), None)


def _dismiss_label(element: HtmlElement) -> str | None:
    """The label of a link or button that dismisses an appeal ("Remind me later")."""
    # Its own text, else its first child's (<a><span>Not now</span></a>):
    # text_content() on every link of a page costs too much.
    label = (element.text or "").strip()
    if not label and len(element):
        label = (element[0].text or "").strip()
    return label if label and _DISMISS_BUTTON.fullmatch(label) else None


def _dismissed_box(button: HtmlElement, guarded: set[HtmlElement]) -> HtmlElement:
    """The box a dismiss button closes: its nearest box ancestor, unless that is guarded."""
    box = next((a for a in button.iterancestors() if a.tag in _BOX_TAGS), None)
    return button if box is None or box in guarded else box


def main_content(body: HtmlElement) -> HtmlElement | None:
    """The element whose own <p> children hold the most text: the article body."""
    weight: dict[HtmlElement, int] = {}
    for p in body.iter("p"):
        parent = p.getparent()
        if parent is not None:
            weight[parent] = weight.get(parent, 0) + len(p.text_content())
    return max(weight, key=weight.__getitem__) if weight else None


def _protected(main: HtmlElement | None, keep: Collection[HtmlElement]) -> set[HtmlElement]:
    """Elements the DOM layer never drops: the main content, kept boxes, their kin."""
    guarded: set[HtmlElement] = set()
    anchors = [*keep, main] if main is not None else list(keep)
    for anchor in anchors:
        guarded.add(anchor)
        guarded.update(anchor.iterancestors())
    for kept in keep:
        guarded.update(kept.iterdescendants())
    return guarded


def _candidates(body: HtmlElement) -> list[tuple[HtmlElement, str, bool]]:
    """Elements the markup marks as an appeal: (element, reason, False) for boxes,
    in document order, then (button, label, True) for dismiss buttons, each of
    which stands for its box."""
    found = [
        (element, reason, False)
        for element in body.iter(*_SCANNED)
        if (reason := _markup_reason(element))
    ]
    found += [
        (element, label, True)
        for element in body.iter("a", "button")
        if (label := _dismiss_label(element))
    ]
    return found


def strip_appeal_containers(
    root: HtmlElement, keep: Collection[HtmlElement] = (), *, article: HtmlElement | None = None
) -> list[Removal]:
    """Drop, in place, the elements whose markup declares an appeal; return what went.

    Never drops an element that holds more than half of the page's text, that is
    or encloses the article body, or that is, holds or sits inside an element in
    ``keep``. ``article`` is the page's ``main_content``, when the caller has it.
    Does not look at the words of the text: that is ``strip_appeal_text``.
    """
    body = root.find("body")
    body = root if body is None else body
    candidates = _candidates(body)
    if not candidates:
        return []  # the common case; skip the guards' cost
    total = len(body.text_content()) or 1
    guarded = _protected(main_content(body) if article is None else article, keep)
    removed: list[Removal] = []
    for found, why, is_button in candidates:
        element = _dismissed_box(found, guarded) if is_button else found
        reason = why
        if is_button:
            what = "box holds the button" if element is not found else "button"
            reason = f"{what} '{why}' dismisses an appeal"
        if element in guarded or is_detached(element, root):
            continue
        text = " ".join(" ".join(element.itertext()).split())
        if len(text) > _MAX_TEXT_SHARE * total:
            continue
        element.drop_tree()
        if text:
            removed.append(Removal(text=text, reason=reason))
    return removed


def is_detached(element: HtmlElement, root: HtmlElement) -> bool:
    """True when an ancestor was already dropped (so this one went with it)."""
    top = element
    for top in element.iterancestors():  # noqa: B007 - the last ancestor is wanted
        pass
    return top is not root
