"""Delivery fixtures: a real SMTP server or a Postmark API on 127.0.0.1, wired into settings."""

import pytest

from tests.delivery.servers import PostmarkServer, SMTPServer

TEST_TIMEOUT = 1  # seconds the client waits for an answer; the servers stall longer to force a timeout


@pytest.fixture(autouse=True)
def media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.LAUREL_BASE_URL = "https://credentials.example.org"


def send_through(settings, server: SMTPServer) -> SMTPServer:
    """Point Django's SMTP backend at `server`."""
    settings.EMAIL_BACKEND = "issuance.email.backends.SmtpBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", server.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = TEST_TIMEOUT
    return server


@pytest.fixture
def smtp_server(settings):
    with SMTPServer() as server:
        yield send_through(settings, server)


@pytest.fixture
def postmark_server(settings):
    with PostmarkServer() as server:
        settings.EMAIL_BACKEND = "anymail.backends.postmark.EmailBackend"
        settings.ANYMAIL = {"POSTMARK_SERVER_TOKEN": server.token, "POSTMARK_API_URL": server.url,
                            "REQUESTS_TIMEOUT": TEST_TIMEOUT}
        yield server
