"""`make demo`'s LMS part: the stand-ins and one completion per dialect, each ending as a delivered credential."""

import importlib.util
from pathlib import Path

import pytest
from django.core.management import call_command

from issuance.models import Source
from issuance.sources.canvas.jwks import jwks_cache_forget
from tests.certificates.conftest import pdf_text

pytestmark = pytest.mark.django_db(transaction=True)

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "lms_stand_ins.py"


@pytest.fixture
def stand_ins():
    spec = importlib.util.spec_from_file_location("lms_stand_ins", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_dialects_completion_in_the_demo_becomes_a_delivered_credential(stand_ins, live_server, task_queue, smtp):
    call_command("seed_demo", admin_password="pw-for-tests")
    sources = stand_ins.demo_sources()
    moodle, jwks = stand_ins.stand_ins_start(sources)
    jwks_cache_forget()
    try:
        assert Source.objects.get(slug="demo-moodle").settings["moodle_url"] == moodle.url
        assert Source.objects.get(slug="demo-canvas").settings["jwks_url"] == jwks.url + "/main/jwks"
        events = stand_ins.completions_push(url=live_server.url, sources=sources, moodle=moodle, jwks=jwks)
        task_queue.run()
    finally:
        moodle.stop()
        jwks.stop()
        jwks_cache_forget()
    outcomes = {}
    for dialect, event in events.items():
        event.refresh_from_db()
        issuance = event.issuances.first()
        delivered = issuance is not None and issuance.state in ("delivered", "synced")
        outcomes[dialect] = (event.status, delivered or (issuance.state if issuance else event.errors))
    assert outcomes == {dialect: ("processed", True) for dialect in
                        ("generic", "moodle", "canvas", "thinkific", "teachable", "xapi", "learndash", "typeform", "google_forms")}
    assert {r["form"]["wsfunction"] for r in moodle.requests} >= {"core_user_get_users_by_field", "gradereport_user_get_grade_items"}
    moodle_issuance = events["moodle"].issuances.get()
    assert moodle_issuance.learner_name == "Élodie Martin" and moodle_issuance.completion["score"] == "92.00"
    # Her Moodle `lang` is fr: the issuance, its email and its certificate are in French.
    assert moodle_issuance.language == "fr"
    french = [m for m in smtp.messages if m["Content-Language"] == "fr"]
    # The demo's French version of the credential email, naming WS-100's achievement as staff wrote it in French.
    assert len(french) == 1 and french[0]["Subject"].strip() == "Élodie Martin, votre certificat « Accueil sécurité au travail » est prêt"
    assert moodle_issuance.credential.badge["credentialSubject"]["achievement"]["name"] == "Accueil sécurité au travail"
    with moodle_issuance.credential.pdf.open("rb") as handle:
        assert "Nous certifions que" in pdf_text(handle.read())
    assert ", in Français" in stand_ins.outcome_line("moodle", events["moodle"], live_server.url)
    assert len(smtp.messages) == 9
    # The two form tools: a mapped source made from the typeform preset, and the Apps Script's contract.
    typeform, google_form = events["typeform"].issuances.get(), events["google_forms"].issuances.get()
    assert (typeform.learner_name, typeform.completion["attendance"], events["typeform"].source.dialect) == ("Keanu Alapaʻi", "100", "mapped")
    assert (google_form.learner_name, google_form.course.code, google_form.completion["attendance"]) == ("Ngozi Adeyemi", "WS-100", "100")
    assert google_form.completion["extra"]["Company"] == "Harbourside Logistics"
