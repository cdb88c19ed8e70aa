"""Properties of the validators and the learner-name cleaner, over any input hypothesis can find."""

import json
import unicodedata
from datetime import datetime, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from issuance.email.addresses import address_ascii_domain, recipient_header
from issuance.bodies import MAX_JSON_DEPTH, text_storable, webhook_body_parse
from courses.templating.learner_text import BIDI_CONTROLS
from issuance.intake.validation import (
    CLOCK_SKEW,
    NAME_MAX_LENGTH,
    completed_at_parse,
    email_normalize,
    name_normalize,
    percent_parse,
)
from issuance.sources.base import CandidateCompletion

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
# Text with everything that trips names up: any code point, surrogates, controls, bidi overrides.
ANY_TEXT = st.text(st.characters(codec=None, exclude_categories=()), max_size=300) | st.text(
    st.sampled_from(list(" \t\n\r\x00\x85\u2028\u202e\u200d\ud800é\u0301Ω李") + ["a"]), max_size=40
)
JSON_SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | ANY_TEXT
ANY_JSON = st.recursive(JSON_SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
                        max_leaves=40)
ANY_VALUE = ANY_JSON | st.decimals(allow_nan=True) | st.floats()


@given(name=ANY_TEXT | JSON_SCALARS, given_name=st.none() | ANY_TEXT, family_name=st.none() | ANY_TEXT)
def test_a_cleaned_name_is_storable_printable_normalised_and_cleans_to_itself(name, given_name, family_name):
    cleaned, error = name_normalize(CandidateCompletion(name=name, given_name=given_name, family_name=family_name))
    assert (cleaned is None) != (error is None)
    if cleaned is None:
        assert error.strip()
        return
    cleaned.encode("utf-8")  # no lone surrogate: every database can store it
    assert cleaned == unicodedata.normalize("NFC", cleaned) == " ".join(cleaned.split()) != ""
    assert len(cleaned) <= NAME_MAX_LENGTH
    assert not any(unicodedata.category(c) in ("Cc", "Cs", "Zl", "Zp") or c in BIDI_CONTROLS for c in cleaned)
    assert name_normalize(CandidateCompletion(name=cleaned)) == (cleaned, None)


@given(value=ANY_VALUE)
def test_an_email_is_either_refused_with_a_reason_or_lower_case_and_stable(value):
    address, error = email_normalize(value)
    assert (address is None) != (error is None)
    if address is not None:
        assert address == address.lower() and "@" in address
        assert email_normalize(address) == (address, None)
        assert address_ascii_domain(address).rpartition("@")[2].isascii()
        recipient_header(name="Ana Lima", address=address)  # buildable for any accepted address


@given(local=st.from_regex(r"[a-zA-Z0-9]{1,12}", fullmatch=True),
       domain=st.sampled_from(["bücher.example", "münchen.de", "例え.jp", "παράδειγμα.gr", "example.org"]))
def test_an_accepted_international_domain_always_has_an_ascii_form(local, domain):
    address, error = email_normalize(f"{local}@{domain}")
    assert error is None
    assert address_ascii_domain(address).isascii()


@given(value=ANY_VALUE)
def test_a_percentage_is_refused_or_between_0_and_100(value):
    number, error = percent_parse(value, "score")
    assert number is None or error is None
    if number is not None:
        assert isinstance(number, Decimal) and number.is_finite() and 0 <= number <= 100


@given(value=ANY_VALUE | st.datetimes(timezones=st.none() | st.just(timezone.utc)).map(lambda d: d.isoformat()))
def test_a_completion_time_is_refused_or_aware_and_not_in_the_future(value):
    moment, error = completed_at_parse(value, now=NOW)
    assert (moment is None) != (error is None)
    if moment is not None:
        assert moment.utcoffset() is not None and moment <= NOW + CLOCK_SKEW


@given(body=st.binary(max_size=2000) | ANY_JSON.map(lambda v: json.dumps(v, ensure_ascii=True).encode()))
def test_parsing_any_body_never_raises_and_what_it_accepts_can_be_stored(body):
    payload, error = webhook_body_parse(body)
    if error is not None:
        assert payload is None and error.code in {"body_not_json", "body_too_deep", "body_not_text"}
        error.message.encode("utf-8")
        return
    assert "\\u0000" not in json.dumps(payload)
    json.dumps(payload, ensure_ascii=False).encode("utf-8")


@settings(max_examples=30)
@given(depth=st.integers(min_value=1, max_value=5000), brackets=st.sampled_from(["[]", "{}"]))
def test_nesting_is_accepted_up_to_the_limit_and_parked_beyond_it(depth, brackets):
    opening, closing = ('{"a":' , "}") if brackets == "{}" else ("[", "]")
    body = (opening * depth + "1" + closing * depth).encode()
    payload, error = webhook_body_parse(body)
    if depth <= MAX_JSON_DEPTH:
        assert error is None
    else:
        assert error.code == "body_too_deep" and payload is None


@given(value=ANY_TEXT)
def test_storable_text_is_always_storable(value):
    stored = text_storable(value)
    stored.encode("utf-8")
    assert "\x00" not in stored
    if value.isascii() and "\x00" not in value:
        assert stored == value
