"""Out-of-author check of the text layer, fast: k folds of the training data.

The injection benchmark (``benchmarks/extraction.py``) runs trafilatura on real
pages: an appeal set takes minutes, and each layout reads only one appeal per
page. This check reads every training appeal instead, at the text level, in
seconds once the fold models are trained:

* the appeal sets and the article sets are dealt into ``--folds`` folds (by a
  hash of the set's name: each author's set lands whole in one fold);
* for each fold a model is trained without it (``train_appeal_model``);
* each of the fold's appeals is pasted into an article text of its language,
  at the end and in the middle, and the text layer (``strip_appeal_text``)
  reads it there: a text of the fold's article sets (written near the appeals'
  subjects: many are stories about fundraising or paywalls), or, in English,
  one of general news (AEB texts of the half the model trains on: the other
  half is the benchmark's, not for choosing settings);
* the fold's article texts are also read alone (stories about fundraising,
  paywalls and newsletters among them, with no headline to guard them).

It prints the share of appeal paragraphs removed per layout and language, the
share of host paragraphs cut with them (per language and host source), and
the share of paragraphs cut from articles alone. The fold models are cached
under ``.cache/``, keyed by the training data and the trainer's code: a change
to either trains them anew.

So the text layer's settings (``--set NAME=VALUE`` overrides one of
``monitor/appeals/text.py``'s) and the training data can be judged on text by
authors the model never read, without looking at the held-out appeal sets or
the benchmark's held-out AEB pages.

    python tools/crosscheck_appeals.py [--folds 4] [--misses N] [--set NAME=VALUE ...]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import random
import sys
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

import train_appeal_model as trainer  # noqa: E402

from monitor.appeals import model as appeal_model  # noqa: E402
from monitor.appeals import text as text_layer  # noqa: E402

SEED = 20261128
CACHE = ROOT / ".cache" / "appeal_folds"
LAYOUTS = ("end", "middle")


@dataclass
class Tally:
    pieces: int = 0  # appeal paragraphs pasted
    removed: int = 0
    host: int = 0  # article paragraphs around them
    host_cut: int = 0
    # (appeal, its paragraphs, which were removed) for each appeal not wholly removed
    misses: list[tuple[str, tuple[str, ...], tuple[bool, ...]]] = field(default_factory=list)

    def add(self, other: Tally) -> None:
        self.pieces += other.pieces
        self.removed += other.removed
        self.host += other.host
        self.host_cut += other.host_cut
        self.misses += other.misses


@dataclass(frozen=True)
class Data:
    appeals: dict[str, list[trainer.Inserts]]
    texts: dict[str, list[trainer.Text]]


def fold_of(name: str, folds: int) -> int:
    return zlib.crc32(name.encode()) % folds


def left_out(data: Data, fold: int, folds: int) -> set[str]:
    """The sets of one fold (never AEB's training half or the test pages)."""
    names = {n for n in [*data.appeals, *data.texts] if fold_of(n, folds) == fold}
    return names - {"aeb-train", "pages"}


def train_without(corpus: Path, leave: set[str], out: Path) -> None:
    """Train a model as ``train_appeal_model`` does, without the named sets."""
    fitted = trainer.fit(corpus, leave)
    trainer.save(fitted.weights, fitted.bias, fitted.common, out)


def data_key() -> str:
    """What the fold models depend on: the training data, the trainer's code and
    the package's modules it runs (the model, whose signals, morphology and
    stems make features), and the versions of the libraries those use."""
    digest = hashlib.sha256()
    files = [Path(trainer.__file__), *feature_modules(Path(trainer.__file__))]
    files += sorted(trainer.DATA.glob("*.json")) + sorted(trainer.APPEALS.glob("*.json"))
    files += sorted(trainer.PAGES.glob("*.article.txt"))
    for path in files:
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    for package in ("pymorphy3", "pymorphy3-dicts-ru", "snowballstemmer"):
        digest.update(f"{package}=={metadata.version(package)}".encode())
    return digest.hexdigest()[:12]


def feature_modules(script: Path) -> list[Path]:
    """The package's modules the trainer runs, found from its imports (the
    package's ``__init__`` aside, which loads the text layer too): the code
    that makes features. The text layer's settings do not change a fold's
    model, so trying one does not retrain. Only ``from monitor.appeals.X
    import ...`` is followed: the form the trainer and the model use."""
    package = Path(appeal_model.__file__).parent
    found: set[Path] = set()
    todo = [script]
    while todo:
        tree = ast.parse(todo.pop().read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            module = node.module if isinstance(node, ast.ImportFrom) else None
            if module and module.startswith("monitor.appeals."):
                path = package / f"{module.rsplit('.', 1)[1]}.py"
                if path not in found:
                    found.add(path)
                    todo.append(path)
    return sorted(found)


def use_model(path: Path) -> None:
    appeal_model.MODEL_PATH = path
    appeal_model.model.cache_clear()


def cut_paragraphs(paragraphs: Sequence[str]) -> list[bool]:
    """Per paragraph, whether the text layer removes it."""
    kept, _ = text_layer.strip_appeal_text(paragraphs)
    left = iter(kept)
    following = next(left, None)
    cut = []
    for paragraph in paragraphs:  # the kept paragraphs come back in order
        if paragraph == following:
            following = next(left, None)
            cut.append(False)
        else:
            cut.append(True)
    return cut


def paste_fold(
    appeals: dict[str, list[trainer.Inserts]],
    hosts: dict[str, list[tuple[str, trainer.Text]]],
    seed: int,
) -> dict[tuple[str, str], Tally]:
    """Each appeal pasted into a host of its language (else an English one), per
    layout; tallies by (layout, language/host source)."""
    rng = random.Random(seed)  # noqa: S311 (a fixed choice of hosts, not a secret)
    tallies: dict[tuple[str, str], Tally] = {}
    for name, inserts in sorted(appeals.items()):
        for index, insert in enumerate(inserts):
            for layout in LAYOUTS:
                source, host = rng.choice(hosts.get(insert.lang) or hosts["en"])
                around = host.paragraphs
                at = len(around) if layout == "end" else len(around) // 2
                size = len(insert.pieces)
                cut = cut_paragraphs([*around[:at], *insert.pieces, *around[at:]])
                mine = tuple(cut[at : at + size])
                tally = tallies.setdefault((layout, f"{insert.lang}/{source}"), Tally())
                tally.pieces += size
                tally.removed += sum(mine)
                tally.host += len(around)
                tally.host_cut += sum(cut[:at]) + sum(cut[at + size :])
                if not all(mine):
                    tally.misses.append((f"{name}#{index}", tuple(insert.pieces), mine))
    return tallies


def check(
    data: Data, corpus: Path, folds: int, *, retrain: bool, show_cuts: bool
) -> tuple[dict[tuple[str, str], Tally], Tally]:
    """Pasted appeals by (layout, host), and the fold articles read alone."""
    pasted: dict[tuple[str, str], Tally] = {}
    alone = Tally()
    cache = CACHE / data_key()
    cache.mkdir(parents=True, exist_ok=True)
    for fold in range(folds):
        leave = left_out(data, fold, folds)
        path = cache / f"fold{fold}of{folds}.json"
        if retrain or not path.exists():
            train_without(corpus, leave, path)
        use_model(path)
        articles = [(n, t) for n in sorted(leave & set(data.texts)) for t in data.texts[n]]
        hosts: dict[str, list[tuple[str, trainer.Text]]] = {
            "en": [("news", t) for t in data.texts["aeb-train"]]
        }
        for _, text in articles:
            hosts.setdefault(text.lang, []).append(("sets", text))
        fold_appeals = {n: data.appeals[n] for n in leave if n in data.appeals}
        for key, tally in paste_fold(fold_appeals, hosts, SEED + fold).items():
            pasted.setdefault(key, Tally()).add(tally)
        for name, text in articles:
            cut = cut_paragraphs(text.paragraphs)
            alone.host += len(cut)
            alone.host_cut += sum(cut)
            if show_cuts and any(cut):
                gone = [p for p, c in zip(text.paragraphs, cut, strict=True) if c]
                print(f"   cut from {name}: {gone}")
    return pasted, alone


def report(pasted: dict[tuple[str, str], Tally], alone: Tally, misses: int) -> None:
    print(f"{'layout':>8} {'host':>8} {'pieces':>7} {'removed':>8} {'host cut':>9}")
    rows = sorted(pasted.items())
    for layout in LAYOUTS:
        both = Tally()
        for (lay, _), tally in rows:
            if lay == layout:
                both.add(tally)
        for (lay, host), tally in [
            *((k, t) for k, t in rows if k[0] == layout),
            ((layout, "all"), both),
        ]:
            print(
                f"{lay:>8} {host:>8} {tally.pieces:7d} {tally.removed / max(tally.pieces, 1):8.2%} "
                f"{tally.host_cut / max(tally.host, 1):9.3%}"
            )
        rng = random.Random(SEED)  # noqa: S311 (a fixed sample to read)
        for name, pieces, removed in rng.sample(both.misses, min(misses, len(both.misses))):
            print(f"   miss {layout} {name}:")
            for piece, gone in zip(pieces, removed, strict=True):
                print(f"      {'cut ' if gone else 'LEFT'} {piece[:110]}")
    share = alone.host_cut / max(alone.host, 1)
    print(f"articles alone: {alone.host_cut} of {alone.host} paragraphs cut ({share:.3%})")


def override(settings: list[str]) -> None:
    """Set text-layer constants for this run: ``NAME=VALUE`` (a number)."""
    for setting in settings:
        name, _, value = setting.partition("=")
        current = getattr(text_layer, name, None)
        if not isinstance(current, float | int):
            raise SystemExit(f"--set {setting}: no numeric setting {name} in the text layer")
        try:
            setattr(text_layer, name, type(current)(value))
        except ValueError:
            raise SystemExit(f"--set {setting}: {value!r} is not a value for {name}") from None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=trainer.DEFAULT_CORPUS)
    parser.add_argument("--folds", type=int, default=4)
    parser.add_argument("--retrain", action="store_true", help="retrain the cached fold models")
    parser.add_argument("--misses", type=int, default=0, help="show this many misses per layout")
    parser.add_argument("--cuts", action="store_true", help="show paragraphs cut from articles")
    parser.add_argument("--set", nargs="*", default=[], help="NAME=VALUE: a text-layer setting")
    args = parser.parse_args()
    override(args.set)
    texts, _ = trainer.article_sets(args.corpus)
    data = Data(trainer.appeal_sets(), texts)
    pasted, alone = check(data, args.corpus, args.folds, retrain=args.retrain, show_cuts=args.cuts)
    report(pasted, alone, args.misses)


if __name__ == "__main__":
    main()
