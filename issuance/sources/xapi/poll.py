"""Polling an xAPI LRS: `GET {lrs_url}/statements` per completion verb, since the last `stored` seen.

HTTP Basic with `lrs_key` and `lrs_secret` and `X-Experience-API-Version: 1.0.3` on every request
(xAPI 1.0.3 §7.2); `ascending=true`, so the cursor can move page by page; the `more` link of each
page is followed to the end. `more` is usually a path: it is resolved against the LRS's origin,
and a `more` naming another host is refused rather than sent the credentials.

A polled statement is stored as the statement, so it is read like a pushed one and keyed by the
same statement `id`: one sent to Laurel and also found in the LRS is one event.
"""

from urllib.parse import urlencode, urljoin, urlsplit

from ..base import json_body, source_setting
from ..polling import PollClient, PollError, PolledCompletion, Poller, PollStep, basic_authorization
from .statements import COMPLETION_VERBS

PAGE_SIZE = 100
VERSION_HEADER = {"X-Experience-API-Version": "1.0.3"}


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def more_resolve(*, lrs_url: str, more: str) -> str:
    """The absolute URL of a `more` link; PollError if it leaves the LRS's origin."""
    absolute = urljoin(_origin(lrs_url) + "/", more)
    if _origin(absolute) != _origin(lrs_url):
        raise PollError(f"The LRS's `more` link points at another host ({_origin(absolute)}); Laurel does not send it the LRS credentials.",
                        kind=PollError.CONFIGURATION)
    return absolute


class XapiPoller(Poller):
    dialect = "xapi"
    label = "The LRS"

    def configured(self, source) -> bool:
        return bool(source_setting(source, "lrs_url"))

    def client(self, *, source, budget):
        headers = {
            **VERSION_HEADER,
            "Accept": "application/json",
            "Authorization": basic_authorization(source_setting(source, "lrs_key"), source_setting(source, "lrs_secret")),
        }
        return PollClient(budget=budget, headers=headers, label=f"The LRS at {source_setting(source, 'lrs_url')}")

    def scopes(self, source):
        # An LRS is asked by verb (the filter takes one), whatever activity the statement names.
        return sorted(COMPLETION_VERBS)

    def steps(self, *, client: PollClient, source, scope, cursor, window):
        lrs_url = source_setting(source, "lrs_url").rstrip("/")
        query = {"verb": scope, "ascending": "true", "limit": str(PAGE_SIZE)}
        since = window.since.isoformat() if window else cursor.position
        if since:
            query["since"] = since
        if window and window.until:
            query["until"] = window.until.isoformat()
        first = f"{lrs_url}/statements?{urlencode(query)}"
        url = cursor.resume["more"] if cursor.resume and window is None else first
        while True:
            try:
                _, result = client.get_json(url, missing_ok=url != first)
            except PollError as exc:
                if url == first or exc.kind != PollError.CONFIGURATION:
                    raise
                result = None
            if result is None and url != first:
                # An LRS may expire its `more` links; the cursor's `since` asks again from the last stored page.
                url = first
                continue
            statements = result.get("statements") if isinstance(result, dict) else None
            if not isinstance(statements, list):
                raise PollError("The LRS's answer holds no `statements` list.", kind=PollError.TRANSIENT)
            found, position = [], None
            for statement in statements:
                if not isinstance(statement, dict) or not statement.get("id"):
                    continue
                stored = str(statement.get("stored") or "")
                position = max(position or stored, stored)
                found.append(PolledCompletion(
                    external_id=str(statement["id"])[:300],
                    body=json_body(statement),
                    completed_at=str(statement.get("timestamp") or ""),
                ))
            more = result.get("more") or ""
            next_url = more_resolve(lrs_url=lrs_url, more=more) if more else None
            yield PollStep(found=found, resume={"more": next_url} if next_url else None, position=position)
            if next_url is None:
                return
            url = next_url
