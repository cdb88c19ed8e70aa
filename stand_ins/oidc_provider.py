"""A real OpenID Connect provider on 127.0.0.1: oidc-provider-mock (Authlib's authorization server:
discovery, authorization code with PKCE, RS256 ID tokens, JWKS, user info), run in a thread.

Faults a hostile or broken provider could show are switched on by the caller (`Provider.faults`): ID
tokens issued for another client, a JWKS whose key is not the one that signs (`swap_signing_key`), and
another issuer's name in its discovery document or ID tokens.
"""

import io
import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

import jwt
import requests
import werkzeug.serving
from cryptography.hazmat.primitives.asymmetric import rsa
from oidc_provider_mock import app as provider_app


@dataclass
class Faults:
    issue_for_client: str | None = None  # the client id the provider is told instead of the real one
    jwks: dict | None = field(default=None)  # served at /jwks instead of the signing key
    # The provider names itself after the Host it is asked by: on these paths it is told another one.
    other_host: str = "idp.example.net"
    other_host_on: set[str] = field(default_factory=set)


class _Faulty:
    """WSGI middleware that puts the faults on the provider's own requests and answers."""

    def __init__(self, app, faults: Faults):
        self.app, self.faults = app, faults

    def __call__(self, environ, start_response):
        if self.faults.jwks is not None and environ["PATH_INFO"] == "/jwks":
            body = json.dumps(self.faults.jwks).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        if environ["PATH_INFO"] in self.faults.other_host_on:
            environ["HTTP_HOST"] = self.faults.other_host
        other = self.faults.issue_for_client
        if other:
            environ["QUERY_STRING"] = _client_replaced(environ.get("QUERY_STRING", ""), other)
            if environ["PATH_INFO"] == "/oauth2/token":
                length = int(environ.get("CONTENT_LENGTH") or 0)
                body = _client_replaced(environ["wsgi.input"].read(length).decode(), other).encode()
                environ["wsgi.input"], environ["CONTENT_LENGTH"] = io.BytesIO(body), str(len(body))
        return self.app(environ, start_response)


def _client_replaced(form: str, client_id: str) -> str:
    pairs = parse_qsl(form, keep_blank_values=True)
    return urlencode([(name, client_id if name == "client_id" else value) for name, value in pairs])


@dataclass
class Provider:
    issuer: str
    faults: Faults

    def user_set(self, sub: str, claims: dict) -> None:
        """The claims the provider holds about `sub` (its ID token and user info carry them)."""
        requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5).raise_for_status()

    def sign_in(self, authorization_url: str, sub: str) -> str:
        """The person `sub` signs in at the provider's page; the address it sends the browser back to."""
        answer = requests.post(authorization_url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert answer.status_code == 302, answer.text[:500]
        return answer.headers["Location"]

    def swap_signing_key(self) -> None:
        """Serve a JWKS with the same key id but another key: the ID token's signature no longer verifies."""
        published = requests.get(f"{self.issuer}/jwks", timeout=5).json()["keys"][0]
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
        key = jwt.algorithms.RSAAlgorithm.to_jwk(stranger, as_dict=True)
        self.faults.jwks = {"keys": [{**key, "kid": published["kid"], "alg": published.get("alg", "RS256"), "use": "sig"}]}


@contextmanager
def oidc_provider():
    """A provider listening on 127.0.0.1; plain http, which Authlib allows only when told so."""
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    faults = Faults()
    server = werkzeug.serving.make_server("127.0.0.1", 0, _Faulty(provider_app(require_nonce=True), faults), threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Provider(issuer=f"http://127.0.0.1:{server.server_port}", faults=faults)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
