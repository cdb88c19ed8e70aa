"""Laurel's settings for the work itself: the queue, the pipeline's steps and periodic runs, outbound calls,
verification, the learner's page, certificate layers, wallets and polling. Imported by settings.py; every
value comes from the environment, the defaults being the embedded profile's."""

import socket

from .env import envbool, envint, envintlist, envstr

# --- Queue (django-q2) ------------------------------------------------------------------------
REDIS_URL = envstr("REDIS_URL")
Q_CLUSTER = {
    "name": envstr("Q_CLUSTER_NAME", "laurel"),
    "workers": envint("Q_WORKERS", 2),
    "queue_limit": envint("Q_WORKERS", 2),
    "bulk": 1,
    "timeout": envint("Q_TIMEOUT", 120),
    "retry": envint("Q_RETRY", 300),
    "max_attempts": 5,
    "ack_failures": False,
    # Successes are not stored: the audit trail records every step, and storing them cost each task a
    # read of up to save_limit rows (docs/performance.md). Failures are always stored.
    "save_limit": envint("Q_SAVE_LIMIT", -1),
    "catch_up": False,
    "recycle": envint("Q_RECYCLE", 2000),  # a worker's memory stays flat; a new one re-loads fonts
    "poll": 0.2,
    "label": "Queue",
    # The ORM or Redis broker as django-q2 would choose, able to hold a retry until it is due.
    "broker_class": "issuance.queue_brokers.broker_make",
}
# On SIGTERM, workers finish the task in hand; one still running after this long is killed (and
# re-queued by the sweep), so `qcluster` stops within 30 s of SIGTERM.
LAUREL_QCLUSTER_STOP_SECONDS = envint("LAUREL_QCLUSTER_STOP_SECONDS", 25)
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    # Same alias as the business data: a task enqueued inside a transaction commits or rolls back with it.
    Q_CLUSTER["orm"] = "default"

# --- Pipeline ---------------------------------------------------------------------------------
# A failing step is tried this many times, waiting RETRY_BASE, 2×, 4× … seconds between tries, then parked.
LAUREL_MAX_ATTEMPTS = envint("LAUREL_MAX_ATTEMPTS", 3)
LAUREL_RETRY_BASE_SECONDS = envint("LAUREL_RETRY_BASE_SECONDS", 30)
# How long a worker holds an issuance while it runs one step; longer than any step (SMTP timeout 30 s).
LAUREL_CLAIM_SECONDS = envint("LAUREL_CLAIM_SECONDS", 90)
# The sweep re-queues an issuance that has not moved for this long (a dead worker, a lost Redis task).
LAUREL_STALL_SECONDS = envint("LAUREL_STALL_SECONDS", 120)
# ...and an accepted completion event that no worker has processed for this long (its task was lost).
LAUREL_EVENT_STALL_SECONDS = envint("LAUREL_EVENT_STALL_SECONDS", 600)
# One run of that sweep (every minute) re-queues for at most this long, stopping between rows, and the next run
# carries on where it stopped: a backlog of stalled work never holds a worker longer (#28, docs/performance.md).
LAUREL_SWEEP_RUN_SECONDS = envint("LAUREL_SWEEP_RUN_SECONDS", 1)
# A completion whose sender's API (Moodle web services) fails for a passing reason (timeout, refused
# connection, 5xx, maintenance) is tried again after each of these waits, then parked: 5 tries in
# about 50 minutes by default. A permanent error (a bad token, a missing capability) parks at once.
LAUREL_ENRICHMENT_RETRY_SECONDS = envintlist("LAUREL_ENRICHMENT_RETRY_SECONDS", "60,300,900,1800")
# An event or issuance whose processing raises an unexpected error this many times is parked with
# the error, instead of being picked up again by every sweep for ever (a "poison" message).
LAUREL_POISON_FAILURES = envint("LAUREL_POISON_FAILURES", 3)
# /healthz answers 503 when work has waited this long: an issuance or a received event not moving, a
# queued task no worker has taken, or no worker finishing any task while work waits.
LAUREL_HEALTH_STALL_SECONDS = envint("LAUREL_HEALTH_STALL_SECONDS", 600)
# Each qcluster proves every LAUREL_WORKER_HEARTBEAT_SECONDS that it can still take and finish a task:
# its sentinel hands one of its own workers a heartbeat task, which records the beat in the database
# (one row per worker host, named by LAUREL_WORKER_HOST) and pings systemd's watchdog. A host whose last
# beat is older than LAUREL_WORKER_STALL_SECONDS is shown as stalled (/healthz, the dashboard) and
# `scripts/worker-health` fails on it (docs/deployment.md).
LAUREL_WORKER_HOST = envstr("LAUREL_WORKER_HOST", "") or socket.gethostname()
LAUREL_WORKER_HEARTBEAT_SECONDS = envint("LAUREL_WORKER_HEARTBEAT_SECONDS", 10)
LAUREL_WORKER_STALL_SECONDS = envint("LAUREL_WORKER_STALL_SECONDS", 60)
# Periodic tasks (issuance/schedules.py) share the queue's workers with issuance steps: each run stops
# between batches after this many seconds, and at most LAUREL_PERIODIC_WORKERS run at once (one fewer
# than the workers), so housekeeping never occupies every worker (issuance/periodic.py).
LAUREL_PERIODIC_BUDGET_SECONDS = envint("LAUREL_PERIODIC_BUDGET_SECONDS", 20)
LAUREL_PERIODIC_WORKERS = envint("LAUREL_PERIODIC_WORKERS", max(1, Q_CLUSTER["workers"] - 1))
# An outbox row still `sending` after this long lost its sender (a task never outlives Q_TIMEOUT).
LAUREL_OUTBOX_STUCK_SECONDS = envint("LAUREL_OUTBOX_STUCK_SECONDS", Q_CLUSTER["timeout"] + 60)
# Waits before an email's attempts 2, 3, 4 … (a minute, five, half an hour, two hours, six hours).
LAUREL_OUTBOX_RETRY_SECONDS = envintlist("LAUREL_OUTBOX_RETRY_SECONDS", "60,300,1800,7200,21600")

