"""Which dialect reads which event: the channel first (a CSV row, a staff form), then the source's dialect.

Adding a dialect is a module in this package and one line here; no view changes.
"""

from ..models import CompletionEvent, Source
from .base import Dialect
from .canvas import CanvasDialect
from .csv_rows import CsvRowDialect
from .form_rows import FormRowDialect
from .generic import GenericDialect
from .learndash import LearnDashDialect
from .moodle import MoodleDialect
from .teachable import TeachableDialect
from .thinkific import ThinkificDialect
from .xapi import XapiDialect

DIALECTS: dict[str, Dialect] = {
    dialect.name: dialect
    for dialect in (
        GenericDialect(),
        MoodleDialect(),
        CanvasDialect(),
        ThinkificDialect(),
        TeachableDialect(),
        XapiDialect(),
        LearnDashDialect(),
    )
}
assert set(DIALECTS) == set(Source.Dialect.values), "every Source.Dialect choice needs a module"


def dialect_get(name: str) -> Dialect:
    return DIALECTS[name]


def adapter_for_event(event: CompletionEvent) -> Dialect:
    if event.channel == CompletionEvent.Channel.CSV:
        return CsvRowDialect()
    if event.channel == CompletionEvent.Channel.FORM:
        return FormRowDialect()
    return DIALECTS[event.source.dialect]
