"""POST /api/v1/sources/<slug>/events: authenticate, store, answer. Everything else runs in the worker."""

import logging

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ...intake.body import BodyRefused, webhook_body_read
from ...intake.ratelimit import source_rate_limit_exceeded
from ...intake.receive import request_headers_kept, webhook_event_store
from ...intake.signatures import SignatureError, SignedHeaders, signature_verify
from ...intake.source_cache import webhook_source_get
from .schema import GENERIC_EXAMPLE, GenericCompletionSerializer, WebhookReplySerializer

logger = logging.getLogger(__name__)


def _reply(http_status: int, detail: str, **fields) -> Response:
    return Response({**fields, "detail": detail}, status=http_status)


def _is_json_content_type(value: str) -> bool:
    media_type = value.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


_header = OpenApiParameter
SIGNATURE_HEADERS = [
    _header("webhook-id", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
            description="Unique per event and stable across retries: the idempotency key."),
    _header("webhook-timestamp", OpenApiTypes.INT, OpenApiParameter.HEADER, required=True,
            description="Unix seconds of this attempt; refused if more than 5 minutes from our clock."),
    _header("webhook-signature", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True,
            description='Space-separated "v1,<base64 HMAC-SHA256 of id.timestamp.body>" entries.'),
]


class JsonOnlyNegotiation(BaseContentNegotiation):
    """Always JSON: a sender's Accept header chooses nothing here, and parsing it was 5 % of a request."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class SourceEventsWebhook(APIView):
    """Receives completion events from one source, signed with Standard Webhooks."""

    authentication_classes = []  # authenticity comes from the signature, not a session or token
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        operation_id="source_events_receive",
        summary="Receive a completion event (generic dialect)",
        description=(
            "Signed with Standard Webhooks using the source's `whsec_…` secret. The body is stored "
            "as received before anything is parsed; validation runs in the worker. The same "
            "`webhook-id` sent again is answered 200 `duplicate` and changes nothing."
        ),
        parameters=SIGNATURE_HEADERS,
        request=GenericCompletionSerializer,
        examples=[OpenApiExample("Course completed", value=GENERIC_EXAMPLE, request_only=True)],
        responses={
            202: OpenApiResponse(WebhookReplySerializer, description="Stored; work queued."),
            200: OpenApiResponse(WebhookReplySerializer, description="This webhook-id was already received."),
            400: OpenApiResponse(
                WebhookReplySerializer,
                description="Signed, but not usable JSON (not JSON, nested over 32 levels, or text that cannot be stored): stored and parked.",
            ),
            401: OpenApiResponse(WebhookReplySerializer, description="Missing or invalid signature, or stale timestamp."),
            404: OpenApiResponse(WebhookReplySerializer, description="Unknown or inactive source."),
            411: OpenApiResponse(WebhookReplySerializer, description="Chunked body this server cannot read; send Content-Length."),
            413: OpenApiResponse(WebhookReplySerializer, description="Body over 256 KiB."),
            415: OpenApiResponse(WebhookReplySerializer, description="Content-Type is not JSON."),
            429: OpenApiResponse(WebhookReplySerializer, description="Over the source's rate limit; see Retry-After."),
        },
        tags=["webhooks"],
    )
    def post(self, request, slug: str):
        source = webhook_source_get(slug=slug)
        if source is None:
            return _reply(404, f"No active source {slug!r}.")
        if not _is_json_content_type(request.META.get("CONTENT_TYPE", "")):
            return _reply(415, "Send the event as Content-Type: application/json.")
        try:
            body = webhook_body_read(request)
        except BodyRefused as refused:
            return _reply(refused.status, refused.detail)
        meta = request.META
        headers = SignedHeaders(
            message_id=meta.get("HTTP_WEBHOOK_ID", "").strip(),
            timestamp=meta.get("HTTP_WEBHOOK_TIMESTAMP", "").strip(),
            signature=meta.get("HTTP_WEBHOOK_SIGNATURE", ""),
        )
        secrets = [secret for secret in (source.signing_secret, source.signing_secret_next) if secret]
        try:
            signature_verify(secrets=secrets, headers=headers, body=body)
        except SignatureError as exc:
            logger.info("webhook %s refused: %s", source.slug, exc)  # never the body
            return _reply(401, str(exc))
        if len(headers.message_id) > 300:
            return _reply(400, "webhook-id is longer than 300 characters.")
        retry_after = source_rate_limit_exceeded(source=source)
        if retry_after is not None:
            response = _reply(429, f"Source {slug!r} is over {source.rate_limit_per_minute} events a minute.")
            response["Retry-After"] = str(retry_after)
            return response
        event, outcome = webhook_event_store(
            source=source, message_id=headers.message_id, headers=request_headers_kept(meta), body=body
        )
        if outcome == "duplicate":
            return _reply(200, "This webhook-id was already received; nothing new happens.", event=str(event.pk), status="duplicate")
        if outcome == "parked":
            return _reply(
                400,
                f"{event.errors[0]['message']} It was stored and is in the exception queue.",
                event=str(event.pk),
                status="parked",
            )
        return _reply(202, "Stored; it will be validated and processed shortly.", event=str(event.pk), status="accepted")
