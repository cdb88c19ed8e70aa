"""Kajabi: no completion event exists, so an automation adds a tag and Kajabi's `tag_added` hook posts to a secret address.

    {"id": "a1b2c3d4e5", "event": "tag_added", "payload": [
      {"id": "88412", "type": "contacts", "attributes": {"name": "Ana Lima", "email": "ana@example.org", …}},
      {"id": "5531", "type": "contact_tags", "attributes": {"name": "laurel-complete-safety-101"}}]}

Kajabi signs nothing, so the source receives at …/events/<secret> and, in the worker, asks Kajabi's
API whether the contact really holds the tag before anything is issued (docs/lms/kajabi.md). The
tag's id is the course's external id in the course mapping table.
"""

import hashlib
import secrets
from datetime import datetime, timezone

from ..outgoing.guard import OutboundRequestError, TargetRefused, guarded_request
from .base import (
    AuthenticationFailed, CandidateCompletion, Dialect, EnrichmentFailed, FieldError, IncomingEvent, NotACompletion,
    derived_event_id, digest_matches, json_body, json_parse, source_setting,
)
from .settings_schema import Setting, SettingsError

EVENT = "tag_added"
API_URL = "https://api.kajabi.com"
RECEIVED_AT = "laurel_received_at"


class KajabiDialect(Dialect):
    name = "kajabi"
    label = "Kajabi (tag_added hook, confirmed through its API)"
    secret_help = "the secret segment at the end of the intake URL given to Kajabi's hook (…/events/<secret>)"
    secret_address = True
    settings = (
        Setting("client_id", "The Kajabi User API Key's client id (Settings → Public API), to confirm each tag."),
        Setting("client_secret", "The User API Key's client secret.", secret=True),
        Setting("api_url", "Kajabi's API, when not https://api.kajabi.com.", kind="url"),
        Setting("site_id", "The Kajabi site whose tags these are, for registering hooks (GET /v1/sites lists them); empty: the API key's only site."),
        Setting("confirm", "Whether each tag is confirmed through Kajabi's API before issuing (on, unless the API is "
                "unavailable on the site's plan).", default="on", choices=("on", "off")),
    )

    def settings_check(self, *, public: dict) -> None:
        if public.get("confirm", "on") == "on" and not (public.get("client_id") and public.get("client_secret")):
            raise SettingsError("Kajabi cannot sign its hooks, so Laurel confirms each tag through Kajabi's API: give client_id "
                                "and client_secret, or set confirm=off to trust the secret address alone.")

    def secret_problem(self, value: str) -> str | None:
        return "Use at least 16 characters: the address is all that stands between a stranger and a credential." if len(value) < 16 else None

    def secret_generate(self) -> str:
        return secrets.token_urlsafe(32)

    def request_authenticate(self, *, source, request):
        keys = [key for key in (source.signing_secret, source.signing_secret_next) if key]
        if not request.path_token:
            raise AuthenticationFailed("This source receives at its secret address only (…/events/<secret>).")
        if not any(digest_matches(key, request.path_token) for key in keys):
            raise AuthenticationFailed("The address's secret is not this source's.")

    def request_events(self, *, source, request, verified):
        try:
            envelope = json_parse(request.body)
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            return [IncomingEvent(external_id=derived_event_id("kajabi-unreadable", hashlib.sha256(request.body).hexdigest()), body=request.body)]
        # The hook has no completion time: the time Laurel received it is kept with the body.
        body = json_body({**envelope, RECEIVED_AT: datetime.now(timezone.utc).isoformat(timespec="seconds")})
        event_id = envelope.get("id")
        if not isinstance(event_id, (str, int)) or not str(event_id).strip():
            event_id = derived_event_id("kajabi", hashlib.sha256(request.body).hexdigest())
        return [IncomingEvent(external_id=str(event_id)[:300], body=body)]

    def adapt(self, payload):
        candidate = CandidateCompletion(paths={"email": "payload[type=contacts].attributes.email", "name": "payload[type=contacts].attributes.name",
                                               "course": "payload[type=contact_tags].id", "learner_id": "payload[type=contacts].id",
                                               "completed_at": f"{RECEIVED_AT} (the hook sends no time)"})
        if not isinstance(payload, dict):
            return candidate, [FieldError("body", "The body must be Kajabi's hook envelope, a JSON object.", "body_not_object")]
        if payload.get("event") != EVENT:
            raise NotACompletion(f"event is {payload.get('event')!r}, not {EVENT!r}.")
        resources = payload.get("payload") if isinstance(payload.get("payload"), list) else []
        contact = next((r for r in resources if isinstance(r, dict) and r.get("type") == "contacts"), None)
        tag = next((r for r in resources if isinstance(r, dict) and r.get("type") == "contact_tags"), None)
        errors = [FieldError(path, message, code) for path, found, message, code in (
            ("payload[type=contacts]", contact, "The hook carries no contacts resource.", "contact_missing"),
            ("payload[type=contact_tags]", tag, "The hook carries no contact_tags resource.", "tag_missing"),
        ) if found is None]
        if errors:
            return candidate, errors
        attributes = contact.get("attributes") or {}
        candidate.email, candidate.name, candidate.learner_id = attributes.get("email"), attributes.get("name"), contact.get("id")
        candidate.course = tag.get("id")
        candidate.completed_at = payload.get(RECEIVED_AT)
        candidate.extra = {"tag": (tag.get("attributes") or {}).get("name"), "external_user_id": attributes.get("external_user_id")}
        return candidate, []

    def enrich(self, *, source, candidate, payload) -> None:
        """The confirmation: Kajabi's API must show the contact holding the tag, or nothing is issued."""
        if source_setting(source, "confirm", "on") != "on":
            return
        api = (source_setting(source, "api_url") or API_URL).rstrip("/")
        token = kajabi_api_call("POST", f"{api}/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": source_setting(source, "client_id"),
                                                             "client_secret": source_setting(source, "client_secret")}).get("access_token")
        contact = kajabi_api_call("GET", f"{api}/v1/contacts/{candidate.learner_id}", params={"include": "tags"},
                        headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.api+json"})
        tags = ((((contact.get("data") or {}).get("relationships") or {}).get("tags") or {}).get("data")) or []
        tags += [r for r in contact.get("included") or [] if isinstance(r, dict) and r.get("type") == "contact_tags"]
        if not any(isinstance(t, dict) and str(t.get("id")) == str(candidate.course) for t in tags):
            raise EnrichmentFailed(f"Kajabi's API does not show contact {candidate.learner_id} holding tag {candidate.course}: the hook is "
                                   "not confirmed, so nothing is issued.", code="kajabi_tag_not_confirmed", field="payload[type=contact_tags].id")


def kajabi_api_call(method: str, url: str, *, accept=(200,), expect_body: bool = True, missing: str = "", **kwargs) -> dict:
    """Kajabi's answer as an object, or EnrichmentFailed classified (transient for 429, 5xx and no answer)."""
    try:
        response = guarded_request(method, url, **kwargs)
    except TargetRefused as exc:
        raise EnrichmentFailed(f"Laurel may not call Kajabi's API: {exc}", code="kajabi_address_refused") from None
    except OutboundRequestError as exc:
        raise EnrichmentFailed(f"Kajabi's API did not answer: {exc}", code="kajabi_unavailable", transient=True) from None
    if response.status == 429 or response.status >= 500:
        raise EnrichmentFailed(f"Kajabi's API answered HTTP {response.status}.", code="kajabi_unavailable", transient=True)
    if response.status in (400, 401, 403):
        raise EnrichmentFailed(f"Kajabi refused Laurel's API key (HTTP {response.status}); check client_id and client_secret.",
                               code="kajabi_credentials")
    if response.status == 404:
        raise EnrichmentFailed(missing or "Kajabi's API knows no such contact: the hook is not confirmed.", code="kajabi_tag_not_confirmed")
    if response.status in accept and not expect_body:
        return {}
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if response.status not in accept or not isinstance(answer, dict):
        raise EnrichmentFailed(f"Kajabi's API answered HTTP {response.status} without a JSON object.", code="kajabi_bad_response")
    return answer
