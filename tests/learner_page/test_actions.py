"""What a signed-in learner does on /me: only to their own credentials, each audited, each with the effect a
visitor, staff or the learner then sees."""

import io
import json
import re
import zipfile

import pytest
import requests
from django.contrib.auth.models import User
from django.urls import reverse

from audit.chain import audit_chain_verify
from audit.models import AuditRecord
from issuance.credentials import credential_public_code
from issuance.learner_page.actions import data_copy_send
from issuance.models import Credential, Learner, NameCorrectionRequest
from stand_ins.smtp import body

from .conftest import ANN, BOB, sign_in


@pytest.fixture
def ann(world, smtp, client):
    sign_in(client, smtp, ANN)
    return client


def test_it_lists_every_credential_of_the_address_grouped_by_organisation(world, ann):
    page = ann.get(reverse("learner-page")).content.decode()
    harbour, northwind = page.index("Harbour Academy"), page.index("Northwind Training")
    assert harbour < page.index("First Aid") < northwind < page.index("Forklift Safety")
    assert "Bob Stone" not in page and str(world.bob_first_aid.pk) not in page
    for credential in (world.ann_first_aid, world.ann_forklift):
        assert reverse("learner-certificate", args=[credential.pk]) in page
        assert f"/credentials/{credential.pk}" in page
    assert f"/credentials/{credential.pk}/linkedin" in page and "mailto:?" in page and "Add to wallet" in page


def test_a_revoked_credential_on_the_list_says_revoked_and_no_valid_until(world, ann, admin_user):
    from issuance.revocation import credential_revoke

    credential_revoke(credential=world.ann_first_aid, reason="Issued in error.", actor=admin_user)
    page = ann.get(reverse("learner-page")).content.decode()
    card = page[page.index("First Aid"):page.index("Forklift Safety")]
    assert "Revoked" in card and "Valid until" not in card and "Does not expire" not in card


def test_the_page_escapes_what_learners_and_staff_typed(world, ann):
    Credential.objects.filter(pk=world.ann_first_aid.pk).update()
    world.ann_first_aid.issuance.__class__.objects.filter(pk=world.ann_first_aid.issuance_id).update(
        learner_name="<script>alert(1)</script>")
    page = ann.get(reverse("learner-page")).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_certificate_downloads_for_its_holder_only(world, ann):
    mine = ann.get(reverse("learner-certificate", args=[world.ann_first_aid.pk]))
    assert mine.status_code == 200 and b"".join(mine.streaming_content).startswith(b"%PDF")
    assert ann.get(reverse("learner-certificate", args=[world.bob_first_aid.pk])).status_code == 404


@pytest.mark.parametrize("action, data", [
    ("learner-hide", {"hidden": "1"}), ("learner-report-name", {"name": "Robert Stone"}), ("learner-wallet", {}),
])
def test_a_learner_cannot_act_on_another_learners_credential_by_editing_its_id(world, ann, action, data):
    response = ann.post(reverse(action, args=[world.bob_first_aid.pk]), data)
    assert response.status_code == 404
    bob = Credential.objects.get(pk=world.bob_first_aid.pk)
    assert bob.holder_hidden_at is None
    assert not NameCorrectionRequest.objects.filter(credential=bob).exists()
    assert not bob.wallet_offers.exists() or bob.wallet_offers.filter(created_by="the learner's page").count() == 0


def test_the_forms_need_the_csrf_token(world, smtp):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    refused = browser.post(reverse("learner-page"), {"email": ANN})
    assert refused.status_code == 403


