"""manage.py programme_add: a programme with its own achievement and course, from the organisation's defaults."""

import pytest
from django.core.management import CommandError, call_command

from audit.models import AuditRecord
from courses.models import Programme


def run(*args):
    call_command("programme_add", *args)
    return Programme.objects.get(code=args[args.index("--code") + 1])


def test_it_makes_a_programme_over_three_courses(org, courses, capsys):
    programme = run("--org", "harbour", "--code", "WSO", "--name", "Workplace Safety Officer", "--requires", "all",
                    "--courses", "FA-101,FS-101,MH-101")

    assert [c.achievement.name for c in programme.constituents.all()] == ["First Aid", "Fire Safety", "Manual Handling"]
    assert programme.required_count is None and programme.within_days is None
    assert programme.on_constituent_revoked == "keep"
    # Its own achievement and course, which start from the organisation's defaults as a new course's do.
    assert programme.achievement.name == "Workplace Safety Officer" and programme.achievement.organization == org
    assert programme.course.code == "WSO" and programme.course.certificate_template is None
    assert programme.course.email_template is None
    assert "Created programme WSO" in capsys.readouterr().out
    assert AuditRecord.objects.filter(detail__startswith="Programme WSO “Workplace Safety Officer” created").exists()


def test_it_takes_a_count_a_window_and_a_policy(org, courses):
    programme = run("--org", "harbour", "--code", "WSO", "--name", "Safety", "--requires", "2", "--courses",
                    "FA-101,FS-101,MH-101", "--within-days", "365", "--on-constituent-revoked", "suspend")
    assert (programme.required_count, programme.within_days, programme.on_constituent_revoked) == (2, 365, "suspend")
    assert programme.requirement_label == "2 of 3, within 365 days"


@pytest.mark.parametrize("args, message", [
    (["--org", "nowhere"], "No organisation with the slug 'nowhere'."),
    (["--courses", "FA-101,XX-9"], "harbour has no course with the code XX-9."),
    (["--requires", "some"], "--requires takes 'all' or a number, not 'some'."),
    (["--requires", "4"], "--requires 4 needs between 1 and 3"),
    (["--requires", "0"], "--requires takes 'all' or a number of at least 1, not 0."),
    (["--code", "FA-101"], "harbour already has a course or programme with the code FA-101."),
    (["--name", "First Aid"], "harbour already has an achievement named 'First Aid'"),
    (["--within-days", "0"], "--within-days takes a number of days of at least 1, not 0."),
])
def test_it_refuses_bad_input_saying_what_was_wrong(org, courses, args, message):
    base = {"--org": "harbour", "--code": "WSO", "--name": "Safety", "--requires": "all", "--courses": "FA-101,FS-101,MH-101"}
    options = dict(base)
    for flag, value in zip(args[::2], args[1::2]):
        options[flag] = value
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("programme_add", *[item for pair in options.items() for item in pair])
    assert not Programme.objects.exists()
