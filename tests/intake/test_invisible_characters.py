"""Zero-width and bidirectional control characters: refused in a name at intake, removed everywhere else, by one rule."""

import pytest

from courses.templating.learner_text import INVISIBLE, learner_text_block, learner_text_forbidden, learner_text_line
from issuance.intake.validation import name_normalize
from issuance.sources.base import CandidateCompletion

ZERO_WIDTH = ["\u200b", "\u2060", "\ufeff", "\u180e"]
DIRECTION = ["\u200e", "\u200f", "\u061c", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]


@pytest.mark.parametrize("char", ZERO_WIDTH + DIRECTION)
def test_intake_refuses_the_name_naming_the_character(char):
    name, error = name_normalize(CandidateCompletion(name=f"Ana{char} Lima"))
    assert name is None
    assert f"U+{ord(char):04X}" in error and "invisible formatting character" in error


def test_a_zero_width_space_is_named_as_staff_can_look_it_up():
    assert name_normalize(CandidateCompletion(name="Ana\u200bLima"))[1] == (
        "The name contains an invisible formatting character, U+200B (ZERO WIDTH SPACE); remove it and send the name again."
    )


@pytest.mark.parametrize("char", sorted(INVISIBLE))
def test_what_intake_refuses_certificates_and_emails_remove(char):
    assert learner_text_forbidden(f"a{char}b") == char
    assert learner_text_line(f"Ana{char} Lima") == "Ana Lima"
    assert learner_text_block(f"Dear Ana{char},\nwelcome") == "Dear Ana,\nwelcome"


@pytest.mark.parametrize("name", ["می\u200cخواهم", "क्\u200dष", "👩\u200d🔬 Ana"])
def test_joiners_that_spell_a_name_stay_allowed(name):
    assert name_normalize(CandidateCompletion(name=name)) == (name, None)
    assert learner_text_line(name) == name
