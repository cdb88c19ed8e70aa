"""The dashboard bench's loader writes rows the models accept (the database checks the keys and the
one-live-credential constraint at commit) and the bench then times the page (no timing asserted)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_it_loads_a_small_year_of_history_on_a_throwaway_database_and_times_the_page(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"LAUREL_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "bench/dashboard.py", "--issuances", "3000", "--repeat", "1"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    loaded = re.search(r"([\d,]+) issuances in .*?([\d,]+) credentials in .*?([\d,]+) emails in", result.stdout)
    issuances, credentials, emails = (int(group.replace(",", "")) for group in loaded.groups())
    assert issuances == 3000
    assert credentials == emails and 0.8 * issuances < credentials < 0.9 * issuances  # one per synced issuance (85 %)
    assert re.search(r"whole /admin/ page +[\d.]+ ms", result.stdout)
