"""Who calls the API: an organisation's key (`Authorization: Bearer lk_…`, courses/access/api_keys.py), a staff
user's token (`Authorization: Token …`, courses/access/user_tokens.py), or the admin's session.

An unknown or revoked key is a 401 with a JSON `detail`, never a fall-back to anonymous; what the key may
then see and do is its organisation and role, answered by courses/access/tenancy.py like any member's.
"""

from drf_spectacular.authentication import SessionScheme
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import (
    BaseAuthentication, SessionAuthentication, TokenAuthentication, get_authorization_header,
)
from rest_framework.exceptions import AuthenticationFailed, PermissionDenied

from courses.access.api_keys import ApiKeyPrincipal, api_key_find, api_key_touch
from courses.access.two_factor import two_factor_missing
from courses.access.user_tokens import user_token_find, user_token_touch

KEYWORD = b"bearer"


class UserTokenAuthentication(TokenAuthentication):
    """A staff user's `Authorization: Token …`, found by its SHA-256 (courses/access/user_tokens.py): Laurel
    keeps no token in clear. Reading the header and its errors stay REST framework's."""

    def authenticate_credentials(self, key):
        token = user_token_find(secret=key)
        if token is None:
            raise AuthenticationFailed("This API token is unknown or has been replaced.")
        if not token.user.is_active:
            raise AuthenticationFailed("This API token's user is inactive or deleted.")
        user_token_touch(token=token)
        return token.user, token


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != KEYWORD:
            return None  # not ours: a user's Token, a session, or nobody
        if len(parts) != 2:
            raise AuthenticationFailed("Send the API key as `Authorization: Bearer lk_…`, one key with no spaces.")
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed("This API key is unknown or has been revoked.") from None
        api_key = api_key_find(secret=secret)
        if api_key is None:
            raise AuthenticationFailed("This API key is unknown or has been revoked.")
        api_key_touch(api_key=api_key)
        return ApiKeyPrincipal(api_key), api_key

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class ApiKeyScheme(OpenApiAuthenticationExtension):
    """Documents the scheme in the OpenAPI schema (drf-spectacular finds it by the class it names)."""

    target_class = ApiKeyAuthentication
    name = "apiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "lk_…",
                "description": "An organisation's API key, made in the admin (System → Organisation API keys) or with "
                               "`manage.py api_key_add`; it acts with its role in its organisation only."}


class TwoFactorSessionAuthentication(SessionAuthentication):
    """The admin's session, on the admin's terms: with LAUREL_ADMIN_2FA=required a superuser session that
    has not passed two-factor reaches no admin page (credentials_site/admin/site.py), so it reaches no API
    route either. A token or an API key is not a session and is not asked for a code."""

    def authenticate(self, request):
        found = super().authenticate(request)
        if found is not None and two_factor_missing(found[0]):
            raise PermissionDenied(
                "This session has not passed two-factor, which LAUREL_ADMIN_2FA=required asks of superusers: "
                "sign in to the admin again with the code from your authenticator app, or call with an API token.")
        return found


class TwoFactorSessionScheme(SessionScheme):
    """REST framework's session scheme in the OpenAPI schema, for the subclass (drf-spectacular matches it by class)."""

    target_class = TwoFactorSessionAuthentication
    priority = 0
