"""Salesforce: an OAuth2 client-credentials token, then an upsert of a credential record by its external id.

The record's external id is our credential id, so every action (issue, revoke, suspend, correct)
is the same idempotent upsert: a retry after a lost answer updates instead of creating twice.
The record is linked to the contact by the configured external-id field (default Email).
"""

import hashlib
import threading
import time
from urllib.parse import quote

from ..connectors.setting_checks import pairs_parse, rate_limit_setting, url_check
from ..connectors.base import HOURS_OF_RETRIES, ISSUED, REINSTATED, REVOKED, SUSPENDED, UPDATED, CRM, Connector, Outcome, OutboundError, Setting, connector_register
from ..connectors.http import base_join, outbound_call, response_summary
from .hubspot import FIELDS, credential_fields

_tokens: dict[tuple, tuple[str, str, float]] = {}
_lock = threading.Lock()
TOKEN_LIFETIME = 15 * 60  # client-credentials answers carry no expiry; a 401 also fetches a new one


def api_version_check(value: str) -> None:
    if not (value.startswith("v") and value[1:].replace(".", "", 1).isdigit()):
        raise ValueError(f"must look like v60.0, not {value!r}")


def fields_check(value: str) -> None:
    unknown = sorted(set(pairs_parse(value).values()) - FIELDS)
    if unknown:
        raise ValueError(f"maps to unknown fields {', '.join(unknown)}; the fields are {', '.join(sorted(FIELDS))}")


def _token(request, settings: dict, secret: str, *, stale: str = "") -> tuple[str, str]:
    key = (settings["base_url"], settings["client_id"], hashlib.sha256(secret.encode()).hexdigest())
    with _lock:
        cached = _tokens.get(key)
    if cached and cached[0] != stale and cached[2] > time.monotonic():
        return cached[0], cached[1]
    form = {"grant_type": "client_credentials", "client_id": settings["client_id"], "client_secret": secret}
    response = outbound_call(request, "POST", base_join(settings["base_url"], "services/oauth2/token"), data=form, accept=(400, 401))
    if response.status != 200:
        raise OutboundError(f"Salesforce refused the client id or secret ({response.status}): {response_summary(response, limit=300)}", permanent=True)
    answer = response.json()
    entry = (answer["access_token"], answer.get("instance_url") or settings["base_url"], time.monotonic() + TOKEN_LIFETIME)
    with _lock:
        _tokens[key] = entry
    return entry[0], entry[1]


def _call(request, settings: dict, secret: str, method: str, path: str, **kwargs):
    token, instance = _token(request, settings, secret)
    response = outbound_call(request, method, base_join(instance, path), headers={"Authorization": f"Bearer {token}"},
                             ok=(200, 201, 204), accept=(401,), **kwargs)
    if response.status == 401:
        token, instance = _token(request, settings, secret, stale=token)
        response = outbound_call(request, method, base_join(instance, path), headers={"Authorization": f"Bearer {token}"},
                                 ok=(200, 201, 204), **kwargs)
    return response


@connector_register
class Salesforce(Connector):
    kind, label, secret_label = "salesforce", "Salesforce", "the connected app's client secret"
    stage = CRM
    actions = {ISSUED, REVOKED, SUSPENDED, REINSTATED, UPDATED}
    # Retries over about 7 hours, then the delivery fails and staff are told; the connection stays enabled.
    retry_delays, disable_after = HOURS_OF_RETRIES, None
    settings = {
        "base_url": Setting(required=True, check=url_check, help="the My Domain URL, e.g. https://acme.my.salesforce.com"),
        "client_id": Setting(required=True, help="the connected app's consumer key"),
        "object": Setting(default="Credential__c", help="the object credentials are upserted into"),
        "external_id_field": Setting(default="External_Id__c", help="its external-id field, holding our credential id"),
        "contact_external_id_field": Setting(default="Email", help="the Contact field that finds the learner"),
        "contact_relationship": Setting(default="Contact__r", help="the object's relationship to Contact"),
        "fields": Setting(default="Name=achievement,Issued_On__c=issued_on,Verify_URL__c=credential_url,Status__c=status",
                          check=fields_check, pairs=tuple(sorted(FIELDS)), label="Record fields",
                          help="fields written, as salesforce_field=laurel_field pairs"),
        "rate_limit": rate_limit_setting(),
        "api_version": Setting(default="v60.0", check=api_version_check, help="the REST API version"),
    }

    def perform(self, request) -> Outcome:
        s, data = request.settings, request.payload["data"]
        values = credential_fields(data)
        body = {name: values[field] for name, field in pairs_parse(s["fields"]).items()}
        body[s["contact_relationship"]] = {s["contact_external_id_field"]: data["learner"]["email"]}
        path = f"services/data/{s['api_version']}/sobjects/{s['object']}/{s['external_id_field']}/{quote(data['credential_id'])}"
        response = _call(request, s, request.secret, "PATCH", path, json=body)
        answer = response.json() if response.body else {}
        if answer.get("success") is False:
            raise OutboundError(f"Salesforce refused the record: {answer.get('errors')}", permanent=True)
        verb = "created" if response.status == 201 else "updated"
        return Outcome(summary=f"{s['object']} {answer.get('id', data['credential_id'])} {verb} ({response.status}).",
                       remote_id=str(answer.get("id", request.remote_id)))

    def test(self, *, settings: dict, secret: str) -> str:
        response = _call(None, settings, secret, "GET", f"services/data/{settings['api_version']}/sobjects/{settings['object']}/describe")
        return f"signed in; {settings['object']} exists ({len(response.json().get('fields', []))} fields)."
