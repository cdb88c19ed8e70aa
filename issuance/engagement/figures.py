"""What staff read: per credential (the API, the audit export) and as rates of the credentials issued in a
period (the dashboard, a course's page). `bench/engagement.py` times the rates at a million counted credentials."""

from datetime import datetime

from django.db.models import Count, Q, Sum

from issuance.models import Credential, CredentialEngagement

from .counting import COUNTERS

# What a rate says: the share of credentials issued in the period with at least one of these.
RATES = [("viewed", "views", "Viewed"), ("downloaded", "downloads", "Downloaded"),
         ("linkedin", "linkedin_clicks", "Added to LinkedIn"), ("wallet", "wallet_claims", "Claimed into a wallet")]


def credential_engagement(*, credential_id) -> dict:
    """{"views": n, "downloads": n, "linkedin_clicks": n, "wallet_claims": n, "verifications": n}; zeros when never counted."""
    row = CredentialEngagement.objects.filter(credential_id=credential_id).values(*COUNTERS).first()
    return row or dict.fromkeys(COUNTERS, 0)


def engagement_rates(*, start: datetime, end: datetime, organizations=None, course=None) -> dict:
    """Credentials issued in [start, end] and how many of them were viewed, downloaded, added to LinkedIn and
    claimed into a wallet, with the totals of every counter; scoped to `organizations` (ids) or one `course`.

    Two queries, each a window on an index: the credentials by credential_issued_idx (as the dashboard's
    "issued" figures), the counted ones by engagement_org_issued_idx or engagement_course_issued_idx."""
    if course is not None:
        # The course's achievement first: credential_issued_idx (issued_at, achievement) then narrows the window to
        # this award before each credential's issuance is checked for the course (several courses may share one; a
        # course whose award was changed counts what it issued under the current one).
        issued = Credential.objects.filter(achievement_id=course.achievement_id, issuance__course=course)
        counted = CredentialEngagement.objects.filter(course=course)
    else:
        issued = Credential.objects.filter(achievement__organization__in=organizations)
        counted = CredentialEngagement.objects.filter(organization__in=organizations)
    window = {"issued_at__gte": start, "issued_at__lte": end}
    issued_count = issued.filter(**window).aggregate(n=Count("issued_at"))["n"]
    figures = counted.filter(**window).aggregate(
        **{key: Count("issued_at", filter=Q(**{f"{counter}__gt": 0})) for key, counter, _ in RATES},
        **{f"total_{counter}": Sum(counter) for counter in COUNTERS},
    )
    rates = [{"key": key, "label": label, "count": figures[key],
              "share": figures[key] / issued_count if issued_count else None} for key, _, label in RATES]
    return {"issued": issued_count, "rates": rates,
            "totals": {counter: figures[f"total_{counter}"] or 0 for counter in COUNTERS}}


def engagement_counted_between(*, low: datetime, high: datetime, organizations=None):
    """The credentials last counted in [low, high), with their counts (the audit export's rows); all
    organisations when `organizations` is None."""
    rows = CredentialEngagement.objects.filter(last_counted_at__gte=low, last_counted_at__lt=high)
    if organizations is not None:
        rows = rows.filter(organization__in=organizations)
    return (rows.order_by("last_counted_at")
            .values("credential_id", "credential__issuance_id", "course__code", "first_counted_at", "last_counted_at",
                    *COUNTERS).iterator(chunk_size=2000))
