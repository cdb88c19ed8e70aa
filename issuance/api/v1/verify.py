"""POST /api/v1/verify: anyone checks a credential, a certificate PDF or a baked badge (docs/badges.md)."""

from django.core.exceptions import SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from ...engagement.counting import engagement_count
from ...bodies import BodyRefused, json_request_parse, webhook_body_read
from ...verification.files import FileRefused, PresentedFile, presented_file_read
from ...verification.presented import presented_file_verify, typed_email, verify_rate_exceeded
from ...verification.uploads import upload_handlers_bound, upload_limit_check, uploaded_file_bytes
from .parsers import BoundedJSONParser
from .webhooks import JsonOnlyNegotiation


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="A stable code: invalid_signature, expired, revoked, pdf_changed …")
    title = serializers.CharField()
    detail = serializers.CharField(allow_blank=True)
    current_credential_id = serializers.CharField(
        required=False, help_text="superseded only: the `id` of the credential that renewed this one (the newest signed).")


class VerificationResultSerializer(serializers.Serializer):
    verified = serializers.BooleanField(help_text="True when every check passed: genuine, unaltered, and valid now.")
    checks = serializers.ListField(child=serializers.CharField(),
                                   help_text="The checks made: proof, expiration, credentialStatus, hostedAssertion, recipient.")
    warnings = ProblemSerializer(many=True)
    errors = ProblemSerializer(many=True)
    status = serializers.ChoiceField(choices=["valid", "expired", "suspended", "revoked", "unknown"],
                                     help_text="unknown: another issuer's status list could not be read (see warnings), or another "
                                               "site's OB 2.0 badge could not be fetched or checked (see errors).")
    credential_id = serializers.CharField(allow_null=True, help_text="The credential's `id`, when it has one.")
    original_file = serializers.BooleanField(
        required=False, allow_null=True,
        help_text="PDFs only: true when the file is byte for byte the PDF Laurel issued (SHA-256), false when it "
                  "was changed after issue, null when the credential is not this Laurel's.",
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class VerifyView(APIView):
    """Verifies what anyone presents; no authentication, rate limited per client address."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = [BoundedJSONParser, MultiPartParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JsonOnlyNegotiation

    @extend_schema(
        operation_id="verify",
        summary="Verify a credential, a certificate PDF or a baked badge",
        description=(
            "No authentication. Send `application/json` (an Open Badges 3.0 credential, or "
            "`{\"verifiableCredential\": …}`) or `multipart/form-data` with the file in the part `file`: a "
            "certificate PDF (its embedded `credential.json` is checked), a credential JSON file, or an Open "
            "Badges 2.0 baked PNG. Answers the VC-API verification result plus `status`, `credential_id` and, "
            "for a PDF, `original_file`. An OB 2.0 badge from another site is checked as OB 2.0 verification says: "
            "its assertion (when hosted), BadgeClass, Issuer and key (when signed) fetched through the "
            "outgoing-request guard. Nothing sent is stored. Rate limited per client address "
            "(`LAUREL_VERIFY_RATE` a minute)."
        ),
        request={
            "application/json": OpenApiTypes.OBJECT,
            "multipart/form-data": inline_serializer("VerifyUpload", {
                "file": serializers.FileField(),
                "email": serializers.EmailField(required=False, help_text=(
                    "An Open Badges 2.0 baked PNG only: the recipient's email, checked against the badge's "
                    "hashed recipient (`recipient_mismatch` when it is not theirs).")),
            }),
        },
        examples=[OpenApiExample("Wrapped credential", request_only=True,
                                 value={"verifiableCredential": {"type": ["VerifiableCredential"]}})],
        responses={
            200: OpenApiResponse(VerificationResultSerializer, description="Checked: see `verified` and `status`."),
            400: OpenApiResponse(DetailSerializer, description="Not JSON, an empty file, or no `file` part."),
            411: OpenApiResponse(DetailSerializer, description="A chunked body this server cannot read; send Content-Length."),
            413: OpenApiResponse(DetailSerializer, description="The body or the file is over its limit, or a PDF "
                                                               "declares more pages than LAUREL_VERIFY_MAX_PAGES."),
            415: OpenApiResponse(DetailSerializer, description="Neither JSON nor multipart, or a file that is not a "
                                                               "PDF, PNG or JSON."),
            422: OpenApiResponse(DetailSerializer, description="A file that cannot be read as a credential: a damaged "
                                                               "PDF, a PDF without credential.json, a PNG bomb …"),
            429: OpenApiResponse(DetailSerializer, description="Over LAUREL_VERIFY_RATE checks a minute; see Retry-After."),
        },
        tags=["verification"],
    )
    def post(self, request):
        retry_after = verify_rate_exceeded(client=request.META.get("REMOTE_ADDR", ""))
        if retry_after is not None:
            return Response({"detail": "Too many checks from this address; try again in a minute."}, status=429,
                            headers={"Retry-After": str(retry_after)})
        try:
            presented = _presented(request)
        except FileRefused as refused:
            return Response({"detail": refused.detail}, status=refused.status)
        # A multipart form's `email` part: Django has read it with the file; a JSON body carries none.
        email = typed_email(request._request.POST) if request.content_type.startswith("multipart/") else ""
        report = presented_file_verify(presented=presented, recipient_email=email)
        if report.laurel_credential is not None:
            # Every API check counts: a verifier's system calls it with an HTTP library, which on a page would be a bot.
            engagement_count(credential_id=report.laurel_credential, counter="verifications")
        return Response(report.as_api())


def _presented(request) -> PresentedFile:
    """What was sent, read within bounds; Django reads the multipart form itself, into memory only."""
    content_type = request.content_type.split(";", 1)[0].strip().lower()
    if content_type == "multipart/form-data":
        django_request = request._request
        upload_limit_check(django_request)
        upload_handlers_bound(django_request)
        try:
            files = django_request.FILES
        except (MultiPartParserError, SuspiciousOperation) as exc:
            raise FileRefused(400, f"The multipart body could not be read: {exc}") from None
        return presented_file_read(data=uploaded_file_bytes(django_request, files))
    declared = (request.META.get("CONTENT_LENGTH") or "").strip()
    if declared in ("", "0") and "chunked" not in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
        raise FileRefused(400, "The body is empty: send a credential as JSON, or a file in the part 'file'.")
    if content_type not in ("application/json", "application/ld+json", "application/vc+ld+json"):
        raise FileRefused(415, "Send application/json (a credential) or multipart/form-data (a file in the part 'file').")
    try:
        body = webhook_body_read(request)
        document = json_request_parse(body)
    except BodyRefused as refused:
        raise FileRefused(refused.status, refused.detail) from None
    return PresentedFile("json", document, body)
