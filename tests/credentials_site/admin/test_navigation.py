"""The sidebar's exception-queue link: the waiting count as a badge, and no badge at all when nothing waits."""

import json
import re

import pytest
from django.urls import reverse

from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent
from tests.factories.courses import CourseFactory
from tests.factories.issuance import SourceFactory
from tests.intake.conftest import generic_event

pytestmark = pytest.mark.django_db


def _queue_link(html: str) -> str:
    """The text of the sidebar's link to the exception queue, tags removed."""
    # The dashboard's figure links there too; the sidebar's link is the one with an icon.
    [link] = [text for text in re.findall(r'<a href="/admin/issuance/parkedevent/"[^>]*>(.*?)</a>', html, flags=re.S)
              if "material-symbols" in text]
    return " ".join(re.sub(r"<[^>]+>", " ", link).split())


def _park(course, n: int) -> None:
    source = SourceFactory(organization=course.organization)
    body = generic_event(learner={"id": f"u-{n}", "email": "not-an-address", "name": "Ana Lima"},
                         course={"id": course.code, "title": course.title})
    event = CompletionEvent.objects.create(source=source, external_id=f"evt-{n}", body=json.dumps(body).encode())
    completion_event_process(event_id=event.pk)
    assert CompletionEvent.objects.get(pk=event.pk).status == CompletionEvent.Status.PARKED


def test_an_empty_queue_has_no_badge_and_a_waiting_one_shows_its_count(admin_client):
    assert _queue_link(admin_client.get("/admin/").content.decode()) == "report Exception queue"

    course = CourseFactory()
    for n in range(2):
        _park(course, n)
    assert _queue_link(admin_client.get("/admin/").content.decode()) == "report Exception queue 2"


@pytest.mark.parametrize(("model", "title"), [
    ("issuance_completionevent", "Events received"),
    ("issuance_connection", "Outbound connections"),
    ("issuance_outboundfailure", "Failed outbound deliveries"),
    ("issuance_parkedevent", "Exception queue"),
])
def test_a_list_is_titled_as_the_sidebar_names_it(admin_client, model, title):
    page = admin_client.get(reverse(f"admin:{model}_changelist"))
    assert page.status_code == 200
    assert page.context["title"] == title
    assert re.search(r"<title>\s*" + title, page.content.decode()), re.search(r"<title>[^<]*</title>", page.content.decode())
