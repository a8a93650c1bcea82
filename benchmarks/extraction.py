"""Compare plain trafilatura with monitor's extraction on the shared corpus, side by side.

One run prints, for plain ``trafilatura.extract(html)`` and for ``extract_article``:

1. on the article-extraction benchmark pages (corpus/extraction/aeb), the
   benchmark's own metric: mean precision and recall over pages of 4-token
   shingle multisets, F1 from those means; on all pages and on the half whose
   article paragraphs never trained the learned appeal model;
2. how many known appeal lines of corpus/appeals/examples.json survive;
3. appeals injected into those pages (see ``injection.py``), per layout and per
   set of appeal wordings, each marked TUNING (tuned against, and training data
   of the learned appeal model) or HELD OUT (never looked at while tuning): the
   share of appeal paragraphs removed, and the article recall lost against the
   un-injected page (also on the AEB half held out from the model's training
   alone), beside the set's first look (the figures measured once while it was
   unseen);
4. news stories whose subject is an appeal (a pledge drive, a paywall, a
   newsletter business; see ``on_topic.py``), held out: the share of their
   paragraphs kept, and how many stories come out whole;
5. CPU time per page (``time.process_time``, warmed up, interleaved, median of
   several repetitions) and pages per second.

Reads only local files. ``--misses`` lists the appeal paragraphs ours let through
(and ``--cuts`` the story paragraphs it cut);
``--sets NAME ...`` and ``--appeals FILE ...`` inject only those sets (by name
from ``injected_appeals``, or any file of that format), and ``--model FILE``
uses another appeal model (one trained without those files by
``tools/train_appeal_model.py --exclude``).

    python benchmarks/extraction.py [--corpus DIR] [--limit N] [--reps R] [--misses]
        [--cuts] [--sets NAME ...] [--appeals FILE ...] [--model FILE] [--skip SECTION ...]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import trafilatura
from injection import (
    APPEALS_DIR,
    LAYOUTS,
    AppealSet,
    Layout,
    all_sets,
    inject,
    load_set,
    surviving,
)
from on_topic import StorySet, cut, load_stories, story_sets

from monitor.appeals import model as appeal_model
from monitor.appeals.model import trained_on
from monitor.errors import ExtractError
from monitor.extract import extract_article

_TOKEN = re.compile(r"\w+")
_DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

Extractor = Callable[[bytes], str]


def plain(html: bytes) -> str:
    return trafilatura.extract(html) or ""


def ours(html: bytes) -> str:
    try:
        return extract_article(html).text
    except ExtractError:
        return ""


EXTRACTORS: dict[str, Extractor] = {"plain": plain, "ours": ours}


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The multiset of 4-token shingles of a text (fewer tokens: one shingle of them)."""
    tokens = _TOKEN.findall(text)
    if len(tokens) < 4:
        return Counter([tuple(tokens)]) if tokens else Counter()
    return Counter(tuple(tokens[i : i + 4]) for i in range(len(tokens) - 3))


def precision_recall(predicted: str, truth: str) -> tuple[float, float]:
    """The benchmark's per-page precision and recall."""
    if _TOKEN.findall(predicted) == _TOKEN.findall(truth):
        return 1.0, 1.0
    got, want = shingles(predicted), shingles(truth)
    tp = sum((got & want).values())
    fp, fn = sum(got.values()) - tp, sum(want.values()) - tp
    return (tp / (tp + fp) if tp + fp else 0.0), (tp / (tp + fn) if tp + fn else 0.0)


@dataclass(frozen=True, slots=True)
class Corpus:
    pages: dict[str, bytes]
    truth: dict[str, str]


def load_corpus(root: Path, limit: int) -> Corpus:
    aeb = root / "extraction" / "aeb"
    truth_all = json.loads((aeb / "ground-truth.json").read_text(encoding="utf-8"))
    files = sorted((aeb / "html").glob("*.html.gz"))
    files = files[:limit] if limit else files
    pages = {f.name.removesuffix(".html.gz"): gzip.decompress(f.read_bytes()) for f in files}
    return Corpus(pages, {key: truth_all[key]["articleBody"] for key in pages})


def aeb_scores(corpus: Corpus) -> None:
    """Section 1: the benchmark's metric for both extractors, on every page and on
    the half whose articles the learned appeal model never saw in training."""
    held = sum(not trained_on(key) for key in corpus.pages)
    print(f"\n== AEB: {len(corpus.pages)} pages, 4-token shingles, P and R are means over pages")
    print(f"   all pages, and the {held} held out from the learned model's training")
    print(f"{'':>8}  {'F1':>7}  {'P':>7}  {'R':>7}   {'F1 h/o':>7}  {'P h/o':>7}  {'R h/o':>7}")
    for name, extract in EXTRACTORS.items():
        scores = {
            key: precision_recall(extract(html), corpus.truth[key])
            for key, html in corpus.pages.items()
        }
        cells = [
            _f1_p_r([s for key, s in scores.items() if every or not trained_on(key)])
            for every in (True, False)
        ]
        print(f"{name:>8}  {'   '.join(cells)}")


