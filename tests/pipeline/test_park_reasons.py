"""Park reasons read as words for staff, whole codes included."""

from credentials_site.admin.pipeline.park_reasons import park_reason_label


def test_missing_facts_and_moodle_refusals_read_as_words():
    assert park_reason_label("score_missing") == "Score missing: the rules need one the source did not report"
    assert park_reason_label("attendance_missing").startswith("Attendance missing")
    assert park_reason_label("moodle_capability_missing") == "Moodle: the web-services user lacks a capability"
    assert park_reason_label("email_missing") == "Email address missing"
