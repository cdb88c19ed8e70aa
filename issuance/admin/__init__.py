"""The issuance app in the admin: sources, every event received, and the exception queue."""

from . import events, exception_queue, sources  # noqa: F401  (registers the model admins)
