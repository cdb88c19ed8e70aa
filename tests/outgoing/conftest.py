"""The guard is tested as outbound uses it: private targets allowed (a test that needs them refused says so)."""

from tests.outbound.conftest import private_targets_allowed  # noqa: F401 (an autouse fixture)
