"""The issuance API: read one issuance with its timeline, list them with filters, resume a parked one."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditRecord
from issuance.models import Credential, Issuance
from issuance.pipeline import issuance_resume
from issuance.transitions import NotParked

from .filters import BAD_FILTER, NOT_FOUND, choice_param, date_param, text_param
from .scoping import ScopedObjectView, object_for, visible


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_ = serializers.CharField(source="from_state", allow_null=True)
    to = serializers.CharField(source="to_state")
    actor = serializers.SerializerMethodField()
    detail = serializers.CharField()

    def get_fields(self):
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # "from" is a Python keyword
        return fields

    def get_actor(self, record) -> str:
        return f"{record.actor_kind}:{record.actor_label}"

    def to_representation(self, record):
        data = super().to_representation(record)
        data["from"] = data["from"] or None
        return data


class LearnerSerializer(serializers.Serializer):
    name = serializers.CharField(source="learner_name")
    email = serializers.EmailField(source="learner.email")


class IssuanceSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    learner = LearnerSerializer(source="*")
    course = serializers.CharField(source="course.code")
    state = serializers.ChoiceField(choices=Issuance.State.choices)
    reasons = serializers.ListField(child=serializers.CharField())
    park_reason = serializers.SerializerMethodField(
        help_text="Why it is parked, as the code staff filter the exception queue on: `score_missing`, `attendance_missing` "
                  "or `extra_field_missing` (a fact the rules need was not reported), a source's code such as "
                  "`moodle_capability_missing`, or the failed step's; null when it is not parked or no code was given.")
    error = serializers.SerializerMethodField(
        help_text="What went wrong and how to fix it, in words for staff; null when there is none.")
    credential = serializers.SerializerMethodField()
    timeline = TimelineEntrySerializer(source="audit_records", many=True)

    def get_park_reason(self, issuance) -> str | None:
        return issuance.park_reason or None

    def get_error(self, issuance) -> str | None:
        return issuance.error or None

    def get_credential(self, issuance) -> str | None:
        try:
            return str(issuance.credential.pk)
        except Credential.DoesNotExist:
            return None


def issuances_selected(request):
    """The issuances the request's user may see, with what the serializer reads."""
    return visible(request, Issuance.objects.all(), "issuance.view_issuance").select_related("learner", "course", "credential").prefetch_related(
        Prefetch("audit_records", queryset=AuditRecord.objects.order_by("at", "id"))
    )


@extend_schema_view(get=extend_schema(responses={200: IssuanceSerializer, 404: NOT_FOUND}))
class IssuanceDetailView(ScopedObjectView, generics.RetrieveAPIView):
    serializer_class = IssuanceSerializer
    required_permissions = ["issuance.view_issuance"]
    object_queryset = Issuance.objects.all()
    object_view_permission = "issuance.view_issuance"

    def get_object(self):
        return get_object_or_404(issuances_selected(self.request), pk=self.kwargs["pk"])


FILTERS = {
    "state": "state", "park_reason": "park_reason", "course": "course__code", "organization": "organization__slug", "email": "learner__email__iexact",
}


@extend_schema_view(get=extend_schema(
    parameters=[
        OpenApiParameter("state", str, enum=list(Issuance.State.values)),
        OpenApiParameter("park_reason", str, description="A park reason's code, e.g. score_missing."),
        OpenApiParameter("course", str, description="Course code."),
        OpenApiParameter("organization", str, description="Organisation slug."),
        OpenApiParameter("email", str, description="The learner's email, any case."),
        OpenApiParameter("created_after", OpenApiTypes.DATE, description="YYYY-MM-DD, inclusive."),
        OpenApiParameter("created_before", OpenApiTypes.DATE, description="YYYY-MM-DD, inclusive."),
    ],
    responses={200: IssuanceSerializer(many=True), 400: BAD_FILTER},
))
class IssuanceListView(generics.ListAPIView):
    """Filters: ?state= &park_reason=<code> &course=<code> &organization=<slug> &email= &created_after=YYYY-MM-DD &created_before=."""

    serializer_class = IssuanceSerializer
    required_permissions = ["issuance.view_issuance"]

    def get_queryset(self):
        queryset = issuances_selected(self.request).order_by("-created_at")
        params = self.request.query_params
        choice_param(params, "state", Issuance.State.values)
        for name, lookup in FILTERS.items():
            value = text_param(params, name)
            if value:
                queryset = queryset.filter(**{lookup: value})
        for name, lookup in (("created_after", "created_at__date__gte"), ("created_before", "created_at__date__lte")):
            day = date_param(params, name)
            if day is not None:
                queryset = queryset.filter(**{lookup: day})
        return queryset


class IssuanceResumeView(ScopedObjectView, APIView):
    required_permissions = ["issuance.resume_issuance"]
    object_queryset = Issuance.objects.all()
    object_view_permission = "issuance.view_issuance"

    @extend_schema(request=None, responses={200: IssuanceSerializer, 403: NOT_FOUND, 404: NOT_FOUND, 409: NOT_FOUND},
                   summary="Resume a parked issuance from the step that failed")
    def post(self, request, pk):
        object_for(request, Issuance.objects.all(), view_permission="issuance.view_issuance",
                   permission="issuance.resume_issuance", pk=pk)
        try:
            issuance_resume(issuance_id=pk, actor_user=request.user)
        except NotParked as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(IssuanceSerializer(issuances_selected(request).get(pk=pk)).data)
