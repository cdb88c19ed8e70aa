"""Open Badges 2.0 hosted JSON and PNG baking."""

import hashlib
import io
import json
import struct
from datetime import datetime, timezone

import pytest
from PIL import Image

from issuance.openbadges.ob2 import (
    BakingError,
    ob2_assertion_build,
    ob2_badge_class_build,
    ob2_issuer_build,
    ob2_recipient_identity,
    ob2_revoked_assertion_build,
    png_bake,
    png_unbake,
)

ASSERTION_URL = "https://laurel.example.org/ob2/assertions/0b0ad0e5.json"
BADGE_URL = "https://laurel.example.org/ob2/badges/fire-safety.json"
ISSUER_URL = "https://laurel.example.org/ob2/issuers/acme.json"


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", (32, 32), (180, 40, 40, 255)).save(out, "PNG")
    return out.getvalue()


def _chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    chunks, offset = [], 8
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset : offset + 8])
        chunks.append((kind, png[offset + 8 : offset + 8 + length]))
        offset += 12 + length
    return chunks


def _assertion() -> dict:
    return ob2_assertion_build(
        assertion_url=ASSERTION_URL,
        badge_class_url=BADGE_URL,
        recipient=ob2_recipient_identity(email="Ann@Example.org", salt="s1"),
        issued_on=datetime(2026, 2, 3, 4, 5, 6, tzinfo=timezone.utc),
        expires=datetime(2028, 2, 3, tzinfo=timezone.utc),
    )


def test_it_hashes_the_recipient_email_with_the_salt():
    identity = ob2_recipient_identity(email=" Ann@Example.org", salt="s1")

    assert identity == {
        "type": "email",
        "hashed": True,
        "salt": "s1",
        "identity": "sha256$" + hashlib.sha256(b"ann@example.orgs1").hexdigest(),
    }


def test_it_builds_hosted_issuer_badge_class_and_assertion():
    issuer = ob2_issuer_build(issuer_url=ISSUER_URL, name="Acme", url="https://acme.example", email="b@acme.example")
    badge = ob2_badge_class_build(
        badge_class_url=BADGE_URL, issuer_url=ISSUER_URL, name="Fire Safety", description="Safe around fire.",
        image="https://laurel.example.org/media/fire.png", criteria_narrative="Pass the quiz.", tags=["safety"],
    )
    assertion = _assertion()

    assert {issuer["@context"], badge["@context"], assertion["@context"]} == {"https://w3id.org/openbadges/v2"}
    assert (issuer["type"], badge["type"], assertion["type"]) == ("Issuer", "BadgeClass", "Assertion")
    assert badge["issuer"] == ISSUER_URL and assertion["badge"] == BADGE_URL
    assert assertion["verification"] == {"type": "HostedBadge"}
    assert assertion["issuedOn"] == "2026-02-03T04:05:06Z" and assertion["expires"] == "2028-02-03T00:00:00Z"


def test_it_builds_the_revoked_tombstone():
    assert ob2_revoked_assertion_build(assertion_url=ASSERTION_URL, reason="Issued in error") == {
        "@context": "https://w3id.org/openbadges/v2",
        "type": "Assertion",
        "id": ASSERTION_URL,
        "revoked": True,
        "revocationReason": "Issued in error",
    }


def test_it_bakes_the_assertion_into_one_uncompressed_itxt_chunk():
    baked = png_bake(png=_png(), assertion=_assertion())

    itxt = [data for kind, data in _chunks(baked) if kind == b"iTXt"]
    assert len(itxt) == 1
    keyword, rest = itxt[0].split(b"\x00", 1)
    assert keyword == b"openbadges"
    assert rest[:2] == b"\x00\x00"  # compression flag and method: not compressed
    assert json.loads(rest[4:]) == _assertion()  # after empty language tag and translated keyword
    assert json.loads(png_unbake(png=baked)) == _assertion()


def test_it_replaces_an_earlier_assertion_when_baking_again():
    once = png_bake(png=_png(), assertion="https://old.example/assertion.json")

    twice = png_bake(png=once, assertion=ASSERTION_URL)

    assert sum(1 for kind, _ in _chunks(twice) if kind == b"iTXt") == 1
    assert png_unbake(png=twice) == ASSERTION_URL
    assert Image.open(io.BytesIO(twice)).size == (32, 32)


def test_it_explains_images_it_cannot_bake_or_unbake():
    jpeg = io.BytesIO()
    Image.new("RGB", (8, 8)).save(jpeg, "JPEG")

    with pytest.raises(BakingError, match="Only PNG"):
        png_bake(png=jpeg.getvalue(), assertion=ASSERTION_URL)
    with pytest.raises(BakingError, match="could not be read"):
        png_bake(png=b"not an image", assertion=ASSERTION_URL)
    with pytest.raises(BakingError, match="no 'openbadges' chunk"):
        png_unbake(png=_png())
