"""Canvas Live Events over HTTPS with "Sign Payload": the body is a JWT whose claims are the event.

    claims = {"metadata": {"event_name": "course_completed", "request_id": "…", …},
              "body": {"course": {"id": "42", "name": "Safety 101", "sis_source_id": "SAF-101"},
                       "progress": {"completed_at": "2024-11-14T10:01:59.000Z", …},
                       "user": {"id": "777", "email": "ana@example.org", "name": "Ana Lima"}}}

Canvas re-fires course_completed when the completion time is set again, so the event id is the
learner, the course and `completed_at` (to the second): the same completion is one event however
often it comes, and the same event when a poll of Canvas REST finds it (poll.py).

Canvas sends no score. When the course's rules need one and the source has an `api_token` (with
`canvas_url`), the worker asks Canvas REST for the learner's enrollment in the course:

    GET {canvas_url}/api/v1/courses/:course_id/enrollments?user_id=…&type[]=StudentEnrollment
        → [{"type": "StudentEnrollment", "grades": {"final_score": 86.0, "current_score": 91.5, …}, …}]

and takes `final_score` (else `current_score`). An answer Laurel does not recognise, or a refusal,
parks the event naming the fix; it is never read as "no score". Without a token the completion
carries no score, and the missing-fact rule of the pipeline applies.
"""

import hashlib
from decimal import Decimal, InvalidOperation
from urllib.parse import quote

import jwt

from courses.rules import ruleset_facts_needed
from issuance.outgoing.guard import OutboundRequestError, ResponseTooLarge, TargetRefused, guarded_request
from issuance.models import Source, SourceCourseMapping

from ..base import (
    AuthenticationFailed,
    CandidateCompletion,
    Dialect,
    EnrichmentFailed,
    IncomingEvent,
    NotACompletion,
    derived_event_id,
    json_parse,
    source_setting,
)
from .jwks import KeySetUnavailable, jwks_key_for
from ..polling import completion_time_key
from ..settings_schema import Setting, SettingsError, poll_minutes_setting

# Asymmetric only: a shared-secret or unsigned token must never pass as Canvas's.
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]


def is_live_event(claims) -> bool:
    return isinstance(claims, dict) and isinstance(claims.get("metadata"), dict) and isinstance(claims.get("body"), dict)


def claims_described(claims) -> str:
    """What a verified token that is no Live Event holds, in words for the event's ignored reason."""
    if isinstance(claims, dict) and {"sensor", "sendTime", "data"} <= set(claims):
        return f"a Caliper envelope (dataVersion {claims.get('dataVersion')!r})"
    if isinstance(claims, dict):
        return "claims with the keys " + ", ".join(sorted(map(str, claims))[:10])
    return f"a JSON {type(claims).__name__}"


