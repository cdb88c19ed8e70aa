"""Programmes in the catalogue: creating one from the organisation's defaults, and its requirement
checked against the achievements a learner holds (the caller hands over what they hold, as for rules)."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction

from audit.services import audit_record

from .models import Achievement, Course, Organization, Programme, ProgrammeConstituent


class ProgrammeError(ValueError):
    """A programme that cannot be made as asked; the message says what to change."""


@dataclass(frozen=True)
class HeldConstituent:
    """A credential the learner holds for one achievement: when it was issued, and whether it is valid now."""

    achievement_id: int
    credential_id: object
    issued_at: datetime
    valid: bool


@dataclass(frozen=True)
class ProgrammeProgress:
    satisfied: bool
    done: list[str]
    remaining: list[str]
    needed: int  # how many more the learner must earn
    counted: list = field(default_factory=list)  # the credentials that satisfy it, when it is satisfied
    outside_window_days: int | None = None  # everything is held, but not within the programme's window

    @property
    def summary(self) -> str:
        """ "2 of 3 done: Fire Safety remains" """
        total = len(self.done) + self.needed
        if self.satisfied:
            return f"{total} of {total} done."
        if self.outside_window_days:
            return f"{total} of {total} done, but not within {self.outside_window_days} days of each other."
        text = f"{len(self.done)} of {total} done"
        if not self.remaining:
            return text + "."
        choose = len(self.remaining) > self.needed
        names = ", ".join(self.remaining)
        if choose:
            return text + f": {self.needed} more of {names}."
        return text + f": {names} {'remains' if len(self.remaining) == 1 else 'remain'}."


def _choose(programme: Programme, constituents: list[ProgrammeConstituent], held: dict[int, HeldConstituent]):
    """The credentials that satisfy the requirement, or None."""
    required = [c for c in constituents if c.required]
    optional = [c for c in constituents if not c.required]
    count = programme.required_count or len(optional)
    if any(c.achievement_id not in held for c in required):
        return None
    have = sorted((held[c.achievement_id] for c in optional if c.achievement_id in held), key=lambda h: h.issued_at)
    if len(have) < count:
        return None
    needed_required = [held[c.achievement_id] for c in required]
    if not programme.within_days:
        return needed_required + have[-count:] if count else needed_required
    window = timedelta(days=programme.within_days)
    # Slide a window over the optional ones by issue date; the required ones must fall in it too.
    starts = sorted({h.issued_at for h in have} | {h.issued_at for h in needed_required})
    for start in starts:
        end = start + window
        if any(not (start <= h.issued_at <= end) for h in needed_required):
            continue
        inside = [h for h in have if start <= h.issued_at <= end]
        if len(inside) >= count:
            return needed_required + (inside[:count] if count else [])
    return None


def programme_progress(*, programme: Programme, held: list[HeldConstituent],
                       constituents: list[ProgrammeConstituent] | None = None) -> ProgrammeProgress:
    """Where a learner stands: satisfied (and with which credentials), or what remains.

    `held` is every credential the learner holds that may count: the caller leaves out revoked
    ones, and invalid ones when the programme counts only valid credentials. The latest per
    achievement is counted. A caller looking at many learners hands over `constituents` once.
    """
    if constituents is None:
        constituents = list(programme.constituents.select_related("achievement"))
    latest: dict[int, HeldConstituent] = {}
    for item in sorted(held, key=lambda h: h.issued_at):
        if programme.only_while_valid and not item.valid:
            continue
        latest[item.achievement_id] = item
    required = [c for c in constituents if c.required]
    optional = [c for c in constituents if not c.required]
    count = programme.required_count or len(optional)
    done = [c.achievement.name for c in constituents if c.achievement_id in latest]
    missing_required = [c.achievement.name for c in required if c.achievement_id not in latest]
    missing_optional = [c.achievement.name for c in optional if c.achievement_id not in latest]
    have_optional = len(optional) - len(missing_optional)
    needed = len(missing_required) + max(0, count - have_optional)
    done_counted = len([c for c in required if c.achievement_id in latest]) + min(have_optional, count)
    chosen = _choose(programme, constituents, latest)
    if chosen is not None:
        return ProgrammeProgress(satisfied=True, done=done, remaining=[], needed=0,
                                 counted=[h.credential_id for h in chosen])
    remaining = missing_required + (missing_optional if count > have_optional else [])
    if needed == 0:  # everything is held, but not within the window
        return ProgrammeProgress(satisfied=False, done=done[:done_counted], remaining=[], needed=0,
                                 outside_window_days=programme.within_days)
    return ProgrammeProgress(satisfied=False, done=done[:done_counted], remaining=remaining, needed=needed)


def programme_requirement_reasons(*, programme: Programme, progress: ProgrammeProgress) -> list[str]:
    """The learner-facing reason a programme is not yet met, as the rules give theirs."""
    if progress.satisfied:
        return []
    return [f"{programme.name}: {progress.summary}"]


def programme_course_create(*, organization: Organization, code: str, name: str, description: str = "") -> Course:
    """The programme's own achievement and course, from the organisation's defaults as a new course's are:
    no certificate template or email chosen, so the organisation's first template and its credential email."""
    if Course.objects.filter(organization=organization, code=code).exists():
        raise ProgrammeError(f"{organization.slug} already has a course or programme with the code {code}.")
    if Achievement.objects.filter(organization=organization, name=name).exists():
        raise ProgrammeError(f"{organization.slug} already has an achievement named {name!r}; choose another name.")
    description = description or f"Awarded for completing the {name} programme."
    achievement = Achievement.objects.create(
        organization=organization, name=name, description=description, criteria_narrative=description,
    )
    course = Course(organization=organization, code=code, title=name, achievement=achievement,
                    description=f"The {name} programme; its credential is issued when its requirement is met.")
    try:
        course.full_clean()
    except ValidationError as exc:
        raise ProgrammeError("; ".join(exc.messages)) from None
    course.save()
    return course