# --- Outbound connections (badge platforms, CRMs, webhooks; docs/integrations/) -----------------
# Lifts the outgoing-request guard's address check and allows plain http: for tests against
# 127.0.0.1 and for on-premise targets only (system check laurel.W030 reminds production).
LAUREL_ALLOW_PRIVATE_TARGETS = envbool("LAUREL_ALLOW_PRIVATE_TARGETS", False)
LAUREL_OUTBOUND_CONNECT_TIMEOUT = envint("LAUREL_OUTBOUND_CONNECT_TIMEOUT", 5)
LAUREL_OUTBOUND_READ_TIMEOUT = envint("LAUREL_OUTBOUND_READ_TIMEOUT", 15)
LAUREL_OUTBOUND_MAX_RESPONSE_BYTES = envint("LAUREL_OUTBOUND_MAX_RESPONSE_BYTES", 1_000_000)
# A PEM file of the certificate authorities outgoing https calls trust instead of the public ones
# (an on-premise CA); empty: the public ones.
LAUREL_OUTBOUND_CA_BUNDLE = envstr("LAUREL_OUTBOUND_CA_BUNDLE", "")
# A delivery still `sending` after this long lost its sender: its outcome is unknown.
LAUREL_OUTBOUND_STUCK_SECONDS = envint("LAUREL_OUTBOUND_STUCK_SECONDS", Q_CLUSTER["timeout"] + 60)
# A connection whose every call has failed for this long is marked unhealthy on its page and in its list.
LAUREL_CONNECTION_UNHEALTHY_MINUTES = envint("LAUREL_CONNECTION_UNHEALTHY_MINUTES", 30)

# --- Verifying a presented file (/verify and POST /api/v1/verify; docs/badges.md) ----------------
# Checks a minute from one client address, the page and the API together.
LAUREL_VERIFY_RATE = envint("LAUREL_VERIFY_RATE", 60)
# The largest file read (a certificate PDF is a few hundred KiB) and the most pages a PDF may declare.
LAUREL_VERIFY_MAX_BYTES = envint("LAUREL_VERIFY_MAX_BYTES", 10 * 1024 * 1024)
LAUREL_VERIFY_MAX_PAGES = envint("LAUREL_VERIFY_MAX_PAGES", 50)
# Seconds to connect, and then to answer, for each document fetched from another site while checking a file
# (an OB 2.0 assertion, badge class, issuer profile or key; a did:web document; a status list).
LAUREL_VERIFY_FETCH_TIMEOUT = envint("LAUREL_VERIFY_FETCH_TIMEOUT", 5)

