"""What a test needs from outside the project (a server, a program), and what happens when it is missing.

On a developer's machine a missing service skips the test with one line naming what to install.
Under LAUREL_REQUIRE_SERVICES=1 (set by `.ci/run`) the same test fails instead, so CI runs everything.
"""

import os
import shutil
import socket

import pytest
import redis


def services_required() -> bool:
    return os.environ.get("LAUREL_REQUIRE_SERVICES", "") == "1"


def service_missing(what: str, install: str) -> None:
    """Skip (or, in CI, fail) the calling test: `what` is missing, `install` says how to get it."""
    message = f"{what} is not available: {install}"
    if services_required():
        pytest.fail(f"LAUREL_REQUIRE_SERVICES=1 and {message}", pytrace=False)
    pytest.skip(message)


def require_program(name: str, *, package: str) -> str:
    """The path of `name` on PATH, or skip/fail naming the Debian package that provides it."""
    path = shutil.which(name)
    if path is None:
        service_missing(f"the program {name!r}", f"apt-get install {package}")
    return path


def port_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def require_port(host: str, port: int, *, what: str, install: str) -> None:
    """Skip/fail unless something accepts TCP connections at host:port."""
    if not port_answers(host, port):
        service_missing(f"{what} on {host}:{port}", install)


def redis_answers(url: str) -> bool:
    """A Redis server answers PING at `url` (not a closed port, not a refused password)."""
    client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=2)
    try:
        return client.ping()
    except redis.RedisError:
        return False
    finally:
        client.close()


def require_redis(url: str, *, install: str = "apt-get install redis-server") -> None:
    """Skip/fail unless a Redis server answers at `url`."""
    if not redis_answers(url):
        service_missing(f"Redis at {url}", install)
