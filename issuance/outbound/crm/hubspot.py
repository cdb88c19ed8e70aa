"""HubSpot (CRM v3): upsert the learner's contact by email (batch upsert), then a note on its timeline.

Private apps cannot post custom timeline events, so the credential is told as a note. Which
contact properties are written is the `properties` setting (HubSpot property = Laurel field);
custom properties must exist in the portal first.
"""

from datetime import datetime, timezone

from ..connectors.setting_checks import pairs_parse, rate_limit_setting, url_check
from ..connectors.base import (
    HOURS_OF_RETRIES, ISSUED, REINSTATED, REVOKED, SUSPENDED, UPDATED, CRM, Connector, DeliveryRequest, Outcome, OutboundError, Setting,
    connector_register,
)
from ..connectors.http import base_join, outbound_call

PRODUCTION = "https://api.hubapi.com"
NOTE_TO_CONTACT = 202  # HubSpot-defined association type: note → contact
FIELDS = {"first_name", "last_name", "name", "email", "achievement", "course_code", "course_title", "issued_on",
          "valid_until", "credential_url", "credential_id", "status", "score"}
VERBS = {ISSUED: "Earned", REVOKED: "Revoked", SUSPENDED: "Suspended", REINSTATED: "Reinstated", UPDATED: "Corrected"}


def properties_check(value: str) -> None:
    unknown = sorted(set(pairs_parse(value).values()) - FIELDS)
    if unknown:
        raise ValueError(f"maps to unknown fields {', '.join(unknown)}; the fields are {', '.join(sorted(FIELDS))}")


def credential_fields(data: dict) -> dict:
    return {"first_name": data["learner"]["first_name"], "last_name": data["learner"]["last_name"],
            "name": data["learner"]["name"], "email": data["learner"]["email"], "achievement": data["achievement"]["name"],
            "course_code": data["course"]["code"], "course_title": data["course"]["title"],
            "issued_on": data["issued_at"][:10], "valid_until": (data["valid_until"] or "")[:10],
            "credential_url": data["credential_url"], "credential_id": data["credential_id"], "status": data["status"],
            "score": data["score"] or ""}


def _headers(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}", "Accept": "application/json"}


@connector_register
class HubSpot(Connector):
    kind, label, secret_label = "hubspot", "HubSpot", "the private app's access token"
    stage = CRM
    actions = set(VERBS)
    # Retries over about 7 hours, then the delivery fails and staff are told; the connection stays enabled.
    retry_delays, disable_after = HOURS_OF_RETRIES, None
    settings = {
        "base_url": Setting(default=PRODUCTION, check=url_check, help="the API origin; Laurel adds /crm/v3/…"),
        "properties": Setting(default="firstname=first_name,lastname=last_name", check=properties_check, pairs=tuple(sorted(FIELDS)),
                              label="Contact properties",
                              help="contact properties to write, as hubspot_property=laurel_field pairs"),
        "rate_limit": rate_limit_setting(),
    }

    def perform(self, request: DeliveryRequest) -> Outcome:
        data = request.payload["data"]
        fields = credential_fields(data)
        properties = {prop: fields[field] for prop, field in pairs_parse(request.settings["properties"]).items()}
        upsert = {"inputs": [{"idProperty": "email", "id": data["learner"]["email"], "properties": properties}]}
        base, headers = request.settings["base_url"], _headers(request.secret)
        response = outbound_call(request, "POST", base_join(base, "crm/v3/objects/contacts/batch/upsert"), json=upsert,
                                 headers=headers)
        answer = response.json()
        if answer.get("numErrors") or not answer.get("results"):
            raise OutboundError(f"HubSpot did not upsert the contact: {answer.get('errors')}", permanent=True)
        contact_id = str(answer["results"][0]["id"])
        verb = VERBS[request.action]
        reason = f" Reason: {data['reason']}" if data["reason"] else ""
        note = {
            "properties": {"hs_timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z"),
                           "hs_note_body": f"{verb} {data['achievement']['name']} ({data['course']['code']}) – {data['credential_url']}{reason}"[:65536]},
            "associations": [{"to": {"id": contact_id},
                              "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": NOTE_TO_CONTACT}]}],
        }
        noted = outbound_call(request, "POST", base_join(base, "crm/v3/objects/notes"), json=note, headers=headers).json()
        new = " (new contact)" if answer["results"][0].get("new") else ""
        return Outcome(summary=f"Contact {contact_id}{new} upserted; note {noted.get('id')} added.", remote_id=contact_id)

    def test(self, *, settings: dict, secret: str) -> str:
        response = outbound_call(None, "GET", base_join(settings["base_url"], "crm/v3/objects/contacts"), params={"limit": 1},
                                 headers=_headers(secret))
        return f"HubSpot answered {response.status}; the token can read contacts."
