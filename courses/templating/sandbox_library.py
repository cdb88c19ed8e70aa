"""The only tags and filters a staff-edited template may use (the sandbox's single builtin library).

Copied by reference from Django's defaults, one by one, so nothing new appears when Django adds a
tag. Left out on purpose (reliability.md §4.3): load, include, extends, block, ssi, debug, url,
csrf_token, autoescape, filter, templatetag, verbatim, lorem, cycle, widthratio, with, regroup;
filters safe, safeseq, center/ljust/rjust, urlize*, wordwrap, stringformat, pprint, json_script,
unordered_list, floatformat, date/time (dates arrive already formatted in the organisation's locale).
"""

from django.template import Library, defaultfilters, defaulttags

from .sandbox_budget import budgeted_for

register = Library()

ALLOWED_TAGS = {
    "if": defaulttags.do_if,
    "for": budgeted_for,  # Django's, with each pass counted against the render's budget
    "now": defaulttags.now,
    "comment": defaulttags.comment,
    "spaceless": defaulttags.spaceless,
    "firstof": defaulttags.firstof,
}
# Closing and intermediate words of the allowed block tags, for the tag check in sandbox.py.
ALLOWED_TAG_WORDS = set(ALLOWED_TAGS) | {"elif", "else", "endif", "empty", "endfor", "endcomment", "endspaceless"}

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
for _name, _filter in ALLOWED_FILTERS.items():
    # Keep Django's own flags (is_safe, needs_autoescape) by registering the original function.
    register.filter(_name, _filter)
