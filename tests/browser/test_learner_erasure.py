"""Erasing a learner from the admin, as staff do it: the confirmation page lists every place, then the public page."""

import os
from pathlib import Path

from issuance.models import Learner
from tests.pipeline.conftest import course, org, smtp  # noqa: F401 (fixtures)
from tests.privacy.conftest import ANNA, private_targets_allowed, world  # noqa: F401 (fixtures)

SHOTS = Path(os.environ.get("LAUREL_VAR_DIR", "var")) / "screenshots"


def test_staff_erase_a_learner_after_reading_the_plan_and_her_page_says_only_that(world, superuser_page):  # noqa: F811
    page = superuser_page
    SHOTS.mkdir(parents=True, exist_ok=True)
    learner = Learner.objects.get(email=ANNA.email)
    credential = world.credentials[ANNA.email]

    page.goto("/admin/issuance/learner/")
    page.check(f"input[name=_selected_action][value='{learner.pk}']")
    page.select_option("select[name=action]", "erase_learner_data")
    page.click("button[name=index]")
    page.wait_for_load_state()
    page.screenshot(path=str(SHOTS / "learner-erase-confirm.png"), full_page=True)
    plan = page.inner_text("#content")

    assert "This cannot be undone" in plan and ANNA.name in plan
    assert "issuance_credential (to revoke)" in plan and "audit_auditrecord" in plan

    page.click("input[value='Yes, erase their data']")
    page.wait_for_load_state()
    assert "Erased 1 learner: sha256:" in page.inner_text(".messagelist")
    page.goto(f"/credentials/{credential.pk}")
    page.screenshot(path=str(SHOTS / "credential-erased.png"), full_page=True)

    assert page.inner_text("main").split() == "Credential erased This credential was erased at the learner's request.".split()
