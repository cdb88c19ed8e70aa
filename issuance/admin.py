"""Admin registrations for the issuance app (each sub-domain registers in its own module)."""

from . import admin_pipeline  # noqa: F401
