"""Every kind of connection, by name: importing this module registers each connector."""

from .crm import hubspot, salesforce  # noqa: F401  (each module registers its connector)
from .platforms import accredible, badgr, credly  # noqa: F401
from .webhooks import connector  # noqa: F401
from .rest import connector as rest_connector  # noqa: F401
from .connectors.base import CONNECTORS, Connector


def connector_for(kind: str) -> Connector:
    try:
        return CONNECTORS[kind]
    except KeyError:
        raise KeyError(f"Unknown connection kind {kind!r}; the kinds are: {', '.join(sorted(CONNECTORS))}.") from None


def connectors_load() -> dict[str, Connector]:
    """The complete registry."""
    return CONNECTORS
