"""The record kept around the email send (issuance.effects): what it returns is what it stored."""

import pytest
from django.forms.models import model_to_dict

from issuance.effects import effect_perform
from issuance.models import Effect
from tests.factories.delivery import IssuanceFactory

pytestmark = pytest.mark.django_db


def stored(effect):
    return model_to_dict(Effect.objects.get(pk=effect.pk))


def test_it_returns_a_first_attempt_as_recorded_and_never_performs_a_done_effect_again():
    issuance, calls = IssuanceFactory(), []

    effect = effect_perform(issuance=issuance, key="credential-email:1", kind="credential_email",
                            perform=lambda: calls.append(1) or "outbox #1 sent")
    again = effect_perform(issuance=issuance, key="credential-email:1", kind="credential_email", perform=lambda: calls.append(2) or "")

    assert calls == [1]
    assert model_to_dict(effect) == stored(effect) == model_to_dict(again)
    assert (effect.status, effect.attempts, effect.outcome) == (Effect.Status.DONE, 1, "outbox #1 sent")
    assert effect.started_at <= effect.finished_at


def test_it_records_a_failed_attempt_and_counts_the_next_one():
    issuance = IssuanceFactory()

    def refused():
        raise RuntimeError("the mail server is down")

    with pytest.raises(RuntimeError):
        effect_perform(issuance=issuance, key="credential-email:2", kind="credential_email", perform=refused)
    assert (Effect.objects.get().status, Effect.objects.get().outcome) == (Effect.Status.FAILED, "RuntimeError: the mail server is down")
    effect = effect_perform(issuance=issuance, key="credential-email:2", kind="credential_email", perform=lambda: "sent")

    assert model_to_dict(effect) == stored(effect)
    assert (effect.status, effect.attempts, effect.outcome) == (Effect.Status.DONE, 2, "sent")
