"""Rule versions in words: what changed between two versions, the public criteria they imply,
and where an achievement's own criteria text contradicts the live rules."""

import re
from decimal import Decimal

from .models import Achievement, Course, RuleCondition, RuleSetVersion


def _number(value) -> str:
    return format(Decimal(value).normalize(), "f")


def _percent(value) -> str:
    return "none" if value is None else f"{_number(value)}%"


def condition_sentence(condition: RuleCondition) -> str:
    if condition.description:
        return condition.description
    return f"{condition.path} {condition.get_operator_display()} {condition.value}".strip()


def _condition_keys(version: RuleSetVersion) -> dict[tuple, RuleCondition]:
    return {(c.group, c.path, c.operator, c.value.strip()): c for c in version.conditions.all()}


def ruleset_version_requirements(*, version: RuleSetVersion) -> list[str]:
    """One sentence per requirement of `version`; empty when it requires nothing (every completion passes)."""
    sentences = [f"{label}: {_percent(getattr(version, field))}." for field, label in
                 (("min_score", "Minimum score"), ("min_attendance", "Minimum attendance"))
                 if getattr(version, field) is not None]
    sentences += [f"Requires {a.name}." for a in version.prerequisites.order_by("name")]
    sentences += [f"Condition (group {c.group}): {condition_sentence(c)}."
                  for c in version.conditions.order_by("group", "pk")]
    return sentences


def ruleset_version_changes(*, version: RuleSetVersion, against: RuleSetVersion | None) -> list[str]:
    """One sentence per difference between `version` and `against` (usually the live version)."""
    if against is None:
        requirements = ruleset_version_requirements(version=version)
        if not requirements:
            return ["Nothing is live yet, and this version has no requirements: published, every completion would pass."]
        return ["Nothing is live yet: publishing makes these the first requirements in force."] + requirements
    changes = []
    for field, label in (("min_score", "Minimum score"), ("min_attendance", "Minimum attendance")):
        old, new = getattr(against, field), getattr(version, field)
        if (old is None) != (new is None) or (old is not None and Decimal(old) != Decimal(new)):
            changes.append(f"{label}: {_percent(old)} → {_percent(new)}.")
    old_prereqs = {a.pk: a.name for a in against.prerequisites.all()}
    new_prereqs = {a.pk: a.name for a in version.prerequisites.all()}
    changes += [f"Now requires {name}." for pk, name in sorted(new_prereqs.items(), key=lambda i: i[1]) if pk not in old_prereqs]
    changes += [f"No longer requires {name}." for pk, name in sorted(old_prereqs.items(), key=lambda i: i[1]) if pk not in new_prereqs]
    old_conditions, new_conditions = _condition_keys(against), _condition_keys(version)
    for key, condition in new_conditions.items():
        if key not in old_conditions:
            changes.append(f"Added condition (group {condition.group}): {condition_sentence(condition)}.")
    for key, condition in old_conditions.items():
        if key not in new_conditions:
            changes.append(f"Removed condition (group {condition.group}): {condition_sentence(condition)}.")
    return changes


def ruleset_version_criteria(*, version: RuleSetVersion | None, course_title: str) -> str:
    """The public criteria the rules imply, e.g. 'Completed First Aid with a score of at least 80%.'"""
    sentence = f"Completed {course_title}"
    if version is None:
        return sentence + "."
    parts = []
    if version.min_score is not None:
        parts.append(f"a score of at least {_percent(version.min_score)}")
    if version.min_attendance is not None:
        parts.append(f"attendance of at least {_percent(version.min_attendance)}")
    if parts:
        sentence += " with " + " and ".join(parts)
    prerequisites = [a.name for a in version.prerequisites.order_by("name")]
    if prerequisites:
        sentence += ", holding " + " and ".join(prerequisites)
    groups: dict[int, list[str]] = {}
    for condition in version.conditions.all():
        groups.setdefault(condition.group, []).append(condition_sentence(condition))
    sentence += "."
    for _, sentences in sorted(groups.items()):
        sentence += " " + " or ".join(sentences).rstrip(".") + "."
    return sentence


def achievement_live_criteria(*, achievement: Achievement) -> str:
    """The criteria of every active course that awards `achievement`, from each course's live rules."""
    courses = Course.objects.filter(achievement=achievement, is_active=True).select_related("ruleset").order_by("title")
    texts = [
        ruleset_version_criteria(version=c.ruleset.current_version if c.ruleset else None, course_title=c.title)
        for c in courses
    ]
    return " Or: ".join(texts)


_PERCENT_CLAIM = re.compile(r"(\d+(?:\.\d+)?)\s*(?:%|per ?cent)", re.IGNORECASE)


def achievement_criteria_disagreements(*, achievement: Achievement) -> list[str]:
    """Percentages the narrative states that no live rule of the awarding courses sets."""
    claimed = {Decimal(m) for m in _PERCENT_CLAIM.findall(achievement.criteria_narrative)}
    if not claimed:
        return []
    ruled: set[Decimal] = set()
    versions = []
    for course in Course.objects.filter(achievement=achievement, is_active=True).select_related("ruleset"):
        version = course.ruleset.current_version if course.ruleset else None
        if version is None:
            continue
        versions.append(version)
        ruled |= {Decimal(v) for v in (version.min_score, version.min_attendance) if v is not None}
        for condition in version.conditions.filter(operator__in=RuleCondition.NUMERIC):
            ruled.add(Decimal(condition.value))
    if not versions:
        return []
    rule_words = ", ".join(sorted(f"{_number(v)}%" for v in ruled)) or "no percentage"
    return [
        f"The criteria say {_number(number)}%, but the live rules require {rule_words}."
        for number in sorted(claimed) if number not in ruled
    ]
