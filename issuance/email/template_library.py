"""The only tags and filters staff email templates may use: presentation, nothing that reaches outside.

Left out on purpose: `autoescape`, `safe`, `safeseq` (they would let learner text become markup),
`load`, `include`, `extends`, `url`, `debug`, `csrf_token` and `querystring` (they read files, the
URL map or the whole context).
"""

from django.template import Library, defaultfilters, defaulttags

register = Library()

ALLOWED_TAGS = ["comment", "cycle", "filter", "firstof", "for", "if", "ifchanged", "now", "spaceless",
                "templatetag", "verbatim", "with"]
ALLOWED_FILTERS = ["add", "capfirst", "center", "cut", "date", "default", "default_if_none", "first",
                   "floatformat", "join", "last", "length", "linebreaks", "linebreaksbr", "ljust", "lower",
                   "pluralize", "rjust", "slice", "stringformat", "striptags", "time", "title", "truncatechars",
                   "truncatewords", "upper", "urlencode", "wordwrap", "yesno"]

for _name in ALLOWED_TAGS:
    register.tags[_name] = defaulttags.register.tags[_name]
for _name in ALLOWED_FILTERS:
    register.filters[_name] = defaulttags.register.filters.get(_name) or defaultfilters.register.filters[_name]
