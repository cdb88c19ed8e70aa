"""Park reasons read as words for staff, whole codes included."""

from credentials_site.admin.pipeline.park_reasons import park_reason_label


def test_missing_facts_and_moodle_refusals_read_as_words():
    assert park_reason_label("score_missing") == "Score missing: the rules need one the source did not report"
    assert park_reason_label("attendance_missing").startswith("Attendance missing")
    assert park_reason_label("extra_field_missing") == "Field missing: the rules compare a field the source did not report"
    assert park_reason_label("moodle_capability_missing") == "Moodle: the web-services user lacks a capability"
    assert park_reason_label("email_missing") == "Email address missing"


def test_canvas_refusals_of_the_score_fetch_read_as_words_naming_canvas():
    assert park_reason_label("canvas_token_refused") == "Canvas refused the api_token"
    assert park_reason_label("canvas_permission_missing") == "Canvas: the api_token's user may not read the course"
    assert park_reason_label("canvas_grades_hidden") == "Canvas: the api_token's user may not view grades"
    assert park_reason_label("canvas_bad_response") == "Canvas's answer was not readable (check canvas_url)"
