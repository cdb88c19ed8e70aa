"""Staff digests over real SMTP: one per 15 minutes per organisation, listing what is parked."""

import email
import json
import socket
from datetime import timedelta
from email import policy

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command
from django.utils import timezone

from courses.defaults import organization_install_default_templates
from issuance.intake.digests import staff_digests_send
from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, StaffDigest

from .conftest import generic_event


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on loopback
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    yield inbox
    controller.stop()


@pytest.fixture
def templates(organization):
    organization_install_default_templates(organization=organization)


def _park(source, n, **overrides):
    event = CompletionEvent.objects.create(source=source, external_id=f"e{n}", body=json.dumps(generic_event(**overrides)).encode())
    completion_event_process(event_id=event.pk)


def test_it_emails_one_digest_listing_new_parked_events_to_the_notification_address(smtp, source, templates):
    _park(source, 1, learner={"name": "<b>Ana</b>"})
    _park(source, 2, course={"id": "NOPE"})
    assert staff_digests_send() == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["staff@demo-academy.example"]
    assert message["Subject"] == "Demo Academy: 2 credentials need a person"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "The learner's email is missing." in text
    assert "No course of Demo Academy" in text
    # It says who: the learner as the event gave them, the channel and the source (walk-through m4).
    assert "Ana Lima <Ana@Example.org> · Webhook from " in text and "<b>Ana</b> · Webhook from" in text
    assert "&lt;b&gt;Ana&lt;/b&gt; · Webhook from" in html
    assert "/admin/issuance/parkedevent/" in text
    assert "The learner&#x27;s email is missing." in html


def test_it_sends_at_most_one_digest_per_15_minutes_per_organisation(smtp, source, templates):
    start = timezone.now()
    _park(source, 1, course={"id": "NOPE"})
    assert staff_digests_send(now=start) == 1
    for n in range(2, 30):  # a broken LMS keeps failing
        _park(source, n, course={"id": "NOPE"})
    assert staff_digests_send(now=start + timedelta(minutes=5)) == 0
    assert staff_digests_send(now=start + timedelta(minutes=14)) == 0
    assert len(smtp.messages) == 1
    assert staff_digests_send(now=start + timedelta(minutes=15)) == 1
    assert "28 credentials" in smtp.messages[1][1]["Subject"]
    assert staff_digests_send(now=start + timedelta(minutes=40)) == 0  # nothing new to say
    assert StaffDigest.objects.count() == 2


def test_the_command_sends_the_digests(smtp, source, templates, capsys):
    _park(source, 1, course={"id": "NOPE"})
    call_command("send_staff_digests")
    assert "Sent 1 staff digest." in capsys.readouterr().out
    assert len(smtp.messages) == 1


def test_it_is_scheduled_every_minute_in_the_queue(db):
    from django_q.models import Schedule

    schedule = Schedule.objects.get(name="laurel-staff-digests")
    assert schedule.func == "issuance.intake.digests.staff_digests_send"
    assert (schedule.schedule_type, schedule.minutes) == ("I", 1)


def test_the_digest_carries_no_learner_unsubscribe_footer_or_header(smtp, source, templates):
    _park(source, 1, learner={"name": "Ana"})
    assert staff_digests_send() == 1
    [(_, message)] = smtp.messages
    assert message["List-Unsubscribe"] is None and message["List-Unsubscribe-Post"] is None
    for part in (message.get_body(("plain",)).get_content(), message.get_body(("html",)).get_content()):
        assert "unsubscribe" not in part.lower() and "Stop news" not in part
