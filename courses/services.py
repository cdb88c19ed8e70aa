"""Writes to the catalogue that are more than a form save."""

from django.db import transaction
from django.utils import timezone

from audit.services import audit_record

from .models import Achievement, RuleSetVersion
from .rule_descriptions import achievement_live_criteria, ruleset_version_changes


class VersionNotPublishable(Exception):
    """Publishing would not make this version live: it is already published, or a newer one is."""


def ruleset_version_copy(*, version: RuleSetVersion) -> RuleSetVersion:
    """A new draft version with the same requirements, numbered after the latest one. Nothing live changes."""
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


def ruleset_version_publish(*, version: RuleSetVersion, user=None) -> RuleSetVersion:
    """Make a draft the live version of its rule set, audited with what changed from the one it replaces."""
    with transaction.atomic():
        locked = RuleSetVersion.objects.select_for_update(no_key=True).select_related("ruleset").get(pk=version.pk)
        if locked.is_published:
            raise VersionNotPublishable(f"{locked} is already published (on {locked.published_at:%d %B %Y %H:%M}).")
        live = locked.ruleset.current_version
        if live is not None and live.number > locked.number:
            raise VersionNotPublishable(
                f"{live} is newer and already live; use “Edit as a new version” on {locked} to publish its requirements."
            )
        changes = ruleset_version_changes(version=locked, against=live)
        RuleSetVersion.objects.filter(pk=locked.pk, published_at__isnull=True).update(
            published_at=timezone.now(), published_by=user
        )
        locked.refresh_from_db(fields=["published_at", "published_by"])
        replaced = f"; it replaces {live}" if live else "; it is the first live version"
        audit_record(
            from_state="draft", to_state="published",
            actor_kind="staff" if user is not None else "system",
            actor_user=user, actor_label=user.get_username() if user is not None else "system",
            detail=f"Published rule set version {locked}{replaced}. " + " ".join(changes or ["No requirement changed."]),
        )
        for achievement in Achievement.objects.filter(courses__ruleset=locked.ruleset, criteria_follows_rules=True).distinct():
            achievement_criteria_regenerate(achievement=achievement)
    return locked


def achievement_criteria_regenerate(*, achievement: Achievement) -> str:
    """Write the achievement's public criteria from the live rules of the courses that award it."""
    text = achievement_live_criteria(achievement=achievement)
    if text and text != achievement.criteria_narrative:
        achievement.criteria_narrative = text
        achievement.save(update_fields=["criteria_narrative"])
    return achievement.criteria_narrative
