"""Staff sign-in through the organisation's OpenID Connect provider (docs/sign-in.md).

mozilla-django-oidc runs the authorization code flow (state, nonce, PKCE); this module adds what it
leaves to its users: the endpoints from the provider's discovery document, the ID token's issuer and
audience checked with its signature, a verified email, the provider's word on a second factor, and the
claims turned into memberships by the organisations' sign-in rules (courses/access/sign_in.py). Every
refusal answers a page that says why in plain words, never a 500.
"""

import logging
import time

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.generic import View
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.utils import import_from_settings
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from courses.access.membership import MembershipError
from courses.access.sign_in import SignInRefused, sign_in_memberships_apply

from .two_factor_views import provider_sign_in_needs_code

logger = logging.getLogger(__name__)

ENDPOINTS = {
    "OIDC_OP_AUTHORIZATION_ENDPOINT": "authorization_endpoint",
    "OIDC_OP_TOKEN_ENDPOINT": "token_endpoint",
    "OIDC_OP_USER_ENDPOINT": "userinfo_endpoint",
    "OIDC_OP_JWKS_ENDPOINT": "jwks_uri",
}
NOT_VERIFIED = ("The identity provider's answer could not be verified (its signature, issuer, audience or "
                "expiry is not right), so Laurel did not sign you in. Your administrator can find the details "
                "in Laurel's log.")
UNREACHABLE = "Laurel could not reach the identity provider, or it answered with an error. Try again in a minute."
_discovered: dict[str, tuple[float, dict]] = {}


class ProviderUnavailable(Exception):
    """The provider could not be asked, or answered something that is not OpenID Connect."""


def provider_metadata() -> dict:
    """The provider's discovery document, kept for LAUREL_OIDC_DISCOVERY_SECONDS."""
    issuer = settings.LAUREL_OIDC_ISSUER
    kept = _discovered.get(issuer)
    if kept and kept[0] > time.monotonic():
        return kept[1]
    try:
        response = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        metadata = response.json()
    except (requests.RequestException, ValueError) as exc:
        raise ProviderUnavailable(f"discovery at {issuer}: {exc}") from exc
    # OpenID Connect Discovery 1.0 §4.3: the document's issuer is exactly the one asked.
    if not isinstance(metadata, dict) or str(metadata.get("issuer", "")).rstrip("/") != issuer:
        raise ProviderUnavailable(f"discovery at {issuer} names another issuer: {metadata.get('issuer')!r}")
    _discovered[issuer] = (time.monotonic() + settings.LAUREL_OIDC_DISCOVERY_SECONDS, metadata)
    return metadata


def oidc_setting(name: str, *default):
    """mozilla-django-oidc's setting `name`; an endpoint not set is read from discovery."""
    value = import_from_settings(name, *default)
    if name in ENDPOINTS and not value:
        value = provider_metadata().get(ENDPOINTS[name])
        if not value:
            raise ProviderUnavailable(f"the discovery document has no {ENDPOINTS[name]}")
    return value


def provider_reports_second_factor(id_token_claims: dict) -> bool:
    """Whether the ID token says more than a password was used: an `amr` value (RFC 8176) or an `acr`
    the installation names."""
    amr = id_token_claims.get("amr")
    amr = amr if isinstance(amr, list) else []
    if set(settings.LAUREL_OIDC_MFA_AMR) & {str(value) for value in amr}:
        return True
    return bool(settings.LAUREL_OIDC_MFA_ACR) and str(id_token_claims.get("acr", "")) in settings.LAUREL_OIDC_MFA_ACR


