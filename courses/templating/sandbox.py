"""The restricted template engine for staff-edited templates (certificates, emails).

A staff author gets `{{ merge_field }}`, a vetted handful of tags and filters, and always-on
autoescaping; the context is plain strings and numbers (and lists of plain dicts), never objects.
`template_validate` explains every refusal by name and line; `sandbox_render` refuses to render
anything `template_validate` would refuse, and stops a render over its budget (sandbox_budget.py).
"""

from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache

from django.template import Context, Engine, TemplateSyntaxError
from django.template.base import FilterExpression, Lexer, Node, TokenType, Variable
from django.template.defaulttags import ForNode, IfNode, TemplateLiteral
from django.templatetags.i18n import BlockTranslateNode

from .render_limits import RenderLimitExceeded, render_limits
from .sandbox_budget import MAX_LOOP_DEPTH, MAX_OUTPUT_CHARS, MAX_RENDER_SECONDS, TemplateBudgetExceeded, budget_instrument, render_budget
from .sandbox_library import ALLOWED_FILTERS, ALLOWED_TAG_WORDS

MAX_TEMPLATE_CHARS = 100_000



class ObjectFields(frozenset):
    """The keys of a field that is one plain dict of plain values, used as {{ learner.email }}."""


# A field spec names the merge fields a template may use: None for a plain value, the keys of the
# plain dicts in a list field (e.g. signatories -> {"name", "title", "signature"}), or ObjectFields:
# the keys of a field that is one plain dict (e.g. learner -> ObjectFields({"name", "email"})).
FieldSpec = Mapping[str, frozenset[str] | None]

_WHY = {
    "load": "it would load other tag libraries",
    "include": "it would read other templates from the server",
    "extends": "it would read other templates from the server",
    "ssi": "it would read files from the server",
    "debug": "it would print the server's internals",
    "autoescape": "escaping cannot be turned off: learner text is always escaped",
    "templatetag": "it produces template syntax",
    "verbatim": "it produces template syntax",
    "url": "it would reveal the server's URLs",
    "csrf_token": "it has no use in a document",
    "block": "templates cannot be extended",
    "filter": "filters apply to merge fields only",
}
_FILTER_WHY = {"safe": "learner text is always escaped", "safeseq": "learner text is always escaped"}


