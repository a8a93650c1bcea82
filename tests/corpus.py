"""Where the shared corpus lives: ``shared/`` beside the repository (as in CI)."""

from __future__ import annotations

from pathlib import Path

import pytest

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SEED_HTML = CORPUS / "seed" / "moscow-times-taliban.html"


def need_corpus() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    return CORPUS
