"""Shared fixtures: personas and a logged-in admin client."""

import pytest

from tests.factories import StaffUserFactory


@pytest.fixture
def admin_user(db):
    return StaffUserFactory()


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client