class TemplateRefused(ValueError):
    """A template uses something the sandbox does not allow; `problems` lists each one."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("; ".join(problems))


class SandboxEngine(Engine):
    default_builtins = []


_engine = SandboxEngine(
    builtins=["courses.templating.sandbox_library"],
    libraries={},
    loaders=[],
    autoescape=True,
    debug=True,  # keeps each node's token, so problems can name their line
    string_if_invalid="",
)


def _tag_problems(source: str) -> list[str]:
    problems, refused = [], set()
    for token in Lexer(source).tokenize():
        if token.token_type != TokenType.BLOCK:
            continue
        name = token.split_contents()[0] if token.contents.strip() else ""
        if name.startswith("end") and name[3:] in refused:
            continue  # the opening tag was already named
        if name not in ALLOWED_TAG_WORDS:
            refused.add(name)
            why = _WHY.get(name, "it is not one of the allowed tags (if, for, now, comment, spaceless, firstof, translate, "
                                 "blocktranslate)")
            problems.append(f"line {token.lineno}: {{% {name} %}} is not allowed: {why}.")
    return problems


def _expressions(node: Node):
    """Every FilterExpression a compiled node evaluates, with the node that holds it."""
    if isinstance(node, IfNode):
        for condition, _ in node.conditions_nodelists:
            stack = [condition]
            while stack:
                item = stack.pop()
                if item is None:
                    continue
                if isinstance(item, TemplateLiteral):
                    yield item.value
                else:
                    stack.extend([getattr(item, "first", None), getattr(item, "second", None)])
        return
    for value in vars(node).values():
        if isinstance(value, FilterExpression):
            yield value
        elif isinstance(value, (list, tuple)):
            yield from (item for item in value if isinstance(item, FilterExpression))
        elif isinstance(value, dict):  # {% blocktranslate with name=link.name %}
            yield from (item for item in value.values() if isinstance(item, FilterExpression))


def _variables(expression: FilterExpression):
    if isinstance(expression.var, Variable):
        yield expression.var
    for _, args in expression.filters:
        for is_variable, arg in args:
            if is_variable and isinstance(arg, Variable):
                yield arg


def _lookup_problem(variable: Variable, fields: FieldSpec, loop_items: dict[str, frozenset[str]]) -> str | None:
    if variable.lookups is None:  # a literal
        return None
    root, *rest = variable.lookups
    if root == "forloop":
        return None if rest and rest[0] in {"counter", "counter0", "first", "last"} and len(rest) == 1 else "forloop"
    if root in loop_items:
        # A loop over plain values ({{ reason }}) or over mappings with declared keys ({{ item.summary }}).
        return None if (not rest and not loop_items[root]) or (len(rest) == 1 and rest[0] in loop_items[root]) else variable.var
    if root in fields:
        keys = fields[root]
        if not rest:
            return None
        if isinstance(keys, ObjectFields):
            return None if len(rest) == 1 and rest[0] in keys else variable.var
        if keys is not None and len(rest) == 2 and rest[0].isdigit() and rest[1] in keys:
            return None
        return variable.var
    return variable.var


def _walk(nodelist, fields: FieldSpec, loop_items: dict[str, frozenset[str]], problems: list[str], depth: int = 0) -> None:
    for node in nodelist:
        line = node.token.lineno if getattr(node, "token", None) else "?"
        inner = dict(loop_items)
        inner_depth = depth
        if isinstance(node, ForNode):
            inner_depth += 1
            if inner_depth == MAX_LOOP_DEPTH + 1:
                problems.append(f"line {line}: loops nest {inner_depth} deep here; at most {MAX_LOOP_DEPTH} may be nested.")
            sequence = node.sequence.var
            keys = fields.get(sequence.lookups[0]) if isinstance(sequence, Variable) and sequence.lookups else None
            if isinstance(keys, ObjectFields):  # a loop over a dict's keys: plain strings
                keys = None
            for loopvar in node.loopvars:
                inner[loopvar] = keys or frozenset()
        variables = [variable for expression in _expressions(node) for variable in _variables(expression)]
        if isinstance(node, BlockTranslateNode):
            if node.asvar:
                problems.append(f"line {line}: {{% blocktranslate … asvar %}} is not allowed: it would set a variable.")
            # The block's own {{ name }}s: a merge field, or a name its `with` binds (itself checked above).
            bound = set(node.extra_context) | ({node.countervar} if node.countervar else set())
            variables += [Variable(token.contents) for token in (node.singular or []) + (node.plural or [])
                          if token.token_type == TokenType.VAR and token.contents not in bound]
        for variable in variables:
            bad = _lookup_problem(variable, fields, loop_items)
            if bad:
                problems.append(
                    f"line {line}: {{{{ {bad} }}}} is not a merge field; use one of: {', '.join(sorted(fields))}."
                )
        for attribute in getattr(node, "child_nodelists", ()):
            child = getattr(node, attribute, None)
            if child:
                _walk(child, fields, inner, problems, inner_depth)
        if isinstance(node, IfNode):
            for _, child in node.conditions_nodelists:
                _walk(child, fields, inner, problems, inner_depth)


def template_validate(source: str, *, fields: FieldSpec) -> list[str]:
    """Every reason `source` may not be used, each naming the tag, filter or variable and its line."""
    if len(source) > MAX_TEMPLATE_CHARS:
        return [f"The template is {len(source)} characters long; the limit is {MAX_TEMPLATE_CHARS}."]
    problems = _tag_problems(source)
    if problems:
        return problems
    try:
        template = _engine.from_string(source)
    except TemplateSyntaxError as error:
        line = getattr(error, "template_debug", {}).get("line", "?")
        message = str(error)
        if message.startswith("Invalid filter: "):
            name = message.split("'")[1]
            why = _FILTER_WHY.get(name, f"allowed filters are {', '.join(sorted(ALLOWED_FILTERS))}")
            return [f"line {line}: the filter |{name} is not allowed: {why}."]
        return [f"line {line}: {message}"]
    _walk(template.nodelist, fields, {}, problems)
    return problems


def _check_plain(value, where: str) -> None:
    if value is None or isinstance(value, (str, int, float, Decimal, bool)):
        return
    if isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_plain(item, f"{where}[{index}]")
        return
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        for key, item in value.items():
            _check_plain(item, f"{where}.{key}")
        return
    raise TypeError(f"{where} is a {type(value).__name__}; a sandboxed template gets plain strings and numbers only.")


@lru_cache(maxsize=64)
def _compiled(source: str, fields: tuple):
    problems = template_validate(source, fields=dict(fields))
    if problems:
        raise TemplateRefused(problems)
    template = _engine.from_string(source)
    budget_instrument(template.nodelist)
    return template


def sandbox_render(source: str, context: Mapping, *, fields: FieldSpec | None = None, autoescape: bool = True) -> str:
    """Render `source` against a plain `context`, escaping values unless the output is not markup.

    `fields` is what the template may use; by default, the keys of `context` as plain values
    (list fields then need their item keys declared through `fields`). `autoescape=False` is for
    plain-text output only (an email's subject and text part), never for HTML.
    """
    _check_plain(dict(context), "context")
    spec = dict(fields) if fields is not None else {key: None for key in context}
    template = _compiled(source, tuple(sorted(spec.items(), key=lambda item: item[0])))
    budget = None
    try:
        # The budget refuses what it can foresee; the operating system's limits hold if it cannot.
        with render_limits(what="rendering the template", seconds=2 * MAX_RENDER_SECONDS), render_budget() as budget:
            output = template.render(Context(dict(context), autoescape=autoescape))
            if budget.refused:  # refused inside an {% if %} condition, which swallows errors
                raise budget.refused
    except TemplateBudgetExceeded as exceeded:
        raise TemplateRefused([exceeded.problem]) from None
    except RenderLimitExceeded as exceeded:
        line = f"line {budget.stopped_line}: " if budget is not None and budget.stopped_line else ""
        raise TemplateRefused([line + exceeded.problem]) from None
    if len(output) > MAX_OUTPUT_CHARS:
        raise TemplateRefused([f"the output is {len(output):,} characters; at most {MAX_OUTPUT_CHARS:,}."])
    return output
