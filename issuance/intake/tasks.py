"""Queue entry points for intake. Tasks load by id and call the service; nothing else lives here."""

from .processing import completion_event_process


def completion_events_process(*event_ids: str) -> dict:
    outcome: dict[str, int] = {}
    course_cache: dict = {}  # one task's events mostly name the same few courses
    for event_id in event_ids:
        status = completion_event_process(event_id=event_id, course_cache=course_cache)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome
