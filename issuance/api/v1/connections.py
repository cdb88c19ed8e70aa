"""/api/v1/connections/: outbound connections for scripted set-ups; the secret is write-only, as in the admin."""

import json

from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from courses.models import Organization

from ...models import Connection
from ...outbound.connections import ConnectionSettingsError, connection_add, connection_kinds, connection_test
from .filters import BAD_FILTER, NOT_FOUND
from .scoping import ScopedObjectView, object_for, visible


class OrganizationSlugField(serializers.SlugRelatedField):
    """An organisation by slug; a slug no database can hold (a NUL, a lone surrogate) is a 400, not a failed look-up."""

    def to_internal_value(self, data):
        if isinstance(data, str) and not _storable(data):
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.encode("unicode_escape").decode("ascii"))
        return super().to_internal_value(data)


class ConnectionSerializer(serializers.ModelSerializer):
    organization = OrganizationSlugField(slug_field="slug", queryset=Organization.objects.all())
    kind = serializers.ChoiceField(choices=[])
    name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    settings = serializers.DictField(child=serializers.JSONField(), required=False, help_text=(
        "The kind's settings by name, each text; for kind rest, the connection file (docs/integrations/rest.md)."))
    secret = serializers.CharField(write_only=True, required=False, allow_blank=True, trim_whitespace=True)
    mappings = serializers.DictField(child=serializers.CharField(), required=False, write_only=True,
                                     help_text="Course code → the platform's template / badge class / group id.")
    secret_stored = serializers.SerializerMethodField()
    mapped = serializers.SerializerMethodField()

    class Meta:
        model = Connection
        fields = ["id", "organization", "kind", "name", "enabled", "settings", "secret", "mappings", "secret_stored", "mapped",
                  "failing_since", "disabled_reason", "last_test_at", "last_test_result"]
        read_only_fields = ["failing_since", "disabled_reason", "last_test_at", "last_test_result"]
        validators = []  # creating an existing organisation + kind + name updates it: not a conflict

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = connection_kinds()

    def get_secret_stored(self, connection) -> bool:
        return bool(connection.secret_encrypted)

    def get_mapped(self, connection) -> dict[str, str]:
        return {str(m.achievement_id): m.remote_id for m in connection.mappings.all()}


@extend_schema_view(
    list=extend_schema(summary="List outbound connections", tags=["connections"],
                       responses={200: ConnectionSerializer(many=True), 400: BAD_FILTER}),
    retrieve=extend_schema(summary="One outbound connection", tags=["connections"],
                           responses={200: ConnectionSerializer, 404: NOT_FOUND}),
    create=extend_schema(summary="Create or update a connection (idempotent on organisation + kind + name)",
                         responses={200: ConnectionSerializer, 201: ConnectionSerializer, 400: BAD_FILTER}, tags=["connections"]),
)
class ConnectionViewSet(ScopedObjectView, mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    serializer_class = ConnectionSerializer
    lookup_value_regex = "[0-9]+"  # connection ids are integers; anything else is a 404, not a failed lookup
    # Named so the API asks for the admin's model permissions on connections (api/v1/permissions.py).
    queryset = Connection.objects.select_related("organization").prefetch_related("mappings").order_by("pk")
    object_queryset = Connection.objects.all()
    object_view_permission = "issuance.view_connection"

    def get_queryset(self):
        return visible(self.request, super().get_queryset(), "issuance.view_connection")

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if "organization" in getattr(serializer, "fields", {}):  # only organisations where the user may add connections
            field = serializer.fields["organization"]
            field.queryset = visible(self.request, Organization.objects.all(), "issuance.add_connection")
        return serializer

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        given = {key: data.get(key) for key in ("name", "secret", "settings", "mappings")}
        not_text = sorted(name for name, value in (data.get("settings") or {}).items() if not isinstance(value, str))
        if data["kind"] != "rest" and not_text:
            return Response({"detail": f"{data['kind']} settings are text; {', '.join(map(repr, not_text))} is not.",
                             "received": request.data.get("settings", {})}, status=status.HTTP_400_BAD_REQUEST)
        if not _storable(given):
            return Response({"detail": "The connection holds text no database can store (a NUL character or a lone UTF-16 "
                                       "surrogate); send it as UTF-8 text."}, status=status.HTTP_400_BAD_REQUEST)
        try:
            connection, created = connection_add(
                organization=data["organization"], kind=data["kind"], name=data.get("name", ""),
                secret=data.get("secret") or None, settings=data.get("settings"), mappings=data.get("mappings"),
            )
        except ConnectionSettingsError as exc:
            return Response({"detail": str(exc), "received": request.data.get("settings", {})}, status=status.HTTP_400_BAD_REQUEST)
        if "enabled" in data and connection.enabled != data["enabled"]:
            connection.enabled = data["enabled"]
            connection.save(update_fields=["enabled"])
        return Response(self.get_serializer(connection).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(summary="Send a test: one harmless request to the system, and its answer", tags=["connections"], request=None,
                   responses={200: inline_serializer("ConnectionTestResult", {"result": serializers.CharField()}), 404: NOT_FOUND})
    @action(detail=True, methods=["post"])
    def test(self, request, pk=None):
        connection = object_for(request, Connection.objects.all(), view_permission="issuance.view_connection",
                                permission="issuance.change_connection", pk=pk)
        return Response({"result": connection_test(connection=connection)})


def _storable(value) -> bool:
    """Whether PostgreSQL can keep `value` (its text and jsonb refuse NUL and lone surrogates; SQLite keeps them)."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return "\x00" not in text and "\\u0000" not in text
