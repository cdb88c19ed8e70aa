"""Shared fixtures: the profile's services, personas and a logged-in admin client."""

import functools

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError, connection
from django.test.utils import override_settings

from courses.catalogue_cache import catalogue_cache_forget
from courses.published_rules import published_rules_forget
from issuance.delivery.transport import transport_forget
from issuance.openbadges import render_method
from issuance.queue_brokers import broker_make
from tests.factories.courses import StaffUserFactory
from tests.services import port_answers, redis_answers, service_missing


@functools.cache
def profile_service_missing() -> tuple[str, str] | None:
    """(what, how to get it) for the first service the chosen profile names that is not answering."""
    if connection.vendor == "postgresql":
        host, port = connection.settings_dict["HOST"] or "127.0.0.1", int(connection.settings_dict["PORT"] or 5432)
        if not port_answers(host, port):
            return (f"PostgreSQL (DATABASE_URL) on {host}:{port}",
                    "apt-get install postgresql, or unset DATABASE_URL to test on SQLite")
    if settings.REDIS_URL and not redis_answers(settings.REDIS_URL):
        return f"Redis (REDIS_URL) at {settings.REDIS_URL}", "apt-get install redis-server, or unset REDIS_URL"
    return None


def production_profile() -> bool:
    """The suite runs on the production profile: PostgreSQL (DATABASE_URL) and Redis (REDIS_URL)."""
    return connection.vendor == "postgresql" and bool(settings.REDIS_URL)


def pytest_collection_modifyitems(config, items):
    """Tests marked `production_profile` break PostgreSQL or Redis on purpose; those services are the
    production profile's, so the tests run there (CI's PostgreSQL and Redis run) and are left out of the embedded run."""
    if production_profile():
        return
    left_out = [item for item in items if item.get_closest_marker("production_profile")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("production_profile")]
        config._laurel_production_only = len(left_out)


def pytest_terminal_summary(terminalreporter, config):
    left_out = getattr(config, "_laurel_production_only", 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} production-profile fault tests left out: they run with DATABASE_URL (PostgreSQL) and "
            "REDIS_URL set, as in .ci/run's PostgreSQL and Redis run")


def pytest_runtest_setup(item):
    """On the production profile nearly every test uses PostgreSQL and Redis: if one is not
    answering, skip with one reason (before any fixture fails on it with a traceback)."""
    missing = profile_service_missing()
    if missing:
        service_missing(*missing)


@pytest.fixture(autouse=True, scope="session")
def passwords_hashed_quickly():
    """Staff users are made in hundreds of tests: Django's PBKDF2 (a million rounds, about 0.5 s a user on 2 cores)
    would spend minutes of every run on it. A password made elsewhere (a seeded demo user) still checks.
    Tests that sign in with a password still check one; Laurel's own settings keep Django's hashers."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher", *settings.PASSWORD_HASHERS]):
        yield


@pytest.fixture(autouse=True)
def cache_emptied_before_each_test():
    """On the production profile the cache is Redis, which no test's transaction rolls back (the embedded
    profile's database cache is): a worker's heartbeat or a periodic task's lease from one test would be seen
    by the next, and /healthz would call a later test's waiting work stalled. The broker's queue is emptied
    too, as the ORM broker's rows are rolled back: a task one test queued and no worker took would otherwise
    sit at the head of the list, and after LAUREL_HEALTH_STALL_SECONDS a later test's /healthz says stalled."""
    if settings.REDIS_URL and profile_service_missing() is None:
        try:
            client = redis.Redis.from_url(settings.REDIS_URL)
            keys = list(client.scan_iter(match=":1:*", count=1000))
            if keys:
                client.delete(*keys)
            broker_make().delete_queue()  # the ready list and the held-until-due set
        except redis.RedisError:
            pass  # a fault test has stopped Redis on purpose; it says so itself
    yield


@pytest.fixture(autouse=True)
def database_cache_emptied_after_transactional_tests(request, django_db_blocker):
    """On the embedded profile the cache is a table (laurel_cache) that a test's transaction rolls back, except
    in tests with transaction=True: their database is flushed, and the flush empties the models' tables only.
    A periodic task's lease or slot left there by a cluster a test killed (SIGKILL) would then make a later
    test's poll or sweep say "skipped" until the lease ran out; so those tests leave the table empty."""
    yield
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or "live_server" in request.fixturenames \
        or bool(marker and marker.kwargs.get("transaction"))
    if transactional and settings.CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
        with django_db_blocker.unblock():
            try:
                caches["default"].clear()
            except DatabaseError:
                pass  # a fault test left the database unreachable on purpose; it says so itself


@pytest.fixture(autouse=True)
def no_render_card_outlives_its_test():
    """A design's renderMethod card is remembered per process for a minute (issuance/openbadges/render_method.py);
    its row goes with the test's database, and a later test's organisation may get the same id."""
    yield
    render_method._cards.clear()


@pytest.fixture(autouse=True)
def no_catalogue_copy_outlives_its_test():
    """A process keeps an organisation's catalogue and published rules (courses/catalogue_cache.py,
    published_rules.py), keyed so that another organisation or version is never served; a test's
    database goes with it, so the next test starts without them, as a fresh worker would."""
    yield
    catalogue_cache_forget()
    published_rules_forget()


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
