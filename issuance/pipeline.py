"""The issuance pipeline, read top to bottom as the steps of the flow.

Intake (steps 1–2) ends by calling `issuance_start` with a validated completion; the worker then
advances the issuance one committed step at a time (steps 3–7).
"""

from django.db import transaction
from django_q.tasks import async_task

from audit.services import audit_record
from courses.models import Course

from .completions import Completion
from .models import CompletionEvent, Issuance, Learner, LearnerIdentity


def issuance_enqueue(*, issuance_id) -> None:
    """Queue the next step once the transaction that made it possible has committed."""
    transaction.on_commit(lambda: async_task("issuance.tasks.issuance_advance", str(issuance_id)))


@transaction.atomic
def issuance_start(*, completion: Completion, event: CompletionEvent | None = None, actor_label: str = "system") -> Issuance:
    """Match the learner, open an issuance in `validated`, and queue the decision."""
    course = Course.objects.select_related("organization", "achievement").get(pk=completion.course_id)
    learner, _ = Learner.objects.get_or_create(
        organization=course.organization, email=completion.email, defaults={"name": completion.name}
    )
    if completion.learner_external_id and event is not None:
        LearnerIdentity.objects.get_or_create(
            source=event.source, external_id=completion.learner_external_id, defaults={"learner": learner}
        )
    issuance = Issuance.objects.create(
        organization=course.organization,
        learner=learner,
        course=course,
        achievement=course.achievement,
        event=event,
        learner_name=completion.name,
        completion=completion.to_json(),
        state=Issuance.State.VALIDATED,
    )
    audit_record(
        issuance=issuance,
        event=event,
        from_state="",
        to_state=Issuance.State.VALIDATED,
        actor_kind="source" if event is not None else "system",
        actor_label=actor_label,
        detail=f"Completion of {course.code} by {completion.email}.",
    )
    issuance_enqueue(issuance_id=issuance.pk)
    return issuance
