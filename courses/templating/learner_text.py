"""The one rule for learner-supplied text (names, titles, values in emails): NFC, no control or invisible characters.

A learner's name is refused by `learner_name_clean` wherever it enters: intake (webhooks, CSV, forms, rosters
and the API, through issuance/intake/validation.py), a staff member's correction when a certificate is
regenerated, and the learner's admin page. Certificates and emails remove whatever reaches them by the same
rule, so a name looks the same on paper, in a subject line and in a message body.
"""

import re
import unicodedata

# C0 and C1 controls but tab and newline, and the Unicode line and paragraph separators: never wanted
# in a name or a message, and CR/LF is how an email header is forged.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
# Overrides and isolates that make a name display as something else; joiners (ZWJ/ZWNJ) stay allowed,
# since Persian, the Indic scripts and emoji need them to spell a name.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Invisible characters that change how a name reads or compares without being seen: the bidi
# controls, the direction marks (LRM, RLM, ALM) and the zero-width spaces (ZWSP, word joiner, BOM,
# Mongolian vowel separator). "Ana\u200bLima" looks like "AnaLima" and matches nothing.
INVISIBLE = BIDI_CONTROLS | frozenset("\u200e\u200f\u061c\u200b\u2060\ufeff\u180e")
_INVISIBLE = re.compile("[" + "".join(sorted(INVISIBLE)) + "]")


def learner_text_line(value) -> str:
    """One line: control characters become spaces, invisible ones are removed, runs of white space a single space."""
    return " ".join(_CONTROL.sub(" ", _INVISIBLE.sub("", unicodedata.normalize("NFC", str(value)))).split())


def learner_text_block(value: str) -> str:
    """Text that may run over lines: control and invisible characters removed, tab and newline kept."""
    return _INVISIBLE.sub("", _CONTROL.sub("", unicodedata.normalize("NFC", value)))


def learner_text_forbidden(value: str) -> str | None:
    """The first character intake refuses in a name: a control character (tab and newline included), an
    invisible one (INVISIBLE), or a lone surrogate (not text at all: no database can store it)."""
    return next(
        (char for char in value
         if _CONTROL.match(char) or char in "\t\n" or char in INVISIBLE or unicodedata.category(char) == "Cs"),
        None,
    )


def learner_text_character_named(char: str) -> str:
    """A refused character as staff can look it up: U+200B (ZERO WIDTH SPACE)."""
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} ({name})" if name else f"U+{ord(char):04X}"


NAME_MAX_LENGTH = 200  # what fits on a credential


class LearnerNameError(ValueError):
    """A name that cannot be a learner's; the message says which character or limit, for the sender or staff."""


def learner_name_clean(value: str) -> str:
    """The name as Laurel keeps it (NFC, runs of white space one space), or LearnerNameError saying why not.

    Every entry of a learner's name calls this, so one typed by staff is refused exactly as one sent by an LMS."""
    name = unicodedata.normalize("NFC", " ".join(str(value).split()))
    if not name:
        raise LearnerNameError("The learner's name is missing.")
    if len(name) > NAME_MAX_LENGTH:
        raise LearnerNameError(f"The name has {len(name)} characters; at most {NAME_MAX_LENGTH} fit on a credential.")
    # str.split() above already turned tabs and newlines into spaces; this finds what is left.
    if (char := learner_text_forbidden(name)) is not None:
        kind = "an invisible formatting character" if char in INVISIBLE else "a control character"
        raise LearnerNameError(f"The name contains {kind}, {learner_text_character_named(char)}; remove it and send the name again.")
    return name
