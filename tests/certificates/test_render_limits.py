"""Rendering runs under the operating system's memory and CPU-time limits, the backstop behind the budget.

If a gap in the sandbox's budget let a template build a gigabyte (the probe's chained join did, before
the budget covered filters), the address-space limit ends the render within a second with a message
naming the line; a render that computes past its seconds is ended by the CPU timer. Either way the
process carries on with its limits as before.
"""

import resource
import threading

import pytest

from courses.templating import sandbox_budget
from courses.templating.render_limits import MEMORY_BYTES, RenderLimitExceeded, render_limits
from courses.templating.sandbox import TemplateRefused, sandbox_render

from .test_output_budget import CHAINED_JOIN, LONG_NAME


def test_the_chained_join_is_ended_by_the_memory_limit_when_the_budget_does_not_catch_it(monkeypatch):
    monkeypatch.setattr(sandbox_budget, "MAX_OUTPUT_CHARS", 10**12)  # a gap in the budget, as before #28
    before = resource.getrlimit(resource.RLIMIT_AS)
    # Unescaped (an email's subject): the join asks for 1.9 GB at once. Escaped, it first escapes 9 million
    # characters one by one, about 10 s of CPU before the limit; the same message ends it.
    with pytest.raises(TemplateRefused) as refused:
        sandbox_render(CHAINED_JOIN, {"learner_name": LONG_NAME}, autoescape=False)
    assert refused.value.problems == [
        "line 2: rendering the template needed more than 512 MB of memory and was stopped; make the template build less text."
    ]
    assert resource.getrlimit(resource.RLIMIT_AS) == before
    assert len(bytearray(MEMORY_BYTES + 64 * 1024 * 1024)) > MEMORY_BYTES  # the limit went with the render


def test_a_render_that_computes_past_its_seconds_is_ended_by_the_cpu_timer():
    with pytest.raises(RenderLimitExceeded) as exceeded:
        with render_limits(what="The PDF engine", seconds=0.3):
            while True:  # a library looping where the budget cannot see it
                pass
    assert str(exceeded.value) == "The PDF engine computed for more than 0.3 s and was stopped; make the template simpler."


def test_an_exception_handler_inside_the_render_cannot_swallow_the_timer():
    with pytest.raises(RenderLimitExceeded):
        with render_limits(what="rendering the template", seconds=0.2):
            while True:
                try:
                    sum(range(10_000))
                except Exception:  # what a library or a template's {% if %} does
                    pass


def test_a_library_that_swallows_the_first_signal_is_stopped_by_the_next():
    swallowed = 0
    with pytest.raises(RenderLimitExceeded):
        with render_limits(what="The PDF engine", seconds=0.2):
            try:
                while True:
                    pass
            except BaseException:  # a library that catches everything and carries on
                swallowed += 1
            while True:
                pass
    assert swallowed == 1


def test_a_render_in_another_thread_is_under_the_memory_limit_and_the_process_keeps_its_own():
    before = resource.getrlimit(resource.RLIMIT_AS)
    outcome = []

    def render():
        try:
            with render_limits(what="rendering the template", seconds=5):
                bytearray(2 * MEMORY_BYTES)
        except RenderLimitExceeded as exceeded:
            outcome.append(exceeded.problem)

    thread = threading.Thread(target=render)
    thread.start()
    thread.join()
    assert outcome and "more than 512 MB of memory" in outcome[0]
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def test_an_ordinary_template_renders_as_before():
    assert sandbox_render("<p>{{ learner_name }}</p>", {"learner_name": "Anna <b>"}) == "<p>Anna &lt;b&gt;</p>"
