"""What a course requires, checked against one completion and the learner's history.

The pipeline asks here; nothing in this module knows about issuances. Every failed requirement
becomes one sentence a learner can read.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from .models import RuleCondition, RuleSetVersion

Op = RuleCondition.Operator
_MISSING = object()


@dataclass(frozen=True)
class HeldAchievement:
    """A credential the learner holds (or held): which achievement, and until when it is valid."""

    achievement_id: int
    valid_until: datetime | None
    live: bool  # active or suspended, i.e. not revoked and not superseded


@dataclass(frozen=True)
class RulesResult:
    eligible: bool
    reasons: list[str]


def ruleset_evaluate(
    *, version: RuleSetVersion | None, completion: dict, held: list[HeldAchievement], at: datetime
) -> RulesResult:
    """Check score, attendance, prerequisites and payload condition groups; collect every failure."""
    if version is None:
        return RulesResult(eligible=True, reasons=[])
    reasons = []
    reasons += _check_minimum(completion.get("score"), version.min_score, "score")
    reasons += _check_minimum(completion.get("attendance"), version.min_attendance, "attendance")
    reasons += _check_prerequisites(version, held, at)
    reasons += _check_condition_groups(version, completion)
    return RulesResult(eligible=not reasons, reasons=reasons)


def _number(value) -> str:
    """72.00 reads as 72, 72.50 as 72.5."""
    return format(Decimal(value).normalize(), "f")


def _check_minimum(raw, minimum, noun: str) -> list[str]:
    if minimum is None:
        return []
    if raw in (None, ""):
        unit = "%" if noun == "attendance" else ""
        return [f"No {noun} was reported for you; this course requires {_number(minimum)}{unit}."]
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        return [f"Your {noun} was reported as {raw!r}, which is not a number; this course requires {_number(minimum)}."]
    if value < minimum:
        if noun == "attendance":
            return [f"Your attendance was {_number(value)}%; this course requires {_number(minimum)}%."]
        return [f"Your score was {_number(value)}; this course requires {_number(minimum)}."]
    return []


def _check_prerequisites(version: RuleSetVersion, held: list[HeldAchievement], at: datetime) -> list[str]:
    reasons = []
    for achievement in version.prerequisites.order_by("name"):
        mine = [h for h in held if h.achievement_id == achievement.pk and h.live]
        if any(h.valid_until is None or h.valid_until > at for h in mine):
            continue
        if mine:
            latest = max(h.valid_until for h in mine)
            reasons.append(
                f"Your {achievement.name} credential expired on {latest:%d %B %Y}; "
                f"this course requires it to be current."
            )
        else:
            reasons.append(f"This course requires {achievement.name}, which you do not hold yet.")
    return reasons


def _check_condition_groups(version: RuleSetVersion, completion: dict) -> list[str]:
    groups: dict[int, list[RuleCondition]] = {}
    for condition in version.conditions.all():
        groups.setdefault(condition.group, []).append(condition)
    reasons = []
    for _, conditions in sorted(groups.items()):
        if any(condition_holds(condition, completion) for condition in conditions):
            continue
        if len(conditions) == 1:
            reasons.append(f"This course requires: {_describe(conditions[0])}.")
        else:
            reasons.append("This course requires one of: " + "; ".join(_describe(c) for c in conditions) + ".")
    return reasons


def _describe(condition: RuleCondition) -> str:
    if condition.description:
        return condition.description
    return f"{condition.path} {condition.get_operator_display()} {condition.value}".strip()


def lookup(completion: dict, path: str):
    """Follow a dotted path into the completion; list items by index. Missing → _MISSING."""
    node = completion
    for key in path.split("."):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _MISSING
    return node


def condition_holds(condition: RuleCondition, completion: dict) -> bool:
    actual = lookup(completion, condition.path)
    if condition.operator == Op.EXISTS:
        return actual is not _MISSING and actual not in (None, "")
    if actual is _MISSING or actual is None:
        return condition.operator in (Op.NOT_EQUALS, Op.NOT_IN)
    expected = condition.value
    if condition.operator in RuleCondition.NUMERIC:
        try:
            left, right = Decimal(str(actual)), Decimal(expected)
        except InvalidOperation:
            return False
        return {
            Op.GREATER: left > right,
            Op.GREATER_OR_EQUAL: left >= right,
            Op.LESS: left < right,
            Op.LESS_OR_EQUAL: left <= right,
        }[condition.operator]
    options = [item.strip().casefold() for item in expected.split(",")]
    if condition.operator == Op.CONTAINS:
        if isinstance(actual, list):
            return any(_text(item) == expected.strip().casefold() for item in actual)
        return expected.strip().casefold() in _text(actual)
    text = _text(actual)
    return {
        Op.EQUALS: text == expected.strip().casefold(),
        Op.NOT_EQUALS: text != expected.strip().casefold(),
        Op.IN: text in options,
        Op.NOT_IN: text not in options,
    }[condition.operator]


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip().casefold()
