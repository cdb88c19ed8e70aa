"""Staff exception digests: one email per organisation per 15 minutes at most, listing new parked events."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template import Context, Engine
from django.urls import reverse
from django.utils import timezone

from courses.models import EmailTemplate, Organization

from ..models import CompletionEvent, StaffDigest

logger = logging.getLogger(__name__)

DIGEST_INTERVAL = timedelta(minutes=15)
ITEMS_LISTED = 50
_engine = Engine(autoescape=True)


def _render(source: str, context: dict, *, autoescape: bool) -> str:
    # Staff-edited template, learner-supplied values: values are escaped in HTML; the text part is plain.
    return _engine.from_string(source).render(Context(context, autoescape=autoescape))


def staff_digest_send(*, organization: Organization, now: datetime | None = None) -> StaffDigest | None:
    """Send one digest of the parked events staff have not been told about, unless one went out lately."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the organisation row so two schedulers cannot both decide "it has been 15 minutes".
        Organization.objects.select_for_update().filter(pk=organization.pk).first()
        last = StaffDigest.objects.filter(organization=organization).order_by("-sent_at").first()
        if last is not None and now - last.sent_at < DIGEST_INTERVAL:
            return None
        pending = CompletionEvent.objects.filter(
            source__organization=organization, status=CompletionEvent.Status.PARKED, staff_notified_at__isnull=True
        ).select_related("source")
        count = pending.count()
        if not count:
            return None
        template = EmailTemplate.objects.filter(organization=organization, kind=EmailTemplate.Kind.STAFF_DIGEST).first()
        if template is None:
            logger.warning("No staff digest template for %s; %s parked events not announced.", organization, count)
            return None
        items = [
            {
                "summary": f"{event.source.slug} · {event.external_id}",
                "error": event.errors[0]["message"] if event.errors else "no error recorded",
            }
            for event in pending.order_by("parked_at")[:ITEMS_LISTED]
        ]
        context = {
            "count": count,
            "organization_name": organization.name,
            "items": items,
            "queue_url": settings.LAUREL_BASE_URL + reverse("admin:issuance_parkedevent_changelist"),
        }
        subject = " ".join(_render(template.subject, context, autoescape=False).split())
        message = EmailMultiAlternatives(
            subject=subject,
            body=_render(template.text_body, context, autoescape=False),
            from_email=f"{organization.sender_name} <{organization.sender_email}>",
            to=[organization.notification_email],
        )
        message.attach_alternative(_render(template.html_body, context, autoescape=True), "text/html")
        # Record first, then send: if sending fails the transaction rolls back and the next run retries.
        digest = StaffDigest.objects.create(
            organization=organization, sent_at=now, event_count=count, recipient=organization.notification_email
        )
        pending.update(staff_notified_at=now)
        message.send()
    return digest


def staff_digests_send(now: datetime | None = None) -> int:
    """For every organisation with parked events not yet announced; the django-q2 schedule calls this."""
    organizations = Organization.objects.filter(
        sources__events__status=CompletionEvent.Status.PARKED, sources__events__staff_notified_at__isnull=True
    ).distinct()
    sent = 0
    for organization in organizations:
        if staff_digest_send(organization=organization, now=now):
            sent += 1
    return sent
