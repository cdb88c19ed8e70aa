"""A template cannot build an unbounded string outside a loop: every filter is under the output budget.

The probe's template: 78 characters of chained `join` over the learner's name built over 1 GB and
held a web worker for 66 s. It must be refused before the string exists, naming the line.
"""

import time
import tracemalloc

import pytest
from django.template.defaultfilters import register as django_filters

from courses.templating.sandbox import TemplateRefused, sandbox_render, template_validate
from courses.templating.sandbox_library import ALLOWED_FILTERS

LONG_NAME = "Maximiliana Konstantina " * 8 + "O'Brien-Smith"  # 205 characters, like the save check's longest sample
CHAINED_JOIN = "<i>\n{{ learner_name|join:learner_name|join:learner_name|join:learner_name }}\n."


def _refusal(source, context, **kwargs):
    """(the problems, seconds taken, peak memory in bytes) of a render that must be refused."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(TemplateRefused) as refused:
            sandbox_render(source, context, **kwargs)
        return refused.value.problems, time.perf_counter() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_probes_78_character_chained_join_is_refused_before_it_is_built():
    assert len(CHAINED_JOIN) == 78
    problems, seconds, peak = _refusal(CHAINED_JOIN, {"learner_name": LONG_NAME})
    assert problems == [
        "line 2: |join would build 9,084,160 characters; the output may not pass 2,000,000."
    ], problems
    assert peak < 20_000_000, f"the refusal held {peak:,} bytes"
    print(f"chained join refused in {seconds * 1000:.1f} ms, peak {peak / 1e6:.1f} MB")


@pytest.mark.parametrize("autoescape", [True, False])
def test_one_join_over_the_budget_is_refused_in_any_part(autoescape):
    problems, _, peak = _refusal("a\nb\n{{ n|join:n|join:n }}", {"n": "x" * 2000}, autoescape=autoescape)
    assert problems == ["line 3: |join would build 4,000,000 characters; the output may not pass 2,000,000."]
    assert peak < 20_000_000


def test_a_join_in_an_if_condition_is_refused_although_if_swallows_errors():
    source = "{% if n|join:n|join:n|join:n|join:n == 'x' %}yes{% endif %}"
    problems, _, peak = _refusal(source, {"n": "abcdefghij" * 4})
    assert problems[0].startswith("line 1: |join would build")
    assert peak < 20_000_000


def test_a_join_as_a_loop_sequence_is_refused():
    problems, _, _ = _refusal("{% for c in n|join:n|join:n|join:n %}{% endfor %}", {"n": "abcdefghij" * 4})
    assert problems[0].startswith("line 1: |join would build")


def test_a_join_in_firstof_is_refused():
    problems, _, _ = _refusal("\n{% firstof n|join:n|join:n|join:n %}", {"n": "abcdefghij" * 4})
    assert problems[0].startswith("line 2: |join would build")


def test_many_joins_each_under_the_budget_are_refused_together():
    source = "{{ n|join:n }}\n" * 60  # 60 × 40,000 characters, each under the budget, together over it
    problems, _, peak = _refusal(source, {"n": "y" * 200})
    assert problems[0].startswith("line ") and "2,000,000" in problems[0]
    assert peak < 30_000_000


def test_escaping_repeated_through_other_filters_is_bounded():
    source = "{{ n" + "|escape|upper" * 400 + " }}"  # each round adds 4 characters to every &
    problems, _, _ = _refusal(source, {"n": "&" * 1500})
    assert "2,000,000" in problems[0]


def test_joins_within_the_budget_render_as_before():
    assert sandbox_render("{{ n|join:', ' }}", {"n": ["Ana", "Bo"]}) == "Ana, Bo"
    assert sandbox_render("{{ n|join:'-' }}", {"n": "a<b"}) == "a-&lt;-b"
    assert sandbox_render("{{ n|join:n }}", {"n": "ab"}) == "aabb"


@pytest.mark.parametrize("name", ["center", "ljust", "rjust", "stringformat", "wordwrap", "floatformat", "make_list"])
def test_the_padding_and_formatting_filters_are_refused_by_name(name):
    problems = template_validate("{{ n|" + name + ':"99999999" }}', fields={"n": None})
    assert problems == [f"line 1: the filter |{name} is not allowed: allowed filters are {', '.join(sorted(ALLOWED_FILTERS))}."]


# The growth of every filter the sandbox allows, at its worst, audited: (template, context).
WORST_CASE = {
    "upper": ("{{ n" + "|upper|lower" * 300 + " }}", {"n": "ﬃ" * 3000}),
    "lower": ("{{ n" + "|lower|upper" * 300 + " }}", {"n": "İ" * 3000}),
    "title": ("{{ n" + "|title|escape|title" * 300 + " }}", {"n": "ﬃ&" * 1500}),
    "capfirst": ("{{ n" + "|capfirst|escape" * 600 + " }}", {"n": "&" * 3000}),
    "default": ("{{ n" + "|default:m|join:m" * 6 + " }}", {"n": "", "m": "abcdefghij" * 2}),
    "default_if_none": ("{{ n" + "|default_if_none:m|join:m" * 6 + " }}", {"n": None, "m": "abcdefghij" * 2}),
    "length": ("{{ n|length|join:n|join:n|join:n }}", {"n": "a" * 300}),
    "linebreaksbr": ("{{ n" + "|linebreaksbr|lower|escape" * 300 + " }}", {"n": "\n&" * 1500}),
    "truncatechars": ("{{ n|truncatechars:99999999|join:n|join:n }}", {"n": "a" * 2000}),
    "truncatewords": ("{{ n|truncatewords:99999999|join:n|join:n }}", {"n": "a " * 1000}),
    "first": ("{{ n|first|join:m|join:m|join:m }}", {"n": ["a" * 100], "m": "b" * 100}),
    "last": ("{{ n|last|join:m|join:m|join:m }}", {"n": ["a" * 100], "m": "b" * 100}),
    "join": (CHAINED_JOIN, {"learner_name": LONG_NAME}),
    "yesno": ("{{ n|yesno:m|join:m|join:m|join:m }}", {"n": True, "m": "&,b" * 100}),
    "pluralize": ("{{ n|pluralize:m|join:m|join:m|join:m }}", {"n": 2, "m": "s" * 300}),
    "escape": ("{{ n" + "|escape|upper" * 600 + " }}", {"n": "&" * 3000}),
}


def test_every_allowed_filter_is_audited():
    assert set(WORST_CASE) == set(ALLOWED_FILTERS)


@pytest.mark.parametrize("name", sorted(WORST_CASE))
def test_each_filter_at_its_worst_stays_within_the_budget(name):
    """Rendered within the output budget, or refused by it naming the line, in bounded memory."""
    source, context = WORST_CASE[name]
    assert f"|{name}" in source
    tracemalloc.start()
    try:
        output = sandbox_render(source, context)
    except TemplateRefused as refused:
        assert "2,000,000" in refused.problems[0] and refused.problems[0].startswith(("line 1: ", "line 2: ")), refused.problems
    else:
        assert len(output) <= 2_000_000
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < 60_000_000, f"|{name} held {peak:,} bytes"


def test_every_allowed_filter_is_djangos_own_behind_the_budget():
    for name, function in ALLOWED_FILTERS.items():
        registered = __import__("courses.templating.sandbox_library", fromlist=["register"]).register.filters[name]
        assert registered is not function and registered.__wrapped__ is function, name
        assert getattr(registered, "needs_autoescape", False) == getattr(django_filters.filters.get(name, function), "needs_autoescape", False)