class CanvasDialect(Dialect):
    name = "canvas"
    label = "Canvas Live Events (signed)"
    secret_generated_here = False
    secret_required = False
    secret_help = "not used: Canvas signs with Instructure's published keys (jwks_url or jwks)"
    settings = (
        Setting("jwks_url", "Where Instructure publishes the Live Events signing keys.", kind="url"),
        Setting("jwks", "Or the key set itself, as JSON ({\"keys\": [...]}).", kind="json_keyset"),
        Setting("canvas_url", "To poll Canvas REST: the Canvas site's address, e.g. https://canvas.example.edu.", kind="url"),
        Setting(
            "api_token",
            "To poll, and to fetch a learner's final score when a course's rules need one (Live Events carry none): "
            "an access token of a teacher or admin of the mapped courses who may view grades (sent as Bearer).",
            secret=True,
        ),
        poll_minutes_setting(),
    )

    def settings_check(self, *, public):
        if public.get("jwks_url") and public.get("jwks"):
            raise SettingsError("Give only one of jwks_url or jwks for the canvas dialect.")
        if bool(public.get("canvas_url")) != bool(public.get("api_token")):
            raise SettingsError("Polling Canvas needs both canvas_url and api_token.")
        if not (public.get("jwks_url") or public.get("jwks") or public.get("canvas_url")):
            raise SettingsError("Give jwks_url or jwks (Live Events), or canvas_url and api_token (polling), for the canvas dialect.")

    def content_type_accepted(self, content_type):
        return True  # a JWT body arrives as text/plain, application/jwt or even application/json

    def request_authenticate(self, *, source, request):
        token = request.body.strip().decode("ascii", "replace")
        if not (source_setting(source, "jwks_url") or source_setting(source, "jwks")):
            raise AuthenticationFailed("This Canvas source is polled only: it has no key set to check Live Events with.")
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError:
            raise AuthenticationFailed("The body must be a signed JWT (enable Sign Payload in Canvas Data Services).") from None
        if header.get("alg") not in ALGORITHMS:
            raise AuthenticationFailed(f"JWT algorithm {header.get('alg')!r} is not accepted; expected one of {', '.join(ALGORITHMS)}.")
        try:
            key = jwks_key_for(url=source_setting(source, "jwks_url") or None, inline=source_setting(source, "jwks") or None, kid=str(header.get("kid", "")))
        except KeySetUnavailable as exc:
            raise AuthenticationFailed(f"The signature cannot be checked now: {exc}", status=503) from None
        if key is None:
            raise AuthenticationFailed(f"No key with kid {header.get('kid')!r} in this source's key set.")
        try:
            claims = jwt.decode(token, key=key, algorithms=[header["alg"]], options={"verify_aud": False})
        except jwt.InvalidTokenError as exc:
            raise AuthenticationFailed(f"The JWT does not verify: {exc}.") from None
        # A verified token in another format (a Caliper envelope, a shape Laurel does not know) is
        # kept and ignored in the worker, never refused: Canvas deactivates a subscription after a
        # day of non-2xx answers, and one such event type would take the completions down with it.
        return claims

    def request_events(self, *, source, request, verified):
        if not is_live_event(verified):
            digest = hashlib.sha256(request.body.strip()).hexdigest()
            return [IncomingEvent(external_id=derived_event_id("canvas", "other", digest), body=request.body)]
        metadata, body = verified["metadata"], verified["body"]
        if metadata.get("event_name") == "course_completed":
            user, course, progress = (body.get(part) if isinstance(body.get(part), dict) else {} for part in ("user", "course", "progress"))
            external_id = derived_event_id("canvas", user.get("id"), course.get("id"), completion_time_key(progress.get("completed_at")))
        else:
            external_id = derived_event_id("canvas", metadata.get("event_name"), metadata.get("request_id") or metadata.get("event_time"))
        return [IncomingEvent(external_id=external_id, body=request.body)]

    def payload_parse(self, body: bytes):
        # The signature was verified before these bytes were stored; here only the claims are read.
        try:
            return jwt.decode(body.strip(), options={"verify_signature": False})
        except jwt.DecodeError as exc:
            raise ValueError(f"not a JWT ({exc})") from None

    def adapt(self, payload):
        candidate = CandidateCompletion(
            paths={
                "email": "body.user.email",
                "name": "body.user.name",
                "course": "body.course.id",
                "completed_at": "body.progress.completed_at",
                "learner_id": "body.user.id",
            }
        )
        if not is_live_event(payload):
            raise NotACompletion(f"The signed claims are {claims_described(payload)}, not a Canvas Live Event (metadata and body).")
        metadata, body = payload["metadata"], payload["body"]
        if metadata.get("event_name") != "course_completed":
            raise NotACompletion(f"Canvas event {metadata.get('event_name')!r} is not course_completed.")
        user, course, progress = (body.get(part) if isinstance(body.get(part), dict) else {} for part in ("user", "course", "progress"))
        candidate.email, candidate.name, candidate.learner_id = user.get("email"), user.get("name"), user.get("id")
        candidate.course, candidate.course_code = course.get("id"), course.get("sis_source_id")
        candidate.completed_at = progress.get("completed_at")
        candidate.extra = {"course_name": course.get("name"), "requirement_count": progress.get("requirement_count")}
        return candidate, []



    def enrich(self, *, source, candidate, payload):
        """Canvas sends no score: fetch the enrollment's when the course's rules need one and a token is set."""
        if candidate.score is not None or not source_setting(source, "api_token"):
            return
        if not course_needs_score(source=source, candidate=candidate):
            return
        body = payload["body"]
        course_id = (body.get("course") or {}).get("id") if isinstance(body.get("course"), dict) else None
        user_id = (body.get("user") or {}).get("id") if isinstance(body.get("user"), dict) else None
        if course_id in (None, "") or user_id in (None, ""):
            return  # validation names what is missing
        score, field = canvas_enrollment_score(source=source, course_id=str(course_id), user_id=str(user_id))
        candidate.score, candidate.paths["score"] = score, field


CONNECT_TIMEOUT, READ_TIMEOUT = 5, 20
MAX_RESPONSE_BYTES = 2 * 1024 * 1024


def course_needs_score(*, source, candidate) -> bool:
    """Whether the live rules of the course this completion maps to need a score, as the rules list it.

    The course is found as validation finds it (the mapping table, then the code when the source
    matches by code); a course Laurel cannot find needs nothing fetched, validation parks it.
    """
    mapping = SourceCourseMapping.objects.filter(source=source, external_id=str(candidate.course)).select_related("course").first()
    course = mapping.course if mapping else None
    if course is None and source.course_matching == Source.CourseMatching.BY_CODE:
        for code in dict.fromkeys(str(c).strip() for c in (candidate.course_code, candidate.course) if c not in (None, "")):
            course = source.organization.courses.filter(code__iexact=code).first()
            if course is not None:
                break
    version = course.ruleset.current_version if course is not None and course.ruleset_id else None
    return "score" in ruleset_facts_needed(version=version)


