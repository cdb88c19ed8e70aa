"""The textarea a template's source is edited in: monospace, and for HTML and CSS marked for the
highlighting editor (static/laurel/template-editor.js), which keeps this textarea as the form field."""

from django import forms

STYLE = "width: 100%; font-family: monospace"


def template_source_widget(*, rows: int, language: str | None = None) -> forms.Textarea:
    """`language` ("html" or "css") turns on highlighting; without it (a text part) the textarea stays plain."""
    attrs = {"rows": rows, "style": STYLE}
    if language:
        attrs["data-laurel-editor"] = language
    return forms.Textarea(attrs=attrs)
