"""Each auth type a rest connection offers reaches the API as the API expects it; OAuth 2.0 tokens are cached and renewed."""

import time

import pytest

from issuance.models import OutboundDelivery
from issuance.outbound.tasks import outbound_sweep
from issuance.revocation import credential_suspend, credential_unsuspend

from stand_ins.outbound.rest import CredentialsApi

from .conftest import calls_for, sync

Status = OutboundDelivery.Status


@pytest.mark.parametrize("auth, server_auth, secret", [
    ({"type": "none"}, ("none",), None),
    ({"type": "bearer"}, ("bearer", "tok-123"), "tok-123"),
    ({"type": "basic", "username": "laurel"}, ("basic", "laurel", "pa:ss"), "pa:ss"),
    ({"type": "header", "name": "X-API-Key"}, ("header", "X-API-Key", "key-9"), "key-9"),
    ({"type": "query", "name": "api_key"}, ("query", "api_key", "key&9"), "key&9"),
])
def test_it_authenticates_each_way_the_api_asks(credential, rest, auth, server_auth, secret):
    with CredentialsApi(auth=server_auth) as api:
        rest(api, auth=auth, secret=secret)
        delivery = sync(credential)
        assert delivery.status == Status.DONE, delivery.last_error
        assert list(api.credentials) == [delivery.remote_id]


def test_it_fails_at_once_when_the_api_refuses_the_secret(credential, rest):
    with CredentialsApi(auth=("bearer", "right")) as api:
        rest(api, auth={"type": "bearer"}, secret="wrong")
        delivery = sync(credential)
        assert delivery.status == Status.FAILED and delivery.attempts == 1 and "401" in delivery.last_error


def _oauth(api, rest, **auth):
    calls = {**calls_for(api.url), **{event: {"method": "POST", "url": f"{api.url}/api/credentials",
                                               "body": '{"email": "{{ learner.email }}", "event": "{{ event }}"}'}
                                       for event in ("credential.suspended", "credential.reinstated")}}
    rest(api, auth={"type": "oauth2_client_credentials", "token_url": f"{api.url}/oauth/token", "client_id": "laurel",
                    "scopes": ["credentials:write", "credentials:read"], **auth}, secret="s3cret", calls=calls)


@pytest.mark.parametrize("client_auth", ["basic", "body"])
def test_it_fetches_an_oauth2_token_once_and_again_when_it_expires(credential, rest, client_auth):
    # A lifetime of a few seconds: the first two calls must fall inside it on a loaded machine (at 1 s, a
    # PostgreSQL run under load took longer between them, and the token had run out).
    with CredentialsApi(auth=("oauth2",), token_lifetime=4) as api:
        _oauth(api, rest, client_auth=client_auth)
        assert sync(credential).status == Status.DONE
        credential_suspend(credential=credential, reason="Under review")
        outbound_sweep()
        assert len(api.token_requests) == 1  # the cached token served the second call
        assert api.token_requests[0]["scope"] == "credentials:write credentials:read"
        assert ("client_secret" in api.token_requests[0]) == (client_auth == "body")
        time.sleep(4.0)  # the token's expires_in (4 s) has run out
        credential.refresh_from_db()
        credential_unsuspend(credential=credential, reason="Cleared")
        outbound_sweep()
        assert len(api.token_requests) == 2
        assert [d.status for d in OutboundDelivery.objects.order_by("pk")] == [Status.DONE] * 3


def test_it_fetches_a_new_token_once_when_the_api_answers_401(credential, rest):
    with CredentialsApi(auth=("oauth2",)) as api:
        _oauth(api, rest)
        assert sync(credential).status == Status.DONE
        api.revoke_tokens()  # the API forgot the token before it expired
        credential_suspend(credential=credential, reason="Under review")
        outbound_sweep()
        suspended = OutboundDelivery.objects.get(action="credential.suspended")
        assert suspended.status == Status.DONE and len(api.token_requests) == 2

        api.auth = ("bearer", "no token works now")
        credential.refresh_from_db()
        credential_unsuspend(credential=credential, reason="Cleared")
        outbound_sweep()
        reinstated = OutboundDelivery.objects.get(action="credential.reinstated")
        assert reinstated.status == Status.FAILED and "401" in reinstated.last_error
        assert len(api.token_requests) == 3  # one new token for the refused call, not a loop


def test_it_fails_at_once_when_the_token_url_refuses_the_client(credential, rest):
    with CredentialsApi(auth=("oauth2",), client_secret="other") as api:
        _oauth(api, rest)
        delivery = sync(credential)
        assert delivery.status == Status.FAILED and "refused the client id or secret" in delivery.last_error
        assert api.credentials == {}
