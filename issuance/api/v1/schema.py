"""Serializers that document the generic dialect and the webhook's replies in the OpenAPI schema.

They describe; they do not validate. Validation happens in the worker (`issuance.intake.validation`),
so that a malformed event is stored and parked instead of refused.
"""

from rest_framework import serializers

GENERIC_EXAMPLE = {
    "type": "course.completed",
    "timestamp": "2026-11-26T10:00:00Z",
    "data": {
        "learner": {"id": "u-123", "email": "ana@example.org", "name": "Ana Lima"},
        "course": {"id": "FA-101", "title": "First Aid at Work"},
        "completed_at": "2026-11-26T09:58:00Z",
        "score": 86,
        "attendance": 100,
        "extra": {},
    },
}


class GenericLearnerSerializer(serializers.Serializer):
    id = serializers.CharField(required=False, help_text="The learner's id in the sending system.")
    email = serializers.EmailField(help_text="International domains allowed; compared in lower case.")
    name = serializers.CharField(
        required=False, max_length=200, help_text="Full name as it should appear on the credential. Required unless given_name/family_name are sent."
    )
    given_name = serializers.CharField(required=False)
    family_name = serializers.CharField(required=False)


class GenericCourseSerializer(serializers.Serializer):
    id = serializers.CharField(help_text="Our course code, or the id in this source's course mapping table.")
    title = serializers.CharField(required=False, help_text="Informational only.")


class GenericCompletionDataSerializer(serializers.Serializer):
    learner = GenericLearnerSerializer()
    course = GenericCourseSerializer()
    completed_at = serializers.DateTimeField(help_text="ISO 8601 with a time zone; not in the future.")
    score = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100)
    attendance = serializers.DecimalField(max_digits=5, decimal_places=2, required=False, min_value=0, max_value=100)
    extra = serializers.DictField(required=False, help_text="Free data that rule conditions can read as extra.<key>.")


class GenericCompletionSerializer(serializers.Serializer):
    """The generic dialect: one completed course."""

    type = serializers.ChoiceField(choices=["course.completed"])
    timestamp = serializers.DateTimeField(required=False, help_text="When the sender created the event.")
    data = GenericCompletionDataSerializer()


class WebhookReplySerializer(serializers.Serializer):
    event = serializers.UUIDField(required=False, help_text="The stored event, when there is one.")
    status = serializers.ChoiceField(choices=["accepted", "duplicate", "parked"], required=False)
    detail = serializers.CharField(help_text="What happened, in words.")
