"""Docebo polled: completed enrollments asked of its REST API, the fallback when its webhooks cannot reach Laurel.

    POST {platform_url}/oauth2/token                                       (client credentials, as enrichment)
    GET  {platform_url}/learn/v1/enrollments?course_id=…&status=completed&updated_from=…&page=N&page_size=200
         → data.items[] (user_id, course_id, enrollment_status, enrollment_completion_date, enrollment_score,
           enrollment_date_last_updated), data.has_more_data

Each mapped course id is one scope; the cursor is the latest `enrollment_date_last_updated` seen, asked
again as `updated_from`. A completion is stored in the webhook's own shape (docebo.py reads and enriches
it alike), under an id made of user, course and completion time. The path and the filters are from
public clients, not Docebo's reference [S], so the path is a setting (docs/lms/docebo.md).
"""

from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from .base import derived_event_id, json_body, json_parse, source_setting
from .docebo import DOCEBO_TIME, EVENT, docebo_completion_key
from .polling import PolledCompletion, PollClient, PollError, Poller, PollStep, webhook_copy_known

ENROLLMENTS_PATH = "/learn/v1/enrollments"
PAGE_SIZE = 200  # Docebo's largest page [S]


def _moment(value, zone: str) -> datetime | None:
    try:
        return datetime.strptime(str(value), DOCEBO_TIME).replace(tzinfo=ZoneInfo(zone or "UTC"))
    except ValueError:
        return None


class DoceboPoller(Poller):
    dialect = "docebo"
    label = "Docebo"

    def configured(self, source) -> bool:
        # Polling is the fallback: only when asked for (poll_minutes), since every call counts against
        # Docebo's 1,000 calls an hour, which enrichment shares.
        minutes = str(source_setting(source, "poll_minutes") or "0")
        return bool(source_setting(source, "platform_url") and source_setting(source, "client_id")
                    and source_setting(source, "client_secret") and minutes != "0")

    def client(self, *, source, budget) -> PollClient:
        return PollClient(budget=budget, headers={"Accept": "application/json"}, label=f"Docebo at {source_setting(source, 'platform_url')}")

    def _token(self, client: PollClient, source, base: str) -> None:
        response = client.get(f"{base}/oauth2/token", method="POST", refused=(400, 401, 403), data={
            "grant_type": "client_credentials", "scope": "api", "client_id": source_setting(source, "client_id"),
            "client_secret": source_setting(source, "client_secret")})
        try:
            token = json_parse(response.body).get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise PollError("Docebo's /oauth2/token gave no access_token.", kind=PollError.TRANSIENT)
        client.headers = {**client.headers, "Authorization": f"Bearer {token}"}

    def steps(self, *, client: PollClient, source, scope, cursor, window):
        base = source_setting(source, "platform_url").rstrip("/")
        zone = source_setting(source, "time_zone") or "UTC"
        if "Authorization" not in client.headers:
            self._token(client, source, base)
        path = source_setting(source, "enrollments_path") or ENROLLMENTS_PATH
        since = window.since.astimezone(ZoneInfo(zone)).strftime(DOCEBO_TIME) if window else cursor.position
        resume = (cursor.resume or {}) if window is None else {}
        page, latest = int(resume.get("page", 1)), resume.get("latest") or cursor.position
        while True:
            params = {"course_id": scope, "status": "completed", "page": page, "page_size": PAGE_SIZE}
            if since:
                params["updated_from"] = since
            _, answer = client.get_json(base + path, params=params)
            data = answer.get("data") if isinstance(answer, dict) else None
            if not isinstance(data, dict) or not isinstance(data.get("items"), list):
                raise PollError(f"Docebo answered {path} without data.items; check platform_url and enrollments_path.", kind=PollError.TRANSIENT)
            step = PollStep()
            for item in data["items"]:
                if not isinstance(item, dict):
                    continue
                completed = item.get("enrollment_completion_date") or item.get("completion_date")
                status = str(item.get("enrollment_status") or item.get("status") or "").lower()
                updated = str(item.get("enrollment_date_last_updated") or completed or "")
                if _moment(updated, zone) and (not latest or updated > latest):
                    latest = updated  # "YYYY-MM-DD HH:MM:SS" orders as text
                if status != "completed" or not completed or (window and not window.holds(_moment(completed, zone))):
                    continue
                step.found.append(self._completion(base, scope, item, completed))
            more = bool(data.get("has_more_data")) and bool(data["items"])
            step.resume = {"page": page + 1, "latest": latest} if more else None
            if not more and window is None and latest:
                step.position = latest
            yield step
            if not more:
                return
            page += 1

    def _completion(self, base: str, scope: str, item: dict, completed: str) -> PolledCompletion:
        user_id, course_id = item.get("user_id"), item.get("course_id") or scope
        external_id = derived_event_id("docebo", user_id, course_id, completed)
        body = {"event": EVENT, "message_id": external_id, "original_domain": urlsplit(base).hostname, "laurel_polled": True,
                "payload": {"user_id": user_id, "course_id": course_id, "course_name": item.get("course_name"),
                            "username": item.get("username"), "completion_date": completed, "status": "completed",
                            "enrollment_score": item.get("enrollment_score")}}
        return PolledCompletion(external_id=external_id[:300], body=json_body(body), learner=str(user_id), completed_at=str(completed),
                                completion_key=docebo_completion_key(body))

    def known_otherwise(self, *, source, completion) -> bool:
        """Whether a webhook brought this completion already (under Docebo's message_id, not our id)."""
        return webhook_copy_known(source=source, completion_key=completion.completion_key)
