"""/api/v1/sources/: integration managers list and set up LMS sources (the same service as source_add)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from courses.models import Organization

from ...models import Source
from ...sources.configure import source_configure, source_intake_url
from ...sources.registry import DIALECTS
from ...sources.settings_schema import SettingsError
from .filters import BAD_FILTER, NOT_FOUND
from .scoping import ScopedObjectView, visible


class SourceSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    intake_url = serializers.SerializerMethodField()
    mappings = serializers.SerializerMethodField()
    has_secret = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = ["slug", "name", "organization", "dialect", "is_active", "settings", "has_secret", "intake_url", "mappings", "created_at"]
        read_only_fields = fields

    def get_intake_url(self, source) -> str:
        return source_intake_url(source)

    def get_mappings(self, source) -> dict[str, str]:
        return {m.external_id: m.course.code for m in source.course_mappings.select_related("course")}

    def get_has_secret(self, source) -> bool:
        return bool(source.signing_secret)


class SourceSetupSerializer(serializers.Serializer):
    """What a set-up sends; secrets are write-only and an omitted one keeps what was saved."""

    organization = serializers.SlugField()
    slug = serializers.SlugField(max_length=80)
    dialect = serializers.ChoiceField(choices=list(DIALECTS))
    name = serializers.CharField(required=False, max_length=200)
    secret = serializers.CharField(required=False, write_only=True, max_length=200)
    settings = serializers.DictField(required=False, help_text="The dialect's settings, secret ones included (never returned).")
    mappings = serializers.DictField(child=serializers.CharField(), required=False, help_text="External course id → course code.")


@extend_schema_view(
    list=extend_schema(summary="List sources", tags=["sources"],
                       responses={200: SourceSerializer(many=True), 400: BAD_FILTER}),
    retrieve=extend_schema(summary="One source, its intake URL and mapping", tags=["sources"],
                           responses={200: SourceSerializer, 404: NOT_FOUND}),
    create=extend_schema(summary="Create or update a source (idempotent on the slug)", request=SourceSetupSerializer,
                         responses={200: SourceSerializer, 201: SourceSerializer, 400: BAD_FILTER}, tags=["sources"]),
)
class SourceViewSet(ScopedObjectView, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = SourceSerializer
    # The default StaffModelPermissions: reading needs view_source, since a source's settings say where an LMS lives.
    lookup_field = "slug"
    queryset = Source.objects.select_related("organization").order_by("slug")
    object_queryset = Source.objects.all()
    object_view_permission = "issuance.view_source"
    object_lookup = {"slug": "slug"}

    def get_queryset(self):
        return visible(self.request, super().get_queryset(), "issuance.view_source")

    def create(self, request, *args, **kwargs):
        setup = SourceSetupSerializer(data=request.data)
        setup.is_valid(raise_exception=True)
        data = setup.validated_data
        # Only into an organisation where the user may add sources; any other is as unknown as a missing one.
        if not visible(request, Organization.objects.filter(slug=data["organization"]), "issuance.add_source").exists():
            return Response({"organization": [f"No organisation with the slug {data['organization']!r} that you may add "
                                              "sources to."]}, status=status.HTTP_400_BAD_REQUEST)
        try:
            source, created = source_configure(
                organization_slug=data["organization"], slug=data["slug"], dialect=data["dialect"], name=data.get("name"),
                secret=data.get("secret"), settings=data.get("settings") or {}, mappings=data.get("mappings") or {},
            )
        except SettingsError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response(SourceSerializer(source).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)