def _f1_p_r(scores: list[tuple[float, float]]) -> str:
    if not scores:
        return f"{'-':>7}  {'-':>7}  {'-':>7}"
    p = statistics.fmean(s[0] for s in scores)
    r = statistics.fmean(s[1] for s in scores)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    return f"{f1:7.4f}  {p:7.4f}  {r:7.4f}"


def known_appeals(corpus_root: Path) -> None:
    """Section 2: the known appeal lines of examples.json each extractor lets through."""
    examples = json.loads((corpus_root / "appeals" / "examples.json").read_text(encoding="utf-8"))
    print(f"\n== corpus/appeals/examples.json: {len(examples)} appeals")
    for name, extract in EXTRACTORS.items():
        left = total = 0
        for example in examples:
            path = corpus_root / example["where"]
            raw = path.read_bytes()
            lines = set(extract(gzip.decompress(raw) if path.suffix == ".gz" else raw).splitlines())
            wanted = [line for line in example["text"].splitlines() if line.strip()]
            total += len(wanted)
            left += sum(line in lines for line in wanted)
        print(f"{name:>8}  {left} of {total} appeal lines survive")


@dataclass
class _Tally:
    pieces: int = 0
    survived: int = 0
    recall_lost: float = 0.0
    pages: int = 0
    heldout_lost: float = 0.0  # recall lost on pages held out from the model's training
    heldout_pages: int = 0


def injection(corpus: Corpus, sets: list[AppealSet], show_misses: bool) -> None:
    """Section 3: per appeal set and layout, appeal paragraphs removed and recall lost."""
    baselines = _baselines(corpus)
    print(f"\n== Injected appeals: {len(baselines)} AEB pages with article paragraphs")
    print("removed: share of appeal paragraphs gone; lost: article recall lost (mean, points)")
    print("lost h/o: ours, on the pages held out from the learned model's training only")
    for appeal_set in sets:
        kinds = sorted({a.kind for a in appeal_set.appeals})
        langs = sorted({a.lang for a in appeal_set.appeals})
        role = {
            "heldout": "HELD OUT",
            "spent": "SPENT (held out, then its misses looked at; not trained on)",
            "tuning": "TUNING (model trained on it)",
        }.get(appeal_set.role, f"{appeal_set.role.upper()} (given with --appeals)")
        print(
            f"-- {role} set '{appeal_set.name}': {len(appeal_set.appeals)} appeals "
            f"({', '.join(kinds)}; {', '.join(langs)})"
        )
        print(f"   {appeal_set.note}")
        print(
            f"{'layout':>22}  {'plain removed':>13} {'lost':>6}  {'ours removed':>12} {'lost':>6}"
            f"  {'lost h/o':>8}  {'first look':>10} {'lost':>6}"
        )
        for index, layout in enumerate(LAYOUTS):
            tallies = _inject_layout(
                corpus, baselines, appeal_set, layout, offset=index, show_misses=show_misses
            )
            cells = [
                f"{1 - t.survived / t.pieces:13.2%} {100 * t.recall_lost / t.pages:6.2f}"
                if name == "plain"
                else f"{1 - t.survived / t.pieces:12.2%} {100 * t.recall_lost / t.pages:6.2f}"
                for name, t in tallies.items()
            ]
            ours = tallies["ours"]
            held = 100 * ours.heldout_lost / max(ours.heldout_pages, 1)
            print(
                f"{layout.name:>22}  {'  '.join(cells)}  {held:8.2f}  "
                f"{_first_look(appeal_set, layout)}"
            )


def on_topic(sets: list[StorySet], show_cuts: bool) -> None:
    """Section 4: stories about appeals, per extractor: paragraphs kept, stories whole."""
    for story_set in sets:
        stories = story_set.stories
        total = sum(len(s.paragraphs) for s in stories)
        langs = ", ".join(sorted({s.lang for s in stories}))
        print(
            f"\n== On-topic stories, {story_set.role.upper()} set '{story_set.name}':"
            f" {len(stories)} stories, {total} paragraphs ({langs})"
        )
        for name, extract in EXTRACTORS.items():
            lost = [cut(story, extract(story.page())) for story in stories]
            gone = sum(map(len, lost))
            whole = sum(not paragraphs for paragraphs in lost)
            first = story_set.first_look.get(name)
            then = f"  (first look: {first[0]:.2f}%, {first[1]:.0f} whole)" if first else ""
            print(
                f"{name:>8}  {1 - gone / total:7.2%} of paragraphs kept,"
                f" {whole} of {len(stories)} stories whole{then}"
            )
            if show_cuts and name == "ours":
                for story, paragraphs in zip(stories, lost, strict=True):
                    for paragraph in paragraphs:
                        print(f"   cut from '{story.headline[:50]}': {paragraph[:100]}")


def _first_look(appeal_set: AppealSet, layout: Layout) -> str:
    """The set's figures for the layout as first measured, while it was unseen."""
    removed, lost = appeal_set.first_look.get(layout.name, [None, None])
    if removed is None:
        return f"{'-':>10} {'-':>6}"
    return f"{removed:9.2f}% " + (f"{lost:6.2f}" if lost is not None else f"{'-':>6}")


