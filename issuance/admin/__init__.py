"""The issuance app in the admin: sources, every event received, the exception queue, issuances and credentials."""

from . import events, exception_queue, outbound, pipeline, sources  # noqa: F401  (registers the model admins)
