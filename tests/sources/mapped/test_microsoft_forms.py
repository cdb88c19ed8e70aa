"""Microsoft Forms through Power Automate: Laurel's form contract posted with `Authorization: Bearer <token>`."""

import pytest

from issuance.models import CompletionEvent

from .conftest import outcome

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "power-automate-flow-token-0001"


def submitted(*, response_id="r-1", kind="form.submitted", score=17, max_score=20):
    return {"type": kind, "timestamp": "2026-11-14T10:02:03Z",
            "data": {"source": "microsoft_forms", "form": {"id": "SAF-101", "title": "Safety 101 – final assessment"},
                     "response": {"id": response_id, "submitted_at": "2026-11-14T10:01:59Z",
                                  "respondent_email": "ana@example.org", "score": score, "max_score": max_score},
                     "answers": [{"item_id": "1", "title": "Full name", "type": "TEXT", "response": "Ana Lima"}]}}


@pytest.fixture
def post(mapped_source, sender):
    source = mapped_source(preset="microsoft_forms", secret=TOKEN)
    return lambda payload, token=TOKEN: sender(source).post(payload, headers={"Authorization": f"Bearer {token}"})


def test_it_turns_a_flow_post_into_a_completion_with_its_score_as_a_percentage(post, task_queue):
    event = outcome(task_queue, post(submitted()))
    assert event.status == CompletionEvent.Status.PROCESSED, event.errors
    assert event.issuances.get().completion["score"] == "85.00"
    assert post(submitted()).json()["status"] == "duplicate"


def test_it_refuses_a_wrong_token_and_ignores_or_parks_the_others(post, task_queue):
    assert post(submitted(), token="guess").status_code == 401
    ignored = outcome(task_queue, post(submitted(response_id="r-2", kind="form.opened")))
    parked = outcome(task_queue, post(submitted(response_id="r-3", max_score=0)))
    assert ignored.status == CompletionEvent.Status.IGNORED and "'form.opened'" in ignored.ignored_reason
    assert parked.status == CompletionEvent.Status.PARKED and parked.errors[0]["code"] == "score_invalid"
