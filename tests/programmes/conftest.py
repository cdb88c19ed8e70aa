"""Programme fixtures: Harbour Academy's three safety courses, and a programme over them."""

import pytest

from courses.programmes import programme_create
from tests.factories.courses import AchievementFactory, CourseFactory
from tests.pipeline.conftest import org, smtp  # noqa: F401  (fixtures shared with the pipeline's tests)

SAFETY = [("FA-101", "First Aid"), ("FS-101", "Fire Safety"), ("MH-101", "Manual Handling")]


@pytest.fixture
def courses(org):  # noqa: F811
    made = {}
    for code, title in SAFETY:
        achievement = AchievementFactory(organization=org, name=title, validity_amount=12, validity_unit="months")
        made[code] = CourseFactory(organization=org, code=code, title=title, achievement=achievement)
    return made


@pytest.fixture
def make_programme(org, courses):  # noqa: F811
    def make(codes=("FA-101", "FS-101", "MH-101"), **options):
        return programme_create(organization=org, code=options.pop("code", "WSO"),
                                name=options.pop("name", "Workplace Safety Officer"),
                                constituents=[courses[c].achievement for c in codes], **options)
    return make
