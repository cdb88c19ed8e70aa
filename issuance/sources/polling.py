"""The polling half of the inbound seam: asking a sender's API for completions instead of waiting for them.

A poller walks one scope (a mapped course, or an LRS verb) page by page and yields `PollStep`s: the
completions found on a page, each with the bytes the sender gave for it, and where the next page
is. The runner (`issuance/intake/polling.py`) stores each step's events and its cursor in one
transaction, so a poll killed between steps resumes at the page it had not finished, and a page
fetched twice stores nothing twice (the event id is the same).

Every request goes through `PollClient`: the guarded request, the poll's budget of requests and
time, rate limits honoured, and errors classified into the four kinds the runner acts on.
"""

import base64
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone

from ..models import CompletionEvent
from ..outgoing.guard import GuardedResponse, OutboundRequestError, TargetRefused, guarded_request
from ..outgoing.http import retry_after_seconds
from .base import derived_event_id, json_body, json_parse

SHORT_WAIT_SECONDS = 5  # a Retry-After this short is waited out inside the poll; longer ones end it


class PollError(Exception):
    """A poll could not go on. `kind` says what the runner does about it.

    credentials    the sender refused who we are: park the source, tell staff once
    configuration  a URL, course or setting is wrong: park the source too
    rate_limited   asked to wait: stop, and poll again after `retry_after` seconds
    transient      the sender is down or failing: back off and try again
    """

    CREDENTIALS, CONFIGURATION, RATE_LIMITED, TRANSIENT = "credentials", "configuration", "rate_limited", "transient"

    def __init__(self, message: str, *, kind: str, retry_after: float | None = None):
        super().__init__(message)
        self.message, self.kind, self.retry_after = message, kind, retry_after

    @property
    def parks(self) -> bool:
        return self.kind in (self.CREDENTIALS, self.CONFIGURATION)


class PollBudgetSpent(Exception):
    """This poll has made as many requests, or run as long, as it may: the rest waits for the next one."""


@dataclass
class PollBudget:
    max_requests: int
    max_seconds: float
    started: float = field(default_factory=time.monotonic)
    requests: int = 0
    # A sender that says "none left" (X-RateLimit-Remaining: 0) ends the poll after the current step.
    resume_after: float | None = None
    # A scheduled run hands its worker back after a page once this many seconds have gone (None: never);
    # between pages, so every run stores a page at least and the next one resumes after it.
    hand_over_after: float | None = None
    handed_over: bool = False
    page_started: float | None = None

    def spend(self) -> None:
        if self.resume_after is not None:
            raise PollBudgetSpent(f"the sender's rate limit is used up; polling again in {self.resume_after:.0f} s")
        if self.requests >= self.max_requests:
            raise PollBudgetSpent(f"{self.requests} requests, the most one poll makes")
        if time.monotonic() - self.started >= self.max_seconds:
            raise PollBudgetSpent(f"{self.max_seconds:.0f} s, the longest one poll runs")
        self.requests += 1

    def hand_over(self) -> None:
        """Asked after each page is stored: a scheduled run stops there (#28) if another page as long as this
        one would take it past its seconds, so a run lasts about its seconds, or one page when pages are slow."""
        now = time.monotonic()
        page, self.page_started = now - (self.page_started or self.started), now
        if self.hand_over_after is not None and now - self.started + page >= self.hand_over_after:
            self.handed_over = True
            raise PollBudgetSpent(f"{self.hand_over_after:.0f} s, the most one scheduled run polls")

    @property
    def seconds_left(self) -> float:
        return self.max_seconds - (time.monotonic() - self.started)


@dataclass(frozen=True)
class PolledCompletion:
    """One completion found by a poll: its event id (the same one a webhook would give) and its bytes.

    `completion_key` is stored with the event, as a webhook's is (`IncomingEvent`).
    """

    external_id: str
    body: bytes
    learner: str = ""
    completed_at: str = ""
    completion_key: str = ""


@dataclass
class PollStep:
    """What one page gave: completions, and the cursor after it.

    `resume` is the page to start from next (None: this scope's pass is finished); `position`, when
    set, is the new "since"; `seen` adds learners whose completion is now stored.
    """

    found: list[PolledCompletion] = field(default_factory=list)
    resume: dict | None = None
    position: str | None = None
    seen: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PollWindow:
    """Reconcile's window: every completion between since and until, whatever the cursor says."""

    since: datetime
    until: datetime | None = None

    def holds(self, moment: datetime | None) -> bool:
        if moment is None:
            return False
        return moment >= self.since and (self.until is None or moment < self.until)


@dataclass(frozen=True)
class CursorState:
    """The cursor as a poller reads it (the runner owns the row)."""

    position: str = ""
    resume: dict | None = None
    seen: frozenset = frozenset()


