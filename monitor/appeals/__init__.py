"""Find and remove appeals (donation, membership, newsletter, paywall, ad-blocker
and cookie notices) from a page, and say why each piece went.

Three layers, all pure:

* ``strip_appeal_containers`` works on the lxml tree before extraction and drops
  elements whose markup declares an appeal (class, id, aria-label, role, data-*),
  or that hold a "Remind me later" style button.
* ``strip_appeal_boxes`` works on the same tree and judges the small boxes inside
  the article body (a title, a few lines, a button) as one unit by their words.
* ``strip_appeal_text`` works on the extracted paragraphs and drops whole
  appeal blocks (heading, body, buttons): those the per-language rules find
  (``scoring`` weighs each paragraph with ``SIGNALS``), and the runs the learned
  paragraph model (``model``), read in the story's context, gives enough weight.

What a feed's ``keep`` selectors match is spared by all three: the tree layers
never drop it, and ``KeptLines`` traces the extracted lines back to it for the
text layer.

None fetches anything, and none knows about sites: what marks an appeal is data
(``APPEAL_TOKENS``, ``SIGNALS``, the model's weights trained on
``tools/appeal_data``), so a new language or a new markup habit is new data,
not new code.
"""

from monitor.appeals.boxes import strip_appeal_boxes
from monitor.appeals.kept import KeptLines
from monitor.appeals.markup import is_detached, main_content, strip_appeal_containers
from monitor.appeals.signals import SIGNALS, Signal
from monitor.appeals.text import strip_appeal_text

__all__ = [
    "SIGNALS",
    "KeptLines",
    "Signal",
    "is_detached",
    "main_content",
    "strip_appeal_boxes",
    "strip_appeal_containers",
    "strip_appeal_text",
]
