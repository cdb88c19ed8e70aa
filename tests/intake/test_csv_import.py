"""CSV completions: streamed, checked, stored as events, and sent down the webhook's path."""

import io
import random
import tracemalloc
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from issuance.intake.csv_import import CsvFileError, csv_import
from issuance.models import CompletionEvent, Issuance
from tests.factories.courses import CourseFactory

SAMPLE = Path(__file__).resolve().parents[2] / "static" / "laurel" / "sample-completions.csv"
HEADER = "email,given_name,family_name,course,completed_at,learner_id,score,attendance,cohort\n"


def _big_file(rows: int, bad_every: int) -> tuple[bytes, int]:
    """A file where every `bad_every`-th row is broken in one of three ways; returns (bytes, bad rows)."""
    lines, bad = [HEADER], 0
    for n in range(rows):
        email, course, when = f"learner{n}@example.org", "FA-101", "2026-01-05T09:58:00Z"
        if n % bad_every == 0:
            bad += 1
            kind = random.Random(n).choice(["email", "course", "date"])
            email = "" if kind == "email" else email
            course = "NOPE-1" if kind == "course" else course
            when = "05/01/2026" if kind == "date" else when
        lines.append(f"{email},Learner,Nº {n},{course},{when},u-{n},{80 + n % 20},100,spring\n")
    return "".join(lines).encode("utf-8"), bad


@pytest.mark.django_db(transaction=True)
def test_it_imports_the_shipped_sample_file(source, course, organization, task_queue):
    for code in ("WS-100", "FA-201"):
        CourseFactory(organization=organization, code=code)
    call_command("import_completions", str(SAMPLE), source=source.slug)
    task_queue.run()
    events = CompletionEvent.objects.filter(channel="csv")
    assert events.count() == 4
    assert set(events.values_list("status", flat=True)) == {"processed"}, list(events.values_list("errors", flat=True))
    assert Issuance.objects.filter(learner__name="Дмитрий Иванов").exists()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_it_imports_10000_rows_with_3_percent_bad_ones_parked_and_none_lost(source, task_queue, capsys, tmp_path):
    data, bad = _big_file(10_000, bad_every=33)
    path = tmp_path / "cohort.csv"
    path.write_bytes(b"\xef\xbb\xbf" + data)  # with a BOM, as spreadsheets save it
    call_command("import_completions", str(path), source=source.slug, yes_send=10_000 - bad)
    out = capsys.readouterr().out
    assert f"10000 rows: {10_000 - bad} valid, {bad} invalid" in out
    assert "10000 stored and queued" in out
    task_queue.run()
    events = CompletionEvent.objects.filter(source=source)
    assert events.count() == 10_000
    assert events.filter(status="parked").count() == bad
    assert events.filter(status="processed").count() == 10_000 - bad
    assert Issuance.objects.count() == 10_000 - bad
    reasons = set(events.filter(status="parked").values_list("park_reason", flat=True))
    assert reasons == {"email_missing", "course_invalid", "completed_at_invalid"}
    extra = Issuance.objects.first().completion["extra"]
    assert extra == {"cohort": "spring"}  # unknown columns reach the rules as extra


@pytest.mark.parametrize("dry_run", [True, False])
def test_it_reads_a_large_file_without_holding_it_in_memory(source, dry_run):
    # Few rows but long ones (a free-text column), so the file is large and the test stays quick.
    notes = "n" * 16_000
    rows = "".join(f"l{n}@example.org,Ana,FA-101,2026-01-05T09:58:00Z,{notes}\n" for n in range(400))
    data = ("email,name,course,completed_at,notes\n" + rows).encode()
    csv_import(source=source, stream=io.BytesIO(data[:200]), file_name="warm-up.csv", dry_run=True)
    tracemalloc.start()
    report = csv_import(source=source, stream=io.BytesIO(data), file_name="big.csv", dry_run=dry_run)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert report.rows == 400
    # The BytesIO itself is the caller's; everything the import held at once stays well below it.
    assert peak < len(data) // 2, f"peak {peak} bytes for a {len(data)}-byte file"


