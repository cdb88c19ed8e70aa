"""Public URLs: no login, nothing a verifier does not need."""

from django.urls import path

from . import badges, certificates, invitations, linkedin, pages, refresh, unsubscribe

urlpatterns = [
    path("credentials/<uuid:credential_id>.pdf", certificates.credential_pdf, name="credential-pdf"),
    path("credentials/<uuid:credential_id>.json", badges.credential_json, name="credential-json"),
    path("credentials/<uuid:credential_id>/badge.png", badges.credential_badge_png, name="credential-badge-png"),
    path("credentials/<uuid:credential_id>/refresh/<str:token>", refresh.credential_refresh, name="credential-refresh"),
    path("credentials/<uuid:credential_id>/linkedin", linkedin.credential_linkedin, name="credential-linkedin"),
    path("credentials/<uuid:credential_id>", pages.credential_page, name="credential-page"),
    path("verify", pages.verify_code, name="credential-verify"),
    path("invitations/<str:token>", invitations.invitation_page, name="invitation-accept"),
    path("email/unsubscribe/<str:token>", unsubscribe.unsubscribe_page, name="email-unsubscribe"),
    path("render-templates/<str:sha256>.svg", badges.render_template_svg, name="render-template"),
    path("issuers/<slug:slug>/did.json", badges.issuer_did_document, name="issuer-did"),
    path("status/<slug:slug>/<str:purpose>/<int:number>", badges.status_list, name="status-list"),
    path("ob2/assertions/<uuid:credential_id>", badges.ob2_assertion, name="ob2-assertion"),
    path("ob2/badges/<int:achievement_id>", badges.ob2_badge_class, name="ob2-badge-class"),
    path("ob2/badges/<int:achievement_id>/image.png", badges.ob2_badge_image, name="ob2-badge-image"),
    path("ob2/issuers/<slug:slug>", badges.ob2_issuer, name="ob2-issuer"),
]
