"""A published rule set version's conditions and prerequisites, read once per process.

A published version cannot change (courses/models/rules.py refuses to save or delete its conditions
and to change its prerequisites), so what it requires is read from the database once and then
attached to the version row each decision reads anyway. The key is the version's id and the moment
it was published, so a new version (another id) is read on its first decision, and an id a test
database handed out again is not mistaken for the one before. A draft is never cached.

The prerequisites are remembered as ids only: their achievements are read fresh whenever a version
has any (a renamed achievement is named as it is now in the reasons a learner reads), and a version
without prerequisites, the usual case, costs no statement for them.
"""

from .catalogue_cache import prefetched_rows_attach
from .models import Achievement, RuleCondition, RuleSet, RuleSetVersion

_LIMIT = 512  # versions remembered per process; past it the memory starts again
_published: dict[tuple, tuple[list[RuleCondition], list[int]]] = {}


def ruleset_live_version_with_rules(ruleset: RuleSet) -> RuleSetVersion | None:
    """The rule set's live version (one statement) with its conditions and prerequisites attached, however often a
    decision consults them (the rules, the facts they need, the prerequisites' names in reasons)."""
    version = ruleset.current_version
    return published_version_rules_attach(version) if version is not None else None


def published_version_rules_attach(version: RuleSetVersion) -> RuleSetVersion:
    """`version` with its conditions and prerequisites attached; from memory if it is published."""
    key = (version.pk, version.published_at)
    known = _published.get(key) if version.published_at is not None else None
    if known is None:
        conditions = list(RuleCondition.objects.filter(version=version).order_by("group", "id"))
        prerequisite_ids = list(version.prerequisites.order_by("name", "pk").values_list("pk", flat=True))
        known = (conditions, prerequisite_ids)
        if version.published_at is not None:
            if len(_published) >= _LIMIT:
                _published.clear()
            _published[key] = known
    conditions, prerequisite_ids = known
    prerequisites = list(Achievement.objects.filter(pk__in=prerequisite_ids).order_by("name", "pk")) if prerequisite_ids else []
    prefetched_rows_attach(version, "conditions", conditions)
    prefetched_rows_attach(version, "prerequisites", prerequisites)
    return version


def published_rules_forget() -> None:
    _published.clear()
