"""POST /api/v1/sources/<slug>/events (and …/xapi/statements): authenticate, store, answer. The rest runs in the worker."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ...bodies import BodyRefused, webhook_body_read
from ...intake.inbound import source_request_receive
from ...intake.source_cache import webhook_source_get
from ...sources.xapi.cors import cors_headers, cors_refusal
from ...sources.xapi.statements import VERSIONS_SUPPORTED
from .schema import GENERIC_EXAMPLE, GenericCompletionSerializer, WebhookReplySerializer


def _reply(http_status: int, detail: str, **fields) -> Response:
    return Response({**fields, "detail": detail}, status=http_status)


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
    """Receives completion events from one source, authenticated as its dialect says."""

    authentication_classes = []  # authenticity comes from the signature, not a session or token
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        operation_id="source_events_receive",
        summary="Receive a completion event (any dialect but xapi)",
        description=(
            "Authenticated as the source's dialect says: the generic and learndash dialects sign with "
            "Standard Webhooks using the source's `whsec_…` secret (shown below); moodle, canvas, "
            "thinkific and teachable as docs/lms/ describes. The body is stored "
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
            413: OpenApiResponse(WebhookReplySerializer, description="Body over 256 KiB, or more events than the source takes in one request."),
            415: OpenApiResponse(WebhookReplySerializer, description="Content-Type is not JSON."),
            429: OpenApiResponse(WebhookReplySerializer, description="Over the source's rate limit; see Retry-After."),
        },
        tags=["webhooks"],
    )
    def post(self, request, slug: str):
        return _receive(request, slug=slug, path="events")


class SourceSecretEventsWebhook(APIView):
    """Receives a mapped source's events at its secret address, for senders that cannot sign (Jotform, say)."""

    authentication_classes = []  # the secret segment of the address is the authentication
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        operation_id="source_events_receive_at_secret_address",
        summary="Receive a completion event at a secret address (mapped sources with the secret_path scheme)",
        description="The last segment is the source's secret; the body is read as the source's mapping says (docs/lms/mapped.md).",
        request=OpenApiTypes.OBJECT,
        responses={202: WebhookReplySerializer, 200: WebhookReplySerializer, 400: WebhookReplySerializer,
                   401: WebhookReplySerializer, 404: WebhookReplySerializer, 411: WebhookReplySerializer,
                   413: WebhookReplySerializer, 415: WebhookReplySerializer, 429: WebhookReplySerializer,
                   503: WebhookReplySerializer},
        tags=["webhooks"],
    )
    def post(self, request, slug: str, token: str):
        return _receive(request, slug=slug, path="events", path_token=token)


def _receive(request, *, slug: str, path: str, path_token: str = "") -> Response:
    """Every dialect's request: the source's dialect decides the rest (issuance/intake/inbound.py)."""
    source = webhook_source_get(slug=slug)
    if source is None:
        return _reply(404, f"No active source {slug!r}.")
    try:
        body = webhook_body_read(request)
    except BodyRefused as refused:
        return _reply(refused.status, refused.detail)
    reply = source_request_receive(source=source, path=path, body=body, meta=request.META, path_token=path_token)
    return Response(reply.body, status=reply.status, headers=reply.headers)


CONFLICT = ("A statement id this source already holds for another statement (xAPI 1.0.3 Part Three §2.1.1); nothing of "
            "the request was stored. The same statement again is a duplicate, answered as the first time.")


class XapiBrowserAccess:
    """CORS for the xAPI endpoints (issuance/sources/xapi/cors.py): the preflight, and the headers on every answer.

    On every answer, errors and 405s included: a browser hides from the runtime any answer without
    them, so a 401 would reach it only as a network error.
    """

    @extend_schema(exclude=True)
    def options(self, request, slug: str):
        source = webhook_source_get(slug=slug)
        if source is None or source.dialect != "xapi":
            return Response({"detail": f"No active xAPI source {slug!r}."}, status=404)
        origin = request.META.get("HTTP_ORIGIN", "")
        if not origin:  # not a preflight: say what the resource takes
            return Response(status=204, headers={"Allow": ", ".join(self.allowed_methods)})
        headers = cors_headers(source=source, origin=origin, preflight=True)
        if not headers:
            return Response({"detail": cors_refusal(source=source, origin=origin)}, status=403)
        return Response(status=204, headers=headers)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        origin = request.META.get("HTTP_ORIGIN", "")
        if origin and request.method != "OPTIONS":
            source = webhook_source_get(slug=kwargs.get("slug", ""))
            if source is not None and source.dialect == "xapi":
                for name, value in cors_headers(source=source, origin=origin).items():
                    response[name] = value
        return response


class XapiStatementsWebhook(XapiBrowserAccess, APIView):
    """A minimal xAPI LRS statements resource for one source: POST and PUT, as runtimes send them."""

    authentication_classes = []  # HTTP Basic with the source's own key and secret, checked by the dialect
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        operation_id="source_xapi_statements_receive",
        summary="Receive xAPI statements (xapi dialect)",
        description=(
            "HTTP Basic with the source's LRS key and secret; `X-Experience-API-Version: 1.0.x` is "
            "required. A statement or an array of statements; each is stored as one event keyed by its "
            "id. Answers 200 with the list of statement ids, as an LRS does."
        ),
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: WebhookReplySerializer, 401: WebhookReplySerializer, 404: WebhookReplySerializer,
                   409: OpenApiResponse(WebhookReplySerializer, description=CONFLICT), 413: WebhookReplySerializer,
                   429: WebhookReplySerializer},
        tags=["webhooks"],
    )
    def post(self, request, slug: str):
        return _receive(request, slug=slug, path="xapi/statements")

    @extend_schema(
        operation_id="source_xapi_statement_put",
        summary="Receive one xAPI statement by its id (xapi dialect)",
        description=(
            "xAPI 1.0.3 Part Three §2.1.1, as TinCanJS and TinCanPython send a statement that has an id. "
            "Authenticated as POST. 204 when stored or when this id was already stored with the same statement; 400 when "
            "statementId is missing or not a UUID, the body is not one statement, or its id differs."
        ),
        parameters=[OpenApiParameter("statementId", OpenApiTypes.UUID, OpenApiParameter.QUERY, required=True)],
        request=OpenApiTypes.OBJECT,
        responses={204: None, 400: WebhookReplySerializer, 401: WebhookReplySerializer, 404: WebhookReplySerializer,
                   409: OpenApiResponse(WebhookReplySerializer, description=CONFLICT)},
        tags=["webhooks"],
    )
    def put(self, request, slug: str):
        return _receive(request, slug=slug, path="xapi/statements")


class XapiAbout(XapiBrowserAccess, APIView):
    """xAPI's About resource (1.0.3 Part Three §2.8): the versions this LRS speaks.

    Open without credentials, as runtimes ask it before they have any to check, and it names only
    the versions; the source must exist and take xAPI statements.
    """

    authentication_classes = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        operation_id="source_xapi_about",
        summary="The xAPI versions this LRS speaks (xapi dialect)",
        responses={200: OpenApiTypes.OBJECT, 404: WebhookReplySerializer},
        tags=["webhooks"],
    )
    def get(self, request, slug: str):
        headers = {"X-Experience-API-Version": VERSIONS_SUPPORTED[0]}
        source = webhook_source_get(slug=slug)
        if source is None or source.dialect != "xapi":
            return Response({"detail": f"No active xAPI source {slug!r}."}, status=404, headers=headers)
        return Response({"version": VERSIONS_SUPPORTED}, headers=headers)
