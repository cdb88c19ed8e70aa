"""The only tags and filters a staff-edited template may use (the sandbox's single builtin library).

Copied by reference from Django's defaults, one by one, so nothing new appears when Django adds a
tag. Left out on purpose (reliability.md §4.3): load, include, extends, block, ssi, debug, url,
csrf_token, autoescape, filter, templatetag, verbatim, lorem, cycle, widthratio, with, regroup;
filters safe, safeseq, center/ljust/rjust, urlize*, wordwrap, stringformat, pprint, json_script,
unordered_list, floatformat, date/time (dates arrive already formatted in the organisation's locale).

Every filter is registered under the render's output budget (`_budgeted`): `join` is the one
that multiplies (a string joined with itself grows by its own length squared, and chained joins
compound: 78 characters of template built a gigabyte), so its length is worked out and refused
before the string is built; every other allowed filter grows its input by a bounded factor at
most (escaping, at most 6 times), and its result is checked before it goes further.
"""

import functools

from django.template import Library, defaultfilters, defaulttags
from django.templatetags import i18n
from django.utils.html import conditional_escape, escape

from .chat_text import markdown_text, slack_text
from .sandbox_budget import budgeted_for, current_budget

register = Library()

ALLOWED_TAGS = {
    "if": defaulttags.do_if,
    "for": budgeted_for,  # Django's, with each pass counted against the render's budget
    "now": defaulttags.now,
    "comment": defaulttags.comment,
    "spaceless": defaulttags.spaceless,
    "firstof": defaulttags.firstof,
    # Laurel's own text in a template, in the learner's language (locale/*/django.po): the sandbox checks
    # every variable a block names, as a merge field or one its `with` binds to a merge field.
    "translate": i18n.do_translate,
    "blocktranslate": i18n.do_block_translate,
}
# Closing and intermediate words of the allowed block tags, for the tag check in sandbox.py.
ALLOWED_TAG_WORDS = set(ALLOWED_TAGS) | {"elif", "else", "endif", "empty", "endfor", "endcomment", "endspaceless",
                                         "plural", "endblocktranslate"}

ALLOWED_FILTERS = {
    name: getattr(defaultfilters, attribute)
    for name, attribute in {
        "upper": "upper",
        "lower": "lower",
        "title": "title",
        "capfirst": "capfirst",
        "default": "default",
        "default_if_none": "default_if_none",
        "length": "length",
        "linebreaksbr": "linebreaksbr",
        "truncatechars": "truncatechars",
        "truncatewords": "truncatewords",
        "first": "first",
        "last": "last",
        "join": "join",
        "yesno": "yesno",
        "pluralize": "pluralize",
        "escape": "escape_filter",
    }.items()
}

for _name, _tag in ALLOWED_TAGS.items():
    register.tag(_name, _tag)


def _join_length(value, arg, autoescape=True) -> int:
    """How long `join` would make its result, without making it (0 where join fails silently)."""
    if not hasattr(value, "__len__") or not hasattr(value, "__iter__") or isinstance(value, dict) or not value:
        return 0
    quote = conditional_escape if autoescape else str
    if isinstance(value, str):  # joined character by character; escaping each is escaping the whole
        items = len(escape(value) if autoescape else value)
    else:
        items = sum(len(quote(item)) for item in value)
    return items + (len(value) - 1) * len(quote(arg))


def _budgeted(name: str, function):
    """`function` as a filter that builds nothing longer than the render may still write."""

    @functools.wraps(function)  # keeps Django's flags (is_safe, needs_autoescape) and its signature
    def filtered(value, *args, **kwargs):
        budget = current_budget()
        if budget is None:  # the template checker compiles without rendering
            return function(value, *args, **kwargs)
        if name == "join" and args:
            budget.value_admit(_join_length(value, *args, **kwargs), "|join")
        result = function(value, *args, **kwargs)
        if isinstance(result, str):
            budget.value_admit(len(result), f"|{name}")
        return result

    return filtered


# Laurel's own, not Django's: learner text escaped for a chat message (chat_text.py), for the
# bodies of REST connections posting to Slack or Teams. Each grows its input by a bounded factor
# (slack_text at most 5 times, markdown_text 2, then the place's own escaping).
CHAT_FILTERS = {"slack_text": slack_text, "markdown_text": markdown_text}

for _name, _filter in {**ALLOWED_FILTERS, **CHAT_FILTERS}.items():
    register.filter(_name, _budgeted(_name, _filter))
