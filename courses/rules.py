"""What a course requires, checked against one completion and the learner's history.

The pipeline asks here; nothing in this module knows about issuances: the caller hands over the
completion's values as `RuleFacts`, typed, built once. Every failed requirement becomes one
sentence a learner can read.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
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
class RuleFacts:
    """One completion as the rules read it. A condition's path names a field (`score`, `email` …);
    further keys go into what the sender sent beside the standard fields (`extra.department`).
    None is a value that was not reported."""

    score: Decimal | None = None
    attendance: Decimal | None = None
    completed_at: datetime | None = None
    course_id: int | None = None
    email: str | None = None
    name: str | None = None
    learner_external_id: str | None = None
    extra: Mapping | None = None


FACT_NAMES = frozenset(f.name for f in fields(RuleFacts))


# The facts a sender reports as numbers that a rule can compare; when one the rules need was not
# reported, nothing can be decided: the learner is not told they fall short of what nobody measured.
REPORTED_FACTS = ("score", "attendance")


@dataclass(frozen=True)
class RulesResult:
    """`missing` names the facts the rules need that were not reported (`score`): no decision until they are."""

    eligible: bool
    reasons: list[str]
    missing: list[str] = field(default_factory=list)


def ruleset_evaluate(
    *, version: RuleSetVersion | None, facts: RuleFacts, held: list[HeldAchievement], at: datetime
) -> RulesResult:
    """Check score, attendance, prerequisites and payload condition groups; collect every failure."""
    if version is None:
        return RulesResult(eligible=True, reasons=[])
    missing = ruleset_facts_missing(version=version, facts=facts)
    if missing:
        return RulesResult(eligible=False, reasons=[], missing=missing)
    reasons = []
    reasons += _check_minimum(facts.score, version.min_score, "score")
    reasons += _check_minimum(facts.attendance, version.min_attendance, "attendance")
    reasons += _check_prerequisites(version, held, at)
    reasons += _check_condition_groups(version, facts)
    return RulesResult(eligible=not reasons, reasons=reasons)


def ruleset_facts_needed(*, version: RuleSetVersion | None) -> list[str]:
    """The reported facts (`score`, `attendance`) this version's rules compare: its minimums and its conditions."""
    if version is None:
        return []
    needed = {"score"} if version.min_score is not None else set()
    if version.min_attendance is not None:
        needed.add("attendance")
    for condition in version.conditions.all():
        root = condition.path.split(".", 1)[0]
        if root in REPORTED_FACTS and condition.operator != Op.EXISTS:
            needed.add(root)
    return [name for name in REPORTED_FACTS if name in needed]


def ruleset_facts_missing(*, version: RuleSetVersion | None, facts: RuleFacts) -> list[str]:
    """The facts the rules need that these facts do not carry (None or empty: not reported).

    The reported facts first (`score`), then the fields of `extra` (`extra.practical`) that a
    failing condition group compares and the sender did not report: had it reported them, the group
    might have held, so nothing can be decided and the learner is told nothing.
    """
    missing = [name for name in ruleset_facts_needed(version=version) if getattr(facts, name) in (None, "")]
    if version is not None:
        missing += _fields_missing(version, facts)
    return missing


# Conditions an unreported field already satisfies (it is not "nursing"): reading it as missing would hold up the decision for nothing.
_HOLDS_WHEN_ABSENT = (Op.NOT_EQUALS, Op.NOT_IN)


def _fields_missing(version: RuleSetVersion, facts: RuleFacts) -> list[str]:
    """The `extra.…` paths that failing condition groups compare and the completion does not carry."""
    missing: list[str] = []
    for conditions in _groups(version).values():
        if any(condition_holds(condition, facts) for condition in conditions):
            continue
        for condition in conditions:
            if condition.path.split(".", 1)[0] != "extra" or condition.operator == Op.EXISTS \
                    or condition.operator in _HOLDS_WHEN_ABSENT or condition.path in missing:
                continue
            if lookup(facts, condition.path) in (_MISSING, None, ""):
                missing.append(condition.path)
    return missing


def _groups(version: RuleSetVersion) -> dict[int, list[RuleCondition]]:
    groups: dict[int, list[RuleCondition]] = {}
    for condition in version.conditions.all():
        groups.setdefault(condition.group, []).append(condition)
    return dict(sorted(groups.items()))


def _number(value) -> str:
    """72.00 reads as 72, 72.50 as 72.5."""
    return format(Decimal(value).normalize(), "f")


def _check_minimum(raw, minimum, noun: str) -> list[str]:
    if minimum is None:
        return []
    if raw in (None, ""):  # not reported: ruleset_evaluate parks before asking (missing is not failing)
        return []
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
    for achievement in sorted(version.prerequisites.all(), key=lambda a: (a.name, a.pk)):  # read once if prefetched
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


def _check_condition_groups(version: RuleSetVersion, facts: RuleFacts) -> list[str]:
    reasons = []
    for conditions in _groups(version).values():
        if any(condition_holds(condition, facts) for condition in conditions):
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


def lookup(facts: RuleFacts, path: str):
    """Follow a dotted path: a field of the facts, then keys into it (list items by index). Missing → _MISSING."""
    name, *keys = path.split(".")
    if name not in FACT_NAMES:
        return _MISSING
    node = getattr(facts, name)
    for key in keys:
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return _MISSING
    return node


def condition_holds(condition: RuleCondition, facts: RuleFacts) -> bool:
    actual = lookup(facts, condition.path)
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
    if isinstance(value, datetime):  # as the sender wrote it, not Python's spelling
        return value.isoformat().casefold()
    return str(value).strip().casefold()


# The causes behind the sentences above, for staff: the dashboard counts ineligible completions by them
# and the issuance list filters on them (walk-through m6: one row per sentence made 6 rows of 2 causes).
# A sentence is of a cause when it holds one of the cause's phrases and none of its exceptions. The
# phrases are plain ASCII without quotes, so the database finds them in a stored list's JSON text just
# as reason_cause finds them in one sentence. Anything else (a programme's requirement) is "other".
REASON_CAUSES = {
    "score": ("Score below the pass mark", ("Your score was ",), ("Your score was reported as",)),
    "attendance": ("Attendance below the minimum", ("Your attendance was ",), ("Your attendance was reported as",)),
    "not_a_number": ("Score or attendance not a number", ("which is not a number",), ()),
    "expired": ("A required credential had expired", ("requires it to be current",), ()),
    "prerequisite": ("A required credential not held", ("which you do not hold yet",), ()),
    "condition": ("A condition of the rules not met", ("This course requires:", "This course requires one of:"), ()),
}
OTHER_CAUSE = ("other", "Other reasons")


def reason_cause(sentence: str) -> str:
    """The REASON_CAUSES key of one reason sentence, or "other"."""
    text = str(sentence).casefold()
    for key, (_label, phrases, exceptions) in REASON_CAUSES.items():
        if any(p.casefold() in text for p in phrases) and not any(e.casefold() in text for e in exceptions):
            return key
    return OTHER_CAUSE[0]
