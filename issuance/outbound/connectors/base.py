"""The outbound seam: a registry of kinds, each a small client with a settings schema and one `perform`.

A connector module (issuance/outbound/platforms/credly.py …) declares a `Connector` subclass and registers
it; nothing shared changes when a system is added. `perform` gets a `DeliveryRequest` and returns
an `Outcome`, or raises `OutboundError`, which says whether trying again could help.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

PLATFORM, CRM, WEBHOOK = "platform", "crm", "webhook"

ISSUED, REVOKED, SUSPENDED, REINSTATED = "credential.issued", "credential.revoked", "credential.suspended", "credential.reinstated"
EXPIRING, EXPIRED, UPDATED, PARKED = "credential.expiring", "credential.expired", "credential.updated", "issuance.parked"
ACTIONS = [ISSUED, REVOKED, SUSPENDED, REINSTATED, EXPIRING, EXPIRED, UPDATED, PARKED]

# Waits before attempts 2, 3 …: a platform or CRM that is down for maintenance is given about 7 hours.
HOURS_OF_RETRIES = (timedelta(seconds=30), timedelta(minutes=2), timedelta(minutes=10), timedelta(hours=1),
                    timedelta(hours=6))


class OutboundError(Exception):
    """A delivery attempt failed. `permanent`: retrying cannot help (staff must act).

    `retry_after` (seconds) is the system's own request to wait (429 / Retry-After).
    `outcome_unknown`: the request may have been acted upon, so the next attempt looks first.
    `status`: the HTTP status the system answered, when it answered one.
    """

    def __init__(self, message: str, *, permanent: bool, retry_after: float | None = None, outcome_unknown: bool = False,
                 gone: bool = False, status: int | None = None):
        super().__init__(message)
        self.permanent, self.retry_after, self.outcome_unknown, self.gone = permanent, retry_after, outcome_unknown, gone
        self.status = status


class SettingsRuleError(ValueError):
    """A rule across settings broken (`Connector.settings_check`), naming the setting that would mend it, so the
    admin shows the message beside that field rather than above the form."""

    def __init__(self, message: str, *, setting: str = ""):
        super().__init__(message)
        self.setting = setting


@dataclass(frozen=True)
class Setting:
    """One declared setting: its default ('' = none), whether it is required, and a check that raises ValueError.

    What the value is made of tells the admin how to draw it (a field per setting, never a JSON box):
    `choices`, one of them (`many`: several, separated by commas); `pairs`, NAME=FIELD pairs whose FIELD is
    one of these, drawn as a table of rows. The stored value, and `connection_add`'s, stays the same text.
    """

    default: str = ""
    required: bool = False
    check: Callable[[str], None] | None = None
    help: str = ""
    label: str = ""
    choices: tuple[str, ...] = ()
    many: bool = False
    pairs: tuple[str, ...] = ()


@dataclass
class Outcome:
    """What the system answered: its id for the record (kept and reused), a link if it has one."""

    summary: str
    remote_id: str = ""
    remote_url: str = ""
    skipped: bool = False


@dataclass
class DeliveryRequest:
    """Everything one attempt needs, read once by the delivery code; connectors touch no models."""

    action: str
    settings: dict
    secret: str
    payload: dict
    connection_id: int
    remote_template: str = ""  # the mapped template / badge class / group, for platforms
    remote_id: str = ""  # the record made by an earlier delivery (for revoke, update) or a partial one
    uncertain: bool = False  # an earlier attempt's outcome is unknown: look before creating
    idempotency_key: str = ""
    calls: list = field(default_factory=list)  # "POST /path → 201" lines, for the delivery's summary


class Connector:
    kind = ""
    label = ""
    stage = PLATFORM  # platforms run in step 5, CRMs and webhooks in step 7
    secret_label = ""
    needs_mapping = False
    settings: dict[str, Setting] = {}
    actions: set[str] = set()
    # The retry policy, read by the delivery code: the waits before attempts 2, 3 … (after the last the
    # delivery fails and staff are told), and, when set, how long the connection may keep failing before it
    # is disabled (a 410 Gone disables it at once); None keeps it enabled however long it fails.
    retry_delays: tuple[timedelta, ...] = HOURS_OF_RETRIES
    disable_after: timedelta | None = None
    # The system's documented request limit (requests, per seconds), used when a connection sets none; None: none known.
    rate_limit_default: tuple[int, int] | None = None
    # Whether planning freezes the credential's further facts on the row (PDF and OB 3.0 URLs, the
    # OB 3.0 credential, what it renews, other connections' ids: payloads.credential_facts).
    wants_facts = False

    def secret_needed(self, settings: dict) -> bool:
        """Whether a connection with these settings must have a secret."""
        return bool(self.secret_label)

    def subscribed(self, settings: dict, action: str) -> bool:
        """Whether this connection takes the event (kinds with an `events` setting: those it lists, or all)."""
        events = settings.get("events", "")
        return not events or action in {event.strip() for event in events.split(",")}

    def follows_issue(self, settings: dict) -> bool:
        """Whether its later events act on the record its issue made (and so wait for that record's id)."""
        return self.stage == PLATFORM

    def rate_limit(self, settings: dict) -> tuple[int, int] | None:
        """(requests, per seconds) this connection may send: its own `rate_limit` (a REST document's
        {"requests", "per_seconds"}, or the other kinds' "N/S" setting), else the system's documented limit."""
        value = settings.get("rate_limit")
        if isinstance(value, dict) and value:
            return int(value["requests"]), int(value["per_seconds"])
        if isinstance(value, str) and value.strip():
            requests, _, seconds = value.partition("/")
            return int(requests), int(seconds)
        return self.rate_limit_default

    def perform(self, request: DeliveryRequest) -> Outcome:
        raise NotImplementedError

    def batch_limit(self, settings: dict) -> int:
        """How many issue deliveries one call may carry (a platform's bulk endpoint); 1: none, one call each."""
        return 1

    def perform_batch(self, requests: list[DeliveryRequest]) -> list["Outcome | OutboundError"]:
        """One bulk call for several first attempts at issue deliveries: each request's own result, in order.

        An Outcome is that delivery done; an OutboundError its own failure, retried on its schedule, and
        alone (retries never go in bulk: the single call adopts a duplicate or says exactly what was
        refused). The calls are noted in the first request's `calls`. Raises OutboundError when the call
        as a whole failed.
        """
        raise NotImplementedError

    def test(self, *, settings: dict, secret: str) -> str:
        """A harmless request that proves the settings and the secret work; returns what the system said."""
        raise NotImplementedError

    def mappings_check(self, *, settings: dict, secret: str, mappings: dict[str, str]) -> list[str]:
        """What is wrong with the mappings ({our achievement: the platform's id}), one line each; [] if nothing or not checkable."""
        return []


CONNECTORS: dict[str, Connector] = {}


def connector_register(cls: type[Connector]) -> type[Connector]:
    CONNECTORS[cls.kind] = cls()
    return cls
