"""Senders that sign with Standard Webhooks (the generic dialect, the LearnDash plugin)."""

import base64
import secrets

from .signatures import SECRET_PREFIX, SignatureError, SignedHeaders, secret_key, signature_verify
from .base import AuthenticationFailed, Dialect, IncomingEvent, RequestRefused


class StandardWebhooksDialect(Dialect):
    secret_help = "the whsec_… Standard Webhooks secret the sender signs with"

    def secret_problem(self, value: str) -> str | None:
        if not value.startswith(SECRET_PREFIX):
            return "A Standard Webhooks secret starts with whsec_."
        try:
            secret_key(value)
        except ValueError as exc:
            return str(exc)
        return None

    def secret_generate(self) -> str:
        return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")

    def request_authenticate(self, *, source, request):
        headers = SignedHeaders(
            message_id=request.header("webhook-id"),
            timestamp=request.header("webhook-timestamp"),
            signature=str(request.meta.get("HTTP_WEBHOOK_SIGNATURE", "")),
        )
        keys = [secret for secret in (source.signing_secret, source.signing_secret_next) if secret]
        try:
            signature_verify(secrets=keys, headers=headers, body=request.body)
        except SignatureError as exc:
            raise AuthenticationFailed(str(exc)) from None
        if len(headers.message_id) > 300:
            raise RequestRefused("webhook-id is longer than 300 characters.")
        return headers

    def request_events(self, *, source, request, verified):
        return [IncomingEvent(external_id=verified.message_id, body=request.body)]

    def reply(self, *, stored, request):
        status, body = super().reply(stored=stored, request=request)
        if body.get("status") == "duplicate":
            body["detail"] = "This webhook-id was already received; nothing new happens."
        return status, body
