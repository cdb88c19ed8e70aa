"""Which dialect reads which event: the channel first (a CSV row, a staff form, a polled event), then the source's dialect.

Adding a dialect is a module in this package and one line here; no view changes.
"""

from ..models import CompletionEvent, Source
from .base import Dialect
from .canvas.webhook import CanvasDialect
from .canvas.poll import CanvasPollAdapter, CanvasPoller
from .cornerstone import CornerstoneDialect
from .cornerstone_poll import CornerstonePoller
from .csv_rows import CsvRowDialect
from .docebo import DoceboDialect
from .docebo_poll import DoceboPoller
from .form_rows import FormRowDialect
from .generic import GenericDialect
from .kajabi import KajabiDialect
from .google_forms import GoogleFormsDialect
from .google_forms_api import GoogleFormsPoller
from .learndash import LearnDashDialect
from .mapped.dialect import MappedDialect
from .moodle.webhook import MoodleDialect
from .moodle.poll import MoodlePollAdapter, MoodlePoller
from .polling import Poller
from .settings_schema import DEFAULT_POLL_MINUTES
from .talentlms import TalentLmsDialect, TalentLmsPoller
from .teachable import TeachableDialect
from .thinkific import ThinkificDialect
from .xapi.statements import XapiDialect
from .xapi.poll import XapiPoller

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
        TalentLmsDialect(),
        MappedDialect(),
        GoogleFormsDialect(),
        CornerstoneDialect(),
        DoceboDialect(),
        KajabiDialect(),
    )
}
# The dialects that can be asked for completions, and how their polled events are read when that
# differs from a pushed one (an LRS's statement reads the same either way).
POLLERS: dict[str, Poller] = {poller.dialect: poller for poller in (XapiPoller(), CanvasPoller(), MoodlePoller(), TalentLmsPoller(),
                                                                      GoogleFormsPoller(), DoceboPoller(), CornerstonePoller())}
POLL_ADAPTERS: dict[str, Dialect] = {"canvas": CanvasPollAdapter(), "moodle": MoodlePollAdapter()}
assert set(DIALECTS) == set(Source.Dialect.values), "every Source.Dialect choice needs a module"


def dialect_get(name: str) -> Dialect:
    return DIALECTS[name]


def adapter_for_event(event: CompletionEvent) -> Dialect:
    if event.channel == CompletionEvent.Channel.CSV:
        return CsvRowDialect()
    if event.channel == CompletionEvent.Channel.FORM:
        return FormRowDialect()
    if event.channel == CompletionEvent.Channel.POLL:
        return POLL_ADAPTERS.get(event.source.dialect) or DIALECTS[event.source.dialect].configured(event.source.settings)
    return DIALECTS[event.source.dialect].configured(event.source.settings)


def source_poll_minutes(source: Source) -> int:
    """Minutes between polls of `source`: its poll_minutes, else 15 when it can be polled, else 0."""
    poller = POLLERS.get(source.dialect)
    if poller is None or not source.is_active or not poller.configured(source):
        return 0
    value = (source.settings or {}).get("poll_minutes")
    return DEFAULT_POLL_MINUTES if value in (None, "") else int(value)