def test_it_previews_a_dry_run_without_storing_anything(source, capsys):
    data, bad = _big_file(100, bad_every=10)
    report = csv_import(source=source, stream=io.BytesIO(data), file_name="x.csv", dry_run=True)
    assert (report.rows, report.valid, report.invalid, report.duplicates) == (100, 100 - bad, bad, 0)
    assert report.problems[0][0] == 2  # the first data row is row 2 of the file
    assert CompletionEvent.objects.count() == 0


def test_it_counts_rows_of_a_file_already_imported_as_duplicates(source):
    data, _ = _big_file(30, bad_every=10)
    csv_import(source=source, stream=io.BytesIO(data), file_name="x.csv", dry_run=False)
    again = csv_import(source=source, stream=io.BytesIO(data), file_name="x-again.csv", dry_run=False)
    assert (again.duplicates, again.stored) == (30, 0)
    assert CompletionEvent.objects.count() == 30


def test_it_names_the_missing_column(source):
    with pytest.raises(CsvFileError, match="Row 1 has no 'course' column. Columns found: email, name, completed_at"):
        csv_import(source=source, stream=io.BytesIO(b"email,name,completed_at\n"), file_name="x.csv", dry_run=True)
    with pytest.raises(CsvFileError, match="name \\(or given_name and family_name\\)"):
        csv_import(source=source, stream=io.BytesIO(b"email,given_name,course,completed_at\n"), file_name="x.csv", dry_run=True)


def test_it_names_the_row_of_a_wrong_encoding_before_storing_anything(source):
    latin1 = "email,name,course,completed_at\na@example.org,Ana,FA-101,2026-01-05T09:58:00Z\nb@example.org,Chloé,FA-101,2026-01-05T09:58:00Z\n".encode("latin-1")
    with pytest.raises(CsvFileError, match="Row 3 is not UTF-8 text \\(byte 0xE9\\)"):
        csv_import(source=source, stream=io.BytesIO(latin1), file_name="x.csv", dry_run=False)
    assert CompletionEvent.objects.count() == 0


def test_the_command_reports_file_errors_clearly(source, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"mail,name\n")
    with pytest.raises(CommandError, match="Row 1 has no 'email'"):
        call_command("import_completions", str(path), source=source.slug)
    with pytest.raises(CommandError, match="No source with slug 'nope'"):
        call_command("import_completions", str(path), source="nope")
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_completions", str(tmp_path / "missing.csv"), source=source.slug)


def test_the_command_dry_run_prints_counts_and_stores_nothing(source, capsys):
    path = SAMPLE
    call_command("import_completions", str(path), source=source.slug, dry_run=True)
    out = capsys.readouterr().out
    assert "Dry run: 4 rows: 2 valid, 2 invalid" in out  # WS-100 and FA-201 do not exist here
    assert "row 4: course:" in out
    assert CompletionEvent.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_it_stores_nothing_above_the_cap_without_the_exact_count(source, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("LAUREL_BULK_CONFIRM_OVER", "100")
    data, bad = _big_file(150, bad_every=50)
    path = tmp_path / "cohort.csv"
    path.write_bytes(data)

    call_command("import_completions", str(path), source=source.slug, dry_run=True)
    assert f"Would email up to {150 - bad} learners" in capsys.readouterr().out
    with pytest.raises(CommandError, match=rf"would email {150 - bad} learners, more than LAUREL_BULK_CONFIRM_OVER \(100\)"):
        call_command("import_completions", str(path), source=source.slug)
    with pytest.raises(CommandError, match=rf"would email {150 - bad} learners, not 150"):
        call_command("import_completions", str(path), source=source.slug, yes_send=150)
    assert CompletionEvent.objects.count() == 0

    call_command("import_completions", str(path), source=source.slug, yes_send=150 - bad)
    assert CompletionEvent.objects.count() == 150


def test_a_dry_run_forecasts_each_rows_outcome_and_counts_every_row(source):
    from courses.models import RuleSetVersion
    from courses.services import ruleset_version_publish
    from tests.factories.courses import RuleSetFactory

    course = source.organization.courses.get(code="FA-101")
    course.ruleset = RuleSetFactory(organization=source.organization)
    course.save()
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=course.ruleset, min_score=80))
    rows = "".join(f"l{n}@example.org,Learner {n},FA-101,2026-01-05T09:58:00Z,{90 if n % 2 else 50}\n" for n in range(1500))
    data = ("email,name,course,completed_at,score\n" + rows + "l1@example.org,Learner 1,FA-101,2026-01-05T09:58:00Z,99\n").encode()

    report = csv_import(source=source, stream=io.BytesIO(data), file_name="big.csv", dry_run=True, forecast=True)

    assert report.outcome_counts == {"issue": 750, "ineligible": 750, "duplicate_in_file": 1}
    assert len(report.outcomes) == 1000  # the table shows the first 1000; the counts cover all 1501
    assert (report.outcomes[0].outcome, report.outcomes[0].detail) == ("ineligible", "Your score was 50; this course requires 80.")
    assert report.outcome_summary() == "750 will be issued, 750 ineligible, 1 duplicate in this file"


