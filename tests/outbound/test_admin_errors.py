"""Staff read an outbound failure as a sentence, with the exception's text folded away (walk-through m3)."""

import pytest
from django.urls import reverse

from issuance.models import OutboundDelivery
from issuance.outbound.services import outbound_sync_issue
from issuance.outbound.tasks import outbound_sweep

pytestmark = pytest.mark.django_db


def test_a_name_that_does_not_resolve_reads_as_a_sentence_on_the_list_and_the_page(admin_client, connect, credential):
    connect("webhook", secret="whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE=", url="https://hooks.laurel-test.invalid/laurel")

    outbound_sync_issue(issuance=credential.issuance, credential=credential)
    outbound_sweep()
    delivery = OutboundDelivery.objects.get(credential=credential)
    assert delivery.last_error.startswith("Attempt 1: Could not reach hooks.laurel-test.invalid (the name does not resolve).")

    listing = admin_client.get(reverse("admin:issuance_outbounddelivery_changelist")).content.decode()
    assert "Could not reach hooks.laurel-test.invalid (the name does not resolve)" in listing
    assert "NameResolutionError" not in listing and "HTTPSConnectionPool" not in listing

    page = admin_client.get(reverse("admin:issuance_outbounddelivery_change", args=[delivery.pk])).content.decode()
    assert '<details class="laurel-technical"><summary>Technical detail</summary><code>POST https://hooks.laurel-test.invalid/laurel' in page
