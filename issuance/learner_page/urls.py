"""The learner's own page: /me and what its forms post to."""

from django.urls import path

from . import views

urlpatterns = [
    path("me", views.me_page, name="learner-page"),
    path("me/sign-in/<str:token>", views.me_sign_in, name="learner-sign-in"),
    path("me/sign-out", views.me_sign_out, name="learner-sign-out"),
    path("me/data", views.me_data, name="learner-data"),
    path("me/record", views.me_record, name="learner-record"),
    path("me/data/<str:token>", views.me_data_download, name="learner-data-download"),
    path("me/credentials/<uuid:credential_id>/certificate.pdf", views.me_certificate, name="learner-certificate"),
    path("me/credentials/<uuid:credential_id>/hide", views.me_hide, name="learner-hide"),
    path("me/credentials/<uuid:credential_id>/name", views.me_report_name, name="learner-report-name"),
    path("me/credentials/<uuid:credential_id>/wallet", views.me_wallet, name="learner-wallet"),
]
