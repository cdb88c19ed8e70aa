"""A course's "sending paused" switch holds its learners' emails in the outbox until staff release them."""

from io import StringIO

from django.core.management import call_command
from django.urls import reverse

from issuance.health import pipeline_health
from issuance.models import Issuance, OutboxMessage
from tests.pipeline.conftest import complete, drive

OUTBOX = reverse("admin:issuance_outboxmessage_changelist")


def test_it_holds_the_credential_email_until_staff_release_it(admin_client, smtp, first_aid):
    first_aid.sending_paused = True
    first_aid.save()

    issuance = drive(complete(first_aid))

    assert issuance.state == Issuance.State.BADGED and smtp.messages == []
    held = OutboxMessage.objects.get(issuance=issuance)
    assert held.status == OutboxMessage.Status.HELD and "sending is paused" in held.last_error
    assert "Held in the outbox" in issuance.error
    assert not pipeline_health()["stalled"] and pipeline_health()["held_by_paused_courses"] == 1
    listed = admin_client.get(OUTBOX, {"status__exact": "held"}).content.decode()
    assert held.recipient in listed

    ask = admin_client.post(OUTBOX, {"action": "release_held", "_selected_action": [held.pk]}).content.decode()
    assert "although sending is still paused for FA-1" in ask and held.recipient in ask
    done = admin_client.post(OUTBOX, {"action": "release_held", "_selected_action": [held.pk], "confirmed": "yes"}, follow=True)
    assert "Released 1 held message" in done.content.decode()

    issuance = drive(issuance)
    assert issuance.state == Issuance.State.SYNCED
    assert len(smtp.to("ann@learners.example")) == 1


def test_it_holds_renewal_reminders_of_a_paused_course_too(smtp, hold, safety_course):
    safety_course.sending_paused = True
    safety_course.save()
    hold()

    out = StringIO()
    call_command("send_renewal_reminders", "--today", "2026-10-12", stdout=out)

    assert smtp.messages == []
    assert OutboxMessage.objects.get().status == OutboxMessage.Status.HELD
    assert "1 queued for a retry" in out.getvalue()
