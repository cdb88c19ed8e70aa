"""A facilitator turns a pasted 20-person attendance sheet into 20 outcomes on one screen of the roster page."""

import os
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from courses.models import RuleSetVersion
from courses.services import ruleset_version_publish
from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, Issuance
from issuance.worker import issuance_advance
from tests.browser.conftest import STAFF_PASSWORD, sign_in
from tests.factories.courses import AchievementFactory, CourseFactory, RuleSetFactory, member
from tests.factories.issuance import organization_with_templates
from stand_ins.smtp import SmtpServer

NAMES = ["Ana Lima", "Ben Okoro", "Chloé Dubois", "Dev Patel", "Eun-ji Kim", "Farid Haddad", "Grace Mensah", "Hiro Tanaka",
         "Ines Ortega", "Jonas Berg", "Kaia Nilsen", "Luca Rossi", "Maya Cohen", "Nia Jones", "Omar Said", "Priya Rao",
         "Quinn Walsh", "Rosa Silva", "Sami Virtanen", "Tomás Ruiz"]


@pytest.fixture
def smtp(settings, tmp_path):
    server = SmtpServer().start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.MEDIA_ROOT = tmp_path / "media"
    yield server
    server.stop()


@pytest.fixture
def course(db):
    org = organization_with_templates(name="Harbour Academy", slug="harbour")
    ruleset = RuleSetFactory(organization=org, name="Pass mark")
    ruleset_version_publish(version=RuleSetVersion.objects.create(ruleset=ruleset, min_score=Decimal(80)))
    achievement = AchievementFactory(organization=org, name="First Aid")
    return CourseFactory(organization=org, code="FA-1", title="First Aid at Work", achievement=achievement, ruleset=ruleset)


@pytest.fixture
def facilitator_page(page, course):
    """A facilitator of the course (rosters for it, and nothing else), signed in."""
    user = User.objects.create_user("fran@harbour.example", password=STAFF_PASSWORD, is_staff=True)
    member(user, course.organization, "facilitator").courses.add(course)
    sign_in(page, "fran@harbour.example")
    return page


def sheet() -> str:
    """What a spreadsheet copies: a header, 20 attendees; row 7's address has a typo, row 12 scored below the pass mark."""
    lines = ["Name\tEmail\tAttendance\tScore"]
    for n, name in enumerate(NAMES, start=1):
        email = f"{name.split()[0].lower()}@learners.example"
        score = "64" if n == 12 else str(80 + n % 20)
        lines.append(f"{name}\t{email.replace('@', '@@') if n == 7 else email}\t100%\t{score}")
    return "\n".join(lines) + "\n"


