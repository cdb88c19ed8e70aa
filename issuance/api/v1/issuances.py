"""The issuance API: read one issuance with its timeline, list them with filters, resume a parked one."""

from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.dateparse import parse_date
from rest_framework import generics, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.models import AuditRecord
from issuance.models import Credential, Issuance
from issuance.transitions import NotParked, issuance_resume


class TimelineEntrySerializer(serializers.BaseSerializer):
    def to_representation(self, record):
        return {
            "at": record.at.isoformat(), "from": record.from_state or None, "to": record.to_state,
            "actor": f"{record.actor_kind}:{record.actor_label}", "detail": record.detail,
        }


class IssuanceSerializer(serializers.BaseSerializer):
    def to_representation(self, issuance):
        try:
            credential = issuance.credential
        except Credential.DoesNotExist:
            credential = None
        return {
            "id": str(issuance.pk),
            "learner": {"name": issuance.learner_name, "email": issuance.learner.email},
            "course": issuance.course.code,
            "state": issuance.state,
            "reasons": issuance.reasons,
            "credential": str(credential.pk) if credential else None,
            "timeline": TimelineEntrySerializer(issuance.audit_records.all(), many=True).data,
        }


def issuances_selected():
    return Issuance.objects.select_related("learner", "course", "credential").prefetch_related(
        Prefetch("audit_records", queryset=AuditRecord.objects.order_by("at", "id"))
    )


class IssuanceDetailView(generics.RetrieveAPIView):
    serializer_class = IssuanceSerializer

    def get_object(self):
        return get_object_or_404(issuances_selected(), pk=self.kwargs["pk"])


FILTERS = {
    "state": "state", "course": "course__code", "organization": "organization__slug", "email": "learner__email__iexact",
}


class IssuanceListView(generics.ListAPIView):
    """Filters: ?state= &course=<code> &organization=<slug> &email= &created_after=YYYY-MM-DD &created_before=."""

    serializer_class = IssuanceSerializer

    def get_queryset(self):
        queryset = issuances_selected().order_by("-created_at")
        params = self.request.query_params
        for name, lookup in FILTERS.items():
            if params.get(name):
                queryset = queryset.filter(**{lookup: params[name]})
        if params.get("state") and params["state"] not in Issuance.State.values:
            raise ValidationError({"state": f"Unknown state {params['state']!r}; one of {', '.join(Issuance.State.values)}."})
        for name, lookup in (("created_after", "created_at__date__gte"), ("created_before", "created_at__date__lte")):
            if params.get(name):
                day = parse_date(params[name]) if len(params[name]) == 10 else None
                if day is None:
                    raise ValidationError({name: f"Expected a date as YYYY-MM-DD, got {params[name]!r}."})
                queryset = queryset.filter(**{lookup: day})
        return queryset


class IssuanceResumeView(APIView):
    def post(self, request, pk):
        get_object_or_404(Issuance, pk=pk)
        try:
            issuance_resume(issuance_id=pk, actor_user=request.user)
        except NotParked as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(IssuanceSerializer(issuances_selected().get(pk=pk)).data)