def basic_authorization(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def learner_completion_add(*, step: PollStep, seen: set[str], dialect: str, learner: str, course, time_key: str,
                           completed_at, body: dict) -> None:
    """One learner's completion, found by a poller that walks a course's learners: its event id made
    of who, which course and when (the one a webhook of the same completion gives), its body, and the
    learner marked seen, so neither the rest of this pass nor the next asks about them again."""
    step.found.append(PolledCompletion(
        external_id=derived_event_id(dialect, learner, course, time_key), body=json_body(body),
        learner=learner, completed_at=str(completed_at),
    ))
    step.seen.append(learner)
    seen.add(learner)


def webhook_copy_known(*, source, completion_key: str, received_since: datetime | None = None) -> bool:
    """Whether a webhook stored the completion `completion_key` names (received since `received_since`).

    One indexed question (event_completion_key_idx) however many events the source holds: the key is
    stored with each event as it arrives, so no stored body is read again.
    """
    if not completion_key:
        return False
    # The exclusion is the partial index's own condition, spelt as it is: SQLite uses a partial index only
    # when the query names its condition (it does not infer "≠ ''" from "= key").
    copies = CompletionEvent.objects.filter(source=source, completion_key=completion_key, channel=CompletionEvent.Channel.WEBHOOK) \
        .exclude(completion_key="")
    if received_since is not None:
        copies = copies.filter(received_at__gte=received_since)
    return copies.exists()


def moment_parse(value) -> datetime | None:
    """An ISO 8601 time or Unix seconds, as an aware UTC datetime; None if it is neither."""
    if value in (None, "", 0, "0"):
        return None
    try:
        if isinstance(value, (int, float)) or str(value).isdigit():
            return datetime.fromtimestamp(int(value), tz=timezone.utc)
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def completion_time_key(value) -> str:
    """A completion time as it goes into an event id: UTC to the second, so that
    "2026-01-05T09:58:59.000Z" (a Live Event) and "2026-01-05T09:58:59Z" (the REST API) are one."""
    moment = moment_parse(value)
    if moment is None:
        return str(value)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class PollClient:
    """GET through the guard, within the budget, with the sender's authentication on every request."""

    def __init__(self, *, budget: PollBudget, headers: dict, label: str, sleep=time.sleep):
        self.budget, self.headers, self.label, self.sleep = budget, headers, label, sleep
        self.log: list[str] = []

    def get(self, url: str, *, params=None, data=None, method="GET", refused=(401, 403), missing_ok=False,
            passthrough=()) -> GuardedResponse | None:
        """The answer; PollError by kind for anything but 200 (None for a 404 when `missing_ok`).

        Statuses in `passthrough` come back as answers for the poller to read (Moodle's 403 with an empty body).
        """
        for attempt in range(2):
            self.budget.spend()
            try:
                response = guarded_request(method, url, headers=self.headers, params=params, data=data)
            except TargetRefused as exc:
                raise PollError(str(exc), kind=PollError.CONFIGURATION) from None
            except OutboundRequestError as exc:
                raise PollError(f"{self.label} did not answer: {exc}", kind=PollError.TRANSIENT) from None
            self.log.append(f"{method} {response.url.split('?')[0]} → {response.status}")
            if response.status != 429:
                self._note_rate_limit(response)
            if response.status in passthrough:
                return response
            if response.status == 429:
                wait = retry_after_seconds(response.headers.get("retry-after"))
                wait = 60.0 if wait is None else wait
                if attempt == 0 and wait <= SHORT_WAIT_SECONDS and wait < self.budget.seconds_left:
                    self.sleep(wait)
                    continue
                raise PollError(f"{self.label} is rate limiting Laurel (HTTP 429); polling again in {wait:.0f} s.",
                                kind=PollError.RATE_LIMITED, retry_after=wait)
            if response.status in refused:
                raise PollError(f"{self.label} refused Laurel's credentials (HTTP {response.status}): {response.text[:200]}",
                                kind=PollError.CREDENTIALS)
            if response.status >= 500 or response.status == 408:
                raise PollError(f"{self.label} answered HTTP {response.status}.", kind=PollError.TRANSIENT)
            if response.status == 404 and missing_ok:
                return None
            if response.status != 200:
                raise PollError(f"{self.label} answered HTTP {response.status} for {url}: {response.text[:200]}",
                                kind=PollError.CONFIGURATION)
            return response
        raise AssertionError("unreachable")

    def get_json(self, url: str, **kwargs):
        """(response, parsed JSON); (None, None) for a 404 when `missing_ok`."""
        response = self.get(url, **kwargs)
        if response is None:
            return None, None
        try:
            return response, json_parse(response.body)
        except (ValueError, UnicodeDecodeError):
            raise PollError(f"{self.label}'s answer to {url} is not JSON; check the address setting.", kind=PollError.TRANSIENT) from None

    def _note_rate_limit(self, response: GuardedResponse) -> None:
        """X-RateLimit-Remaining: 0 with X-RateLimit-Reset (Unix seconds, or seconds from now): stop after this step."""
        if response.headers.get("x-ratelimit-remaining", "").strip() != "0":
            return
        reset = response.headers.get("x-ratelimit-reset", "").strip()
        seconds = 60.0
        if reset.isdigit():
            value = int(reset)
            seconds = max(value - time.time(), 1.0) if value > 1_000_000_000 else float(value)
        self.budget.resume_after = seconds


class Poller:
    """One polled API. `scopes` lists what one poll walks; `steps` walks one scope."""

    dialect = ""
    label = ""

    def configured(self, source) -> bool:
        raise NotImplementedError

    def client(self, *, source, budget: PollBudget) -> PollClient:
        raise NotImplementedError

    def scopes(self, source) -> list[str]:
        """The mapped courses' ids at the source, by default."""
        return sorted(source.course_mappings.values_list("external_id", flat=True))

    def steps(self, *, client: PollClient, source, scope: str, cursor: CursorState, window: PollWindow | None):
        raise NotImplementedError

    def known_otherwise(self, *, source, completion: PolledCompletion) -> bool:
        """Whether the sender's webhook already brought this completion under another event id.

        Most senders give both paths the same id; one whose webhook is keyed by another time (Moodle's
        event time, not the completion time) says here how to recognise it.
        """
        return False