def shots() -> Path:
    folder = Path(os.environ.get("LAUREL_SCREENSHOT_DIR") or Path(os.environ.get("LAUREL_VAR_DIR", "var")) / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def run_worker():
    for event in CompletionEvent.objects.filter(channel="form", status="accepted"):
        completion_event_process(event_id=event.pk)
    for issuance in Issuance.objects.all():
        while issuance_advance(issuance_id=issuance.pk) is not None:
            pass


def test_a_facilitator_turns_a_pasted_sheet_of_20_into_20_outcomes_on_one_screen(facilitator_page, course, smtp):
    page = facilitator_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.on("pageerror", lambda error: console.append(str(error)))
    page.goto("/admin/issuance/roster/add/")
    page.select_option("select[name=course]", str(course.pk))
    page.fill("textarea[name=paste]", sheet())

    rows = page.locator("#laurel-roster tbody tr")
    assert rows.count() == 20
    assert page.locator("#laurel-roster-summary").inner_text() == "20 rows: 19 ready, 1 with errors."
    bad = rows.nth(6)
    assert "is not a valid email address" in bad.locator(".laurel-roster-check").inner_text()
    assert page.locator("#laurel-roster-submit").get_attribute("value") == "Submit 19 rows that pass"
    page.screenshot(path=str(shots() / "roster-bad-row.png"), full_page=True)

    page.click("#laurel-roster-submit")  # the 19 go; the server holds row 7 with its own message
    assert "Submitted 19 rows as completions. 1 row with errors stays in this draft" in page.inner_text(".messagelist")
    held = page.locator("#laurel-roster tbody tr")
    assert held.count() == 1 and "is not a valid email address" in held.locator(".laurel-roster-check").inner_text()
    page.screenshot(path=str(shots() / "roster-server-held-row.png"), full_page=True)

    held.locator("input[data-cell=email]").fill("grace@learners.example")
    assert "Looks right" in held.locator(".laurel-roster-check").inner_text()
    page.click("#laurel-roster-submit")
    assert "Submitted 1 row as completions." in page.inner_text(".messagelist")

    run_worker()
    page.reload()
    outcomes = page.locator(".laurel-roster-sent tbody tr")
    assert outcomes.count() == 20
    texts = outcomes.locator(".laurel-roster-outcome").all_inner_texts()
    assert sum(text.startswith("Credential issued and emailed") for text in texts) == 19
    assert texts[11].startswith("Not eligible")
    assert len(smtp.messages) == 20  # 19 credentials and one "what you still need"
    page.screenshot(path=str(shots() / "roster-submitted.png"), full_page=True)
    assert "Submitted (20): 19 issued, 1 not issued" in page.inner_text(".laurel-roster-sent h2")
    assert console == []  # no script error, nothing the Content-Security-Policy blocked


def test_the_language_column_is_read_from_a_paste_and_a_malformed_tag_is_named_as_it_is_typed(facilitator_page, course):
    page = facilitator_page
    console = []
    page.on("console", lambda message: console.append(message.text))
    page.goto("/admin/issuance/roster/add/")
    page.select_option("select[name=course]", str(course.pk))
    page.fill("textarea[name=paste]", "Name\tEmail\tScore\tPreferred language\nChloé Dubois\tchloe@learners.example\t90\tfr\n"
                                      "Ana Lima\tana@learners.example\t88\tportuguês\n")

    rows = page.locator("#laurel-roster tbody tr")
    assert rows.nth(0).locator("input[data-cell=language]").input_value() == "fr"
    assert "Looks right" in rows.nth(0).locator(".laurel-roster-check").inner_text()
    assert "'português' is not a BCP 47 language tag" in rows.nth(1).locator(".laurel-roster-check").inner_text()
    page.screenshot(path=str(shots() / "roster-language.png"), full_page=True)

    rows.nth(1).locator("input[data-cell=language]").fill("pt-BR")
    assert page.locator("#laurel-roster-summary").inner_text() == "2 rows: 2 ready, 0 with errors."
    page.click("input[name=_save]")
    assert "All pass the checks." in page.inner_text(".messagelist")
    assert page.locator("#laurel-roster tbody tr").nth(1).locator("input[data-cell=language]").input_value() == "pt-BR"
    assert console == []


def test_a_sheet_headed_delegate_name_fills_the_names_and_the_page_says_which_columns_it_read(facilitator_page, course):
    page = facilitator_page
    page.goto("/admin/issuance/roster/add/")
    page.select_option("select[name=course]", str(course.pk))
    page.fill("textarea[name=paste]", "Delegate name\tE-mail\tAttended (%)\tDietary needs\n"
                                      "Ana Lima\tana@learners.example\t100 %\tnone\nBen Okoro\tben@learners.example\t100\t\n")

    names = page.locator("#laurel-roster tbody input[data-cell=name]")
    assert [names.nth(i).input_value() for i in range(2)] == ["Ana Lima", "Ben Okoro"]
    assert page.locator("#laurel-roster-columns").inner_text() == (
        "Columns recognised: Delegate name → name, E-mail → email, Attended (%) → attendance %. Left out: Dietary needs.")
    assert page.locator("#laurel-roster-summary").inner_text() == "2 rows: 2 ready, 0 with errors."
    page.screenshot(path=str(shots() / "roster-columns-recognised.png"), full_page=True)
