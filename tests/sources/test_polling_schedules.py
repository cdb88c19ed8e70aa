"""poll_minutes: validated by the dialect's settings, turned into the source's own django-q2 schedule."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django_q.models import Schedule

from issuance.intake.tasks import source_poll_scheduled
from issuance.models import SourcePoll
from issuance.schedules import schedules_sync
from issuance.sources.settings_schema import SettingsError

pytestmark = pytest.mark.django_db

LRS = {"lrs_url": "https://lrs.example.org/xapi", "lrs_key": "laurel", "lrs_secret": "s3cret"}


def test_a_polled_source_gets_a_schedule_every_15_minutes_by_default(make_source):
    make_source("xapi", slug="lrs", settings=LRS)
    schedule = Schedule.objects.get(name="laurel-poll-lrs")
    assert (schedule.minutes, schedule.args, schedule.func) == (15, "'lrs'", "issuance.intake.tasks.source_poll_scheduled")


def test_poll_minutes_sets_the_interval_and_zero_removes_the_schedule(make_source):
    make_source("xapi", slug="lrs", settings={**LRS, "poll_minutes": "5"})
    assert Schedule.objects.get(name="laurel-poll-lrs").minutes == 5
    make_source("xapi", slug="lrs", settings={**LRS, "poll_minutes": "0"})
    assert not Schedule.objects.filter(name="laurel-poll-lrs").exists()


@pytest.mark.parametrize("value", ["soon", "-5", "1.5", "999999"])
def test_a_bad_poll_minutes_is_refused_with_what_is_valid(make_source, value):
    with pytest.raises(SettingsError, match="poll_minutes must be a whole number of minutes from 0"):
        make_source("xapi", slug="lrs", settings={**LRS, "poll_minutes": value})


def test_a_webhook_only_source_gets_no_schedule(make_source):
    make_source("xapi", slug="push-only", secret="pw", settings={"key": "provider"})
    assert not Schedule.objects.filter(name__startswith="laurel-poll-").exists()


def test_migrate_puts_back_a_deleted_schedule_and_removes_one_whose_source_went(make_source):
    make_source("xapi", slug="lrs", settings=LRS)
    Schedule.objects.filter(name="laurel-poll-lrs").delete()
    Schedule.objects.create(name="laurel-poll-gone", func="issuance.intake.tasks.source_poll_scheduled", schedule_type=Schedule.MINUTES, minutes=15)

    schedules_sync()

    assert set(Schedule.objects.filter(name__startswith="laurel-poll-").values_list("name", flat=True)) == {"laurel-poll-lrs"}


def test_the_scheduled_run_skips_a_parked_source(make_source):
    source = make_source("xapi", slug="lrs", settings=LRS)
    SourcePoll.objects.create(source=source, status=SourcePoll.Status.PARKED, last_error="HTTP 401")
    assert source_poll_scheduled("lrs") == "not due (parked or backing off)"


def test_polling_settings_half_given_are_refused(make_source):
    with pytest.raises(SettingsError, match="lrs_key and lrs_secret"):
        make_source("xapi", slug="lrs", settings={"lrs_url": "https://lrs.example.org/xapi"})
    with pytest.raises(SettingsError, match="both canvas_url and api_token"):
        make_source("canvas", slug="cv", settings={"canvas_url": "https://canvas.example.edu"})


def test_the_poll_command_names_a_source_that_cannot_be_polled(make_source):
    make_source("xapi", slug="push-only", secret="pw", settings={"key": "provider"})
    with pytest.raises(CommandError, match="no polling settings"):
        call_command("poll", "--source", "push-only")
    with pytest.raises(CommandError, match="not a date"):
        call_command("reconcile", "--source", "push-only", "--since", "yesterday")
