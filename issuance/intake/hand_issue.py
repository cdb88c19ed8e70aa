"""One credential issued by hand: a staff member's completion for one learner, with their reason.

It travels the pipeline as a form event like any roster row. With the override permission the
staff member may ask to issue even if the rules say no; the decision then records them and their
reason in the audit trail. A learner who already holds the credential still gets no second one.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from ..models import HandIssue
from ..sources.base import FieldError
from .form_events import form_cells_check, form_event_store, form_payload, form_source_for, session_completed_at

OVERRIDE_PERMISSION = "issuance.override_rules"
ISSUE_PERMISSION = "issuance.issue_by_hand"


def _payload(hand: HandIssue, **context) -> dict:
    cells = {"name": hand.name, "email": hand.email, "score": hand.score, "attendance": hand.attendance}
    return form_payload(form="hand_issue", course=hand.course, completed_at=session_completed_at(session_date=hand.completed_on, organization=hand.course.organization), cells=cells, **context)


def hand_issue_check(*, hand: HandIssue) -> list[FieldError]:
    """What the worker would park this completion with, so the form can show it before anything is stored."""
    return form_cells_check(source=form_source_for(organization=hand.course.organization), payload=_payload(hand))


def hand_issue_submit(*, hand: HandIssue, user) -> HandIssue:
    """Store the request and its form event (queued on commit); a form posted twice returns the first request."""
    if not user.has_perm(ISSUE_PERMISSION):
        raise PermissionDenied("Issuing a credential by hand needs the issuance.issue_by_hand permission.")
    if hand.override_rules and not user.has_perm(OVERRIDE_PERMISSION):
        raise PermissionDenied("Overriding the rules needs the issuance.override_rules permission.")
    return _hand_issue_store(hand=hand, user=user)


def hand_issue_test_to_self(*, course, user, submission_key) -> HandIssue:
    """The guided set-up's test: one completion of `course` for the staff member themselves, at their own address.

    The set-up's page checks that the user may create courses in the course's organisation; the test can
    reach no one else, so it needs no hand-issue permission. It meets a pass mark and an attendance minimum
    (full marks); a prerequisite the staff member does not hold makes it "not eligible", as it would anyone."""
    if not user.email:
        raise PermissionDenied("Your account has no email address; add one to receive the test credential.")
    hand = HandIssue(course=course, email=user.email, name=user.get_full_name() or user.get_username(),
                     completed_on=timezone.localdate(), score="100", attendance="100", submission_key=submission_key,
                     reason="A test of the new course from the guided set-up, sent to the staff member's own address.")
    return _hand_issue_store(hand=hand, user=user)


def _hand_issue_store(*, hand: HandIssue, user) -> HandIssue:
    with transaction.atomic():
        earlier = HandIssue.objects.filter(submission_key=hand.submission_key).first()
        if earlier is not None:
            return earlier
        hand.requested_by = user
        hand.save()
        override = " Issue even if the rules say no." if hand.override_rules else ""
        event = form_event_store(
            source=form_source_for(organization=hand.course.organization), external_id=f"hand:{hand.pk}",
            payload=_payload(hand, reason=hand.reason, override_rules=hand.override_rules, entered_by=user.get_username()),
            user=user, detail=f"Issued by hand by {user.get_username()}: {hand.reason}{override}",
        )
        hand.event = event
        hand.save(update_fields=["event"])
    return hand
