"""Who typed a form event in: the staff member behind a roster row or a credential issued by hand, or uploaded a CSV row.

The pipeline asks this when it opens an issuance from a `form` or `csv` event, so the audit trail names
the person, and an override of the rules travels only from a HandIssue that recorded one.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from .models import CompletionEvent, HandIssue, RosterRow


User = get_user_model()


@dataclass(frozen=True)
class TypedInBy:
    user: object
    how: str  # "typed in on roster 12", "issued by hand", "uploaded in harbour.csv (row 3)"
    override_reason: str = ""


def typed_in_by_event(event: CompletionEvent) -> TypedInBy | None:
    """The person behind a form event or an uploaded CSV row, or None for any other channel."""
    if event.channel == CompletionEvent.Channel.CSV:
        uploader = User.objects.filter(pk=(event.headers or {}).get("uploaded-by-id") or 0).first()
        if uploader is None:  # from the command line, or an account since removed
            return None
        return TypedInBy(user=uploader, how=f"uploaded in {event.headers.get('file-name')} (row {event.headers.get('row')})")
    if event.channel != CompletionEvent.Channel.FORM:
        return None
    hand = HandIssue.objects.select_related("requested_by").filter(event=event).first()
    if hand is not None:
        override = hand.reason if hand.override_rules else ""
        return TypedInBy(user=hand.requested_by, how=f"issued by hand (reason: {hand.reason})", override_reason=override)
    row = RosterRow.objects.select_related("submitted_by", "roster__created_by").filter(event=event).first()
    if row is not None:
        return TypedInBy(user=row.submitted_by or row.roster.created_by, how=f"typed in on roster {row.roster_id}")
    return None
