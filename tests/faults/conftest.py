"""Fault fixtures: private PostgreSQL and Redis servers a test may stop and start, and the test's connections to them."""

import pytest
from django.core.management import call_command
from django.db import connections
from django.db.utils import load_backend

from tests.faults.servers import PrivatePostgres, PrivateRedis
from tests.pipeline.conftest import course, org, smtp  # noqa: F401  the pipeline's SMTP server and catalogue

DATABASE = "laurel_faults"


@pytest.fixture
def private_postgres():
    """A PostgreSQL cluster of this test's own, migrated, with this process's default connection pointing at it.

    Request it before any fixture that writes (e.g. before `course`) so their rows land there too;
    `tests.pipeline.cluster.database_url()` then hands the same database to the qcluster.
    """
    server = PrivatePostgres().init().start()
    import psycopg

    with psycopg.connect(server.url("postgres"), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{DATABASE}"')
    original = connections["default"]
    settings_dict = {
        **connections.settings["default"], "ENGINE": "django.db.backends.postgresql", "NAME": DATABASE,
        "USER": "postgres", "PASSWORD": "", "HOST": "127.0.0.1", "PORT": str(server.port), "OPTIONS": {},
        "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": True,
    }
    private = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, alias="default")
    connections["default"] = private
    try:
        call_command("migrate", verbosity=0, interactive=False)
        yield server
    finally:
        private.close()
        connections["default"] = original
        server.close()


@pytest.fixture
def private_redis():
    server = PrivateRedis().start()
    yield server
    server.close()
