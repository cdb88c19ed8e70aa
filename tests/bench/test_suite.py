"""The benchmark harness works: its smallest configuration runs on a throw-away stack and reports (no timing asserted)."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from bench.figures import percentile
from bench.report import SUMMARY_KEYS

ROOT = Path(__file__).resolve().parents[2]


def test_it_imports_a_generated_csv_on_a_throwaway_stack_and_prints_the_figures_as_json_last(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--only", "csv", "--n", "200", "--results-dir", str(tmp_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(summary) <= set(SUMMARY_KEYS)
    assert summary["profile"] == "embedded"
    assert summary["csv_10k_s"] > 0 and summary["csv_10k_peak_mb"] > 0
    assert "200 rows: 200 valid" in result.stderr

    saved = json.loads(next(tmp_path.glob("*-embedded.json")).read_text())
    assert saved["csv_rows"] == 200 and saved["machine"]["cores"] >= 1
    assert "| CSV" in next(tmp_path.glob("*-embedded.md")).read_text()
    workdir = re.search(r"preparing (\S+)", result.stderr).group(1)
    assert not Path(workdir).exists(), "the temporary stack was not removed"


def test_it_takes_percentiles_by_nearest_rank():
    values = [float(n) for n in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.99) == 99.0
    assert percentile([7.0], 0.95) == 7.0
