"""Staff sign-in through the organisation's OpenID Connect provider, from the environment (docs/sign-in.md).

Off unless LAUREL_OIDC_ISSUER, LAUREL_OIDC_CLIENT_ID and LAUREL_OIDC_CLIENT_SECRET are all set. The
provider's endpoints come from its discovery document (`<issuer>/.well-known/openid-configuration`),
read when the first person signs in; the LAUREL_OIDC_*_ENDPOINT settings override them one by one.
"""

from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

from .env import envbool, envint, envlist, envstr

# RFC 8176 "amr" values that mean more than a password was used.
DEFAULT_MFA_AMR = "mfa,otp,hwk,swk,sc"


def oidc_settings() -> dict:
    """The LAUREL_OIDC_* settings and the OIDC_* settings mozilla-django-oidc reads."""
    issuer = envstr("LAUREL_OIDC_ISSUER").strip().rstrip("/")
    client_id = envstr("LAUREL_OIDC_CLIENT_ID").strip()
    secret = envstr("LAUREL_OIDC_CLIENT_SECRET").strip()
    given = [name for name, value in (("LAUREL_OIDC_ISSUER", issuer), ("LAUREL_OIDC_CLIENT_ID", client_id),
                                      ("LAUREL_OIDC_CLIENT_SECRET", secret)) if value]
    if given and len(given) < 3:
        missing = {"LAUREL_OIDC_ISSUER", "LAUREL_OIDC_CLIENT_ID", "LAUREL_OIDC_CLIENT_SECRET"} - set(given)
        raise ImproperlyConfigured(f"Sign-in through an identity provider needs {', '.join(sorted(missing))} "
                                   f"as well as {', '.join(given)}.")
    enabled = bool(given)
    if enabled:
        parts = urlsplit(issuer)
        local = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ImproperlyConfigured(f"LAUREL_OIDC_ISSUER must be an https:// address, not {issuer!r}.")
    two_factor = envstr("LAUREL_OIDC_2FA", "provider").strip().lower()
    if two_factor not in ("provider", "local"):
        raise ImproperlyConfigured(f"LAUREL_OIDC_2FA must be provider or local, not {two_factor!r}.")
    algorithm = envstr("LAUREL_OIDC_SIGN_ALGO", "RS256").strip()
    if algorithm not in ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256"):
        raise ImproperlyConfigured(f"LAUREL_OIDC_SIGN_ALGO must be an asymmetric JWS algorithm such as RS256 or "
                                   f"ES256, not {algorithm!r}.")
    return {
        "LAUREL_OIDC_ENABLED": enabled,
        "LAUREL_OIDC_ISSUER": issuer,
        "LAUREL_OIDC_PROVIDER_NAME": envstr("LAUREL_OIDC_PROVIDER_NAME", "your organisation's sign-in").strip(),
        "LAUREL_OIDC_REQUIRE_VERIFIED_EMAIL": envbool("LAUREL_OIDC_REQUIRE_VERIFIED_EMAIL", True),
        # With LAUREL_ADMIN_2FA=required: "provider" accepts a sign-in whose ID token's amr or acr says a
        # second factor was used (and refuses others); "local" also asks for the Laurel authenticator code.
        "LAUREL_OIDC_2FA": two_factor,
        "LAUREL_OIDC_MFA_AMR": envlist("LAUREL_OIDC_MFA_AMR", DEFAULT_MFA_AMR),
        "LAUREL_OIDC_MFA_ACR": envlist("LAUREL_OIDC_MFA_ACR"),
        "LAUREL_OIDC_DISCOVERY_SECONDS": envint("LAUREL_OIDC_DISCOVERY_SECONDS", 3600),
        # mozilla-django-oidc's own names. The endpoints are filled in from discovery (credentials_site/oidc.py).
        "OIDC_RP_CLIENT_ID": client_id,
        "OIDC_RP_CLIENT_SECRET": secret,
        "OIDC_RP_SIGN_ALGO": algorithm,
        "OIDC_RP_SCOPES": envstr("LAUREL_OIDC_SCOPES", "openid email profile").strip(),
        "OIDC_OP_AUTHORIZATION_ENDPOINT": envstr("LAUREL_OIDC_AUTHORIZATION_ENDPOINT").strip(),
        "OIDC_OP_TOKEN_ENDPOINT": envstr("LAUREL_OIDC_TOKEN_ENDPOINT").strip(),
        "OIDC_OP_USER_ENDPOINT": envstr("LAUREL_OIDC_USERINFO_ENDPOINT").strip(),
        "OIDC_OP_JWKS_ENDPOINT": envstr("LAUREL_OIDC_JWKS_ENDPOINT").strip(),
        "OIDC_USE_NONCE": True,
        "OIDC_USE_PKCE": True,
        "OIDC_TIMEOUT": 10,
        "OIDC_CREATE_USER": True,
        "OIDC_AUTHENTICATION_CALLBACK_URL": "oidc_authentication_callback",
    }
