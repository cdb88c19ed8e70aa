"""A programme made after learners earned its constituents: a dry run counts them, then the backfill awards
it to them through the pipeline, emailing them or not as staff choose, behind the bulk gate."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse

from audit.models import AuditRecord
from issuance.models import Credential, Issuance, ProgrammeAward
from tests.factories.courses import member
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import complete, drive

SUBJECT = "Your certificate for Workplace Safety Officer"
LEARNERS = ["ann@learners.example", "bo@learners.example", "cy@learners.example"]


@pytest.fixture
def satisfied(smtp, courses):
    """Three learners hold all three safety credentials, one holds two; no programme exists yet."""
    for email in LEARNERS:
        for code in ("FA-101", "FS-101", "MH-101"):
            drive(complete(courses[code], email=email))
    drive(complete(courses["FA-101"], email="dee@learners.example"))
    drive(complete(courses["FS-101"], email="dee@learners.example"))


def run(*args):
    from io import StringIO
    out = StringIO()
    call_command("programme_backfill", "--org", "harbour", "--code", "WSO", *args, stdout=out)
    return out.getvalue()


def programme_issuances(programme):
    return list(Issuance.objects.filter(course=programme.course).select_related("learner").order_by("learner__email"))


def test_it_counts_and_lists_who_already_satisfies_it_in_a_dry_run(satisfied, make_programme):
    programme = make_programme()

    out = run("--dry-run")

    assert out.splitlines() == ["Dry run: 3 learner(s) satisfy programme WSO and hold no award for it.",
                                *(f"  {email}" for email in LEARNERS)]
    assert not Issuance.objects.filter(course=programme.course).exists()


def test_it_awards_them_without_emailing_when_staff_choose_none(satisfied, smtp, make_programme):
    programme = make_programme()

    out = run()

    assert out.strip() == "Programme WSO: opened 3 issuances; no learner is emailed."
    issued = [drive(issuance) for issuance in programme_issuances(programme)]
    assert [i.learner.email for i in issued] == LEARNERS
    assert all(i.state == Issuance.State.SYNCED and i.credential.status == Credential.Status.ACTIVE for i in issued)
    assert all(len(i.credential.badge["evidence"]) == 3 for i in issued)
    assert not [m for email in LEARNERS for m in smtp.to(email) if m["Subject"] == SUBJECT]
    trail = " ".join(AuditRecord.objects.filter(issuance=issued[0]).values_list("detail", flat=True))
    assert "Programme WSO satisfied by ann@learners.example" in trail and "Awarded by a backfill (system)." in trail
    assert "Not emailed: staff chose to issue without emailing the learner." in trail
    assert AuditRecord.objects.filter(to_state="backfilled", detail__startswith="Backfill of programme WSO: 3 learner(s)").exists()
    # Nothing left: a second run awards nobody twice.
    assert run("--dry-run").splitlines()[0] == "Dry run: 0 learner(s) satisfy programme WSO and hold no award for it."
    assert run().strip() == "Programme WSO: opened 0 issuances; no learner is emailed."
    assert ProgrammeAward.objects.filter(programme=programme).count() == 3


def test_it_emails_them_only_with_the_exact_count_above_the_bulk_gate(satisfied, smtp, make_programme, monkeypatch):
    programme = make_programme()
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "2")

    with pytest.raises(CommandError, match=r"This would email 3 learners, more than LAUREL_BULK_CONFIRM_OVER \(2\): "
                                           r"nothing was sent\. .* Run again with --yes-send 3 to issue them\."):
        run("--notify", "learners")
    with pytest.raises(CommandError, match="This would email 3 learners, not 4: nothing was sent."):
        run("--notify", "learners", "--yes-send", "4")
    assert not ProgrammeAward.objects.exists()

    assert run("--notify", "learners", "--yes-send", "3").strip() == \
        "Programme WSO: opened 3 issuances; each learner is emailed their credential."
    for issuance in programme_issuances(programme):
        drive(issuance)
    assert [len([m for m in smtp.to(email) if m["Subject"] == SUBJECT]) for email in LEARNERS] == [1, 1, 1]


def test_it_leaves_out_a_learner_already_awarded_by_a_completion(satisfied, courses, make_programme):
    programme = make_programme()
    drive(complete(courses["MH-101"], email="dee@learners.example"))  # dee's third: awarded by the pipeline itself
    [dee] = [i for i in programme_issuances(programme) if i.learner.email == "dee@learners.example"]

    assert run("--dry-run").splitlines()[0] == "Dry run: 3 learner(s) satisfy programme WSO and hold no award for it."
    run()
    assert ProgrammeAward.objects.filter(programme=programme, learner__email="dee@learners.example").count() == 1
    assert len(programme_issuances(programme)) == 4 and dee in programme_issuances(programme)


def test_it_refuses_an_unknown_programme_clearly(db):
    with pytest.raises(CommandError, match="No programme with the code 'WSO' in an organisation with the slug 'harbour'."):
        run("--dry-run")


# --- the admin ------------------------------------------------------------------------------------
def staff_client(client, org, role, username="staff"):
    user = get_user_model().objects.create_user(username, f"{username}@harbour.example", "correct horse battery staple",
                                                is_staff=True)
    member(user, org, role)
    client.force_login(user)
    return client


def test_the_programme_page_offers_the_backfill_and_awards_it_on_confirmation(satisfied, smtp, client, org, make_programme):
    programme = make_programme()
    staff = staff_client(client, org, "owner")
    url = reverse("admin:courses_programme_backfill", args=[programme.pk])
    assert url in staff.get(reverse("admin:courses_programme_change", args=[programme.pk])).content.decode()

    page = staff.get(url).content.decode()
    assert "3 learners satisfy programme WSO" in page
    assert all(f"<li>{email}</li>" in page for email in LEARNERS) and "dee@learners.example" not in page

    response = staff.post(url, {"confirm": "yes", "expected": "3"})  # the email box left unticked
    assert response.status_code == 302
    issued = [drive(issuance) for issuance in programme_issuances(programme)]
    assert len(issued) == 3 and all(i.credential.status == Credential.Status.ACTIVE for i in issued)
    assert not [m for email in LEARNERS for m in smtp.to(email) if m["Subject"] == SUBJECT]
    assert "Awarded by a backfill (staff)." in " ".join(AuditRecord.objects.filter(issuance=issued[0]).values_list("detail", flat=True))
    assert "No learner satisfies programme WSO without an award" in staff.get(url).content.decode()


def test_the_admin_backfill_keeps_the_bulk_gate_and_the_count_shown(satisfied, client, org, make_programme, monkeypatch):
    programme = make_programme()
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "2")
    staff = staff_client(client, org, "owner")
    url = reverse("admin:courses_programme_backfill", args=[programme.pk])

    refused = staff.post(url, {"confirm": "yes", "expected": "3", "notify": "learners"}).content.decode()
    assert "This would email 3 learners, more than LAUREL_BULK_CONFIRM_OVER (2): nothing was sent." in refused
    moved = staff.post(url, {"confirm": "yes", "expected": "2"}).content.decode()
    assert "3 learner(s) satisfy it now, not the 2 shown: nothing was awarded." in moved
    assert not ProgrammeAward.objects.exists()

    assert staff.post(url, {"confirm": "yes", "expected": "3", "notify": "learners", "confirm_count": "3"}).status_code == 302
    assert ProgrammeAward.objects.count() == 3
    assert all(i.notify_learner for i in programme_issuances(programme))


def test_saving_a_programme_says_who_already_satisfies_it(satisfied, client, org, make_programme):
    programme = make_programme()
    staff = staff_client(client, org, "editor")
    data = {"name": programme.name, "required_count": "", "within_days": "", "on_constituent_revoked": "keep",
            "constituents-TOTAL_FORMS": "3", "constituents-INITIAL_FORMS": "3", "constituents-MIN_NUM_FORMS": "1",
            "constituents-MAX_NUM_FORMS": "1000"}
    for n, constituent in enumerate(programme.constituents.all()):
        data |= {f"constituents-{n}-id": constituent.pk, f"constituents-{n}-programme": programme.pk,
                 f"constituents-{n}-achievement": constituent.achievement_id, f"constituents-{n}-position": n}

    response = staff.post(reverse("admin:courses_programme_change", args=[programme.pk]), data, follow=True)

    page = response.content.decode()
    assert "3 learners already satisfy WSO without an award." in page
    assert reverse("admin:courses_programme_backfill", args=[programme.pk]) in page


def test_an_editor_sees_the_dry_run_but_cannot_award_it(satisfied, client, org, make_programme):
    programme = make_programme()
    url = reverse("admin:courses_programme_backfill", args=[programme.pk])
    staff = staff_client(client, org, "editor")

    assert "Awarding it needs the permission to issue credentials" in staff.get(url).content.decode()
    staff.post(url, {"confirm": "yes", "expected": "3"})
    assert not ProgrammeAward.objects.exists()


def test_another_organisations_programme_backfill_is_a_404(satisfied, client, org, make_programme):
    programme = make_programme()
    other = organization_with_templates(name="Elsewhere", slug="elsewhere")
    staff = staff_client(client, other, "owner")

    assert staff.get(reverse("admin:courses_programme_backfill", args=[programme.pk])).status_code == 404
    assert staff.post(reverse("admin:courses_programme_backfill", args=[programme.pk]),
                      {"confirm": "yes", "expected": "3"}).status_code == 404
    assert not ProgrammeAward.objects.exists()
