"""Load, once, what the appeal layers read from disk, so that a broken install
fails at start-up with one clear line rather than on every page in every worker."""

from __future__ import annotations

# Importing the model module builds the stemmers: a missing snowballstemmer
# fails here, at start-up, as an import error.
from monitor.appeals.model import MODEL_PATH, model
from monitor.appeals.morphology import is_second_person_verb_ru
from monitor.errors import SetupError


def ensure_ready() -> None:
    """Load the appeal model and the Russian analyser's dictionary. Raises
    ``SetupError`` saying which is missing and how to restore it."""
    try:
        model()
    except Exception as e:  # whatever a damaged file raises, the remedy is one
        raise SetupError(
            f"the appeal model {MODEL_PATH} cannot be read ({e}); reinstall monitor"
        ) from e
    try:
        is_second_person_verb_ru("поддержите")
    except Exception as e:  # a missing or truncated file raises anything from OSError to EOFError
        raise SetupError(
            "the Russian morphology dictionary cannot be loaded "
            f"({type(e).__name__}: {e}); reinstall monitor, or run "
            "pip install 'pymorphy3-dicts-ru>=2.4.417150,<3'"
        ) from e
