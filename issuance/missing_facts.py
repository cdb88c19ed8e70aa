"""Missing is not failing: a fact the course's rules need that a completion does not carry.

A learner is told they fall short only of what was reported. When the rules need a score (or an
attendance) the completion lacks, the decision first asks the source's API through its dialect
(`Dialect.facts_fetch`, issuance/sources/base.py); if it still has none, the issuance parks as
`<fact>_missing` for staff, naming the source and what to configure, and nobody is emailed. A field
of the completion's extra data that a rule compares and the sender did not report parks the same
way, as `extra_field_missing`.
"""

from dataclasses import replace

from courses.models import RuleSetVersion
from courses.rules import REPORTED_FACTS, ruleset_facts_missing

from .completions import Completion
from .errors import StepFailed
from .models import Issuance
from .sources import EnrichmentFailed, adapter_for_event


def completion_facts_fetch(*, issuance: Issuance, completion: Completion, version: RuleSetVersion | None) -> Completion:
    """`completion` with the missing facts its source's API gave; unchanged if none are missing or none could be asked.

    Runs before the decision's transaction (it may call an LMS). A refused call parks the issuance
    with the refusal's code: it is never read as "no value".
    """
    missing = ruleset_facts_missing(version=version, facts=completion.rule_facts())
    event = issuance.event
    if not missing or event is None:
        return completion
    adapter = adapter_for_event(event)
    needed = frozenset(missing) & adapter.facts_fetchable
    if not needed:
        return completion
    try:
        candidate, errors = adapter.adapt(adapter.payload_parse(bytes(event.body)))
    except Exception:  # the body was read when the event was processed; if it no longer reads, nothing can be asked
        return completion
    candidate.with_corrections(event.corrections or {})
    try:
        found = adapter.facts_fetch(source=event.source, candidate=candidate, needed=needed)
    except EnrichmentFailed as exc:
        raise StepFailed(f"{event.source.name} could not be asked for the {', '.join(sorted(needed))} the rules need: "
                         f"{exc.message}", permanent=not exc.transient, code=exc.code) from None
    values = {fact: found.get(fact) for fact in needed if found.get(fact) not in (None, "")}
    return replace(completion, **values) if values else completion


def completion_facts_missing_park(*, issuance: Issuance, missing: list[str], version: RuleSetVersion) -> StepFailed:
    """The parking for facts still missing after asking: one code per first fact, words for staff."""
    event = issuance.event
    names = " and ".join(_fact_words(fact) for fact in missing)
    where = "It was typed in by staff"
    help_text = "; ".join(f"type the {fact} in when issuing by hand" if fact in REPORTED_FACTS else
                          f"correct the completion's {fact} (its extra data) or the rule's path" for fact in missing)
    if event is not None:
        adapter = adapter_for_event(event)
        where = f"Source “{event.source.name}” ({event.source.slug}, {event.source.get_dialect_display()}) reported none"
        help_text = "; ".join(adapter.fact_missing_help(fact) for fact in missing)
    return StepFailed(
        f"The rules of {issuance.course.code} ({version}) need the learner's {names}, which this completion does not carry, "
        f"so nothing was decided and the learner was told nothing. {where}. To fix: {help_text}; then resume this issuance.",
        permanent=True, code=_park_code(missing[0]),
    )


def _fact_words(fact: str) -> str:
    return f"field {fact}" if fact.startswith("extra.") else fact


def _park_code(fact: str) -> str:
    """`score_missing`, `attendance_missing`; one code for every field of `extra` (the message names which)."""
    return "extra_field_missing" if fact.startswith("extra.") else f"{fact}_missing"
