"""The stand-in signs exactly as the integration notes' test vectors say, and Laurel accepts those very bytes."""

import pytest

from issuance.models import CompletionEvent
from issuance.sources.signatures import signature_compute

from . import stand_in
from .stand_in import STANDARD_VECTOR, VECTOR_BODY, VECTOR_SECRET, VECTORS

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_signs_each_documented_vector_as_documented():
    assert stand_in.typeform_signature(VECTOR_SECRET, VECTOR_BODY) == VECTORS["typeform"]
    assert stand_in.northpass_signature(VECTOR_SECRET, VECTOR_BODY) == VECTORS["northpass"]
    assert stand_in.absorb_signature(VECTOR_SECRET, VECTOR_BODY) == VECTORS["absorb"]
    assert stand_in.ispring_signature(VECTOR_SECRET, VECTOR_BODY) == VECTORS["ispring"]
    v = STANDARD_VECTOR
    assert stand_in.standard_signature(v["secret"], v["id"], v["timestamp"], VECTOR_BODY) == v["signature"]
    assert signature_compute(secret=v["secret"], message_id=v["id"], timestamp=v["timestamp"], body=VECTOR_BODY) == v["signature"]


@pytest.mark.parametrize("preset,header", [
    ("typeform", "Typeform-Signature"), ("northpass", "X-Northpass-Hmac-SHA256"),
    ("absorb", "absorb-signature"), ("ispring", "X-Hub-Signature"),
])
def test_it_authenticates_the_vector_body_with_the_vector_signature(mapped_source, sender, preset, header):
    source = mapped_source(preset=preset)
    response = sender(source).post(VECTOR_BODY, headers={header: VECTORS[preset]})
    assert response.status_code in (200, 202), response.text
    forged = sender(source).post(VECTOR_BODY.replace(b"01HZX5K9Q2", b"01HZX5K9Q3"), headers={header: VECTORS[preset]})
    assert forged.status_code == 401
    assert CompletionEvent.objects.filter(source=source).count() == 1
