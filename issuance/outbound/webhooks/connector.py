"""A subscriber's URL receives the events it chose, signed with Standard Webhooks.

The body is frozen on the delivery row when the event happens, so every retry sends the same
bytes under the same `webhook-id` (the delivery's idempotency key), as the spec asks; only
`webhook-timestamp` and the signature are those of the attempt.
"""

import base64
import binascii
import json
from datetime import datetime, timedelta, timezone

from standardwebhooks import Webhook

from ..connectors.setting_checks import rate_limit_setting, url_check
from ..connectors.base import (
    ACTIONS, WEBHOOK, Connector, DeliveryRequest, Outcome, OutboundError, Setting, connector_register,
)
from ...outgoing.http import retry_after_seconds
from ..connectors.http import outbound_call, response_summary

EVENTS = [action for action in ACTIONS if action != "credential.updated"]


def events_check(value: str) -> None:
    unknown = [event.strip() for event in value.split(",") if event.strip() and event.strip() not in EVENTS]
    if unknown:
        raise ValueError(f"names unknown events {', '.join(unknown)}; the events are {', '.join(EVENTS)}")


def secret_check(value: str) -> None:
    try:
        key = base64.b64decode(value.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if not value.startswith("whsec_") or not 24 <= len(key) <= 64:
        raise ValueError("must be whsec_ followed by the base64 of 24 to 64 random bytes")


def webhook_body(payload: dict) -> str:
    return json.dumps({"type": payload["type"], "timestamp": payload["timestamp"], "data": payload["data"]},
                      separators=(",", ":"), ensure_ascii=False)


def webhook_headers(*, secret: str, message_id: str, body: str, at: datetime | None = None) -> dict:
    at = (at or datetime.now(timezone.utc)).replace(microsecond=0)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(at.timestamp())),
            "webhook-signature": Webhook(secret).sign(message_id, at, body), "content-type": "application/json"}


@connector_register
class WebhookSubscription(Connector):
    kind, label, secret_label = "webhook", "Webhook", "the whsec_ signing secret"
    stage = WEBHOOK
    actions = set(EVENTS)
    # Standard Webhooks' example schedule, about three days in all; an endpoint failing that long, or
    # answering 410 Gone, is disabled, and staff are told.
    retry_delays = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                    timedelta(hours=5), timedelta(hours=10), timedelta(hours=14), timedelta(hours=20), timedelta(hours=24))
    disable_after = timedelta(days=3)
    settings = {
        "url": Setting(required=True, check=url_check, help="the subscriber's https:// endpoint"),
        "events": Setting(default="", check=events_check, choices=tuple(EVENTS), many=True,
                          help="comma-separated event types; empty means all"),
        "rate_limit": rate_limit_setting(),
    }
    secret_check = staticmethod(secret_check)

    def perform(self, request: DeliveryRequest) -> Outcome:
        body = webhook_body(request.payload)
        # Standard Webhooks ids must not contain '.'; the key never does (outbound:<pk>:<event>:<uuid>), but the event does.
        message_id = "msg_" + request.idempotency_key.replace("outbound:", "").replace(".", "_").replace(":", "_")
        headers = webhook_headers(secret=request.secret, message_id=message_id, body=body)
        response = outbound_call(request, "POST", request.settings["url"], data=body.encode("utf-8"), headers=headers,
                                 ok=range(200, 300), accept=range(300, 600))
        if 200 <= response.status < 300:
            return Outcome(summary=f"{request.settings['url']} answered {response.status}.", remote_id=message_id)
        # Any other answer is a failure to retry on the schedule (a 3xx is not a redirect to follow, as the
        # spec says), except 410 Gone, which disables the subscription at once.
        detail = f"{request.settings['url']} answered {response.status}: {response_summary(response, limit=300)}"
        raise OutboundError(detail, permanent=response.status == 410, gone=response.status == 410,
                            retry_after=retry_after_seconds(response.headers.get("retry-after")))

    def test(self, *, settings: dict, secret: str) -> str:
        payload = {"type": "webhook.test", "timestamp": datetime.now(timezone.utc).isoformat(), "data": {"test": True}}
        body = webhook_body(payload)
        headers = webhook_headers(secret=secret, message_id=f"msg_test_{int(datetime.now().timestamp())}", body=body)
        response = outbound_call(None, "POST", settings["url"], data=body.encode("utf-8"), headers=headers, ok=range(200, 300))
        return f"{settings['url']} answered {response.status} to a webhook.test event."
