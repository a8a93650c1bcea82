"""Find and remove appeals (donation, membership, newsletter, paywall, ad-blocker
and cookie notices) from a page, and say why each piece went.

Two layers, both pure:

* ``strip_appeal_containers`` works on the lxml tree before extraction and drops
  elements whose markup declares an appeal (class, id, aria-label, role, data-*),
  or that hold a "Remind me later" style button.
* ``strip_appeal_text`` works on the extracted paragraphs and drops whole
  appeal blocks (heading, body, buttons) whose language asks the reader to give,
  join, subscribe, log in, or turn off an ad blocker; ``scoring`` weighs each
  paragraph with the per-language ``SIGNALS``.

Neither layer fetches anything, and neither knows about sites: what marks an
appeal is data (``APPEAL_TOKENS``, ``SIGNALS``), so a new language or a new
markup habit is a new table row, not new code.
"""

from monitor.appeals.boxes import strip_appeal_boxes
from monitor.appeals.markup import is_detached, main_content, strip_appeal_containers
from monitor.appeals.signals import SIGNALS, Signal
from monitor.appeals.text import strip_appeal_text

__all__ = [
    "SIGNALS",
    "Signal",
    "is_detached",
    "main_content",
    "strip_appeal_boxes",
    "strip_appeal_containers",
    "strip_appeal_text",
]
