"""Which dialect reads which event: the channel first (a CSV row), then the source's dialect."""

from ..models import CompletionEvent, Source
from .base import DialectAdapter
from .csv_rows import CsvRowDialect
from .generic import GenericDialect

DIALECTS: dict[str, DialectAdapter] = {
    Source.Dialect.GENERIC: GenericDialect(),
}


def adapter_for_event(event: CompletionEvent) -> DialectAdapter:
    if event.channel == CompletionEvent.Channel.CSV:
        return CsvRowDialect()
    return DIALECTS[event.source.dialect]
