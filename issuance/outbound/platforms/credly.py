"""Credly (Web Service API v1): issue a badge on the mapped template, find it again, revoke it.

Facts marked unconfirmed in the reference are settings: `auth_style` (the token as Basic-auth
user with an empty password, `colon`, or followed by `|`, `pipe`).
"""

import base64
from datetime import datetime

from ..connectors.setting_checks import choice_setting, rate_limit_setting, url_check
from ..connectors.base import HOURS_OF_RETRIES, ISSUED, REVOKED, Connector, DeliveryRequest, Outcome, OutboundError, Setting, connector_register
from ..connectors.http import base_join, outbound_call, response_json, response_not_found, response_summary

PRODUCTION = "https://api.credly.com/v1"


def _headers(request_settings: dict, secret: str) -> dict:
    separator = "|" if request_settings.get("auth_style") == "pipe" else ":"
    token = base64.b64encode(f"{secret}{separator}".encode()).decode("ascii")
    return {"Authorization": f"Basic {token}", "Accept": "application/json"}


def _badges_url(settings: dict) -> str:
    return base_join(settings["base_url"], f"organizations/{settings['organization_id']}/badges")


def _outcome(badge: dict, summary: str) -> Outcome:
    return Outcome(summary=f"{summary} (state {badge.get('state', '?')}).", remote_id=str(badge["id"]),
                   remote_url=badge.get("badge_url") or "")


@connector_register
class Credly(Connector):
    kind, label, secret_label = "credly", "Credly", "the organisation's authorization token"
    needs_mapping = True
    actions = {ISSUED, REVOKED}
    # Retries over about 7 hours, then the delivery fails and staff are told; the connection stays enabled.
    retry_delays, disable_after = HOURS_OF_RETRIES, None
    settings = {
        "base_url": Setting(default=PRODUCTION, check=url_check, label="API root", help="the API root including /v1"),
        "organization_id": Setting(required=True, help="the Credly organisation's id"),
        "auth_style": choice_setting("colon", "pipe", default="colon",
                                     help="how the token is sent as Basic auth: token: (colon) or token| (pipe); unconfirmed"),
        "rate_limit": rate_limit_setting(),
    }

    def perform(self, request: DeliveryRequest) -> Outcome:
        if request.action == REVOKED:
            return self._revoke(request)
        if request.uncertain:
            found = self._find(request)
            if found is not None:
                return _outcome(found, "Found the badge an earlier attempt created")
        return self._issue(request)

    def _issue(self, request: DeliveryRequest) -> Outcome:
        data = request.payload["data"]
        valid_until = data["valid_until"]
        body = {
            "recipient_email": data["learner"]["email"], "badge_template_id": request.remote_template,
            "issued_to_first_name": data["learner"]["first_name"], "issued_to_last_name": data["learner"]["last_name"],
            "issued_at": datetime.fromisoformat(data["issued_at"]).strftime("%Y-%m-%d %H:%M:%S %z"),
            "issuer_earner_id": data["learner"]["id"], "suppress_badge_notification_email": True,
            "expires_at": datetime.fromisoformat(valid_until).strftime("%Y-%m-%d %H:%M:%S %z") if valid_until else False,
        }
        response = outbound_call(request, "POST", _badges_url(request.settings), json=body, accept=(422,),
                                 headers=_headers(request.settings, request.secret))
        if response.status == 422:  # a duplicate: the earner already holds this template; adopt it if it is ours
            found = self._find(request)
            if found is None:
                raise OutboundError(f"Credly refused the badge (422): {response_summary(response, limit=500)}", permanent=True)
            return _outcome(found, "Credly already held this badge (422 duplicate); adopted it")
        return _outcome(response_json(response, method="POST", url=_badges_url(request.settings))["data"], "Issued on Credly")

    def _find(self, request: DeliveryRequest) -> dict | None:
        data = request.payload["data"]
        filter_ = f"recipient_email_all::{data['learner']['email']}|badge_template_id::{request.remote_template}"
        url = _badges_url(request.settings)
        response = outbound_call(request, "GET", url, params={"filter": filter_}, headers=_headers(request.settings, request.secret))
        badges = [badge for badge in response_json(response, method="GET", url=url).get("data", []) if badge.get("state") != "revoked"]
        return badges[0] if badges else None

    def _revoke(self, request: DeliveryRequest) -> Outcome:
        url = _badges_url(request.settings) + f"/{request.remote_id}/revoke"
        reason = request.payload["data"]["reason"] or "Revoked by the issuer."
        response = outbound_call(request, "PUT", url, json={"reason": reason, "suppress_revoke_notification_email": True},
                                 headers=_headers(request.settings, request.secret))
        return Outcome(summary=f"Revoked on Credly: {response.status}.", remote_id=request.remote_id)

    def test(self, *, settings: dict, secret: str) -> str:
        url = base_join(settings["base_url"], f"organizations/{settings['organization_id']}/authorization_tokens")
        response = outbound_call(None, "GET", url, headers=_headers(settings, secret))
        return f"Credly answered {response.status}; the token can read organisation {settings['organization_id']}."

    def mappings_check(self, *, settings: dict, secret: str, mappings: dict[str, str]) -> list[str]:
        """Each mapped badge template exists in the organisation: Credly says so otherwise only at the first award (422).

        An HTML page on the look-up (a proxy, a wrong base_url) fails the test with its status and title.
        """
        problems = []
        for achievement, template_id in mappings.items():
            url = base_join(settings["base_url"], f"organizations/{settings['organization_id']}/badge_templates/{template_id}")
            response = outbound_call(None, "GET", url, accept=(404,), headers=_headers(settings, secret))
            if response_not_found(response, method="GET", url=url):
                problems.append(f"{achievement} → badge template {template_id!r}: not found in Credly organisation "
                                f"{settings['organization_id']!r}.")
                continue
            response_json(response, method="GET", url=url)
        return problems
