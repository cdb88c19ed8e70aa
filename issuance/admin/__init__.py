"""The issuance app in the admin: sources, every event received, the exception queue, issuances and credentials,
and the certificate template editor with its PDF preview."""

from . import audit, certificate_templates, events, exception_queue, invitations, outbound, outbox, pipeline, sources  # noqa: F401  (registers the model admins)