def canvas_enrollment_score(*, source, course_id: str, user_id: str) -> tuple[Decimal | None, str]:
    """(the learner's score in the course, where it came from), from Canvas REST with the source's api_token."""
    canvas_url = source_setting(source, "canvas_url").rstrip("/")
    url = f"{canvas_url}/api/v1/courses/{quote(course_id, safe='')}/enrollments"
    params = [("user_id", user_id), ("type[]", "StudentEnrollment"), ("state[]", "active"), ("state[]", "completed")]
    headers = {"Authorization": f"Bearer {source_setting(source, 'api_token')}", "Accept": "application/json"}
    where = f"the enrollments of user {user_id} in course {course_id}"
    try:
        response = guarded_request("GET", url, params=params, headers=headers, connect_timeout=CONNECT_TIMEOUT,
                                   read_timeout=READ_TIMEOUT, max_bytes=MAX_RESPONSE_BYTES)
    except TargetRefused as exc:
        raise EnrichmentFailed(f"Laurel may not call canvas_url: {exc} Set canvas_url to the Canvas site's public https address.",
                               code="canvas_url_refused", field="score") from None
    except ResponseTooLarge:
        raise EnrichmentFailed(f"Canvas's answer for {where} is larger than {MAX_RESPONSE_BYTES} bytes; check canvas_url.",
                               code="canvas_bad_response", field="score") from None
    except OutboundRequestError as exc:
        raise EnrichmentFailed(f"Canvas at {canvas_url} did not answer for {where}: {exc}", code="canvas_unavailable",
                               field="score", transient=True) from None
    enrollments = _enrollments_read(response, where=where)
    students = [e for e in enrollments if isinstance(e, dict) and e.get("type", "StudentEnrollment") == "StudentEnrollment"]
    if not students:
        raise EnrichmentFailed(
            f"Canvas lists no student enrollment for {where} to the api_token's user. Use a token of a teacher or "
            "admin of the course, or check that the learner is still enrolled; then reprocess.",
            code="canvas_enrollment_missing", field="score",
        )
    for enrollment in students:
        grades = enrollment.get("grades")
        if not isinstance(grades, dict):
            raise EnrichmentFailed(
                f"Canvas listed {where} without grades: the api_token's user may not view grades. Use a token of a "
                "teacher or admin of the course (with \"View all grades\"); then reprocess.",
                code="canvas_grades_hidden", field="score",
            )
        for key in ("final_score", "current_score"):
            value = grades.get(key)
            if value is None:
                continue
            try:
                return Decimal(str(value)), f"Canvas REST enrollments grades.{key}"
            except InvalidOperation:
                raise EnrichmentFailed(f"Canvas answered {where} with grades.{key} {str(value)[:50]!r}, which is not a number.",
                                       code="canvas_bad_response", field="score") from None
    return None, "Canvas REST enrollments grades.final_score"  # Canvas has no score for them: nothing reported


def _enrollments_read(response, *, where: str) -> list:
    """The enrollments list of a 200 answer, or EnrichmentFailed naming the status, Canvas's message and the fix."""
    try:
        answer = json_parse(response.body) if response.body else None
    except ValueError:
        answer = None
    message = _canvas_message(answer) or response.body[:200].decode("utf-8", "replace").strip()
    status = response.status
    if (status == 403 and "rate limit" in message.lower()) or status >= 500 or status in (408, 429):
        raise EnrichmentFailed(f"Canvas could not answer for {where} just now (HTTP {status}: {message}).",
                               code="canvas_unavailable", field="score", transient=True)
    if status == 401 and "access token" in message.lower():
        raise EnrichmentFailed(
            f"Canvas refused the source's api_token (HTTP 401: {message}). Create a new access token "
            "(Account → Settings → New access token) for a teacher or admin of the mapped courses and save it as api_token.",
            code="canvas_token_refused", field="score",
        )
    if status in (401, 403):
        raise EnrichmentFailed(
            f"Canvas does not let the api_token's user read {where} (HTTP {status}: {message}). Use a token of a "
            "teacher or admin of the course who may view grades; then reprocess.",
            code="canvas_permission_missing", field="score",
        )
    if status == 404:
        raise EnrichmentFailed(
            f"Canvas has no such course or user for {where} (HTTP 404: {message}). Check that canvas_url is the Canvas "
            "site the Live Events come from.",
            code="canvas_not_found", field="score",
        )
    if status != 200 or not isinstance(answer, list):
        shown = f"HTTP {status}: {message}" if status != 200 else f"not a list: {message[:100]!r}"
        raise EnrichmentFailed(f"Canvas answered {where} with something Laurel does not recognise ({shown}); check canvas_url.",
                               code="canvas_bad_response", field="score")
    return answer


def _canvas_message(answer) -> str:
    """Canvas's error text: {"errors": [{"message": …}]}, or {"message": …}."""
    if not isinstance(answer, dict):
        return ""
    errors = answer.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        return str(errors[0].get("message", ""))[:300]
    return str(answer.get("message") or "")[:300]
