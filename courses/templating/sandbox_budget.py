"""What one sandboxed render may spend: loop iterations, output characters and wall-clock time.

Nested `{% for %}` over a learner's name multiplies: six levels over 20 characters is 64 million
passes. Nesting is refused when a template is validated (MAX_LOOP_DEPTH); the rest is counted
while rendering, by the loop tag itself, against the budget of the render in progress.
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.template import NodeList
from django.template.defaulttags import ForNode, do_for

MAX_LOOP_DEPTH = 3
MAX_LOOP_ITERATIONS = 10_000
MAX_OUTPUT_CHARS = 2_000_000
MAX_RENDER_SECONDS = 5.0


class TemplateBudgetExceeded(Exception):
    """A render went over its budget; permanent (the same template and data go over again)."""

    def __init__(self, problem: str):
        self.problem = problem
        super().__init__(problem)


class RenderBudget:
    def __init__(self, *, seconds: float):
        self.iterations = 0
        self.output_chars = 0
        self.deadline = time.monotonic() + seconds
        self.seconds = seconds

    def loop_pass(self, line) -> None:
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            raise TemplateBudgetExceeded(
                f"line {line}: the loops ran more than {MAX_LOOP_ITERATIONS:,} times in one render; loop over less."
            )
        self._in_time(line)

    def output(self, chars: int, line) -> None:
        self.output_chars += chars
        if self.output_chars > MAX_OUTPUT_CHARS:
            raise TemplateBudgetExceeded(f"line {line}: the output passed {MAX_OUTPUT_CHARS:,} characters.")
        self._in_time(line)

    def _in_time(self, line) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateBudgetExceeded(f"line {line}: rendering took longer than {self.seconds:g} s.")


_current: ContextVar[RenderBudget | None] = ContextVar("laurel_render_budget", default=None)


@contextmanager
def render_budget(*, seconds: float | None = None):
    """Every sandboxed loop rendered inside this block counts against one fresh budget."""
    token = _current.set(RenderBudget(seconds=MAX_RENDER_SECONDS if seconds is None else seconds))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


class _Counted:
    """One node of a loop body whose output counts against the budget."""

    __slots__ = ("node", "line")

    def __init__(self, node, line):
        self.node, self.line = node, line

    def render_annotated(self, context):
        output = self.node.render_annotated(context)
        budget = _current.get()
        if budget is not None:
            budget.output(len(output), self.line)
        return output


class CountedLoopBody(NodeList):
    """A loop body that charges the budget one pass each time ForNode iterates over it."""

    def __init__(self, nodes, line):
        super().__init__(nodes)
        self.line = line

    def __iter__(self):
        budget = _current.get()
        if budget is None:  # the template checker walks the nodes outside any render
            yield from super().__iter__()
            return
        budget.loop_pass(self.line)
        for node in super().__iter__():
            yield _Counted(node, getattr(getattr(node, "token", None), "lineno", self.line))


def budgeted_for(parser, token):
    """{% for %} as Django's, its body counted: the sandbox's only loop."""
    node: ForNode = do_for(parser, token)
    node.nodelist_loop = CountedLoopBody(node.nodelist_loop, token.lineno)
    return node
