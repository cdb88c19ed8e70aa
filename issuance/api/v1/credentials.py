"""Staff API for a credential's status: revoke, suspend and restore (token auth, reasons recorded)."""

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from issuance.credentials import credential_url
from issuance.engagement.figures import credential_engagement
from issuance.lifecycle.expiry import credential_shown_status
from issuance.models import Credential
from issuance.revocation import (
    ReasonRequired,
    StatusConflict,
    credential_revoke,
    credential_suspend,
    credential_unsuspend,
)

from .filters import NOT_FOUND
from .scoping import ScopedObjectView, object_for


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class RevokeSerializer(ReasonSerializer):
    notify_learner = serializers.BooleanField(
        required=False, default=False, help_text="Email the learner the revocation notice. Off unless asked for.",
    )


class EngagementSerializer(serializers.Serializer):
    views = serializers.IntegerField(help_text="Public page views, not staff's and not known bots'.")
    downloads = serializers.IntegerField(help_text="PDF downloads from the public address.")
    linkedin_clicks = serializers.IntegerField(help_text="Clicks on Add to LinkedIn, through Laurel's redirect.")
    wallet_claims = serializers.IntegerField(help_text="Claims into a digital wallet.")
    verifications = serializers.IntegerField(help_text="Checks on the verify page and POST /api/v1/verify.")


class CredentialStatusSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    status = serializers.SerializerMethodField(help_text="As shown everywhere: a credential past its end is expired.")
    status_reason = serializers.CharField()
    valid_until = serializers.DateTimeField(allow_null=True)
    replaces = serializers.UUIDField(source="replaces_id", allow_null=True)
    url = serializers.SerializerMethodField()
    engagement = serializers.SerializerMethodField(
        help_text="What happened after it was sent: counts only (docs/learners.md). Zeros when nothing was counted "
                  "or the organisation turned counting off.")

    @extend_schema_field(EngagementSerializer)
    def get_engagement(self, credential) -> dict:
        return credential_engagement(credential_id=credential.pk)

    @extend_schema_field(serializers.ChoiceField(choices=Credential.Status.choices))
    def get_status(self, credential) -> str:
        return credential_shown_status(status=credential.status, valid_until=credential.valid_until)

    def get_url(self, credential) -> str:
        return credential_url(credential_id=credential.pk)


class _CredentialView(ScopedObjectView, APIView):
    object_queryset = Credential.objects.all()
    object_view_permission = "issuance.view_credential"

    def credential(self, request, pk):
        return object_for(request, Credential.objects.all(), view_permission="issuance.view_credential",
                          permission=self.required_permissions[0], pk=pk)


class CredentialDetailView(_CredentialView):
    required_permissions = ["issuance.view_credential"]

    @extend_schema(responses={200: CredentialStatusSerializer, 404: NOT_FOUND}, summary="A credential's status and validity")
    def get(self, request, pk):
        return Response(CredentialStatusSerializer(self.credential(request, pk)).data)


class _StatusChangeView(_CredentialView):
    change = None  # the service this endpoint calls
    body_serializer = ReasonSerializer

    def post(self, request, pk):
        credential = self.credential(request, pk)
        body = self.body_serializer(data=request.data if isinstance(request.data, dict) else {})
        body.is_valid(raise_exception=True)
        try:
            credential = type(self).change(credential=credential, actor=request.user, **body.validated_data)
        except ReasonRequired as exc:
            return Response({"reason": [str(exc)]}, status=status.HTTP_400_BAD_REQUEST)
        except StatusConflict as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(CredentialStatusSerializer(credential).data)


_RESPONSES = {200: CredentialStatusSerializer, 400: None, 403: None, 404: None, 409: None}


class CredentialRevokeView(_StatusChangeView):
    change = credential_revoke
    required_permissions = ["issuance.revoke_credential"]
    body_serializer = RevokeSerializer

    @extend_schema(request=RevokeSerializer, responses=_RESPONSES,
                   summary="Revoke a credential for good (reason required; 409 if already revoked); "
                           "\"notify_learner\": true emails the learner")
    def post(self, request, pk):
        return super().post(request, pk)


class CredentialSuspendView(_StatusChangeView):
    change = credential_suspend
    required_permissions = ["issuance.suspend_credential"]

    @extend_schema(request=ReasonSerializer, responses=_RESPONSES,
                   summary="Suspend an active credential (reason required; 409 unless active)")
    def post(self, request, pk):
        return super().post(request, pk)


class CredentialUnsuspendView(_StatusChangeView):
    change = credential_unsuspend
    required_permissions = ["issuance.unsuspend_credential"]

    @extend_schema(request=ReasonSerializer, responses=_RESPONSES,
                   summary="Restore a suspended credential (reason required; 409 unless suspended)")
    def post(self, request, pk):
        return super().post(request, pk)
