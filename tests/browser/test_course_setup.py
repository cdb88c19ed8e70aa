"""Set up a course in a real browser: from an installation with no organisation to a first credential, page by page.

Each page a person opens or submits is counted; the target is six at most (against eleven by the model
pages) and five minutes of a person's time, reckoned by the keystroke-level model for what they type and
press, reading every word of every page (the browser's own time, machine-dependent, is printed beside it). The worker runs in-process between the
last two pages, as the roster's browser test does.
"""

import time

import pytest
from django.contrib.auth.models import User

from courses.models import Course, CourseSetup, RuleSetVersion
from issuance.intake.processing import completion_event_process
from issuance.models import CompletionEvent, Credential, Issuance
from issuance.worker import issuance_advance
from tests.browser.conftest import STAFF_PASSWORD, sign_in
from tests.factories.courses import member
from tests.factories.issuance import organization_with_templates
from tests.pipeline.conftest import smtp  # noqa: F401  (a fixture)


def run_worker():
    for event in CompletionEvent.objects.filter(status="accepted"):
        completion_event_process(event_id=event.pk)
    for issuance in Issuance.objects.all():
        while issuance_advance(issuance_id=issuance.pk) is not None:
            pass


# A person's time, by the keystroke-level model (Card, Moran & Newell, 1980): K a keystroke (an average
# non-secretarial typist, about 40 words a minute), P pointing at something with the mouse, B a button press
# (down and up), H a hand moving between keyboard and mouse, M thinking what to do next. Reading: silent
# reading of non-fiction by adults (Brysbaert, 2019), every word of each page, though a person skims a form.
K, P, B, H, M = 0.28, 1.1, 0.2, 0.4, 1.35
READING_WORDS_PER_SECOND = 238 / 60


class Person:
    """Counts the pages a person opens or submits (redirects and the page's own reloads are not theirs), and the
    seconds they spend reading each page and acting on it (`seconds`; the system's own time is the browser's)."""

    def __init__(self, page):
        self.page, self.pages, self.seconds, self.words = page, 0, 0.0, 0

    def arrive(self):
        """A new page: read all of it."""
        self.pages += 1
        words = len(self.page.inner_text("#content").split())
        self.words += words
        self.seconds += words / READING_WORDS_PER_SECOND

    def fill(self, selector: str, text: str):
        self.page.fill(selector, text)
        self.seconds += M + P + B + H + K * len(text) + H

    def choose(self, label: str):
        self.page.get_by_label(label).check()
        self.seconds += M + P + B

    def select(self, selector: str, value: str):
        self.page.select_option(selector, value)
        self.seconds += M + P + B + P + B

    def submit(self, name: str):
        self.seconds += M + P + B
        with self.page.expect_navigation():
            self.page.get_by_role("button", name=name).click()
        self.arrive()


@pytest.fixture
def staff_page(page, db):
    user = User.objects.create_superuser("sam@provider.example", "sam@provider.example", STAFF_PASSWORD, first_name="Sam", last_name="Ode")
    sign_in(page, "sam@provider.example")
    return page, user


