"""Every route of API version 1, in one place.

`urlpatterns` are named in the `api-v1` namespace; `staff_urlpatterns` (issuances and credentials)
keep the un-namespaced names they were published with (`api-issuance-list` …).
"""

from django.urls import path
from rest_framework.routers import SimpleRouter

from .credentials import CredentialDetailView, CredentialRevokeView, CredentialSuspendView, CredentialUnsuspendView
from .connections import ConnectionViewSet
from .events import CompletionEventViewSet
from .issuances import IssuanceDetailView, IssuanceListView, IssuanceResumeView
from .learner_records import LearnerRecordView
from .sources import SourceViewSet
from .verify import VerifyView
from .webhooks import SourceEventsWebhook, SourceSecretEventsWebhook, XapiAbout, XapiStatementsWebhook

router = SimpleRouter(trailing_slash=True)
router.register("events", CompletionEventViewSet, basename="event")
router.register("connections", ConnectionViewSet, basename="connection")
router.register("sources", SourceViewSet, basename="source")

urlpatterns = [
    path("sources/<slug:slug>/events", SourceEventsWebhook.as_view(), name="source-events"),
    path("sources/<slug:slug>/events/<str:token>", SourceSecretEventsWebhook.as_view(), name="source-events-secret"),
    path("sources/<slug:slug>/xapi/statements", XapiStatementsWebhook.as_view(), name="source-xapi-statements"),
    path("sources/<slug:slug>/xapi/about", XapiAbout.as_view(), name="source-xapi-about"),
    path("verify", VerifyView.as_view(), name="verify"),
    path("learners/<str:email>/clr", LearnerRecordView.as_view(), name="learner-clr"),
    *router.urls,
]

staff_urlpatterns = [
    path("issuances", IssuanceListView.as_view(), name="api-issuance-list"),
    path("issuances/<uuid:pk>", IssuanceDetailView.as_view(), name="api-issuance-detail"),
    path("issuances/<uuid:pk>/resume", IssuanceResumeView.as_view(), name="api-issuance-resume"),
    path("credentials/<uuid:pk>", CredentialDetailView.as_view(), name="api-credential-detail"),
    path("credentials/<uuid:pk>/revoke", CredentialRevokeView.as_view(), name="api-credential-revoke"),
    path("credentials/<uuid:pk>/suspend", CredentialSuspendView.as_view(), name="api-credential-suspend"),
    path("credentials/<uuid:pk>/unsuspend", CredentialUnsuspendView.as_view(), name="api-credential-unsuspend"),
]