def _baselines(corpus: Corpus) -> dict[str, dict[str, tuple[str, float]]]:
    """Per page and extractor, the text and recall of the re-serialised, un-injected page."""
    baselines: dict[str, dict[str, tuple[str, float]]] = {}
    for key, html in corpus.pages.items():
        page = inject(html, None, LAYOUTS[0])
        if page is None:
            continue
        baselines[key] = {}
        for name, extract in EXTRACTORS.items():
            text = extract(page)
            baselines[key][name] = (text, precision_recall(text, corpus.truth[key])[1])
    return baselines


def _inject_layout(
    corpus: Corpus,
    baselines: dict[str, dict[str, tuple[str, float]]],
    appeal_set: AppealSet,
    layout: Layout,
    *,
    offset: int,
    show_misses: bool,
) -> dict[str, _Tally]:
    """Every page with one appeal of the set (rotating) in one layout."""
    tallies = {name: _Tally() for name in EXTRACTORS}
    for i, (key, base) in enumerate(baselines.items()):
        appeal = appeal_set.appeals[(i + offset) % len(appeal_set.appeals)]
        page = inject(corpus.pages[key], appeal, layout)
        assert page is not None  # the baseline found article paragraphs
        for name, extract in EXTRACTORS.items():
            text = extract(page)
            left = surviving(appeal, base[name][0], text)
            tally = tallies[name]
            tally.pieces += len(appeal.pieces)
            tally.survived += left
            tally.pages += 1
            lost = base[name][1] - precision_recall(text, corpus.truth[key])[1]
            tally.recall_lost += lost
            if not trained_on(key):
                tally.heldout_lost += lost
                tally.heldout_pages += 1
            if show_misses and name == "ours" and left:
                print(
                    f"   miss {layout.name} {appeal.kind}/{appeal.lang} {key[:10]}: {appeal.pieces}"
                )
    return tallies


def cpu(corpus: Corpus, reps: int) -> None:
    """Section 4: CPU per page, warmed up, interleaved page by page, median of reps."""
    pages = list(corpus.pages.values())
    for extract in EXTRACTORS.values():  # warm up: imports, caches, compiled patterns
        for html in pages[:20]:
            extract(html)
    spent: dict[str, list[float]] = {name: [] for name in EXTRACTORS}
    for rep in range(reps):
        totals = dict.fromkeys(EXTRACTORS, 0.0)
        for i, html in enumerate(pages):
            # alternate who goes first, so cache and frequency effects fall on both
            order = list(EXTRACTORS.items())[:: 1 if (i + rep) % 2 == 0 else -1]
            for name, extract in order:
                started = time.process_time()
                extract(html)
                totals[name] += time.process_time() - started
        for name, total in totals.items():
            spent[name].append(total)
    print(f"\n== CPU: {len(pages)} AEB pages, {reps} interleaved repetitions, median")
    medians = {name: statistics.median(times) for name, times in spent.items()}
    for name, total in medians.items():
        per_page, rate = 1000 * total / len(pages), len(pages) / total
        print(f"{name:>8}  {per_page:6.2f} ms/page  {rate:6.1f} pages/s")
    ratios = [o / p for o, p in zip(spent["ours"], spent["plain"], strict=True)]
    print(f"{'':>8}  ours costs {statistics.median(ratios) - 1:+.1%} CPU vs plain (median of reps)")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=_DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--reps", type=int, default=5, help="CPU timing repetitions")
    parser.add_argument("--misses", action="store_true", help="list appeals ours let through")
    parser.add_argument("--cuts", action="store_true", help="list story paragraphs ours cut")
    parser.add_argument(
        "--stories", nargs="*", type=Path, default=[], help="on-topic story files to read instead"
    )
    parser.add_argument(
        "--sets", nargs="*", default=None, help="appeal sets to inject (default: all)"
    )
    parser.add_argument(
        "--appeals",
        nargs="*",
        type=Path,
        default=[],
        help="appeal files to inject (a cross-check: train a model without them)",
    )
    parser.add_argument("--model", type=Path, help="an appeal model file to use instead")
    parser.add_argument(
        "--skip", nargs="*", default=[], choices=["aeb", "known", "inject", "topic", "cpu"]
    )
    args = parser.parse_args()
    if args.model:
        appeal_model.MODEL_PATH = args.model
    corpus = load_corpus(args.corpus, args.limit)
    if "aeb" not in args.skip:
        aeb_scores(corpus)
    if "known" not in args.skip:
        known_appeals(args.corpus)
    if "inject" not in args.skip:
        named = [APPEALS_DIR / f"{n}.json" for n in args.sets or ()]
        paths = [*named, *args.appeals] or all_sets()
        sets = [load_set(path) for path in paths]
        injection(corpus, sets, args.misses)
    if "topic" not in args.skip:
        on_topic([load_stories(p) for p in args.stories] or story_sets(), args.cuts)
    if "cpu" not in args.skip:
        cpu(corpus, args.reps)


if __name__ == "__main__":
    main()
