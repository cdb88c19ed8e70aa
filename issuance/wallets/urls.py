"""Wallet URLs: the LCW exchange, each organisation's OpenID4VCI issuer and its well-known metadata, the wallet page."""

from django.urls import path

from . import page, views

urlpatterns = [
    path("wallets/lcw/interactions/<str:code>", views.lcw_interaction_view, name="wallet-lcw-interaction"),
    path("wallets/lcw/exchanges/<str:code>", views.lcw_exchange_view, name="wallet-lcw-exchange"),
    path(".well-known/openid-credential-issuer/oid4vci/<slug:slug>", views.issuer_metadata_view,
         name="wallet-oid4vci-metadata"),
    path(".well-known/oauth-authorization-server/oid4vci/<slug:slug>", views.authorization_server_metadata_view,
         name="wallet-oid4vci-as-metadata"),
    # Draft-13 wallet libraries append the suffix to the issuer identifier instead (real-systems.md §4):
    # the same documents there, so those wallets can discover a Laurel issuer too.
    path("oid4vci/<slug:slug>/.well-known/openid-credential-issuer", views.issuer_metadata_view,
         name="wallet-oid4vci-metadata-appended"),
    path("oid4vci/<slug:slug>/.well-known/oauth-authorization-server", views.authorization_server_metadata_view,
         name="wallet-oid4vci-as-metadata-appended"),
    path("oid4vci/<slug:slug>/.well-known/openid-configuration", views.authorization_server_metadata_view,
         name="wallet-oid4vci-openid-configuration-appended"),
    path("oid4vci/<slug:slug>/offers/<str:code>", views.credential_offer_view, name="wallet-oid4vci-offer"),
    path("oid4vci/<slug:slug>/token", views.token_view, name="wallet-oid4vci-token"),
    path("oid4vci/<slug:slug>/nonce", views.nonce_view, name="wallet-oid4vci-nonce"),
    path("oid4vci/<slug:slug>/credential", views.credential_view, name="wallet-oid4vci-credential"),
    path("credentials/<uuid:credential_id>/wallet/<str:key>", page.wallet_page, name="wallet-page"),
    path("credentials/<uuid:credential_id>/wallet/<str:key>/new", page.wallet_link_renew, name="wallet-page-renew"),
]
