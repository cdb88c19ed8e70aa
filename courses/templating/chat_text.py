"""Learner text inside a chat message: Slack's mrkdwn and Markdown (Microsoft Teams cards) read markup in it.

In Slack's message text `<!channel>`, `<!here>`, `<@U123>` and `<https://…|click>` are control
sequences, and Slack's documented escaping is `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;` (nothing
else). A Teams Adaptive Card TextBlock (and a MessageCard's text) is Markdown: `[click](https://…)`
is a link, `**x**` bold, `- x` a list; each markup character is escaped with a backslash, as
CommonMark allows for any ASCII punctuation. `slack_text` and `markdown_text` are sandbox filters
(sandbox_library.py) for these.

A REST connection's templates get each value already escaped for its place (a JSON string, a URL, a
header: issuance/outbound/rest/fields.py) as `PlacedText`, which keeps the value as typed: the
filters escape that for the chat and escape the result again for the place, so a backslash added
for Markdown arrives as `\\\\` in a JSON body. Applied to plain text (a certificate's, or after
another filter), they escape the text they are given.
"""

import re

SLACK_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SLACK = re.compile("[&<>]")
# The ASCII punctuation that starts or ends Markdown markup: emphasis, links and images, code,
# autolinks and HTML, headings, lists (`-`, `+`, `1.`), strike-through, tables, and the `:` and `.`
# of a bare address a client could turn into a link. The backslash itself first.
MARKDOWN_SPECIAL = "\\`*_{}[]()<>#+-.!|~:"
_MARKDOWN = re.compile("[" + re.escape(MARKDOWN_SPECIAL) + "]")


class PlacedText(str):
    """Text already escaped for its place in a request, which still knows the value as typed and how it was escaped."""

    def __new__(cls, raw: str, escape):
        text = super().__new__(cls, escape(raw))
        text.raw, text.escape = raw, escape
        return text


def _chat_escaped(value, escape_for_chat) -> str:
    if isinstance(value, PlacedText):
        return value.escape(escape_for_chat(value.raw))
    return escape_for_chat("" if value is None else str(value))


def slack_escape(text: str) -> str:
    return _SLACK.sub(lambda match: SLACK_ESCAPES[match.group()], text)


def markdown_escape(text: str) -> str:
    return _MARKDOWN.sub(lambda match: "\\" + match.group(), text)


def slack_text(value) -> str:
    """The value for Slack message text: no mention, channel ping or link can come out of it."""
    return _chat_escaped(value, slack_escape)


def markdown_text(value) -> str:
    """The value for Markdown text (a Teams card): shown as typed, never a link, emphasis or list."""
    return _chat_escaped(value, markdown_escape)
