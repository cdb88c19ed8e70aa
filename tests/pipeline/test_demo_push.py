from django.core.management import call_command

from issuance.models import Issuance
from tests.pipeline.conftest import drive


def test_it_pushes_a_pass_a_fail_a_missing_prerequisite_and_refuses_a_malformed_one(db, smtp, capsys):
    call_command("seed_demo", admin_password="pw-for-tests")
    call_command("demo_push")
    out = capsys.readouterr().out

    assert "a malformed one: refused before the pipeline (email '' is not an address; score 'eighty' is not a number)" in out
    outcomes = {i.course.code + ":" + i.learner_name: drive(i) for i in Issuance.objects.all()}
    assert outcomes["FA-101:Ada Lovelace"].state == "synced"
    assert outcomes["FA-101:Charles Babbage"].reasons == ["Your score was 72; this course requires 80."]
    assert outcomes["FA-201:Grace Hopper"].reasons == ["This course requires First Aid at Work, which you do not hold yet."]
    for issuance in outcomes.values():
        assert f"/admin/issuance/issuance/{issuance.pk}/change/" in out
    assert len(smtp.messages) == 3
