"""Import fixtures: Harbour Academy's safety courses (First Aid, Fire Safety, Manual Handling) and the sample exports."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from issuance.models import Issuance
from tests.pipeline.conftest import drive, org, smtp  # noqa: F401  (fixtures shared with the pipeline's tests)
from tests.programmes.conftest import courses  # noqa: F401

SAMPLES = Path(__file__).resolve().parent / "samples"


def run_import(name_or_path, *args) -> str:
    path = name_or_path if isinstance(name_or_path, Path) else SAMPLES / name_or_path
    out = StringIO()
    call_command("import_credentials", str(path), "--org", "harbour", *args, stdout=out)
    return out.getvalue()


def drive_all() -> list[Issuance]:
    """Every open issuance through the worker, in-process; returns them all, by learner."""
    return [drive(i) for i in Issuance.objects.order_by("learner__email", "created_at")]


@pytest.fixture
def imports(smtp, courses):  # noqa: F811
    return courses