class ProviderSignInBackend(OIDCAuthenticationBackend):
    """Signs in the person the provider's ID token names, with the memberships their claims give."""

    get_settings = staticmethod(oidc_setting)
    OIDC_RP_IDP_SIGN_KEY = None

    def __init__(self, *args, **kwargs):
        # Django builds every backend for every sign-in, local passwords too: nothing is asked of the
        # provider until this backend is used.
        self.UserModel = get_user_model()

    OIDC_OP_TOKEN_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_TOKEN_ENDPOINT"))
    OIDC_OP_USER_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_USER_ENDPOINT"))
    OIDC_OP_JWKS_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_JWKS_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)
    OIDC_RP_CLIENT_SECRET = property(lambda self: settings.OIDC_RP_CLIENT_SECRET)
    OIDC_RP_SIGN_ALGO = property(lambda self: settings.OIDC_RP_SIGN_ALGO)

    def authenticate(self, request, nonce=None, code_verifier=None, **credentials):
        # Only the callback below calls with a nonce and nothing else; a password sign-in is ModelBackend's.
        if credentials or request is None or nonce is None or not settings.LAUREL_OIDC_ENABLED:
            return None
        try:
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except SignInRefused as exc:
            request.laurel_sign_in_refused = str(exc)
        except (SuspiciousOperation, jwt.InvalidTokenError) as exc:
            logger.warning("identity provider sign-in refused: %s", exc)
            request.laurel_sign_in_refused = NOT_VERIFIED
        except (ProviderUnavailable, requests.RequestException, ValueError) as exc:
            logger.warning("identity provider sign-in failed: %s", exc)
            request.laurel_sign_in_refused = UNREACHABLE
        return None

    def retrieve_matching_jwk(self, token):
        """The provider's key for `token`: the one its `kid` names, or the only signing key when the JWKS
        holds one (OpenID Connect Core 1.0 §10.1 makes `kid` required only when there are several)."""
        try:
            header = jwt.get_unverified_header(token)
            response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            keys = [key for key in response.json().get("keys", []) if isinstance(key, dict)
                    and key.get("use", "sig") == "sig" and key.get("alg", header.get("alg")) == header.get("alg")]
        except (AttributeError, ValueError) as exc:
            raise SuspiciousOperation(f"the provider's JWKS cannot be read: {exc}") from exc
        if "kid" in header:
            keys = [key for key in keys if key.get("kid") == header["kid"]]
        if len(keys) != 1:
            raise SuspiciousOperation(f"no one key in the provider's JWKS for the ID token's kid {header.get('kid')!r}")
        return jwt.PyJWK(keys[0])

    def verify_token(self, token, **kwargs):
        """The ID token's signature, issuer, audience, expiry and nonce (OpenID Connect Core 1.0 §3.1.3.7)."""
        if not isinstance(token, str) or not token:
            raise SuspiciousOperation("the token response has no id_token")
        key = self.retrieve_matching_jwk(token)
        claims = jwt.decode(
            token, key, algorithms=[self.OIDC_RP_SIGN_ALGO], audience=self.OIDC_RP_CLIENT_ID,
            issuer=provider_metadata()["issuer"], leeway=60,
            options={"require": ["iss", "sub", "aud", "exp", "iat"]},
        )
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation(f"the ID token is for several audiences and its azp is {claims.get('azp')!r}")
        if kwargs.get("nonce") != claims.get("nonce"):
            raise SuspiciousOperation("the ID token's nonce is not the one this sign-in sent")
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if not isinstance(userinfo, dict) or userinfo.get("sub") != payload["sub"]:
            # OpenID Connect Core 1.0 §5.3.2: user info about another subject must not be used.
            logger.warning("identity provider sign-in refused: the user info is about another subject")
            self.request.laurel_sign_in_refused = NOT_VERIFIED
            raise SuspiciousOperation("the user info is about another subject than the ID token")
        claims = {**userinfo, **payload}  # the signed ID token wins where both speak
        email = claims.get("email")
        if not isinstance(email, str) or not email:
            raise SignInRefused("The identity provider did not send your email address, so Laurel cannot tell who "
                                "you are. Your administrator must release the email claim to Laurel.")
        if settings.LAUREL_OIDC_REQUIRE_VERIFIED_EMAIL and claims.get("email_verified") not in (True, "true"):
            raise SignInRefused(f"The identity provider does not vouch for your email address {email} "
                                "(email_verified is not true), so Laurel did not sign you in.")
        if (settings.LAUREL_ADMIN_2FA == "required" and settings.LAUREL_OIDC_2FA == "provider"
                and not provider_reports_second_factor(payload)):
            raise SignInRefused("Laurel requires two-factor sign-in, and the identity provider did not report a "
                                "second factor for this sign-in (amr/acr). Sign in there with your second factor.")
        try:
            return sign_in_memberships_apply(email=email, claims=claims).user
        except MembershipError:
            raise SignInRefused(f"The identity provider sent {email[:200]!r} as your email address, which is not "
                                "one Laurel can use.") from None


def sign_in_refused(request, message: str, *, status: int):
    return TemplateResponse(request, "admin/sign_in_refused.html", {
        "message": message, "site_title": "Laurel", "provider_name": settings.LAUREL_OIDC_PROVIDER_NAME,
    }, status=status)


class ProviderSignInView(OIDCAuthenticationRequestView):
    """/sign-in/oidc/: sends the browser to the provider with a fresh state, nonce and PKCE challenge."""

    get_settings = staticmethod(oidc_setting)
    OIDC_OP_AUTH_ENDPOINT = property(lambda self: oidc_setting("OIDC_OP_AUTHORIZATION_ENDPOINT"))
    OIDC_RP_CLIENT_ID = property(lambda self: settings.OIDC_RP_CLIENT_ID)

    def __init__(self, **kwargs):
        View.__init__(self, **kwargs)  # the endpoint is read when a sign-in starts

    def get(self, request):
        if not settings.LAUREL_OIDC_ENABLED:
            raise Http404("Sign-in through an identity provider is not set up.")
        try:
            return super().get(request)
        except ProviderUnavailable as exc:
            logger.warning("identity provider sign-in failed: %s", exc)
            return sign_in_refused(request, UNREACHABLE, status=503)


class ProviderCallbackView(OIDCAuthenticationCallbackView):
    """/sign-in/oidc/callback/: where the provider sends the browser back with a code."""

    get_settings = staticmethod(oidc_setting)

    @property
    def success_url(self):
        if provider_sign_in_needs_code(self.request):  # LAUREL_OIDC_2FA=local: Laurel's own code as well
            return reverse("admin:two_factor_code")
        return self.request.session.get("oidc_login_next") or "/admin/"

    def get(self, request):
        if not settings.LAUREL_OIDC_ENABLED:
            raise Http404("Sign-in through an identity provider is not set up.")
        try:
            return super().get(request)
        except SuspiciousOperation:  # a state this browser's session never sent: forged, or replayed
            return sign_in_refused(request, "This sign-in answer is not one Laurel asked for (its state does not "
                                            "match this browser's). Start again from Laurel's sign-in page.",
                                   status=400)

    def login_success(self):
        auth.login(self.request, self.user)
        self.request.session["laurel_sign_in"] = "provider"  # what two_factor_views.provider_sign_in_needs_code reads
        return super().login_success()

    def login_failure(self):
        reason = getattr(self.request, "laurel_sign_in_refused", "")
        if not reason and self.request.GET.get("error"):
            described = self.request.GET.get("error_description") or self.request.GET["error"]
            reason = f"The identity provider did not sign you in: {described[:300]}"
        return sign_in_refused(self.request, reason or "Laurel did not sign you in. Start again from Laurel's "
                                                       "sign-in page.", status=403)