def test_hiding_withholds_the_details_on_the_public_page_and_in_verification(world, ann, live_server, settings):
    credential = world.ann_first_aid
    public = ann.get(f"/credentials/{credential.pk}").content.decode()
    assert "Ann Lee" in public
    ann.post(reverse("learner-hide", args=[credential.pk]), {"hidden": "1"})
    credential.refresh_from_db()
    assert credential.holder_hidden_at is not None

    # A visitor, with no session at all, through the real server.
    page = requests.get(f"{live_server.url}/credentials/{credential.pk}", timeout=10)
    assert page.status_code == 200
    assert "Valid, details withheld by the holder" in page.text
    assert "Ann Lee" not in page.text and "First Aid" not in page.text
    for suffix in (".pdf", ".json", "/badge.png"):
        withheld = requests.get(f"{live_server.url}/credentials/{credential.pk}{suffix}", timeout=10)
        assert withheld.status_code == 404 and "withheld by the holder" in withheld.text.lower()
    code = requests.get(f"{live_server.url}/verify", params={"code": credential_public_code(credential_id=credential.pk)}, timeout=10)
    assert code.url.endswith(f"/credentials/{credential.pk}")  # the code leads to the same withheld page
    assert "Ann Lee" not in code.text and "details withheld by the holder" in code.text

    answer = requests.post(f"{live_server.url}/api/v1/verify", json=credential.badge, timeout=10).json()
    assert answer["verified"] is True and answer["status"] == "valid" and answer["details_withheld"] is True

    ann.post(reverse("learner-hide", args=[credential.pk]), {"hidden": "0"})
    shown = requests.get(f"{live_server.url}/credentials/{credential.pk}", timeout=10)
    assert "Ann Lee" in shown.text
    assert "details_withheld" not in requests.post(f"{live_server.url}/api/v1/verify", json=credential.badge,
                                                   timeout=10).json()
    details = list(AuditRecord.objects.filter(actor_kind="learner", issuance=credential.issuance)
                   .values_list("detail", flat=True))
    assert any("hid the details" in d for d in details) and any("showed the details" in d for d in details)
    assert audit_chain_verify().intact


def test_a_wrong_name_report_waits_in_the_exception_queue_and_becomes_a_reissue(world, ann, smtp, admin_client):
    credential = world.ann_first_aid
    ann.post(reverse("learner-report-name", args=[credential.pk]), {"name": "Ann  Leigh", "note": "Typo <b>here</b>"})
    report = NameCorrectionRequest.objects.get(credential=credential)
    assert (report.current_name, report.requested_name, report.state) == ("Ann Lee", "Ann Leigh", "open")
    assert "staff are looking at it" in ann.get(reverse("learner-page")).content.decode()

    queue = admin_client.get(reverse("admin:issuance_namecorrectionrequest_changelist")).content.decode()
    assert "Ann Leigh" in queue and "Typo &lt;b&gt;here&lt;/b&gt;" in queue
    before = credential.pdf_sha256
    emails_before = len(smtp.to(ANN))
    admin_client.post(reverse("admin:issuance_namecorrectionrequest_changelist"),
                      {"action": "reissue_selected", "_selected_action": [report.pk]})
    report.refresh_from_db()
    credential.refresh_from_db()
    assert report.state == "reissued" and report.resolved_by.username == User.objects.get().username
    assert credential.issuance.learner_name == "Ann Leigh"
    assert credential.pdf_sha256 != before
    assert "Ann Leigh" in json.dumps(credential.badge, ensure_ascii=False)  # re-signed under the new name
    assert len(smtp.to(ANN)) == emails_before + 1  # the corrected credential, emailed
    assert "Ann Leigh" in ann.get(reverse("learner-page")).content.decode()
    assert AuditRecord.objects.filter(issuance=credential.issuance, detail__contains="Name corrected").exists()


def test_a_report_of_the_same_name_is_refused_with_the_reason(world, ann):
    response = ann.post(reverse("learner-report-name", args=[world.ann_first_aid.pk]), {"name": "Ann Lee"}, follow=True)
    assert "already carries" in response.content.decode()
    assert not NameCorrectionRequest.objects.exists()