def _one_row(when: str) -> bytes:
    return (HEADER + f"ana@example.org,Ana,Lima,FA-101,{when},u-1,90,100,spring\n").encode()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("date_order", "written", "read"), [
    ("year_first", "2026-12-05", "2026-12-05T12:00:00+00:00"),  # a date alone: midday, in London (GMT in December)
    ("year_first", "2026-07-05 16:30", "2026-07-05T16:30:00+01:00"),  # a time without zone: London's summer time
    ("day_first", "05/12/2026", "2026-12-05T12:00:00+00:00"),
    ("day_first", "05/12/2026 09:15", "2026-12-05T09:15:00+00:00"),
    ("month_first", "12/05/2026", "2026-12-05T12:00:00+00:00"),
])
def test_a_date_as_a_spreadsheet_writes_it_is_read_in_the_organisations_zone_and_order(
        source, organization, task_queue, date_order, written, read):
    organization.timezone, organization.date_order = "Europe/London", date_order
    organization.save()
    report = csv_import(source=source, stream=io.BytesIO(_one_row(written)), file_name="paper.csv", dry_run=False)
    assert report.invalid == 0, report.problems
    task_queue.run()
    assert Issuance.objects.get().completion["completed_at"] == read


def test_a_slashed_date_is_refused_until_the_organisation_says_which_comes_first(source):
    report = csv_import(source=source, stream=io.BytesIO(_one_row("05/12/2026")), file_name="uk.csv", dry_run=True)
    assert report.invalid == 1
    assert "could be day first or month first" in report.problems[0][1]
    assert "“Dates in CSV files” on the organisation" in report.problems[0][1]


def test_a_day_first_date_that_is_no_date_says_how_it_was_read(source, organization):
    organization.date_order = "day_first"
    organization.save()
    report = csv_import(source=source, stream=io.BytesIO(_one_row("12/31/2026")), file_name="us.csv", dry_run=True)
    assert report.problems[0][1] == "completed_at: completed_at '12/31/2026' is not a date when read as day/month/year."


@pytest.mark.django_db(transaction=True)
def test_the_audit_trail_names_the_staff_member_who_uploaded_the_file(source, task_queue, django_user_model):
    from audit.models import AuditRecord

    uploader = django_user_model.objects.create_user("olivia@harbour.example", is_staff=True)
    csv_import(source=source, stream=io.BytesIO(_one_row("2026-12-05T16:00:00Z")), file_name="paper.csv", dry_run=False,
               uploaded_by=uploader)
    task_queue.run()
    upload = AuditRecord.objects.get(to_state="uploaded")
    assert upload.actor_user == uploader and "paper.csv" in upload.detail and "by olivia@harbour.example" in upload.detail
    opened = AuditRecord.objects.get(issuance=Issuance.objects.get(), from_state="")
    assert opened.actor_user == uploader and opened.actor_kind == "staff"
    assert "uploaded in paper.csv (row 2) by olivia@harbour.example" in opened.detail
