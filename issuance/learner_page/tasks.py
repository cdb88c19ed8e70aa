"""Queue entry points for the learner's page: thin, so a task that runs twice does no harm."""

from .actions import data_copy_send
from .sign_in import sign_in_link_send


def sign_in_link_send_task(request_id: int) -> str:
    return sign_in_link_send(request_id=int(request_id))


def data_copy_send_task(learner_ids: list[int]) -> str:
    return data_copy_send(learner_ids=[int(pk) for pk in learner_ids])
