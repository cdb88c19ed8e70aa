"""The pipeline in the admin: sources, every event received, the exception queue, issuances and credentials,
rosters and credentials issued by hand, and the certificate template editor with its PDF preview."""

from credentials_site.admin.pipeline import (  # noqa: F401  (registers the model admins)
    certificate_templates, credential_imports, email_templates, events, exception_queue, hand_issues, invitations, name_corrections,
    outbound, outbox, pipeline, rosters, sources,
)
