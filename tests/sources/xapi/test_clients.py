"""Real xAPI client libraries against Laurel's LRS endpoint: TinCanPython and TinCanJS, as runtimes use them.

Both send a statement that has an id as `PUT statements?statementId=<id>` (TinCanJS stamps an id
on every statement), which Laurel once answered 405, so no authoring tool built on TinCanJS could
deliver a completion (real-systems.md §2). Each statement here must end as an issued credential.
"""

import fcntl
import hashlib
import json
import subprocess
import uuid
from pathlib import Path

import pytest
from tincan import Activity, ActivityDefinition, Agent, LanguageMap, RemoteLRS, Result, Score, Statement, Verb

from issuance.models import CompletionEvent

from tests.services import require_program
from tests.sources.conftest import assert_delivered

pytestmark = pytest.mark.django_db(transaction=True)

KEY, SECRET = "runtime-key-3", "runtime-secret-5c1"
ADL = "http://adlnet.gov/expapi/verbs/"
TINCANJS_DIR = Path(__file__).resolve().parent / "tincanjs"


@pytest.fixture
def source(make_source):
    return make_source("xapi", secret=SECRET, settings={"key": KEY})


@pytest.fixture
def endpoint(live_server, source):
    """The LRS endpoint staff give a runtime: the address `statements` and `about` hang from."""
    return f"{live_server.url}/api/v1/sources/{source.slug}/xapi/"


def tincan_statement(*, email: str, statement_id=None) -> Statement:
    return Statement(
        id=statement_id,
        actor=Agent(name="Ana Lima", mbox=f"mailto:{email}"),
        verb=Verb(id=ADL + "passed", display=LanguageMap({"en-US": "passed"})),
        object=Activity(id="https://lms.example.edu/courses/saf-101",
                        definition=ActivityDefinition(name=LanguageMap({"en-US": "Safety 101"}))),
        result=Result(score=Score(scaled=0.9), success=True, completion=True),
        timestamp="2026-01-05T09:58:00Z",
    )


def test_tincan_python_puts_a_statement_with_an_id_and_it_is_issued(endpoint, task_queue, smtp):
    lrs = RemoteLRS(endpoint=endpoint, username=KEY, password=SECRET)
    statement_id = str(uuid.uuid4())
    saved = lrs.save_statement(tincan_statement(email="ana.lima@example.org", statement_id=statement_id))
    assert saved.success, (saved.response.status, saved.data)
    assert (saved.request.method, saved.response.status) == ("PUT", 204)
    again = lrs.save_statement(tincan_statement(email="ana.lima@example.org", statement_id=statement_id))
    assert again.success and again.response.status == 204  # the same id: a duplicate, stored once
    task_queue.run()
    event = CompletionEvent.objects.get()
    assert event.external_id == statement_id
    assert_delivered(event, smtp, "ana.lima@example.org")


def test_tincan_python_posts_a_statement_without_an_id_and_reads_about(endpoint, task_queue, smtp):
    lrs = RemoteLRS(endpoint=endpoint, username=KEY, password=SECRET)
    about = lrs.about()
    assert about.success, (about.response.status, about.data)
    assert list(about.content.version) == ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]
    saved = lrs.save_statement(tincan_statement(email="ana.lima@example.org"))
    assert saved.success and saved.request.method == "POST"
    task_queue.run()
    assert_delivered(CompletionEvent.objects.get(external_id=saved.content.id), smtp, "ana.lima@example.org")


def test_tincan_python_hears_a_clear_401_for_a_wrong_secret(endpoint):
    saved = RemoteLRS(endpoint=endpoint, username=KEY, password="guess").save_statement(
        tincan_statement(email="ana.lima@example.org", statement_id=str(uuid.uuid4())))
    assert not saved.success and saved.response.status == 401
    assert "HTTP Basic" in json.loads(saved.data)["detail"]
    assert CompletionEvent.objects.count() == 0


@pytest.fixture(scope="session")
def tincanjs_node() -> Path:
    """`npm ci` once per lock file (a stamp in node_modules records which), as tests/badges does."""
    node, npm = require_program("node", package="nodejs"), require_program("npm", package="npm")
    lock_digest = hashlib.sha256((TINCANJS_DIR / "package-lock.json").read_bytes()).hexdigest()
    stamp = TINCANJS_DIR / "node_modules" / ".laurel-lock-sha256"
    with open(TINCANJS_DIR / ".npm-ci.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two suites at once take turns: `npm ci` empties node_modules
        if not stamp.exists() or stamp.read_text() != lock_digest:
            done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"],
                                  cwd=TINCANJS_DIR, capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, f"npm ci failed in {TINCANJS_DIR}:\n{done.stdout}\n{done.stderr}"
            stamp.write_text(lock_digest)
    return Path(node)


def tincanjs_send(node: Path, tmp_path: Path, *, endpoint: str, secret: str, statements: list) -> dict:
    path = tmp_path / "statements.json"
    path.write_text(json.dumps(statements))
    done = subprocess.run([str(node), "send.js", endpoint, KEY, secret, str(path)],
                          cwd=TINCANJS_DIR, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"TinCanJS run failed:\n{done.stdout}\n{done.stderr}"
    return json.loads(done.stdout)


def js_statement(*, email: str) -> dict:
    """As a runtime builds it: no id (TinCanJS adds one), a scaled score, a passed verb."""
    return {
        "actor": {"objectType": "Agent", "name": "Ana Lima", "mbox": f"mailto:{email}"},
        "verb": {"id": ADL + "passed", "display": {"en-US": "passed"}},
        "target": {"id": "https://lms.example.edu/courses/saf-101", "definition": {"name": {"en-US": "Safety 101"}}},
        "result": {"score": {"scaled": 0.92}, "success": True, "completion": True},
        "timestamp": "2026-01-05T09:58:00Z",
    }


def test_tincanjs_saves_statements_by_put_and_each_is_issued(tincanjs_node, tmp_path, endpoint, task_queue, smtp):
    sent = tincanjs_send(tincanjs_node, tmp_path, endpoint=endpoint, secret=SECRET,
                         statements=[js_statement(email="ana.lima@example.org"), js_statement(email="ben.okoro@example.org")])
    assert sent["version"] == "1.0.2"  # the header TinCanJS 0.50.0 sends, one of the 1.0.x Laurel takes
    assert sent["about"] == {"err": None, "versions": ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]}
    assert [(saved["err"], saved["status"]) for saved in sent["saved"]] == [(None, 204), (None, 204)], sent
    task_queue.run()
    for saved, email in zip(sent["saved"], ["ana.lima@example.org", "ben.okoro@example.org"]):
        event = CompletionEvent.objects.get(external_id=saved["id"])  # the id TinCanJS stamped on it
        issuance = event.issuances.get()
        assert event.status == "processed" and issuance.learner.email == email
        assert issuance.state in ("delivered", "synced"), (issuance.state, issuance.error)
    assert len(smtp.to("ana.lima@example.org")) == len(smtp.to("ben.okoro@example.org")) == 1


def test_tincanjs_hears_401_with_a_clear_message_for_a_wrong_secret(tincanjs_node, tmp_path, endpoint):
    sent = tincanjs_send(tincanjs_node, tmp_path, endpoint=endpoint, secret="guess", statements=[js_statement(email="ana.lima@example.org")])
    [saved] = sent["saved"]
    assert (saved["err"], saved["status"]) == ("401", 401)
    assert "HTTP Basic" in json.loads(saved["body"])["detail"]
    assert CompletionEvent.objects.count() == 0
