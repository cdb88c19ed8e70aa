"""Credentials issued by the real pipeline, and a person's browser as the public pages see it."""

import pytest
from django.core.cache import cache

from tests.openbadges.conftest import academy, first_aid, issue  # noqa: F401 (fixtures)
from tests.pipeline.conftest import smtp  # noqa: F401 (a fixture)

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"


@pytest.fixture(autouse=True)
def fresh_cache(db):
    """The verify page's rate limit and the page facts live in the shared cache: each test starts without them."""
    from issuance import shared_counts

    cache.clear()
    shared_counts._reserves.clear()
    yield
    shared_counts._reserves.clear()


@pytest.fixture
def person(client):
    """The Django test client sending a browser's User-Agent, as a person's visit does."""
    client.defaults["HTTP_USER_AGENT"] = BROWSER
    return client


def counts(credential) -> dict:
    from issuance.engagement.figures import credential_engagement

    return credential_engagement(credential_id=credential.pk)
