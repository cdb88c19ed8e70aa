"""`demo_push` as `make demo` runs it: signed webhooks to a live server, a real worker, a real SMTP server."""

import pytest
from django.core.management import call_command
from django_q.brokers import get_broker

from issuance.models import CompletionEvent, Issuance
from tests.pipeline.cluster import Cluster


@pytest.mark.django_db(transaction=True)
def test_it_pushes_a_pass_a_fail_a_missing_prerequisite_and_a_malformed_one_end_to_end(
    live_server, smtp, tmp_path, monkeypatch, capsys
):
    call_command("seed_demo", admin_password="pw-for-tests")
    cluster = Cluster(broker="orm", smtp_port=smtp.port, media_root=tmp_path / "media", monkeypatch=monkeypatch).start()
    try:
        call_command("demo_push", url=live_server.url, wait=90)
    finally:
        cluster.stop()
        get_broker().purge_queue()
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
    # One certificate and two "what you still need" emails reached the mail server.
    to_learners = sorted((m["To"].split("<")[0].strip(), m["Subject"]) for m in smtp.messages if "learners.example" in m["To"])
    print(to_learners)
    assert [name for name, _ in to_learners] == ["Ada Lovelace", "Charles Babbage", "Grace Hopper"]
    assert sum("certificate" in subject.lower() and "still need" not in subject.lower() for _, subject in to_learners) == 1
