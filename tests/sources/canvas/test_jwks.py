"""The Canvas key-set cache against a real JWKS server: rotation followed, forged kids not a fetch flood."""

import socket

import pytest

from issuance.sources.canvas.jwks import KeySetUnavailable, jwks_cache_forget, jwks_key_for

from stand_ins.lms import JwksServer


def test_it_fetches_once_for_a_new_kid_but_not_for_every_unknown_kid(jwks):
    url = jwks.url + "/jwks"
    first_kid = jwks.current[0]
    assert jwks_key_for(url=url, inline=None, kid=first_kid, now=0).key_id == first_kid
    new_kid = jwks.rotate()
    assert jwks_key_for(url=url, inline=None, kid=new_kid, now=1).key_id == new_kid
    assert len(jwks.requests) == 2
    for forged in range(5):
        assert jwks_key_for(url=url, inline=None, kid=f"forged-{forged}", now=2 + forged) is None
    assert len(jwks.requests) == 2
    assert jwks_key_for(url=url, inline=None, kid="forged-late", now=40) is None
    assert len(jwks.requests) == 3


def test_it_fetches_again_when_the_cached_set_is_an_hour_old(jwks):
    url = jwks.url + "/jwks"
    kid = jwks.current[0]
    jwks_key_for(url=url, inline=None, kid=kid, now=0)
    jwks_key_for(url=url, inline=None, kid=kid, now=3599)
    jwks_key_for(url=url, inline=None, kid=kid, now=3601)
    assert len(jwks.requests) == 2


def test_it_says_why_when_the_key_set_cannot_be_fetched(jwks):
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(KeySetUnavailable, match="did not answer"):
        jwks_key_for(url=f"http://127.0.0.1:{port}/jwks", inline=None, kid="k", now=0)


def test_it_follows_a_redirect_and_checks_where_it_leads(jwks, settings):
    target = jwks.url + "/jwks"
    redirector = JwksServer()
    redirector.respond = lambda path, body: (302, {}, {"Location": target})
    redirector.start()
    try:
        kid = jwks.current[0]
        assert jwks_key_for(url=redirector.url + "/old", inline=None, kid=kid, now=0).key_id == kid
        jwks_cache_forget()
        settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
        with pytest.raises(KeySetUnavailable, match="may not fetch jwks_url"):
            jwks_key_for(url="https://localhost:1/jwks", inline=None, kid=kid, now=0)
    finally:
        redirector.stop()
