"""bandit finds nothing of medium or high severity in the product code; anything it flags that is
safe says why, inline, with `# nosec <id>: <reason>`."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ["credentials_site", "courses", "issuance", "audit"]


def test_it_finds_no_medium_or_high_severity_issue_in_the_product_code():
    run = subprocess.run(
        [sys.executable, "-m", "bandit", "--quiet", "--recursive", *PRODUCT, "--severity-level", "medium", "--format", "json"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )
    report = json.loads(run.stdout)
    findings = [f"{r['filename']}:{r['line_number']} {r['test_id']} {r['issue_text']}" for r in report["results"]]

    assert report["metrics"]["_totals"]["loc"] > 1000, "bandit scanned nothing"
    assert findings == [], "\n".join(findings)
    assert not report["errors"], report["errors"]


def test_every_nosec_says_why():
    bare = [
        f"{path.relative_to(ROOT)}:{number}"
        for package in PRODUCT for path in (ROOT / package).rglob("*.py")
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if "# nosec" in line and ":" not in line.split("# nosec", 1)[1]
    ]
    assert bare == [], f"a nosec without its reason: {bare}"