@transaction.atomic
def programme_create(
    *, organization: Organization, code: str, name: str, constituents: list[Achievement],
    required_count: int | None = None, required: list[Achievement] = (), within_days: int | None = None,
    on_constituent_revoked: str = Programme.OnConstituentRevoked.KEEP, only_while_valid: bool = False,
    ordered: bool = False, description: str = "", actor_user=None,
) -> Programme:
    """A programme with its own achievement and course, which start from the organisation's defaults as
    a new course's do (no template or email chosen: the organisation's first certificate template and its
    credential email), audited."""
    every = list(dict.fromkeys([*required, *constituents]))
    if not every:
        raise ProgrammeError("A programme needs at least one constituent course.")
    if any(a.organization_id != organization.pk for a in every):
        raise ProgrammeError("Every constituent must belong to the programme's organisation.")
    optional = len(every) - len(list(required))
    if required_count is not None and not 1 <= required_count <= optional:
        raise ProgrammeError(f"--requires {required_count} needs between 1 and {optional} (the constituents to choose from).")
    description = description or f"Awarded for completing the {name} programme: {', '.join(a.name for a in every)}."
    course = programme_course_create(organization=organization, code=code, name=name, description=description)
    programme = Programme.objects.create(
        organization=organization, code=code, name=name, course=course, required_count=required_count,
        within_days=within_days, on_constituent_revoked=on_constituent_revoked, only_while_valid=only_while_valid,
        ordered=ordered,
    )
    required_ids = {a.pk for a in required}
    for position, constituent in enumerate(every):
        ProgrammeConstituent.objects.create(programme=programme, achievement=constituent, position=position,
                                            required=constituent.pk in required_ids)
    audit_record(
        organization=organization.pk, from_state="", to_state="created",
        actor_kind="staff" if actor_user is not None else "system", actor_user=actor_user,
        actor_label=actor_user.get_username() if actor_user is not None else "system",
        detail=f"Programme {code} “{name}” created: {programme.requirement_label}; "
               f"when a constituent is revoked or expires: {programme.get_on_constituent_revoked_display()}.",
    )
    return programme
