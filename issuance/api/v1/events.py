"""GET /api/v1/events/ and /api/v1/events/<uuid>: what became of each event, for staff and integrations."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, viewsets

from ...models import CompletionEvent
from .filters import BAD_FILTER, NOT_FOUND, choice_param, text_param
from .scoping import ScopedObjectView, visible


class CompletionEventSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    issuance = serializers.SerializerMethodField()

    class Meta:
        model = CompletionEvent
        fields = ["id", "source", "channel", "external_id", "received_at", "status", "errors", "issuance"]
        read_only_fields = fields

    def get_issuance(self, event) -> str | None:
        # Prefetched as `issuances`; an event starts at most one issuance.
        issuances = list(event.issuances.all())
        return str(issuances[0].pk) if issuances else None


@extend_schema_view(
    list=extend_schema(
        summary="List completion events",
        parameters=[
            OpenApiParameter("source", str, description="Source slug."),
            OpenApiParameter("status", str, enum=[choice for choice, _ in CompletionEvent.Status.choices]),
        ],
        responses={200: CompletionEventSerializer(many=True), 400: BAD_FILTER},
        tags=["events"],
    ),
    retrieve=extend_schema(summary="One completion event and what became of it", tags=["events"],
                           responses={200: CompletionEventSerializer, 404: NOT_FOUND}),
)
class CompletionEventViewSet(ScopedObjectView, viewsets.ReadOnlyModelViewSet):
    serializer_class = CompletionEventSerializer
    required_permissions = ["issuance.view_completionevent"]
    object_queryset = CompletionEvent.objects.all()
    object_view_permission = "issuance.view_completionevent"

    def get_queryset(self):
        events = visible(self.request, CompletionEvent.objects.select_related("source").prefetch_related("issuances"),
                         "issuance.view_completionevent").order_by("-received_at", "id")
        source = text_param(self.request.query_params, "source")
        status = choice_param(self.request.query_params, "status", CompletionEvent.Status.values)
        if source:
            events = events.filter(source__slug=source)
        if status:
            events = events.filter(status=status)
        return events
