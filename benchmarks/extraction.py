"""Compare plain trafilatura with monitor's extraction on the shared corpus.

Prints, for the article-extraction benchmark pages (corpus/extraction/aeb), the
benchmark's own metric (mean precision and recall over pages of 4-token shingle
multisets, F1 from those means) and the CPU time per page, for plain
``trafilatura.extract(html)`` and for ``extract_article``; then how many known
appeal lines of corpus/appeals/examples.json survive each. Reads only local files.

    python benchmarks/extraction.py [--corpus DIR] [--limit N] [--worst K]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import trafilatura

from monitor.errors import ExtractError
from monitor.extract import extract_article

_TOKEN = re.compile(r"\w+")
_DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


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


def plain(html: bytes) -> str:
    return trafilatura.extract(html) or ""


def ours(html: bytes) -> str:
    try:
        return extract_article(html).text
    except ExtractError:
        return ""


def evaluate(
    name: str, extractor: Callable[[bytes], str], pages: dict[str, bytes], truth: dict[str, str]
) -> dict[str, tuple[float, float]]:
    """Run one extractor over every page; print P, R, F1 and CPU per page."""
    scores: dict[str, tuple[float, float]] = {}
    started = time.process_time()
    texts = {key: extractor(html) for key, html in pages.items()}
    spent = time.process_time() - started
    for key, text in texts.items():
        scores[key] = precision_recall(text, truth[key])
    p = sum(s[0] for s in scores.values()) / len(scores)
    r = sum(s[1] for s in scores.values()) / len(scores)
    f1 = 2 * p * r / (p + r) if p + r else 0.0
    ms = 1000 * spent / len(pages)
    print(f"{name:>6}: F1 {f1:.4f}  P {p:.4f}  R {r:.4f}  CPU {ms:.1f} ms/page")
    return scores


def survivors(corpus: Path) -> None:
    """Count the known appeal lines each extractor lets through."""
    examples = json.loads((corpus / "appeals" / "examples.json").read_text())
    for name, extractor in (("plain", plain), ("ours", ours)):
        left = total = 0
        for example in examples:
            path = corpus / example["where"]
            raw = path.read_bytes()
            html = gzip.decompress(raw) if path.suffix == ".gz" else raw
            lines = set(extractor(html).splitlines())
            wanted = [line for line in example["text"].splitlines() if line.strip()]
            total += len(wanted)
            left += sum(line in lines for line in wanted)
        print(f"{name:>6}: {left} of {total} appeal lines survive")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=_DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=0, help="only the first N pages")
    parser.add_argument("--worst", type=int, default=5, help="list pages where ours lost most")
    args = parser.parse_args()
    aeb = args.corpus / "extraction" / "aeb"
    truth_all = json.loads((aeb / "ground-truth.json").read_text())
    files = sorted((aeb / "html").glob("*.html.gz"))
    files = files[: args.limit] if args.limit else files
    pages = {f.name.removesuffix(".html.gz"): gzip.decompress(f.read_bytes()) for f in files}
    truth = {key: truth_all[key]["articleBody"] for key in pages}
    print(f"{len(pages)} pages")
    base = evaluate("plain", plain, pages, truth)
    mine = evaluate("ours", ours, pages, truth)
    lost = sorted(pages, key=lambda k: mine[k][1] - base[k][1])[: args.worst]
    for key in lost:
        if mine[key][1] < base[key][1]:
            print(f"  recall {base[key][1]:.3f} -> {mine[key][1]:.3f}  {key}")
    survivors(args.corpus)


if __name__ == "__main__":
    main()
