"""Accredible (API v1, and v2's bulk create): a credential in the mapped group, with our credential id as its id;
withdraw; correct a name.

In a burst, up to `bulk` issue deliveries of one connection go in one call to v2's bulk create
(at most 30 a call, as Accredible documents), which answers 207 Multi-Status with each
credential's own result; a credential it refused is sent again on its own, so its neighbours
never fail with it. That the results come back in the order sent is not documented: each is
matched by position and its recipient's email checked, and one that does not match is looked up
by our id before it is made again.

Accredible has no revoke endpoint. How a revocation withdraws the credential is the `withdraw`
setting: `delete` (default) removes it, `expire` sets its expiry date to today (unconfirmed which
the provider prefers; both are documented calls).
"""

from datetime import date, datetime

from ..connectors.setting_checks import choice_setting, rate_limit_setting, url_check
from ..connectors.base import (
    HOURS_OF_RETRIES, ISSUED, REVOKED, UPDATED, Connector, DeliveryRequest, Outcome, OutboundError, Setting,
    connector_register,
)
from ..connectors.http import base_join, outbound_call, response_json, response_not_found, response_summary

PRODUCTION = "https://api.accredible.com"
WINDOW = 30  # seconds: Accredible counts its rate limit in 30 s windows; a 429 without Retry-After waits one
BULK_MAX = 30  # credentials per v2 bulk create call, as documented
BULK_PATH = "v2/credentials/bulk_create"


def bulk_check(value: str) -> None:
    if not (value.strip().isdigit() and 1 <= int(value) <= BULK_MAX):
        raise ValueError(f"must be a whole number from 1 (no bulk calls) to {BULK_MAX}, not {value!r}")


def _headers(secret: str) -> dict:
    return {"Authorization": f"Token token={secret}", "Accept": "application/json"}


def _call(request, method: str, path: str, *, settings: dict | None = None, secret: str | None = None, **kwargs):
    """One call; with `accept=(404,)` a 404 comes back only when it is Accredible's own "Doesn't exist", not a page."""
    settings = request.settings if settings is None else settings
    url = base_join(settings["base_url"], path)
    try:
        response = outbound_call(request, method, url, headers=_headers(request.secret if secret is None else secret), **kwargs)
        response_not_found(response, method=method, url=url)
        return response
    except OutboundError as exc:
        if "answered 429" in str(exc) and exc.retry_after is None:
            exc.retry_after = WINDOW
        raise


def _json(response, method: str, path: str, settings: dict):
    return response_json(response, method=method, url=base_join(settings["base_url"], path))


def _outcome(credential: dict, summary: str) -> Outcome:
    return Outcome(summary=summary, remote_id=str(credential["id"]), remote_url=credential.get("url") or "")


