"""Queue entry points for intake. Tasks load by id and call the service; nothing else lives here."""

from .processing import completion_event_process


def completion_events_process(*event_ids: str) -> dict:
    outcome: dict[str, int] = {}
    for event_id in event_ids:
        status = completion_event_process(event_id=event_id)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome
