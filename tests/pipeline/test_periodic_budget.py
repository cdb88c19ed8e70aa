"""Housekeeping never stops the pipeline (#28): with a real two-worker `qcluster`, a staff digest made
slow by its mail server (40 s per staff email) runs while a learner's credential is issued and emailed.

The digest's schedule fires every minute whatever the last run is doing, so two runs are queued; before
periodic work had its own lease and share of the workers, both workers sat in the staff digests and no
completion moved until they were done.
"""

import asyncio
import time

import pytest
from django_q.tasks import async_task

from issuance.models import CompletionEvent, Issuance
from tests.conftest import production_profile
from tests.factories.issuance import SourceFactory
from tests.factories.issuance import organization_with_templates
from tests.pipeline.cluster import Cluster, wait_until
from tests.pipeline.conftest import complete
from stand_ins.smtp import RecordingHandler, SmtpServer

STAFF_EMAIL_SECONDS = 40


class SlowForStaff(RecordingHandler):
    """Answers learners' emails at once and staff digests after STAFF_EMAIL_SECONDS, as a stalling relay would."""

    def __init__(self):
        super().__init__()
        self.staff_started = []

    async def handle_DATA(self, server, session, envelope):
        if any(address.startswith("staff@") for address in envelope.rcpt_tos):
            self.staff_started.append(time.monotonic())
            await asyncio.sleep(STAFF_EMAIL_SECONDS)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp(settings, tmp_path):
    server = SmtpServer()
    server.handler = SlowForStaff()
    server.start()
    settings.MEDIA_ROOT = tmp_path / "media"
    yield server
    server.stop()


def _parked_event(organization):
    source = SourceFactory(organization=organization)
    CompletionEvent.objects.create(source=source, external_id="unreadable", body=b"{}", status=CompletionEvent.Status.PARKED,
                                   errors=[{"field": "email", "message": "not an address"}])


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_learner_is_issued_and_emailed_while_the_staff_digest_waits_on_its_mail_server(slow_smtp, course, tmp_path,
                                                                                         monkeypatch):
    for slug in ("north", "south", "east"):  # three organisations with news: three slow staff emails
        _parked_event(organization_with_templates(name=f"{slug.title()} Academy", slug=slug,
                                                  notification_email=f"staff@{slug}.example"))
    cluster = Cluster(broker="redis" if production_profile() else "orm", smtp_port=slow_smtp.port,
                      media_root=tmp_path / "media", monkeypatch=monkeypatch,
                      env={"Q_TIMEOUT": "150", "Q_RETRY": "200", "EMAIL_TIMEOUT": "90"})
    try:
        cluster.start()
        for _ in range(2):  # this minute's run and the next one's, queued while the first still runs
            async_task("issuance.intake.digests.staff_digests_send")
        assert wait_until(lambda: slow_smtp.handler.staff_started, timeout=60), "no staff digest reached the mail server"
        started = time.monotonic()
        issuance = complete(course, email="ann@learners.example", score=92)

        issued = wait_until(lambda: Issuance.objects.get(pk=issuance.pk).finished_at is not None,
                            timeout=STAFF_EMAIL_SECONDS - 8)
        took = time.monotonic() - started
        digests_done = len(slow_smtp.messages) - sum(
            "ann@learners.example" in str(message["To"]) for message in slow_smtp.messages)
    finally:
        cluster.stop()

    print(f"\nissued in {took:.1f} s while the staff digest waited on its mail server")
    assert issued, f"the learner's issuance did not finish while the digest ran ({took:.0f} s)"
    assert Issuance.objects.get(pk=issuance.pk).state == Issuance.State.SYNCED
    assert any("ann@learners.example" in str(message["To"]) for message in slow_smtp.messages)
    assert digests_done == 0, "the staff digest had already finished: this test did not show issuing alongside it"