@connector_register
class Accredible(Connector):
    kind, label, secret_label = "accredible", "Accredible", "the API key"
    needs_mapping = True
    actions = {ISSUED, REVOKED, UPDATED}
    # Retries over about 7 hours, then the delivery fails and staff are told; the connection stays enabled.
    retry_delays, disable_after = HOURS_OF_RETRIES, None
    rate_limit_default = (2000, 300)  # "2000 requests / 5 min per IP", counted in 30 s windows (docs/integrations/accredible.md)
    settings = {
        "base_url": Setting(default=PRODUCTION, check=url_check, help="the API origin; Laurel adds /v1/…"),
        "withdraw": choice_setting("delete", "expire", default="delete",
                                   help="how a revocation withdraws: delete the credential, or expire it today (unconfirmed)"),
        "rate_limit": rate_limit_setting("Accredible's documented 2000/300 (2,000 calls per 5 minutes)"),
        "bulk": Setting(default=str(BULK_MAX), check=bulk_check,
                        help=f"credentials per call in a burst, through v2's bulk create (1 to {BULK_MAX}; 1: one call each)"),
    }

    def batch_limit(self, settings: dict) -> int:
        return int(settings.get("bulk") or BULK_MAX)

    def perform_batch(self, requests: list[DeliveryRequest]) -> list[Outcome | OutboundError]:
        first = requests[0]
        bodies = [self._body(request) for request in requests]
        response = _call(first, "POST", BULK_PATH, json={"credentials": bodies}, ok=(200, 207), accept=(422,))
        answer = _json(response, "POST", BULK_PATH, first.settings)
        results = answer.get("results") if isinstance(answer, dict) else None
        if not isinstance(results, list):
            raise OutboundError(f"POST /{BULK_PATH} answered {response.status} without a results list: "
                                f"{response_summary(response, limit=300)}", permanent=False, outcome_unknown=True)
        return [self._bulk_result(body, results[index] if index < len(results) else None, status=response.status)
                for index, body in enumerate(bodies)]

    @staticmethod
    def _bulk_result(body: dict, result, *, status: int) -> Outcome | OutboundError:
        if not isinstance(result, dict):  # fewer results than credentials sent: whether it was made is unknown
            return OutboundError(f"Accredible's bulk create ({status}) gave no result for this credential; "
                                 "it is looked up by its id before it is sent again.", permanent=False, outcome_unknown=True)
        credential, errors = result.get("credential"), result.get("errors")
        if isinstance(credential, dict) and "id" in credential:
            email = (credential.get("recipient") or {}).get("email")
            if email is not None and str(email).lower() != body["recipient"]["email"].lower():
                return OutboundError("Accredible's bulk create answered this place with another recipient's credential; "
                                     "it is looked up by its id before it is sent again.", permanent=False, outcome_unknown=True)
            note = ""
            if isinstance(errors, dict) and errors.get("code"):
                note = f" Accredible noted: {str(errors.get('message') or errors['code']).rstrip('.')} ({errors['code']})."
            return _outcome(credential, f"Issued on Accredible in a bulk call (HTTP {status}).{note}")
        # Refused: sent on its own at its first retry (a retry never goes in bulk), which adopts a duplicate
        # made by an earlier attempt or fails saying exactly what was wrong.
        detail = errors if isinstance(errors, dict) else {}
        why = "; ".join(str(d.get("property", "")) + " " + str(d.get("message", "")) for d in detail.get("details") or []
                        if isinstance(d, dict))
        return OutboundError(f"Accredible's bulk create refused it ({detail.get('code') or status}: "
                             f"{detail.get('message') or 'no reason given'}{'; ' + why if why else ''}); it is sent on its own next.",
                             permanent=False)

    def _body(self, request: DeliveryRequest) -> dict:
        data = request.payload["data"]
        return {
            "group_id": int(request.remote_template) if request.remote_template.isdigit() else request.remote_template,
            "id": data["credential_id"],
            "recipient": {"name": data["learner"]["name"], "email": data["learner"]["email"], "id": data["learner"]["id"]},
            "issued_on": datetime.fromisoformat(data["issued_at"]).date().isoformat(),
            "expired_on": datetime.fromisoformat(data["valid_until"]).date().isoformat() if data["valid_until"] else None,
            "approve": True,
            "evidence_items": [{"description": "Grade", "category": "grade", "string_object": {"grade": data["score"]}}]
            if data["score"] else [],
            "meta_data": {"laurel_credential_url": data["credential_url"], "course_code": data["course"]["code"]},
        }

    def perform(self, request: DeliveryRequest) -> Outcome:
        data = request.payload["data"]
        if request.action == REVOKED:
            return self._withdraw(request)
        if request.action == UPDATED:
            body = {"credential": {"recipient": {"name": data["learner"]["name"]}}}
            path = f"v1/credentials/{request.remote_id}"
            response = _call(request, "PUT", path, json=body)
            return _outcome(_json(response, "PUT", path, request.settings)["credential"], "Name updated on Accredible.")
        if request.uncertain:
            found = self._find(request)
            if found is not None:
                return _outcome(found, "Found the credential an earlier attempt created.")
        body = {"credential": self._body(request)}
        response = _call(request, "POST", "v1/credentials", json=body, accept=(422,))
        if response.status == 422:
            found = self._find(request)  # our id is taken: an earlier attempt made it
            if found is None:
                raise OutboundError(f"Accredible refused the credential (422): {response_summary(response, limit=500)}", permanent=True)
            return _outcome(found, "Accredible already held this credential; adopted it.")
        return _outcome(_json(response, "POST", "v1/credentials", request.settings)["credential"], "Issued on Accredible.")

    def _find(self, request: DeliveryRequest) -> dict | None:
        """Look the credential up by our own credential id, which it was created with."""
        path = f"v1/credentials/{request.payload['data']['credential_id']}"
        response = _call(request, "GET", path, accept=(404,))
        return None if response.status == 404 else _json(response, "GET", path, request.settings).get("credential")

    def _withdraw(self, request: DeliveryRequest) -> Outcome:
        path = f"v1/credentials/{request.remote_id}"
        if request.settings.get("withdraw") == "expire":
            _call(request, "PUT", path, json={"credential": {"expired_on": date.today().isoformat()}})
            return Outcome(summary="Expired today on Accredible (withdraw = expire).", remote_id=request.remote_id)
        response = _call(request, "DELETE", path, accept=(404,))
        gone = " (it was already gone)" if response.status == 404 else ""
        return Outcome(summary=f"Deleted on Accredible{gone}.", remote_id=request.remote_id)

    def test(self, *, settings: dict, secret: str) -> str:
        response = _call(None, "GET", "v1/issuer/details", settings=settings, secret=secret)
        issuer = _json(response, "GET", "v1/issuer/details", settings).get("issuer", {})
        return f"the API key belongs to issuer {issuer.get('name', '?')!r}."

    def mappings_check(self, *, settings: dict, secret: str, mappings: dict[str, str]) -> list[str]:
        """Each mapped group exists for this API key: Accredible says so otherwise only at the first award (422 "Invalid Group").

        An HTML page on the look-up (a proxy, a base_url that points at the website) fails the test with its status and title.
        """
        problems = []
        for achievement, group_id in mappings.items():
            path = f"v1/issuer/groups/{group_id}"
            response = _call(None, "GET", path, settings=settings, secret=secret, accept=(404,))
            if response.status == 404:
                problems.append(f"{achievement} → group {group_id!r}: not found on Accredible for this API key.")
                continue
            _json(response, "GET", path, settings)
        return problems
