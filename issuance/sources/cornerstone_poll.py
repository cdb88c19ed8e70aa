"""Cornerstone polled through its Transcript Search API, the fallback when Edge webhooks are not bought or cannot reach Laurel.

    POST {corp_url}/services/api/oauth2/token   JSON {clientId, clientSecret, grantType: client_credentials, scope: transcript:read}
    GET  {corp_url}{transcript_search_path}?ModificationStartDate=…&ModificationEndDate=…&pageNumber=N
         → at most 50 transcripts a page, over a window of at most 24 hours (UTC)

One scope walks every user's transcripts; those whose training is mapped and whose status is not an
open one (`transcript_open_statuses`) are stored as a webhook record (cornerstone.py reads both alike,
and parks a status in neither list or a completion with no time, naming the setting), under an id made
of user, training and completion time. The cursor is the end of the last window walked to its last page. The path and the transcript's
field names are unconfirmed [U], so each is a setting (`transcript_search_path`, `transcript_<fact>_fields`:
the names tried, first found wins), their defaults listed in docs/lms/cornerstone.md.
"""

from datetime import datetime, timedelta, timezone

from .base import derived_event_id, json_body, json_parse, source_setting
from .cornerstone import cornerstone_completion_key, transcript_fields, transcript_read as _read, transcript_status
from .polling import PolledCompletion, PollClient, PollError, Poller, PollStep, moment_parse, webhook_copy_known

SEARCH_PATH = "/services/api/x/transcript/v1/search"
PAGE_SIZE = 50  # Cornerstone's page [C]
WINDOW = timedelta(hours=24)  # the longest window one search may ask [C]
SCOPE = "transcripts"
TIME = "%Y-%m-%dT%H:%M:%SZ"


def transcript_field_names(source) -> dict[str, tuple[str, ...]]:
    """Per fact, the transcript fields it is read from: the source's `transcript_<fact>_fields`, else the defaults."""
    return transcript_fields(source.settings or {})


def _records(answer) -> list:
    if isinstance(answer, list):
        return answer
    if isinstance(answer, dict):
        for key in ("data", "records", "items", "transcripts"):
            if isinstance(answer.get(key), list):
                return answer[key]
    raise PollError("Cornerstone answered the transcript search with no list (data, records, items or transcripts).", kind=PollError.TRANSIENT)


class CornerstonePoller(Poller):
    dialect = "cornerstone"
    label = "Cornerstone"

    def configured(self, source) -> bool:
        minutes = str(source_setting(source, "poll_minutes") or "0")
        return bool(source_setting(source, "corp_url") and source_setting(source, "client_id")
                    and source_setting(source, "client_secret") and minutes != "0")

    def scopes(self, source) -> list[str]:
        return [SCOPE]  # one search covers every user and training; the mapped trainings are picked from it

    def client(self, *, source, budget) -> PollClient:
        return PollClient(budget=budget, headers={"Accept": "application/json"}, label=f"Cornerstone at {source_setting(source, 'corp_url')}")

    def _token(self, client: PollClient, source, base: str) -> None:
        plain = client.headers
        client.headers = {**plain, "Content-Type": "application/json"}
        try:
            response = client.get(f"{base}/services/api/oauth2/token", method="POST", refused=(400, 401, 403), data=json_body({
                "clientId": source_setting(source, "client_id"), "clientSecret": source_setting(source, "client_secret"),
                "grantType": "client_credentials", "scope": "transcript:read"}))
        finally:
            client.headers = plain
        try:
            token = json_parse(response.body).get("access_token")
        except (ValueError, AttributeError):
            token = None
        if not isinstance(token, str) or not token:
            raise PollError("Cornerstone's token endpoint gave no access_token.", kind=PollError.TRANSIENT)
        client.headers = {**plain, "Authorization": f"Bearer {token}"}

    def steps(self, *, client: PollClient, source, scope, cursor, window):
        base = source_setting(source, "corp_url").rstrip("/")
        if "Authorization" not in client.headers:
            self._token(client, source, base)
        path = source_setting(source, "transcript_search_path") or SEARCH_PATH
        trainings = {external.lower() for external in source.course_mappings.values_list("external_id", flat=True)}
        fields = transcript_field_names(source)
        now = datetime.now(timezone.utc).replace(microsecond=0)
        resume = (cursor.resume or {}) if window is None else {}
        start = moment_parse(resume.get("start")) or (window.since if window else moment_parse(cursor.position)) or now - WINDOW
        until = (window.until or now) if window else now
        page = int(resume.get("page", 1))
        while start < until:
            end = min(start + WINDOW, until)
            params = {"ModificationStartDate": start.strftime(TIME), "ModificationEndDate": end.strftime(TIME), "pageNumber": page}
            _, answer = client.get_json(base + path, params=params)
            records = _records(answer)
            step = PollStep()
            for record in records:
                if not isinstance(record, dict):
                    continue
                training, completed = _read(record, fields["training"]), _read(record, fields["completed"])
                if str(training or "").lower() not in trainings or transcript_status(record, source.settings or {})[0] == "open":
                    continue  # an unrecognised status, or a completion with no time, is stored to park (cornerstone.py)
                if window and completed and not window.holds(moment_parse(completed)):
                    continue
                step.found.append(_completion(record, fields, training, completed))
            more = len(records) >= PAGE_SIZE
            if more:
                step.resume, page = {"start": start.strftime(TIME), "page": page + 1}, page + 1
            else:
                start, page = end, 1
                step.resume = {"start": start.strftime(TIME), "page": 1} if start < until else None
                if window is None:
                    step.position = end.strftime(TIME)
            yield step

    def known_otherwise(self, *, source, completion) -> bool:
        """Whether an Edge webhook brought this completion already (under its eventId, not our id): one
        received since the completion (less a day for time zones), so an earlier attempt's does not count."""
        completed = moment_parse(json_parse(completion.body)["value"]["trainingCompleted"]["data"].get("completionDate"))
        return webhook_copy_known(source=source, completion_key=completion.completion_key,
                                  received_since=(completed or datetime.now(timezone.utc)) - timedelta(days=1))


def _completion(record: dict, fields: dict, training, completed) -> PolledCompletion:
    user = _read(record, fields["user"])
    external_id = derived_event_id("cornerstone", user, str(training).lower(), completed)[:300]
    data = {"eventId": external_id, "trainingId": training, "trainingTitle": _read(record, fields["title"]), "targetUserId": user,
            "targetUserRef": _read(record, fields["user_ref"]), "targetUserEmail": _read(record, fields["email"]),
            "targetUserFullName": _read(record, fields["name"]), "completionDate": completed, "score": _read(record, fields["score"])}
    value = {"lmsEventsCase": "TrainingCompleted", "headers": {}, "trainingCompleted": {"data": data}}
    body = {"laurel_polled": True, "value": value, "transcript": record}
    return PolledCompletion(external_id=external_id, body=json_body(body), learner=str(user), completed_at=str(completed or ""),
                            completion_key=cornerstone_completion_key(value))
