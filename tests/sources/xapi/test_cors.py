"""xAPI from a browser: TinCanJS in a web page on another origin reaches Laurel's LRS endpoint (CORS).

Most authoring-tool content runs TinCanJS in the learner's browser, on the LMS's or the content
host's origin, so every statement is a cross-origin request with `Authorization` and
`X-Experience-API-Version`, which the browser sends only after a preflight (`OPTIONS`) that the LRS
allows. Without CORS headers the browser stopped each one before it left (docs/lms/xapi.md).
"""

import json
import shutil
import threading
import uuid
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from issuance.models import CompletionEvent

from tests.browser.conftest import chromium, page  # noqa: F401 (fixtures: Playwright driving Debian's Chromium)
from tests.sources.xapi.test_clients import TINCANJS_DIR, js_statement, tincanjs_node  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db(transaction=True)

KEY, SECRET = "browser-key-2", "browser-secret-9d4"
CONTENT_ORIGIN = "https://content.example.org"


@pytest.fixture
def source(make_source):
    return make_source("xapi", secret=SECRET, settings={"key": KEY})


def preflight(url: str, *, origin: str = CONTENT_ORIGIN, method: str = "PUT"):
    """What a browser sends before a TinCanJS request: no credentials, the method and headers it wants."""
    return requests.options(url, timeout=30, headers={
        "Origin": origin, "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization,content-type,x-experience-api-version",
    })


def test_it_answers_a_preflight_for_statements_and_about_with_what_tincanjs_needs(live_server, source):
    base = f"{live_server.url}/api/v1/sources/{source.slug}/xapi"
    for path, method in (("statements", "PUT"), ("statements", "POST"), ("statements", "GET"), ("about", "GET")):
        response = preflight(f"{base}/{path}", method=method)
        assert response.status_code == 204, (path, method, response.status_code, response.text)
        headers = response.headers
        assert headers["Access-Control-Allow-Origin"] == "*"
        allowed = {name.strip().lower() for name in headers["Access-Control-Allow-Headers"].split(",")}
        assert {"authorization", "content-type", "x-experience-api-version"} <= allowed
        assert method in {name.strip() for name in headers["Access-Control-Allow-Methods"].split(",")}
        assert "Access-Control-Allow-Credentials" not in headers  # the key and secret are sent, never cookies
    assert CompletionEvent.objects.count() == 0


def test_it_puts_cors_headers_on_the_answers_a_browser_reads_errors_included(live_server, source):
    url = f"{live_server.url}/api/v1/sources/{source.slug}/xapi/statements?statementId={uuid.uuid4()}"
    headers = {"Origin": CONTENT_ORIGIN, "X-Experience-API-Version": "1.0.2"}
    wrong = requests.put(url, json={}, auth=(KEY, "guess"), headers=headers, timeout=30)
    assert wrong.status_code == 401 and wrong.headers["Access-Control-Allow-Origin"] == "*"
    assert "X-Experience-API-Version" in wrong.headers["Access-Control-Expose-Headers"]
    about = requests.get(f"{live_server.url}/api/v1/sources/{source.slug}/xapi/about", headers=headers, timeout=30)
    assert about.status_code == 200 and about.headers["Access-Control-Allow-Origin"] == "*"


def test_it_allows_only_the_origins_a_source_names_when_it_names_some(live_server, make_source):
    listed = make_source("xapi", slug="xapi-listed", secret=SECRET,
                         settings={"key": KEY, "cors_origins": "https://content.example.org, https://lms.example.edu:8443"})
    url = f"{live_server.url}/api/v1/sources/{listed.slug}/xapi/statements"
    allowed = preflight(url, origin="https://lms.example.edu:8443")
    assert allowed.status_code == 204 and allowed.headers["Access-Control-Allow-Origin"] == "https://lms.example.edu:8443"
    assert "Origin" in allowed.headers["Vary"]
    other = preflight(url, origin="https://elsewhere.example.com")
    assert other.status_code == 403 and "Access-Control-Allow-Origin" not in other.headers
    assert "cors_origins" in other.json()["detail"] and "https://elsewhere.example.com" in other.json()["detail"]
    refusing = make_source("xapi", slug="xapi-refusing", secret=SECRET, settings={"key": KEY, "cors_origins": "none"})
    refused = preflight(f"{live_server.url}/api/v1/sources/{refusing.slug}/xapi/about", method="GET")
    assert refused.status_code == 403 and "Access-Control-Allow-Origin" not in refused.headers