def test_a_new_provider_reaches_a_first_credential_in_six_pages(staff_page, smtp, shots, tmp_path):  # noqa: F811
    page, user = staff_page
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    started = time.monotonic()
    person = Person(page)

    page.goto("/admin/")
    with page.expect_navigation():
        page.click("#laurel-course-setup-link")
    person.seconds += M + P + B
    person.arrive()
    assert "Organisation name" in page.inner_text(".laurel-setup-form")  # no organisation yet: it comes first
    page.screenshot(path=str(tmp_path / "course-setup-organization.png"), full_page=False)
    person.fill("input[name=name]", "Harbour Safety")
    person.fill("input[name=slug]", "harbour-safety")
    person.fill("input[name=sender]", "courses@harbour.example")
    person.submit("Create the organisation and continue")

    # 2. The course, its achievement and its requirements, on one page.
    person.fill("input[name=title]", "First Aid at Work")
    person.fill("input[name=code]", "FA-101")
    person.fill("textarea[name=description]", "Emergency first aid in the workplace.")
    person.fill("input[name=min_score]", "80")
    person.fill("input[name=min_attendance]", "90")
    person.fill("input[name=validity_amount]", "3")
    person.select("select[name=validity_unit]", "years")
    page.screenshot(path=str(tmp_path / "course-setup-course.png"), full_page=True)
    person.submit("Save and continue")

    course = Course.objects.get(code="FA-101")
    assert not course.is_active and course.ruleset.current_version is None  # nothing live yet
    assert course.ruleset.latest_draft.min_score == 80

    # 3. Certificate and email: a starting design, the brand colours, the live preview.
    preview = page.locator("#laurel-setup-certificate")
    page.wait_for_function("document.getElementById('laurel-setup-certificate').naturalWidth > 0")
    first_src = preview.get_attribute("src")
    person.choose("Modern (US Letter landscape)")
    page.wait_for_function(f"document.getElementById('laurel-setup-certificate').getAttribute('src') !== {first_src!r}")
    page.wait_for_function("document.getElementById('laurel-setup-certificate').complete && "
                           "document.getElementById('laurel-setup-certificate').naturalWidth > 0")
    assert "design=" in preview.get_attribute("src")
    person.fill("input[name=primary_color]", "#0b6e4f")
    assert "First Aid at Work" in page.get_by_test_id("email-subject").inner_text()
    page.wait_for_function("(document.getElementById('laurel-setup-email-html').getAttribute('srcdoc') || '')"
                           ".toLowerCase().includes('#0b6e4f')")  # the email follows the unsaved colour too
    page.wait_for_function("document.getElementById('laurel-setup-certificate').src.includes('0b6e4f') && "
                           "document.getElementById('laurel-setup-certificate').complete")
    email = page.frame_locator(".laurel-setup-email iframe")
    assert "Congratulations" in email.locator("body").inner_text()
    page.screenshot(path=str(tmp_path / "course-setup-look.png"), full_page=False)
    person.submit("Save and continue")
    course.refresh_from_db()
    assert course.certificate_template.name == "FA-101 certificate" and course.organization.primary_color == "#0b6e4f"

    # 4. Where completions come from.
    page.screenshot(path=str(tmp_path / "course-setup-completions.png"), full_page=False)
    person.choose("CSV uploads and rosters only")
    person.submit("Save and continue")

    # 5. Go live, with a test completion to the staff member's own address.
    assert "Nothing is live yet" in page.inner_text("#content")
    person.submit("Go live and send me a test credential")
    course.refresh_from_db()
    assert course.is_active and course.ruleset.current_version.number == 1
    run_worker()
    page.wait_for_selector("[data-testid=test-certificate]", timeout=20_000)  # the page reloads itself until it is done
    assert "Credential issued and emailed" in page.get_by_test_id("test-outcome").inner_text()
    credential = Credential.objects.get()
    assert credential.issuance.learner.email == "sam@provider.example" and credential.pdf
    assert len(smtp.messages) == 1 and "sam@provider.example" in smtp.messages[0]["To"]
    assert "First Aid at Work" in page.get_by_test_id("test-email-subject").inner_text()
    page.wait_for_function("document.querySelector('[data-testid=test-certificate]').naturalWidth > 0")
    page.screenshot(path=str(shots / "course-setup-live.png"), full_page=False)

    seconds = time.monotonic() - started
    print(f"first credential in {person.pages} pages, {person.words} words read, a person's time {person.seconds:.0f} s "
          f"(keystroke-level model) + {seconds:.1f} s of browser time")
    assert person.pages <= 6
    assert person.seconds <= 5 * 60  # the model's figure, the same on any machine; the browser's time is printed, not held to
    assert CourseSetup.objects.get().live_at is not None
    assert errors == []


def test_an_editor_resumes_a_set_up_and_never_sees_another_organisations(page, db, tmp_path):
    harbour = organization_with_templates(name="Harbour Safety", slug="harbour")
    other = organization_with_templates(name="Other Academy", slug="other")
    elsewhere = CourseSetup.objects.create(organization=other)
    user = User.objects.create_user("eda@harbour.example", "eda@harbour.example", STAFF_PASSWORD, is_staff=True)
    member(user, harbour, "editor")
    sign_in(page, "eda@harbour.example")

    page.goto("/admin/courses/course/setup/new/")
    page.fill("input[name=title]", "Manual Handling")
    page.fill("input[name=code]", "MH-1")
    page.fill("textarea[name=description]", "Lifting safely.")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_load_state()
    # No pass mark, attendance or prerequisite: asked, never published as "no requirements" by accident.
    assert "or tick this box" in page.inner_text(".laurel-setup-field[data-field=no_requirements]")
    page.check("input[name=no_requirements]")
    page.get_by_role("button", name="Save and finish later").click()
    page.wait_for_load_state()
    assert "Resume the set-up of MH-1" in page.inner_text(".messagelist")

    page.goto("/admin/courses/course/setup/")
    assert page.locator(".laurel-setup-unfinished tbody tr").count() == 1  # its own, not the other organisation's
    page.screenshot(path=str(tmp_path / "course-setup-index.png"), full_page=False)
    page.get_by_role("link", name="Resume").click()  # where it was left: the certificate page
    page.wait_for_load_state("networkidle")  # its badge drawn before the test's database goes
    assert "/look/" in page.url
    page.get_by_role("link", name="What it awards and requires").click()
    page.wait_for_load_state("networkidle")
    assert page.input_value("input[name=title]") == "Manual Handling"
    response = page.goto(f"/admin/courses/course/setup/{elsewhere.pk}/course/")
    assert response.status == 404
    assert RuleSetVersion.objects.filter(ruleset__organization=harbour, published_at__isnull=False).count() == 0
