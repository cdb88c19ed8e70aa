"""W3C Bitstring Status List: encoding, list credentials, entries and index allocation."""

import base64
import gzip
import random
from datetime import datetime, timezone

import pytest

from issuance.openbadges.sign import credential_verify
from issuance.openbadges.bitstring import (
    STATUS_LIST_MIN_ENTRIES,
    StatusListError,
    StatusListFullError,
    bitstring_decode,
    bitstring_encode,
    bitstring_is_set,
    bitstring_set_indexes,
    status_index_allocate,
    status_list_credential_build,
    status_list_entry_build,
)


def test_it_round_trips_the_set_indexes():
    indexes = {0, 7, 8, 4242, STATUS_LIST_MIN_ENTRIES - 1}

    encoded = bitstring_encode(set_indexes=indexes)

    assert encoded.startswith("u") and "=" not in encoded
    assert bitstring_set_indexes(encoded_list=encoded) == indexes
    assert bitstring_is_set(encoded_list=encoded, index=4242)
    assert not bitstring_is_set(encoded_list=encoded, index=4243)


def test_it_puts_index_zero_in_the_most_significant_bit_of_the_gzipped_bits():
    encoded = bitstring_encode(set_indexes=[0, 9])

    raw = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))

    assert len(raw) * 8 == STATUS_LIST_MIN_ENTRIES
    assert raw[:2] == bytes([0b1000_0000, 0b0100_0000])
    assert bitstring_decode(encoded_list=encoded) == raw


def test_it_refuses_short_lists_out_of_range_indexes_and_garbage():
    with pytest.raises(StatusListError, match="at least 131072"):
        bitstring_encode(set_indexes=[], size=1024)
    with pytest.raises(StatusListError, match="outside the list"):
        bitstring_encode(set_indexes=[STATUS_LIST_MIN_ENTRIES])
    with pytest.raises(StatusListError, match="GZIP"):
        bitstring_decode(encoded_list="uAAAA")
    with pytest.raises(StatusListError, match="'u' prefix"):
        bitstring_decode(encoded_list="H4sI")


def test_it_builds_an_entry_pointing_at_the_list():
    entry = status_list_entry_build(list_url="https://l.example/status/acme/revocation/1", index=99, purpose="revocation")

    assert entry == {
        "id": "https://l.example/status/acme/revocation/1#99",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "99",
        "statusListCredential": "https://l.example/status/acme/revocation/1",
    }
    with pytest.raises(StatusListError, match="purpose"):
        status_list_entry_build(list_url="https://l.example/s", index=1, purpose="deleted")


def test_it_builds_a_list_credential_the_issuer_can_sign(issuer):
    credential = status_list_credential_build(
        list_url=issuer.status_list_url("suspension"),
        issuer_id=issuer.did,
        purpose="suspension",
        encoded_list=bitstring_encode(set_indexes=[3]),
        valid_from=datetime(2026, 3, 1, 12, tzinfo=timezone.utc),
    )
    signed = issuer.sign(credential)

    assert signed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert signed["credentialSubject"]["statusPurpose"] == "suspension"
    assert signed["validFrom"] == "2026-03-01T12:00:00Z"
    assert credential_verify(credential=signed, public_key=issuer.current.public_key).verified


def test_it_allocates_random_unused_indexes():
    rng = random.Random(1)
    used = set()
    for _ in range(200):
        used.add(status_index_allocate(used=used, rng=rng))

    assert len(used) == 200
    assert max(used) > STATUS_LIST_MIN_ENTRIES // 2  # not handed out in issue order


def test_it_finds_the_last_free_index_and_then_reports_a_full_list():
    size = STATUS_LIST_MIN_ENTRIES
    used = set(range(size)) - {12345}

    assert status_index_allocate(used=used, size=size) == 12345
    with pytest.raises(StatusListFullError):
        status_index_allocate(used=used | {12345}, size=size)
