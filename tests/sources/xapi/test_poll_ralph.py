"""Polling a real open-source LRS: Ralph (ralph-malph 5.1.0, file backend) on 127.0.0.1, beside the stand-in.

Ralph runs in a virtual environment of its own (tests/sources/xapi/ralph/requirements.txt), installed once
per requirements file. Its file backend's own bugs (real-systems.md §2) are worked around in
tests/sources/xapi/ralph/serve.py and here, never in Laurel: see that file.
"""

import fcntl
import hashlib
import json
import socket
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from issuance.intake.polling import source_poll
from issuance.models import CompletionEvent, Credential

from tests.services import port_answers, service_missing

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("private_targets")]

RALPH_DIR = Path(__file__).resolve().parent / "ralph"
KEY, SECRET = "laurel-reader", "ralph-secret-8d2"
ADL = "http://adlnet.gov/expapi/verbs/"


@pytest.fixture(scope="session")
def ralph_python() -> Path:
    """Ralph's own interpreter: a virtual environment with ralph-malph installed, once per requirements file."""
    venv = RALPH_DIR / ".venv"
    python = venv / "bin" / "python"
    digest = hashlib.sha256((RALPH_DIR / "requirements.txt").read_bytes()).hexdigest()
    stamp = venv / ".laurel-requirements-sha256"
    with open(RALPH_DIR / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two suites at once (CI runs both profiles) take turns
        if not stamp.exists() or stamp.read_text() != digest:
            done = subprocess.run([sys.executable, "-m", "venv", str(venv)], capture_output=True, text=True, timeout=300)
            if done.returncode == 0:
                done = subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-r", str(RALPH_DIR / "requirements.txt")],
                                      capture_output=True, text=True, timeout=900)
            if done.returncode != 0:
                service_missing("Ralph, the open-source LRS (ralph-malph 5.1.0)",
                                f"pip install -r tests/sources/xapi/ralph/requirements.txt failed: {done.stderr.strip()[-300:]}")
            stamp.write_text(digest)
    return python


@pytest.fixture
def ralph(ralph_python, tmp_path):
    """Ralph's LRS on a free port of 127.0.0.1, with its statements file in tmp_path."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    log = open(tmp_path / "ralph.log", "w")
    process = subprocess.Popen([str(ralph_python), str(RALPH_DIR / "serve.py"), str(port), str(tmp_path), KEY, SECRET],
                               stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not port_answers("127.0.0.1", port):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            service_missing("Ralph, the open-source LRS (ralph-malph 5.1.0)",
                            f"it did not start on 127.0.0.1:{port}: {(tmp_path / 'ralph.log').read_text()[-300:]}")
        time.sleep(0.2)
    yield RalphLrs(endpoint=f"http://127.0.0.1:{port}/xAPI", statements_file=tmp_path / "fs_lrs.jsonl")
    process.terminate()
    process.wait(timeout=10)
    log.close()


class RalphLrs:
    def __init__(self, *, endpoint: str, statements_file: Path):
        self.endpoint, self.statements_file = endpoint, statements_file

    def post(self, statements: list) -> list:
        """Ralph's own POST statements: only the first write of its file backend succeeds (its bug)."""
        answer = requests.post(f"{self.endpoint}/statements", json=statements, auth=(KEY, SECRET),
                               headers={"X-Experience-API-Version": "1.0.3"}, timeout=30)
        assert answer.status_code == 200, answer.text
        return answer.json()

    def append(self, statement: dict) -> dict:
        """A later statement, added to the backend's file as Ralph stores one (its later writes answer 500)."""
        stored = {**statement, "stored": datetime.now(timezone.utc).isoformat(), "authority": {"mbox": "mailto:laurel@example.org", "objectType": "Agent"}}
        with open(self.statements_file, "a", encoding="utf-8") as file:
            file.write(json.dumps(stored) + "\n")
        return stored


def statement(*, email: str, verb: str = "completed") -> dict:
    return {
        "id": str(uuid.uuid4()), "timestamp": "2026-01-05T09:58:00+00:00",
        "actor": {"objectType": "Agent", "name": email.split("@")[0].title(), "mbox": f"mailto:{email}"},
        "verb": {"id": ADL + verb, "display": {"en-US": verb}},
        "object": {"objectType": "Activity", "id": "https://lms.example.edu/courses/saf-101"},
        "result": {"completion": True, "success": True},
    }


@pytest.fixture
def source(make_source, ralph):
    return make_source("xapi", secret="push-secret", settings={"key": "provider", "lrs_url": ralph.endpoint, "lrs_key": KEY, "lrs_secret": SECRET})


def test_laurel_follows_ralphs_more_links_and_issues_each_completion(source, ralph, worker, smtp):
    ids = ralph.post([statement(email=f"learner{n}@example.org") for n in range(3)] + [statement(email="skim@example.org", verb="experienced")])

    report = source_poll(source=source)
    worker.run()

    assert (report.found, report.new, report.outcome) == (3, 3, "done")  # two pages of two hits at most
    assert set(CompletionEvent.objects.values_list("external_id", flat=True)) == set(ids[:3])
    assert Credential.objects.count() == 3
    assert all(len(smtp.to(f"learner{n}@example.org")) == 1 for n in range(3))


def test_a_statement_pushed_to_laurel_and_found_in_ralph_is_one_event_and_the_next_poll_finds_the_new_one(
        source, ralph, live_server, worker):
    [statement_id] = ralph.post([statement(email="ana@example.org")])
    pushed = {**statement(email="ana@example.org"), "id": statement_id}
    answer = requests.put(f"{live_server.url}/api/v1/sources/{source.slug}/xapi/statements", params={"statementId": statement_id},
                          json=pushed, auth=("provider", "push-secret"), headers={"X-Experience-API-Version": "1.0.2"}, timeout=30)
    assert answer.status_code == 204, answer.text
    worker.run()

    first = source_poll(source=source)
    later = ralph.append(statement(email="ben@example.org"))
    second = source_poll(source=source)
    worker.run()

    assert (first.found, first.known, first.new) == (1, 1, 0)
    assert (second.found, second.new) == (1, 1)  # only what Ralph stored since the first poll
    assert CompletionEvent.objects.filter(external_id=later["id"], channel="poll").exists()
    assert Credential.objects.count() == 2
