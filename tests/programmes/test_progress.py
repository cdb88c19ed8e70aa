"""Where a learner stands on a programme, in words: the catalogue's check, given what they hold."""

from datetime import timedelta

from django.utils import timezone

from courses.programmes import HeldConstituent, programme_progress


def holding(courses, *codes, days_ago=0, valid=True):
    at = timezone.now() - timedelta(days=days_ago)
    return [HeldConstituent(achievement_id=courses[c].achievement_id, credential_id=c, issued_at=at, valid=valid) for c in codes]


def test_it_says_what_remains(courses, make_programme):
    progress = programme_progress(programme=make_programme(), held=holding(courses, "FA-101", "MH-101"))
    assert not progress.satisfied and progress.summary == "2 of 3 done: Fire Safety remains."


def test_it_says_how_many_more_of_a_list(courses, make_programme):
    progress = programme_progress(programme=make_programme(required_count=2), held=holding(courses, "FA-101"))
    assert progress.summary == "1 of 2 done: 1 more of Fire Safety, Manual Handling."


def test_it_counts_the_credentials_that_satisfy_it(courses, make_programme):
    progress = programme_progress(programme=make_programme(required_count=2), held=holding(courses, "FA-101", "MH-101"))
    assert progress.satisfied and sorted(progress.counted) == ["FA-101", "MH-101"]


def test_it_says_when_everything_is_held_but_not_within_the_window(courses, make_programme):
    held = holding(courses, "FA-101", days_ago=100) + holding(courses, "FS-101", "MH-101")
    progress = programme_progress(programme=make_programme(within_days=30), held=held)
    assert not progress.satisfied
    assert progress.summary == "3 of 3 done, but not within 30 days of each other."


def test_it_counts_only_valid_credentials_when_the_programme_says_so(courses, make_programme):
    held = holding(courses, "FA-101", "FS-101") + holding(courses, "MH-101", valid=False)
    assert programme_progress(programme=make_programme(), held=held).satisfied
    progress = programme_progress(programme=make_programme(code="WSO-2", name="Strict", only_while_valid=True), held=held)
    assert progress.summary == "2 of 3 done: Manual Handling remains."
