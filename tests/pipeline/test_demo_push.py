"""`demo_push` as `make demo` runs it: signed webhooks to a live server, a real worker, a real SMTP server."""

import re
from io import StringIO
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from django.core.management import call_command
from django_q.brokers import get_broker

from issuance.credentials import credential_public_code
from issuance.reports import course_upcoming_expiries
from courses.models import Course
from issuance.models import CompletionEvent, Issuance
from tests.pipeline.cluster import Cluster
from stand_ins.smtp import attachments, body


def _demo_run(live_server, smtp, tmp_path, monkeypatch) -> None:
    """Seed the demo, then `demo_push` against the live server with a real worker cluster."""
    call_command("seed_demo", admin_password="pw-for-tests")
    cluster = Cluster(broker="orm", smtp_port=smtp.port, media_root=tmp_path / "media", monkeypatch=monkeypatch).start()
    try:
        call_command("demo_push", url=live_server.url, wait=90)
    finally:
        cluster.stop()
        get_broker().purge_queue()


@pytest.mark.django_db(transaction=True)
def test_it_pushes_a_pass_a_fail_a_missing_prerequisite_and_a_malformed_one_end_to_end(
    live_server, smtp, tmp_path, monkeypatch, capsys
):
    _demo_run(live_server, smtp, tmp_path, monkeypatch)
    out = capsys.readouterr().out

    outcomes = {f"{i.course.code}:{i.learner_name}": i for i in Issuance.objects.all()}
    assert outcomes["FA-101:Ada Lovelace"].state == "synced"
    assert outcomes["FA-101:Charles Babbage"].reasons == ["Your score was 72; this course requires 80."]
    assert outcomes["FA-201:Grace Hopper"].reasons == ["This course requires First Aid at Work, which you do not hold yet."]
    for issuance in outcomes.values():
        assert f"/admin/issuance/issuance/{issuance.pk}/change/" in out
    [parked] = CompletionEvent.objects.filter(status="parked")
    assert "a malformed one: parked in the exception queue — " in out
    assert f"/admin/issuance/parkedevent/{parked.pk}/change/" in out
    assert "a pass: synced" in out and "a fail: ineligible — Your score was 72" in out
    # Mary's three courses: FA-201 posted once her FA-101 was issued, then programme SWP issued by itself, once.
    assert "a programme's first course: synced" in out and "a programme's last course: synced" in out
    [programme] = Issuance.objects.filter(course__code="SWP")
    assert programme.state == "synced" and programme.learner_name == "Mary Jackson"
    assert len(programme.credential.badge["evidence"]) == 3
    assert (f"programme SWP for Mary Jackson <{programme.learner.email}>, issued by itself: synced\n"
            f"      {live_server.url}/admin/issuance/issuance/{programme.pk}/change/") in out
    assert programme.learner.email.startswith("mary+")  # fresh per run: docs/programmes.md's curl reads it from the log
    # Seven certificates (a pass, two WS-100 inductions, Mary's three and her programme's) and two "what you still
    # need" emails reached the mail server.
    to_learners = sorted((m["To"].split("<")[0].strip(), m["Subject"]) for m in smtp.messages if "learners.example" in m["To"])
    assert [name for name, _ in to_learners] == ["Ada Lovelace", "Alan Turing", "Charles Babbage", "Grace Hopper",
                                                 "Katherine Johnson", *["Mary Jackson"] * 4]
    assert ("Mary Jackson", "Your certificate for Safe Workplace Practitioner") in to_learners
    assert sum("certificate" in subject.lower() and "still need" not in subject.lower() for _, subject in to_learners) == 7
    # FA-101 copies the manager Ada's completion names: one copy, in its own words, and the report says so.
    [copy] = [m for m in smtp.messages if "mary.somerville@employer.example" in m["To"]]
    assert copy["Subject"] == "Your team member Ada Lovelace earned First Aid at Work"
    assert "copy to mary.somerville@employer.example: sent" in out

    # The 12-month WS-100 course: its upcoming expiries in the admin, and its renewal reminders due today.
    ws100 = Course.objects.get(code="WS-100")
    assert course_upcoming_expiries(course=ws100) == {30: 1, 90: 2}
    dry = StringIO()
    call_command("send_renewal_reminders", "--dry-run", stdout=dry)
    counts, who = dry.getvalue().splitlines()[:4], dry.getvalue().splitlines()[4:]
    assert counts == [
        "[dry run] 90 days before expiry: 1 would be sent, 0 suppressed",
        "[dry run] 30 days before expiry: 1 would be sent, 0 suppressed",
        "[dry run] on the day of expiry: 0 would be sent, 0 suppressed",
        "[dry run] total: 2 would be sent, 0 suppressed",
    ]
    assert [line.split(": ")[1].split(" (")[0] for line in who] == ["Workplace Safety Induction"] * 2  # then who, one line each
    assert all(line.startswith("[dry run] would email ") and "(demo-academy)" in line for line in who)
    for _ in range(2):
        call_command("send_renewal_reminders", stdout=StringIO())
    reminders = [m for m in smtp.messages if "credential expires on" in m["Subject"]]
    assert sorted(m["To"].split("<")[0].strip() for m in reminders) == ["Alan Turing", "Katherine Johnson"]


@pytest.mark.django_db(transaction=True)
def test_the_demo_pass_ends_as_exactly_one_email_with_the_pdf_a_working_link_and_a_right_linkedin_link(
    live_server, smtp, tmp_path, monkeypatch, settings
):
    settings.LAUREL_BASE_URL = live_server.url
    monkeypatch.setenv("LAUREL_BASE_URL", live_server.url)  # the worker process builds the links
    _demo_run(live_server, smtp, tmp_path, monkeypatch)

    [message] = [m for m in smtp.messages if m["To"].startswith("Ada Lovelace")]
    credential = Issuance.objects.get(learner_name="Ada Lovelace").credential
    [(filename, pdf)] = attachments(message).items()
    assert filename == "Certificate - First Aid at Work - Ada Lovelace.pdf" and pdf.startswith(b"%PDF")

    text = body(message, "plain")
    page_url = f"{live_server.url}/credentials/{credential.pk}"
    assert page_url in text
    page = requests.get(page_url, timeout=10)
    assert page.status_code == 200 and "Ada Lovelace" in page.text and "First Aid at Work" in page.text

    [through_laurel] = re.findall(rf"{re.escape(page_url)}/linkedin\b", text)
    click = requests.get(through_laurel, headers={"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0"},
                         allow_redirects=False, timeout=10)
    assert click.status_code == 302
    linkedin = click.headers["Location"]
    assert linkedin.startswith("https://www.linkedin.com/profile/add?")
    params = parse_qs(urlsplit(linkedin).query)
    issued = credential.issued_at.astimezone(ZoneInfo("Europe/London"))
    assert params == {
        "startTask": ["CERTIFICATION_NAME"], "name": ["First Aid at Work"], "organizationName": ["Demo Academy"],
        "issueYear": [str(issued.year)], "issueMonth": [str(issued.month)],
        "certUrl": [page_url], "certId": [credential_public_code(credential_id=credential.pk)],
    }
