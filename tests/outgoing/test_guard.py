"""The outgoing-request guard: https only, no private targets (also after redirects), bounded time and size."""

import pytest

from bench.smtp_sink import free_port
from issuance.outgoing.guard import OutcomeUnknown, RequestNotSent, ResponseTooLarge, TargetRefused, guarded_request, target_check

from stand_ins.outbound.servers import FakeService


class Echo(FakeService):
    def handle(self, request):
        if request["path"] == "/big":
            return 200, b"x" * 5000, {"content-type": "text/plain"}
        if request["path"].startswith("/redirect"):
            return 302, b"", {"location": request["query"]["to"][0]}
        self.behaviour()
        return 200, {"path": request["path"]}


@pytest.fixture
def echo():
    with Echo() as server:
        yield server


def test_it_refuses_a_loopback_target_without_the_setting(settings, echo):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(TargetRefused, match="only https"):
        guarded_request("GET", f"{echo.url}/x")
    with pytest.raises(TargetRefused, match="private, loopback or link-local"):
        guarded_request("GET", echo.url.replace("http://", "https://") + "/x")
    assert echo.requests == []


@pytest.mark.parametrize("url", ["https://10.0.0.8/", "https://169.254.169.254/latest/meta-data", "https://[::1]/",
                                 "https://192.168.1.1/", "https://localhost/"])
def test_it_refuses_private_and_link_local_addresses(settings, url):
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    with pytest.raises(TargetRefused):
        guarded_request("GET", url)


def test_it_refuses_other_schemes_and_credentials_in_the_url():
    for url in ["ftp://example.org/", "file:///etc/passwd", "https://user:pw@example.org/"]:
        with pytest.raises(TargetRefused):
            target_check(url, allow_private=True)


def test_it_reaches_a_local_server_with_the_setting(echo):
    assert guarded_request("GET", f"{echo.url}/hello").json() == {"path": "/hello"}


def test_it_checks_every_redirect_and_refuses_one_to_another_scheme(echo):
    response = guarded_request("GET", f"{echo.url}/redirect?to={echo.url}/there", follow_redirects=True)
    assert response.json() == {"path": "/there"}
    with pytest.raises(TargetRefused):
        guarded_request("GET", f"{echo.url}/redirect?to=file:///etc/passwd", follow_redirects=True)


def test_it_does_not_follow_redirects_unless_asked(echo):
    assert guarded_request("GET", f"{echo.url}/redirect?to={echo.url}/there").status == 302


def test_it_bounds_the_answer_and_the_wait(echo):
    with pytest.raises(ResponseTooLarge):
        guarded_request("GET", f"{echo.url}/big", max_bytes=1000)
    echo.script = [("stall", 1.5)]
    with pytest.raises(OutcomeUnknown):
        guarded_request("POST", f"{echo.url}/slow", json={}, read_timeout=0.3)


def test_a_refused_connection_is_known_not_sent():
    port = free_port()  # nothing listens there
    with pytest.raises(RequestNotSent):
        guarded_request("GET", f"http://127.0.0.1:{port}/", connect_timeout=1)


def test_production_is_warned_when_private_targets_are_allowed(settings):
    from issuance.outbound.checks import check_private_targets

    settings.DEBUG, settings.LAUREL_ALLOW_PRIVATE_TARGETS = False, True
    assert [w.id for w in check_private_targets(None)] == ["laurel.W030"]
    settings.LAUREL_ALLOW_PRIVATE_TARGETS = False
    assert check_private_targets(None) == []


def test_a_name_that_does_not_resolve_is_said_in_a_sentence_with_the_detail_kept_apart(settings):
    from issuance.outgoing.guard import TECHNICAL

    for allow in (False, True):  # the address check resolves first; with private targets allowed, urllib3 does
        settings.LAUREL_ALLOW_PRIVATE_TARGETS = allow
        with pytest.raises(RequestNotSent) as failed:
            guarded_request("GET", "https://api.credly.invalid/v1/organizations", connect_timeout=1)
        plain, _, detail = str(failed.value).partition(TECHNICAL)
        assert plain == "Could not reach api.credly.invalid (the name does not resolve). Check the address or your network. "
        assert "https://api.credly.invalid/v1/organizations" in detail


def test_a_refused_connection_names_the_port_in_a_sentence():
    port = free_port()
    with pytest.raises(RequestNotSent, match=rf"^Could not reach 127.0.0.1: nothing answered on port {port} \(connection refused\)"):
        guarded_request("GET", f"http://127.0.0.1:{port}/", connect_timeout=1)
