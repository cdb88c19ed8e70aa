"""Routes of API version 1."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .events import CompletionEventViewSet
from .sources import SourceViewSet
from .webhooks import SourceEventsWebhook, XapiStatementsWebhook

router = SimpleRouter(trailing_slash=True)
router.register("events", CompletionEventViewSet, basename="event")
router.register("sources", SourceViewSet, basename="source")

urlpatterns = [
    path("sources/<slug:slug>/events", SourceEventsWebhook.as_view(), name="source-events"),
    path("sources/<slug:slug>/xapi/statements", XapiStatementsWebhook.as_view(), name="source-xapi-statements"),
    *router.urls,
]
