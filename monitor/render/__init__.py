"""Alert -> console line, Slack payload, email message.

Pure functions: no I/O, no clock (message times come from the alert itself),
so a resend renders the same bytes. Everything a feed wrote (title, feed name,
snippets, URL) is treated as hostile, and every channel limit is respected by
truncating with ``…`` rather than being left for the channel to reject. This
package does not decide *whether* to alert or *where*; it only formats.
"""

from monitor.render.console import console_line
from monitor.render.mail import email_message, email_subject, message_id_for
from monitor.render.slack import (
    SLACK_HEADER_MAX,
    SLACK_MAX_BLOCKS,
    SLACK_SECTION_MAX,
    slack_escape,
    slack_payload,
)
from monitor.render.text import one_line, truncate

__all__ = [
    "SLACK_HEADER_MAX",
    "SLACK_MAX_BLOCKS",
    "SLACK_SECTION_MAX",
    "console_line",
    "email_message",
    "email_subject",
    "message_id_for",
    "one_line",
    "slack_escape",
    "slack_payload",
    "truncate",
]
