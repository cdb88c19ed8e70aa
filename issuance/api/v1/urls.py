"""Routes of API version 1."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .connections import ConnectionViewSet
from .events import CompletionEventViewSet
from .webhooks import SourceEventsWebhook

router = SimpleRouter(trailing_slash=True)
router.register("events", CompletionEventViewSet, basename="event")
router.register("connections", ConnectionViewSet, basename="connection")

urlpatterns = [
    path("sources/<slug:slug>/events", SourceEventsWebhook.as_view(), name="source-events"),
    *router.urls,
]
