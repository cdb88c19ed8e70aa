"""Shared fixtures: personas and a logged-in admin client."""

import pytest

from issuance.delivery.transport import transport_forget
from tests.factories import StaffUserFactory


@pytest.fixture(autouse=True)
def no_email_session_outlives_its_test():
    """The sending thread keeps its SMTP session between sends; each test's server is its own."""
    yield
    transport_forget()


@pytest.fixture
def admin_user(db):
    return StaffUserFactory()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