def test_a_copy_of_the_data_is_emailed_as_download_links(world, ann, smtp, client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as queued:
        response = ann.post(reverse("learner-data"), follow=True)
    assert "download link" in response.content.decode()
    assert len(queued) == 1
    learner_ids = list(Learner.objects.filter(email=ANN).values_list("pk", flat=True))
    data_copy_send(learner_ids=learner_ids)
    (message,) = [m for m in smtp.to(ANN) if m["Subject"] == "Your copy of your data"]
    links = re.findall(r"http\S+/me/data/[A-Za-z0-9_-]+", body(message, "plain"))
    assert len(links) == 2  # one per organisation
    assert ANN not in " ".join(links)
    from django.test import Client

    elsewhere = Client()  # the link works on another device, without the session
    download = elsewhere.get("/" + links[0].split("/", 3)[3])
    assert download.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    learners = json.loads(archive.read("data/learner.json"))
    assert [row["email"] for row in learners] == [ANN]
    assert "summary.html" in archive.namelist()
    assert elsewhere.get("/me/data/not-a-token").status_code == 410
    assert AuditRecord.objects.filter(actor_kind="learner", detail__contains="copy of their data").count() == 2


def test_bob_sees_only_his_own(world, smtp, client):
    sign_in(client, smtp, BOB)
    page = client.get(reverse("learner-page")).content.decode()
    assert "Bob Stone" in page and "Forklift" not in page and "Ann Lee" not in page


def test_erasure_leaves_nothing_of_the_learner_in_the_pages_rows(world, ann, smtp, client):
    from issuance.learner_page.sign_in import sign_in_request
    from issuance.models import LearnerSignIn
    from issuance.privacy.erasure import learner_erase
    from issuance.privacy.subject import subject_for

    ann.post(reverse("learner-report-name", args=[world.ann_first_aid.pk]), {"name": "Ann Leigh", "note": "typo"})
    sign_in_request(address=ANN, client="192.0.2.9")
    learner_erase(subject=subject_for(organization=world.org, email=ANN))
    report = NameCorrectionRequest.objects.get()
    assert "Ann" not in report.current_name + report.requested_name + report.note
    assert not LearnerSignIn.objects.filter(address__iexact=ANN).exists()
    page = ann.get(reverse("learner-page")).content.decode()
    assert "First Aid" not in page and "Forklift Safety" in page  # the other organisation's learner is another learner


def test_erasure_deletes_the_learners_data_copies_at_once_and_keeps_the_other_organisations(
    world, ann, smtp, client, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    from issuance.models import LearnerDataLink
    from issuance.privacy.erasure import learner_erase, learner_erasure_plan
    from issuance.privacy.records import learner_records
    from issuance.privacy.subject import subject_for

    data_copy_send(learner_ids=list(Learner.objects.filter(email=ANN).values_list("pk", flat=True)))
    (message,) = [m for m in smtp.to(ANN) if m["Subject"] == "Your copy of your data"]
    links = re.findall(r"http\S+/me/data/[A-Za-z0-9_-]+", body(message, "plain"))
    erased_here = LearnerDataLink.objects.get(organization=world.org)
    kept = LearnerDataLink.objects.get(organization=world.other_org)
    subject = subject_for(organization=world.org, email=ANN)
    plan = {place.name: place.count for place in learner_erasure_plan(learner_records(subject))}
    assert plan["issuance_learnerdatalink"] == 1  # the dry run names it

    with django_capture_on_commit_callbacks(execute=True):
        learner_erase(subject=subject)

    assert not LearnerDataLink.objects.filter(pk=erased_here.pk).exists()
    assert not default_storage.exists(erased_here.file)  # gone now, not at the link's expiry
    assert LearnerDataLink.objects.filter(pk=kept.pk).exists() and default_storage.exists(kept.file)
    answers = sorted(client.get("/" + link.split("/", 3)[3]).status_code for link in links)
    assert answers == [200, 410]  # the other organisation's copy still downloads; this one's link is dead
