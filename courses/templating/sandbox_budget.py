"""What one sandboxed render may spend: loop iterations, output characters and wall-clock time.

Nested `{% for %}` over a learner's name multiplies: six levels over 20 characters is 64 million
passes. Nesting is refused when a template is validated (MAX_LOOP_DEPTH); the rest is counted
while rendering against the budget of the render in progress: each loop pass by the loop tag,
each piece of output by the node that writes it (`budget_instrument`), and each value a filter
builds by the filter, before it is built (sandbox_library.py), so no string outgrows the budget.
"""

import time
from contextlib import contextmanager
from contextvars import ContextVar

from django.template import NodeList
from django.template.defaulttags import ForNode, IfNode, do_for

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
        self.line = "?"  # the line of the node rendering now, for a filter's refusal
        self.stopped_line = None  # the line whose node an exception left (render_limits.py names it)
        # The first refusal, kept because `{% if %}` swallows any error its condition raises: the
        # render is refused at its end even when a condition hid the exception.
        self.refused: TemplateBudgetExceeded | None = None

    def value_admit(self, chars: int, what: str) -> None:
        """Refuse, before it is built, a value longer than the output this render may still write."""
        left = MAX_OUTPUT_CHARS - self.output_chars
        if chars > left:
            self.refuse(f"line {self.line}: {what} would build {chars:,} characters; the output may not pass {MAX_OUTPUT_CHARS:,}.")
        self._in_time(self.line)

    def refuse(self, problem: str):
        self.refused = self.refused or TemplateBudgetExceeded(problem)
        raise TemplateBudgetExceeded(problem)

    def loop_pass(self, line) -> None:
        self.iterations += 1
        if self.iterations > MAX_LOOP_ITERATIONS:
            self.refuse(f"line {line}: the loops ran more than {MAX_LOOP_ITERATIONS:,} times in one render; loop over less.")
        self._in_time(line)

    def output(self, chars: int, line) -> None:
        self.output_chars += chars
        if self.output_chars > MAX_OUTPUT_CHARS:
            self.refuse(f"line {line}: the output passed {MAX_OUTPUT_CHARS:,} characters.")
        self._in_time(line)

    def _in_time(self, line) -> None:
        if time.monotonic() > self.deadline:
            self.refuse(f"line {line}: rendering took longer than {self.seconds:g} s.")


_current: ContextVar[RenderBudget | None] = ContextVar("laurel_render_budget", default=None)


@contextmanager
def render_budget(*, seconds: float | None = None):
    """Every sandboxed loop rendered inside this block counts against one fresh budget."""
    token = _current.set(RenderBudget(seconds=MAX_RENDER_SECONDS if seconds is None else seconds))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current_budget() -> RenderBudget | None:
    """The budget of the sandboxed render in progress, if any."""
    return _current.get()


class _Counted:
    """A node rendered under the budget: it tells a filter its line, and a leaf's output is counted.

    Only leaves (text, variables, `now`, `firstof`) count their output, so output inside `if`
    or `for` is counted once, where it is written; loops count each pass as they repeat it.
    """

    __slots__ = ("node", "line", "leaf")

    def __init__(self, node, line, leaf):
        self.node, self.line, self.leaf = node, line, leaf

    def render_annotated(self, context):
        budget = _current.get()
        if budget is None:
            return self.node.render_annotated(context)
        outer, budget.line = budget.line, self.line
        try:
            output = self.node.render_annotated(context)
        except BaseException:  # the innermost node names the line an operating-system limit stopped
            budget.stopped_line = budget.stopped_line or self.line
            raise
        finally:
            budget.line = outer
        if self.leaf:
            budget.output(len(output), self.line)
        return output


def budget_instrument(nodelist, line="?") -> None:
    """Put every node of a compiled template, at any depth, under the render's budget (in place)."""
    for index, node in enumerate(nodelist):
        if isinstance(node, _Counted):
            continue
        node_line = getattr(getattr(node, "token", None), "lineno", line)
        if isinstance(node, IfNode):
            children = [child for _, child in node.conditions_nodelists]
        else:
            children = [getattr(node, name, None) for name in node.child_nodelists]
        children = [child for child in children if child is not None]
        for child in children:
            budget_instrument(child, node_line)
        leaf = not children and not isinstance(node, (IfNode, ForNode))
        nodelist[index] = _Counted(node, node_line, leaf)


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
        yield from super().__iter__()  # its nodes were put under the budget by budget_instrument


def budgeted_for(parser, token):
    """{% for %} as Django's, its body counted: the sandbox's only loop."""
    node: ForNode = do_for(parser, token)
    node.nodelist_loop = CountedLoopBody(node.nodelist_loop, token.lineno)
    return node