# --- The learner's own page (/me; docs/learners.md) ------------------------------------------------
# The emailed sign-in link works once, for this long; a session it opens lasts LAUREL_ME_SESSION_MINUTES.
LAUREL_ME_LINK_MINUTES = envint("LAUREL_ME_LINK_MINUTES", 30)
LAUREL_ME_SESSION_MINUTES = envint("LAUREL_ME_SESSION_MINUTES", 60)
# The emailed download link for a learner's copy of their data lasts this long.
LAUREL_ME_DATA_LINK_HOURS = envint("LAUREL_ME_DATA_LINK_HOURS", 72)

# --- Certificates drawn in two layers (docs/certificates.md#two-layers) ---------------------------
# Each process keeps the designs' static layers (PDFs of a few tens of KiB) up to this many bytes.
LAUREL_CERTIFICATE_LAYER_CACHE_BYTES = envint("LAUREL_CERTIFICATE_LAYER_CACHE_BYTES", 64 * 1024 * 1024)

# --- Wallet delivery (docs/wallets.md) -------------------------------------------------------------
# A wallet offer (the links in the credential email and on the learner's wallet page) lasts this long.
LAUREL_WALLET_OFFER_DAYS = envint("LAUREL_WALLET_OFFER_DAYS", 30)
# Failed claims (a bad proof, a wrong challenge or transaction code) an offer takes before it refuses all.
LAUREL_WALLET_MAX_ATTEMPTS = envint("LAUREL_WALLET_MAX_ATTEMPTS", 10)
# OpenID4VCI offers ask for a 6-digit transaction code shown beside the QR code (a photo of the
# QR code alone then claims nothing).
LAUREL_WALLET_TX_CODE = envbool("LAUREL_WALLET_TX_CODE", False)
# Lifetimes of the one-time values: an exchange challenge, a c_nonce, an access token.
LAUREL_WALLET_CHALLENGE_SECONDS = envint("LAUREL_WALLET_CHALLENGE_SECONDS", 600)
LAUREL_WALLET_NONCE_SECONDS = envint("LAUREL_WALLET_NONCE_SECONDS", 300)
LAUREL_WALLET_TOKEN_SECONDS = envint("LAUREL_WALLET_TOKEN_SECONDS", 600)
# --- Polling sources (docs/lms/polling.md) ----------------------------------------------------
# One poll of one source makes at most this many requests and runs at most this long (well inside
# Q_TIMEOUT); what is left waits for the next poll, which resumes where this one stopped.
LAUREL_POLL_MAX_REQUESTS = envint("LAUREL_POLL_MAX_REQUESTS", 2000)
LAUREL_POLL_MAX_SECONDS = envint("LAUREL_POLL_MAX_SECONDS", min(240, max(Q_CLUSTER["timeout"] - 30, 10)))
# A scheduled poll hands its worker back after this many seconds of HTTP and queues its next run at
# once, which resumes from the cursor: one run never holds a worker longer (#28). Staff's polls and
# reconcile are not scheduled runs and keep LAUREL_POLL_MAX_SECONDS.
LAUREL_POLL_RUN_SECONDS = envint("LAUREL_POLL_RUN_SECONDS", 1)
# A poll's lease on its source outlives the poll by this much; a crashed worker's lease then lapses.
LAUREL_POLL_LEASE_GRACE_SECONDS = envint("LAUREL_POLL_LEASE_GRACE_SECONDS", 60)
# After transient errors a source waits 1, 2, 4 … times this (at most LAUREL_POLL_BACKOFF_MAX_SECONDS).
LAUREL_POLL_BACKOFF_SECONDS = envint("LAUREL_POLL_BACKOFF_SECONDS", 60)
LAUREL_POLL_BACKOFF_MAX_SECONDS = envint("LAUREL_POLL_BACKOFF_MAX_SECONDS", 3600)
