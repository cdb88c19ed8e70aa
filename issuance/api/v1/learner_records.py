"""A learner's CLR 2.0 record for integrations: GET /api/v1/learners/{email}/clr?organisation=SLUG[&programme=CODE].

Whoever may view learners in that organisation (viewer and above, users and organisation API keys)
gets the signed ClrCredential; anyone else gets the 404 an unknown learner, organisation or programme gets.
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from courses.models import Programme
from issuance.models import Learner
from issuance.openbadges.learner_record import LearnerRecordEmpty, learner_record_assemble

from .filters import NOT_FOUND
from .scoping import visible

VIEW_LEARNER = "issuance.view_learner"


class LearnerRecordQuerySerializer(serializers.Serializer):
    organisation = serializers.SlugField(max_length=50, help_text="The organisation's slug.")
    programme = serializers.CharField(max_length=64, required=False,
                                      help_text="A programme's code: the record holds that programme's credentials only.")


class LearnerRecordView(APIView):
    required_permissions = [VIEW_LEARNER]

    def visible_object_exists(self, request) -> bool:
        return False  # a caller who may view learners nowhere sees no learner: 404, as for one who does not exist

    @extend_schema(
        summary="A learner's Comprehensive Learner Record (CLR 2.0), signed by the organisation",
        description="The learner's credentials from the organisation (or towards one programme) as issued, each still "
                    "verifiable on its own, with the achievements and how they relate (isPartOf a programme; precedes, "
                    "where a programme is taken in order), in one ClrCredential signed with eddsa-rdfc-2022. Assembled "
                    "on each call: revoked, suspended and replaced credentials are left out.",
        parameters=[OpenApiParameter("email", OpenApiTypes.STR, OpenApiParameter.PATH, description="The learner's email address."),
                    LearnerRecordQuerySerializer],
        responses={200: OpenApiResponse(OpenApiTypes.OBJECT, description="The signed ClrCredential (JSON-LD)."),
                   400: OpenApiResponse(OpenApiTypes.OBJECT, description='A missing or malformed parameter: {"organisation": ["…"]}.'),
                   404: NOT_FOUND},
    )
    def get(self, request, email: str):
        query = LearnerRecordQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        if "\x00" in email or len(email) > 320:  # no address holds these (and PostgreSQL refuses a NUL in a query)
            raise NotFound("No learner with this address in an organisation whose learners you may view.")
        learners = visible(request, Learner.objects.select_related("organization"), VIEW_LEARNER)
        learner = learners.filter(organization__slug=query.validated_data["organisation"], email__iexact=email.strip(),
                                  erased_at__isnull=True).first()
        if learner is None:
            raise NotFound("No learner with this address in an organisation whose learners you may view.")
        programme = None
        if "programme" in query.validated_data:
            programme = Programme.objects.filter(organization=learner.organization,
                                                 code=query.validated_data["programme"]).first()
            if programme is None:
                raise NotFound("The organisation has no programme with this code.")
        try:
            record = learner_record_assemble(learner=learner, programme=programme)
        except LearnerRecordEmpty as exc:
            raise NotFound(str(exc)) from None
        return Response(record)
