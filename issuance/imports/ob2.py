"""Any Open Badges 2.0 hosted assertions, from a list of their URLs: one a line, optionally followed by the
recipient's email and name (`URL,email,name`), since a hosted assertion usually carries its recipient hashed.
Each assertion (and its badge class, for the name) is fetched through Laurel's outgoing-request guard."""

import csv
import io

from ..openbadges.ob2 import ob2_recipient_matches
from ..outgoing.guard import OutboundRequestError, guarded_request
from .rows import FileUnreadable, SourceRow

LABEL = "Open Badges 2.0"
ACCEPT = {"Accept": "application/ld+json, application/json"}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _answer(url: str) -> dict:
    """What `url` answered, as the import keeps it: {"status", "document"} or {"problem"} (a refusal, not JSON)."""
    try:
        response = guarded_request("GET", url, headers=ACCEPT, follow_redirects=True)
    except OutboundRequestError as exc:
        return {"problem": str(exc).split(" Technical detail:")[0]}
    if response.status != 200:
        return {"status": response.status}
    try:
        return {"status": 200, "document": response.json()}
    except (UnicodeDecodeError, ValueError):
        return {"status": 200, "problem": f"{url} did not answer JSON"}


def _fetch(url: str, fetched: dict) -> tuple[dict | None, str]:
    """(the JSON object at `url`, problem); 410 Gone is a revoked hosted assertion. Each URL is asked once per
    import: its answer is kept in `fetched`, so the import acts on the answers its dry run showed."""
    if url not in fetched:
        fetched[url] = _answer(url)
    answer = fetched[url]
    if answer.get("problem"):
        return None, answer["problem"]
    if answer.get("status") == 410:
        return {"revoked": True}, ""
    if answer.get("status") != 200:
        return None, f"{url} answered HTTP {answer.get('status')}"
    document = answer.get("document")
    return (document, "") if isinstance(document, dict) else (None, f"{url} did not answer a JSON object")


def _row(number: int, url: str, email: str, name: str, fetched: dict) -> SourceRow:
    row = SourceRow(number=number, email=email, name=name, original_id=url, original_url=url)
    assertion, row.problem = _fetch(url, fetched)
    if assertion is None:
        return row
    if assertion.get("revoked"):
        reason = _text(assertion.get("revocationReason"))
        row.withdrawn = "revoked by its issuer" + (f": {reason}" if reason else "")
        return row
    if "Assertion" not in (assertion.get("type") if isinstance(assertion.get("type"), list) else [assertion.get("type")]):
        row.problem = f"{url} is not an Open Badges 2.0 Assertion (its type is {assertion.get('type')!r})"
        return row
    recipient = assertion.get("recipient") if isinstance(assertion.get("recipient"), dict) else {}
    if recipient.get("hashed"):
        if not email:
            row.problem = "the assertion's recipient is hashed: give the email after the URL (URL,email,name)"
        elif not ob2_recipient_matches(recipient=recipient, email=email):
            row.problem = f"{email} is not the assertion's recipient (its hashed identity does not match)"
    elif not email:
        row.email = _text(recipient.get("identity"))
    elif email.lower() != _text(recipient.get("identity")).lower():
        row.problem = f"{email} is not the assertion's recipient ({recipient.get('identity')})"
    row.original_id = _text(assertion.get("id")) or url
    row.issued_at, row.expires_at = _text(assertion.get("issuedOn")), _text(assertion.get("expires"))
    badge = assertion.get("badge")
    if isinstance(badge, str):
        row.badge_url, badge = badge, _fetch(badge, fetched)[0] or {}
    if isinstance(badge, dict):
        row.badge_url = row.badge_url or _text(badge.get("id"))
        row.badge_name = _text(badge.get("name"))
    row.badge_id = row.badge_url
    return row


def read(body: bytes, *, columns: dict[str, str], fetched: dict | None = None) -> list[SourceRow]:
    """The rows of a URL list; `fetched` holds the answers already had (the upload's), and gets the new ones."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileUnreadable("The file is not UTF-8 text: give one assertion URL a line.") from None
    rows, fetched = [], {} if fetched is None else fetched
    for number, line in enumerate(csv.reader(io.StringIO(text, newline="")), 1):
        cells = [c.strip() for c in line]
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        url, email, name = (cells + ["", ""])[:3]
        if not url.startswith(("https://", "http://")):
            rows.append(SourceRow(number=number, original_id=url, problem=f"{url!r} is not an assertion URL"))
            continue
        rows.append(_row(number, url, email, name, fetched))
    if not rows:
        raise FileUnreadable("The file lists no assertion URL (one a line, optionally followed by ,email,name).")
    return rows

