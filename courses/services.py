"""Writes to the catalogue that are more than a form save."""

from .models import RuleSetVersion


def ruleset_version_copy(*, version: RuleSetVersion) -> RuleSetVersion:
    """A new draft version with the same requirements, numbered after the latest one."""
    draft = RuleSetVersion.objects.create(
        ruleset=version.ruleset,
        min_score=version.min_score,
        min_attendance=version.min_attendance,
        notes=f"Copied from v{version.number}.",
    )
    draft.prerequisites.set(version.prerequisites.all())
    for condition in version.conditions.all():
        condition.pk = None
        condition.version = draft
        condition.save()
    return draft
