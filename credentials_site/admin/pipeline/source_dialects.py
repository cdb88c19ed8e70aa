"""A source page's dialect sections, and polling said out loud (walk-through m2).

The chosen dialect's settings are open; the others are folded, and source-dialect.js hides them and
opens the one chosen as soon as the dialect list changes. Polling never starts unannounced: a polled
dialect's section says beforehand when Laurel will start asking the LMS, and the save that switches
polling on (or off) says so in a message on the next page.
"""

from django.contrib import messages
from django.utils.html import format_html, format_html_join

from issuance.models import PollCursor, Source, SourcePoll
from issuance.sources.registry import DIALECTS, POLLERS, source_poll_minutes
from issuance.sources.settings_schema import DEFAULT_POLL_MINUTES

# What each polled dialect needs saved before Laurel starts polling it (its Poller.configured, in words).
POLLING_NEEDS = {
    "moodle": "the Moodle URL and the web service token are saved and a course mapping is added below",
    "canvas": "the Canvas URL and the API token are saved",
    "xapi": "the LRS URL is saved",
    "talentlms": "its settings are saved",
    "google_forms": "the service account key is saved",
}


def dialect_section_classes(name: str, chosen: str) -> list[str]:
    """`laurel-dialect-settings` marks the section for source-dialect.js; only the chosen one is open."""
    return ["laurel-dialect-settings", f"laurel-dialect-{name}"] + ([] if name == chosen else ["collapse"])


def dialect_section_description(dialect) -> str:
    text = f"Used only when the dialect is {dialect.label}."
    poller = POLLERS.get(dialect.name)
    if poller is not None:
        needs = POLLING_NEEDS.get(dialect.name, "its settings are saved")
        text += (f" Polling: once {needs}, Laurel asks {poller.label} for completions every {DEFAULT_POLL_MINUTES} minutes"
                 " (or every “Poll every (minutes)”); 0 there turns polling off. The page says so when polling starts.")
    return text


def chosen_dialect(request, obj) -> str:
    """The dialect whose section opens: the saved one, else the one just posted, else one named in the address."""
    if obj is not None:
        return obj.dialect
    name = request.POST.get("dialect") or request.GET.get("dialect") or ""
    return name if name in DIALECTS else ""


def polling_before(obj) -> int:
    """Minutes between polls as saved before this save (0: not polled, or a new source)."""
    if not obj.pk:
        return 0
    saved = Source.objects.filter(pk=obj.pk).first()
    return source_poll_minutes(saved) if saved is not None else 0


def polling_announce(model_admin, request, source, before: int) -> None:
    """A message when this save switched polling on, changed its pace, or switched it off."""
    after = source_poll_minutes(source)
    if after == before:
        return
    poller = POLLERS.get(source.dialect)
    label = poller.label if poller else source.dialect
    if after and not before:
        model_admin.message_user(
            request, f"Polling is now on for {source.name}: Laurel asks {label} for completions every {after} minutes. "
                     "To turn it off, set “Poll every (minutes)” to 0 in its settings.", messages.WARNING)
    elif after:
        model_admin.message_user(request, f"{source.name} is now polled every {after} minutes (it was every {before}).", messages.INFO)
    else:
        model_admin.message_user(request, f"Polling is now off for {source.name}: Laurel no longer asks {label} for completions.",
                                 messages.INFO)


def poll_state_table(source):
    """The Polling section: schedule, status, last poll and error, what to do when parked, each cursor."""
    if source.dialect not in POLLERS:
        return "This dialect is not polled."
    minutes = source_poll_minutes(source)
    state = SourcePoll.objects.filter(source=source).first() if source.pk else None
    lines = [("Schedule", f"every {minutes} minutes" if minutes else "not polled (set the polling settings; poll_minutes 0 turns it off)")]
    if not minutes and DIALECTS[source.dialect].polling_advice:
        lines.append(("Warning", DIALECTS[source.dialect].polling_advice))
    if state is not None:
        lines += [
            ("Status", state.get_status_display()),
            ("Last poll", f"{state.last_poll_at:%Y-%m-%d %H:%M:%S} UTC: {state.last_poll_summary}" if state.last_poll_at else "never"),
        ]
        if state.next_poll_after:
            lines.append(("Next poll not before", f"{state.next_poll_after:%Y-%m-%d %H:%M:%S} UTC"))
        if state.last_error:
            lines.append(("Last error", state.last_error))
        if state.status == SourcePoll.Status.PARKED:
            lines.append(("What to do", "Save new credentials below (or fix the address), then press “Resume polling” at the top of this page."))
    cursors = PollCursor.objects.filter(source=source).order_by("scope") if source.pk else []
    lines += [(f"Cursor {c.scope}", f"{c.position or 'from the start'}{' · resumes mid-way' if c.resume else ''} · {len(c.seen)} learners stored")
              for c in cursors]
    rows = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", lines)
    return format_html('<table class="laurel-related">{}</table>', rows)
