"""Staff decline a learner's wrong-name report with a reason: the credential keeps its name, the learner is emailed
the reason in their credential's language, and the decline is in the audit trail. Through the admin, with the
Django test client, and the email over a real SMTP server on 127.0.0.1."""

import pytest
from django.urls import reverse

from audit.chain import audit_chain_verify
from audit.models import AuditRecord
from issuance.delivery.outbox import outbox_send
from issuance.learner_page.actions import name_correction_report
from issuance.learner_page.name_corrections import NotOpen, name_correction_decline
from issuance.models import Issuance, NameCorrectionRequest, OutboxMessage
from issuance.privacy.erasure import learner_erase
from issuance.privacy.subject import subject_for
from stand_ins.smtp import body

from .conftest import ANN

CHANGELIST = "admin:issuance_namecorrectionrequest_changelist"
REASON = "Your passport <b>and</b> the enrolment form both say Ann Lee."


@pytest.fixture
def report(world):
    credential = world.ann_first_aid
    Issuance.objects.filter(pk=credential.issuance_id).update(language="fr")  # Ann's course ran in French
    return name_correction_report(credential=credential, requested_name="Anne Leigh", note="Mon nom")


def _decline(admin_client, report, **fields):
    return admin_client.post(reverse(CHANGELIST), {"action": "decline_selected", "_selected_action": [report.pk], **fields})


def test_staff_decline_from_the_requests_page_and_the_learner_is_told_why_in_french(world, report, admin_client, smtp):
    page = admin_client.get(reverse("admin:issuance_namecorrectionrequest_change", args=[report.pk])).content.decode()
    assert 'data-object-action="decline_selected"' in page and "Decline…" in page

    confirm = _decline(admin_client, report, laurel_from_object="1").content.decode()
    assert "Decline these name corrections?" in confirm and "Anne Leigh" in confirm and 'name="reason"' in confirm
    refused = _decline(admin_client, report, confirm="yes", reason="   ").content.decode()
    assert "Give a reason: the learner is emailed it." in refused
    report.refresh_from_db()
    assert report.state == "open" and not OutboxMessage.objects.filter(kind="name_declined").exists()

    done = _decline(admin_client, report, confirm="yes", reason=REASON, laurel_from_object="1")
    assert done.status_code == 302 and done["Location"] == reverse("admin:issuance_namecorrectionrequest_change",
                                                                   args=[report.pk])
    report.refresh_from_db()
    assert (report.state, report.resolution, report.resolved_by.is_superuser) == ("declined", REASON, True)
    assert world.ann_first_aid.issuance.__class__.objects.get(pk=world.ann_first_aid.issuance_id).learner_name == "Ann Lee"
    after = admin_client.get(reverse("admin:issuance_namecorrectionrequest_change", args=[report.pk])).content.decode()
    assert "Declined 1 request" in after and 'data-object-action="decline_selected"' not in after

    message = OutboxMessage.objects.get(kind="name_declined")
    assert message.issuance_id == world.ann_first_aid.issuance_id and message.headers["Content-Language"] == "fr"
    outbox_send(message_id=message.pk)  # what the worker does in the organisation's turn
    (sent,) = [m for m in smtp.to(ANN) if m["Subject"] == "À propos du nom sur votre certificat"]
    text, html = body(sent, "plain").replace("\r\n", "\n"), body(sent, "html")
    assert "de remplacer, sur votre certificat « First Aid », le nom Ann Lee par Anne Leigh. Le nom n’a pas été modifié." in text
    assert "Motif indiqué :\n" + REASON in text
    assert "Your passport &lt;b&gt;and&lt;/b&gt; the enrolment form" in html and "<b>and</b>" not in html
    assert sent["Content-Language"] == "fr" and "/me" in text

    (record,) = AuditRecord.objects.filter(issuance=world.ann_first_aid.issuance, detail__contains="declined")
    assert record.actor_kind == "staff" and REASON in record.detail and "emailed the reason" in record.detail
    assert audit_chain_verify().intact


def test_a_request_no_longer_open_is_not_declined_twice(world, report, admin_user):
    name_correction_decline(report=report, actor_user=admin_user, reason="Already correct.")
    with pytest.raises(NotOpen):
        name_correction_decline(report=report, actor_user=admin_user, reason="Again.")
    assert OutboxMessage.objects.filter(kind="name_declined").count() == 1


def test_a_decline_without_a_reason_or_with_a_letter_of_one_is_refused(world, report, admin_user, admin_client):
    for reason in ("", " \n ", "x" * 1001):
        with pytest.raises(ValueError):
            name_correction_decline(report=report, actor_user=admin_user, reason=reason)
    page = _decline(admin_client, report, confirm="yes", reason="x" * 1001).content.decode()
    assert "The reason is 1001 characters; keep it under 1000." in page
    report.refresh_from_db()
    assert report.state == "open"


def test_a_learner_erased_since_is_not_emailed_and_the_audit_says_so(world, report, admin_user):
    learner_erase(subject=subject_for(organization=world.org, email=ANN))
    name_correction_decline(report=report, actor_user=admin_user, reason="Nothing to change.")
    assert not OutboxMessage.objects.filter(kind="name_declined").exists()
    assert AuditRecord.objects.filter(detail__contains="no one was told").exists()


def test_another_organisations_staff_cannot_decline_it(world, report, client, django_user_model):
    from tests.factories.courses import member

    other = django_user_model.objects.create_user("nw", password="x", is_staff=True)
    member(other, world.other_org, "owner")
    client.force_login(other)
    response = client.post(reverse(CHANGELIST), {"action": "decline_selected", "_selected_action": [report.pk],
                                                 "confirm": "yes", "reason": "Not yours."})
    report.refresh_from_db()
    assert report.state == "open" and response.status_code in (200, 302)
    assert client.get(reverse("admin:issuance_namecorrectionrequest_change", args=[report.pk])).status_code == 404


def test_the_learner_reads_the_decline_and_its_reason_on_their_page_until_they_report_again(
    world, report, admin_user, client, smtp
):
    from .conftest import sign_in

    name_correction_decline(report=report, actor_user=admin_user, reason=REASON)
    sign_in(client, smtp, ANN)

    page = client.get(reverse("learner-page"), HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    card = page.split(f'data-credential="{world.ann_first_aid.pk}"', 1)[1].split("</article>", 1)[0]
    assert 'data-testid="name-declined"' in card
    assert "Votre demande de changer le nom en « Anne Leigh » a été refusée le " in card
    assert "Motif indiqué : <q>Your passport &lt;b&gt;and&lt;/b&gt; the enrolment form both say Ann Lee.</q>" in card
    other = page.split(f'data-credential="{world.ann_forklift.pk}"', 1)[1].split("</article>", 1)[0]
    assert "name-declined" not in other  # only the credential that was reported

    client.post(reverse("learner-report-name", args=[world.ann_first_aid.pk]), {"name": "Anne Leigh", "note": "Passeport"})
    page = client.get(reverse("learner-page")).content.decode()
    assert "name-declined" not in page and "staff are looking at it" in page
