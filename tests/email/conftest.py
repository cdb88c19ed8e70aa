"""Composing emails is tested as delivery sends them: the same media folder, base URL and SMTP server on 127.0.0.1."""

from tests.delivery.conftest import media_in_tmp, smtp_server  # noqa: F401 (fixtures; media_in_tmp is autouse)
