"""The one rule for learner-supplied text (names, titles, values in emails): NFC, no control characters.

Intake refuses a name that breaks it; certificates and emails clean whatever reaches them by the
same rule, so a name looks the same on paper, in a subject line and in a message body.
"""

import re
import unicodedata

# C0 and C1 controls but tab and newline, and the Unicode line and paragraph separators: never wanted
# in a name or a message, and CR/LF is how an email header is forged.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Overrides and isolates that make a name display as something else; joiners (ZWJ/ZWNJ) stay allowed.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def learner_text_line(value) -> str:
    """One line: control characters become spaces, runs of white space a single space."""
    return " ".join(_CONTROL.sub(" ", unicodedata.normalize("NFC", str(value))).split())


def learner_text_block(value: str) -> str:
    """Text that may run over lines: control characters removed, tab and newline kept."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", value))


def learner_text_forbidden(value: str) -> str | None:
    """The first character intake refuses in a name: a control character (tab and newline included), a bidi
    control, or a lone surrogate (not text at all: no database can store it)."""
    return next(
        (char for char in value
         if _CONTROL.match(char) or char in "\t\n" or char in BIDI_CONTROLS or unicodedata.category(char) == "Cs"),
        None,
    )
