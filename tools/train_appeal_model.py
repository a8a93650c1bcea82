"""Train the appeal paragraph model (``monitor/appeals/model.py``) and write its weights.

Positives: every paragraph (heading, body, button) of the tuning appeal sets in
``benchmarks/injected_appeals`` (role "tuning"; held-out sets are never read).
Negatives: the article paragraphs of the AEB ground truth for the training half
of its pages (``split(key) == "train"``: sha256 of the page key, even), the
on-topic article texts under ``tests/pages`` and the seed article. The other
half of AEB is held out for the benchmark.

Logistic regression by plain SGD, classes weighted to balance, L2, a fixed seed:
the same inputs give the same weights file.

    python tools/train_appeal_model.py [--corpus DIR] [--out FILE] [--exclude SET ...]

``--exclude NAME ...`` trains without the named tuning sets and reports how the
model scores their paragraphs: a check of how it does on appeals it never saw
(write such a model elsewhere with ``--out``).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from monitor.appeals.model import BITS, MODEL_PATH, SHAPES, features, trained_on  # noqa: E402

APPEALS = ROOT / "benchmarks" / "injected_appeals"
PAGES = ROOT / "tests" / "pages"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus"
SEED = 20261128
EPOCHS = 12
RATE = 0.3
L2 = 1e-5
PRUNE = 0.005  # weights smaller than this are dropped from the file
SCALE = 1000  # weights are stored as integers of 1/SCALE

Sample = tuple[list[tuple[int | str, float]], int]


def split(key: str) -> str:
    """The fixed half of AEB a page belongs to: "train" or "heldout"."""
    return "train" if trained_on(key) else "heldout"


def appeal_paragraphs(exclude: Iterable[str] = ()) -> list[str]:
    skip = set(exclude)
    found = []
    for path in sorted(APPEALS.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("role", "tuning") != "tuning" or data["name"] in skip:
            continue
        for appeal in data["appeals"]:
            found += [p for p in (appeal["heading"], *appeal["body"], appeal["button"]) if p]
    return found


def aeb_paragraphs(corpus: Path, half: str) -> list[str]:
    truth = json.loads((corpus / "extraction/aeb/ground-truth.json").read_text(encoding="utf-8"))
    return [
        line.strip()
        for key in sorted(truth)
        if split(key) == half
        for line in truth[key]["articleBody"].split("\n")
        if line.strip()
    ]


def page_paragraphs(corpus: Path) -> list[str]:
    texts = sorted(PAGES.glob("*.article.txt"))
    texts.append(corpus / "seed" / "moscow-times-taliban.article.txt")
    return [
        line.strip()
        for path in texts
        for line in path.read_text(encoding="utf-8").split("\n")
        if line.strip()
    ]


def train(positives: list[str], negatives: list[str]) -> tuple[dict[int | str, float], float]:
    samples: list[Sample] = [(list(features(p)), 1) for p in positives]
    samples += [(list(features(p)), 0) for p in negatives]
    class_weight = {1: len(samples) / (2 * len(positives)), 0: len(samples) / (2 * len(negatives))}
    weights: dict[int | str, float] = {}
    bias = 0.0
    rng = random.Random(SEED)  # noqa: S311 (a fixed shuffle, not a secret)
    order = list(range(len(samples)))
    step = 0
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for index in order:
            step += 1
            rate = RATE / (1 + step / len(samples))
            x, y = samples[index]
            z = bias + sum(weights.get(f, 0.0) * v for f, v in x)
            p = 1 / (1 + math.exp(-z)) if z > -30 else 0.0
            g = (p - y) * class_weight[y]
            bias -= rate * g
            for f, v in x:
                w = weights.get(f, 0.0)
                weights[f] = w - rate * (g * v + L2 * w)
    return weights, bias


def logit(weights: dict[int | str, float], bias: float, paragraph: str) -> float:
    return bias + sum(weights.get(f, 0.0) * v for f, v in features(paragraph))


def report(name: str, weights: dict[int | str, float], bias: float, texts: list[str]) -> None:
    probabilities = sorted(1 / (1 + math.exp(-logit(weights, bias, t))) for t in texts)
    cuts = " ".join(
        f">={c}: {sum(p >= c for p in probabilities) / len(texts):.1%}" for c in (0.5, 0.8, 0.9)
    )
    print(f"{name:>28} ({len(texts)} paragraphs)  {cuts}")


def save(weights: dict[int | str, float], bias: float, out: Path) -> None:
    hashed = sorted(
        (f, round(w * SCALE)) for f, w in weights.items() if isinstance(f, int) and abs(w) >= PRUNE
    )
    data = {
        "about": "appeal paragraph model; written by tools/train_appeal_model.py, do not edit",
        "bits": BITS,
        "scale": SCALE,
        "bias": round(bias, 4),
        "shapes": {name: round(weights.get(name, 0.0), 4) for name in SHAPES},
        # bucket numbers as gaps from the one before: a smaller file
        "gaps": [f - g for (f, _), g in zip(hashed, [0, *(f for f, _ in hashed)], strict=False)],
        "value": [w for _, w in hashed],
    }
    out.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"wrote {out}: {len(hashed)} weights, {out.stat().st_size / 1024:.0f} KB")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--exclude", nargs="*", default=[], help="tuning sets to leave out")
    args = parser.parse_args()
    negatives = aeb_paragraphs(args.corpus, "train") + page_paragraphs(args.corpus)
    positives = appeal_paragraphs(args.exclude)
    print(f"{len(positives)} appeal paragraphs, {len(negatives)} article paragraphs")
    weights, bias = train(positives, negatives)
    report("appeals (trained on)", weights, bias, positives)
    report("articles (trained on)", weights, bias, negatives)
    report("AEB held-out half articles", weights, bias, aeb_paragraphs(args.corpus, "heldout"))
    for name in args.exclude:
        data = json.loads((APPEALS / f"{name}.json").read_text(encoding="utf-8"))
        held = [p for a in data["appeals"] for p in (a["heading"], *a["body"], a["button"]) if p]
        report(f"{name} appeals (left out)", weights, bias, held)
    save(weights, bias, args.out)


if __name__ == "__main__":
    main()
