"""The demo's Credly-style export (scripts/demo_credly_export.csv, imported by `make demo`) fits Demo Academy."""

from io import StringIO
from pathlib import Path

from django.core.management import call_command

from tests.pipeline.conftest import smtp  # noqa: F401  (a fixture)

from .conftest import drive_all

EXPORT = Path(__file__).resolve().parents[2] / "scripts" / "demo_credly_export.csv"
ARGS = (str(EXPORT), "--from", "credly", "--org", "demo-academy", "--map", "Workplace Safety=WS-100")


def test_the_demo_export_dry_runs_then_imports_into_demo_academy(db, smtp):  # noqa: F811
    call_command("seed_demo", admin_password="pw", api_token="demo-token-123", stdout=StringIO())
    dry = StringIO()
    call_command("import_credentials", *ARGS, "--dry-run", stdout=dry)
    done = StringIO()
    call_command("import_credentials", *ARGS, stdout=done)
    issued = drive_all()

    assert dry.getvalue().splitlines()[-1] == "4 row(s): 3 to import, 0 duplicate(s), 1 skipped, 0 bad. Would email no learner."
    assert "row 3: import: alan@learners.example Workplace Safety (8a41c2d0-0002-4e2b-9c3d-5f6a7b8c9d02) → WS-100, " \
           "issued 2025-01-20, expired 2026-01-20 (imported as expired, not emailed)" in dry.getvalue()
    assert done.getvalue().splitlines()[-1].startswith("Imported 3 credential(s) from Credly (demo_credly_export.csv)")
    assert sorted(i.state for i in issued) == ["synced", "synced", "synced"]
