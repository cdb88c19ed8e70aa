"""Renewal: inside the window a completion replaces the credential it renews; outside it is a duplicate."""

from datetime import timedelta
from io import StringIO

from dateutil.relativedelta import relativedelta
from django.core.management import call_command
from django.utils import timezone

from issuance.models import Credential, Issuance
from tests.pipeline.conftest import complete, drive


def _holding(first_aid, *, ends_in_days: int):
    """Ann holds First Aid, ending in this many days (issued by the real pipeline)."""
    completed = timezone.now() + timedelta(days=ends_in_days) - relativedelta(months=12)
    issuance = drive(complete(first_aid, when=completed))
    assert issuance.state == Issuance.State.SYNCED, issuance.error
    return issuance.credential


def test_it_renews_inside_the_window_and_stops_the_old_credentials_reminders(smtp, first_aid):
    old = _holding(first_aid, ends_in_days=40)

    renewal = drive(complete(first_aid))

    assert renewal.state == Issuance.State.SYNCED
    new, old = renewal.credential, Credential.objects.get(pk=old.pk)
    assert new.replaces == old and old.status == Credential.Status.SUPERSEDED
    assert f"renews {old.pk}" in renewal.audit_records.get(to_state="eligible").detail
    assert old.issuance.audit_records.get(to_state="superseded").detail.startswith(f"Credential {old.pk} superseded")
    assert [m["Subject"] for m in smtp.to("ann@learners.example")] == ["Your certificate for First Aid at Work"] * 2
    out = StringIO()
    call_command("send_renewal_reminders", "--today", f"{old.valid_until - timedelta(days=30):%Y-%m-%d}", stdout=out)
    assert out.getvalue().splitlines()[-1] == "total: 0 sent, 0 suppressed"


def test_it_keeps_a_completion_outside_the_window_a_duplicate(smtp, first_aid):
    old = _holding(first_aid, ends_in_days=120)

    again = drive(complete(first_aid))

    assert again.state == Issuance.State.DUPLICATE
    assert Credential.objects.get(pk=old.pk).status == Credential.Status.ACTIVE
    assert not Credential.objects.filter(replaces=old).exists()


def test_it_follows_the_achievements_renewal_window(smtp, first_aid):
    first_aid.achievement.renewal_window_days = 150
    first_aid.achievement.save()
    old = _holding(first_aid, ends_in_days=120)

    assert drive(complete(first_aid)).credential.replaces == old


def test_it_links_a_new_credential_to_one_the_daily_job_expired(smtp, first_aid):
    from issuance.lifecycle.tasks import lifecycle_daily

    old = _holding(first_aid, ends_in_days=-5)
    lifecycle_daily()

    new = drive(complete(first_aid)).credential

    assert new.replaces_id == old.pk and Credential.objects.get(pk=old.pk).status == Credential.Status.EXPIRED


def test_it_renders_the_renewed_certificate_with_the_new_credential_inside(smtp, first_aid):
    from issuance.certificates.pdfa import certificate_credential_read

    old = _holding(first_aid, ends_in_days=40)

    new = drive(complete(first_aid)).credential

    with new.pdf.open("rb") as stored:
        carried = certificate_credential_read(stored.read())
    assert carried == new.badge and carried["id"].endswith(f"/credentials/{new.pk}.json")
    with Credential.objects.get(pk=old.pk).pdf.open("rb") as stored:
        assert certificate_credential_read(stored.read())["id"].endswith(f"/credentials/{old.pk}.json")
