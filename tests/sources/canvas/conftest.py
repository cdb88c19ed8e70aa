"""Canvas fixtures: Instructure's key set served on 127.0.0.1, with Laurel's cache of it emptied around each test."""

import pytest

from issuance.sources.canvas.jwks import jwks_cache_forget
from stand_ins.lms import JwksServer


@pytest.fixture
def jwks():
    jwks_cache_forget()
    server = JwksServer().start()
    yield server
    server.stop()
    jwks_cache_forget()
