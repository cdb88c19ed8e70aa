"""Rows a unique constraint may hold already, inserted without a savepoint (issuance/inserts.py)."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from issuance.inserts import row_get_or_insert, rows_insert_unless_taken
from issuance.models import Credential, Learner
from tests.factories.courses import OrganizationFactory
from tests.factories.issuance import CredentialFactory, IssuanceFactory, LearnerFactory


@pytest.mark.django_db
def test_it_inserts_a_new_learner_and_finds_an_existing_one():
    organization = OrganizationFactory()
    ann, created = row_get_or_insert(Learner, lookup={"organization": organization, "email": "ann@learners.example"},
                                     defaults={"name": "Ann Lee"})
    assert created and ann.pk is not None
    again, created = row_get_or_insert(Learner, lookup={"organization": organization, "email": "ann@learners.example"},
                                       defaults={"name": "Someone else"})
    assert not created and again.pk == ann.pk and again.name == "Ann Lee"


@pytest.mark.django_db(transaction=True)  # a real transaction: on PostgreSQL a failed INSERT would abort it
def test_it_skips_a_row_a_unique_constraint_holds_and_the_transaction_goes_on():
    existing = LearnerFactory(email="ann@learners.example")
    with transaction.atomic():
        copy = Learner(organization=existing.organization, email="ann@learners.example", name="Ann again")
        assert rows_insert_unless_taken([copy]) is False
        assert copy.pk is None
        LearnerFactory(organization=existing.organization, email="bo@learners.example")  # still usable
    assert sorted(Learner.objects.values_list("email", flat=True)) == ["ann@learners.example", "bo@learners.example"]


@pytest.mark.django_db(transaction=True)
def test_it_skips_a_second_live_credential_of_the_same_achievement():
    live = CredentialFactory()
    issuance = IssuanceFactory(course=live.issuance.course, learner=live.learner)
    second = Credential(issuance=issuance, learner=live.learner, achievement=live.achievement,
                        issued_at=timezone.now(), valid_from=timezone.now())
    with transaction.atomic():
        assert rows_insert_unless_taken([second]) is False
        assert Credential.objects.filter(learner=live.learner).count() == 1


@pytest.mark.django_db(transaction=True)
def test_it_still_raises_on_a_violation_that_is_no_unique_conflict():
    """Unlike SQLite's INSERT OR IGNORE, a missing value is an error, not a silently skipped row."""
    organization = OrganizationFactory()
    with pytest.raises(IntegrityError):
        with transaction.atomic():
            rows_insert_unless_taken([Learner(organization=organization, email="ann@learners.example", name=None)])
    assert not Learner.objects.exists()