def test_it_refuses_a_cors_origins_setting_that_is_not_a_list_of_origins(make_source):
    from issuance.sources.settings_schema import SettingsError

    for bad in ("content.example.org", "https://content.example.org/path", "ftp://content.example.org", "*, https://a.example"):
        with pytest.raises(SettingsError, match="cors_origins"):
            make_source("xapi", slug="xapi-bad", secret=SECRET, settings={"key": KEY, "cors_origins": bad})


def test_it_answers_a_preflight_for_an_unknown_source_with_404_and_no_cors_headers(live_server, db):
    response = preflight(f"{live_server.url}/api/v1/sources/no-such-source/xapi/statements")
    assert response.status_code == 404 and "Access-Control-Allow-Origin" not in response.headers


@pytest.fixture
def content_site(tmp_path, tincanjs_node):  # noqa: F811
    """A course's content on its own origin (another port on 127.0.0.1), with TinCanJS's browser build."""
    shutil.copy(TINCANJS_DIR / "node_modules" / "tincanjs" / "build" / "tincan.js", tmp_path / "tincan.js")
    (tmp_path / "index.html").write_text('<!doctype html><html><head><meta charset="utf-8"><title>Safety 101</title>'
                                          '<script src="tincan.js"></script><script src="runtime.js"></script></head>'
                                          '<body><p id="done"></p></body></html>')
    handler = partial(type("Quiet", (SimpleHTTPRequestHandler,), {"log_message": lambda *args: None}), directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


RUNTIME_JS = """
// As an authoring tool's runtime does it: TinCanJS's LRS, `about`, then saveStatement (a PUT).
var lrs = new TinCan.LRS({endpoint: ENDPOINT, username: KEY, password: SECRET, allowFail: false});
var result = {version: lrs.version, saved: []};
lrs.about({callback: function (err, about) {
  result.about = {err: err === null ? null : String(err), versions: about ? about.version : null};
  var statement = new TinCan.Statement(STATEMENT);
  lrs.saveStatement(statement, {callback: function (err, xhr) {
    result.saved.push({id: statement.id, err: err === null ? null : String(err), status: xhr ? xhr.status : null});
    document.getElementById("done").textContent = JSON.stringify(result);
  }});
}});
"""


def test_tincanjs_in_a_browser_on_another_origin_saves_a_statement_that_is_issued(
        page, live_server, source, content_site, task_queue, smtp):  # noqa: F811
    folder, origin = content_site
    # The LRS is the live server (localhost); the content is served from 127.0.0.1 on another port.
    endpoint = f"{live_server.url}/api/v1/sources/{source.slug}/xapi/"
    assert not endpoint.startswith(origin)
    (folder / "runtime.js").write_text(
        f"var ENDPOINT = {json.dumps(endpoint)}, KEY = {json.dumps(KEY)}, SECRET = {json.dumps(SECRET)};\n"
        f"var STATEMENT = {json.dumps(js_statement(email='ana.lima@example.org'))};\n" + RUNTIME_JS)
    failed = []
    page.on("requestfailed", lambda request: failed.append((request.method, request.url, request.failure)))
    page.goto(f"{origin}/index.html")
    page.wait_for_function("document.getElementById('done').textContent !== ''", timeout=30_000)
    result = json.loads(page.text_content("#done"))
    assert failed == [], failed
    assert result["about"] == {"err": None, "versions": ["1.0.3", "1.0.2", "1.0.1", "1.0.0"]}, result
    [saved] = result["saved"]
    assert (saved["err"], saved["status"]) == (None, 204), result
    task_queue.run()
    event = CompletionEvent.objects.get(external_id=saved["id"])
    assert event.status == "processed" and event.headers.get("x-experience-api-version") == "1.0.2"
    assert event.issuances.get().state in ("delivered", "synced")
    assert len(smtp.to("ana.lima@example.org")) == 1
