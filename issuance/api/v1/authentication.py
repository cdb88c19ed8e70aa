"""`Authorization: Bearer lk_…`: an organisation's API key (courses/access/api_keys.py) beside the users' `Token`.

An unknown or revoked key is a 401 with a JSON `detail`, never a fall-back to anonymous; what the key may
then see and do is its organisation and role, answered by courses/access/tenancy.py like any member's.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from courses.access.api_keys import ApiKeyPrincipal, api_key_find, api_key_touch

KEYWORD = b"bearer"


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
