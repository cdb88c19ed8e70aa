"""Organisations' signing keys: made with the organisation, encrypted at rest, rotated without breaking anything."""

import base64

import pytest
from cryptography.fernet import Fernet

from courses.keys.rotation import organization_key_active, organization_key_rotate, signing_key_private
from courses.keys.crypto import key_encryption_key_from_file, public_key_multibase_encode
from tests.factories.courses import OrganizationFactory


def test_it_gives_a_new_organisation_a_key_encrypted_at_rest(db):
    organization = OrganizationFactory()

    key = organization.signing_keys.get()

    assert key.key_id == "key-1" and key.retired_at is None
    private_key = signing_key_private(key=key)
    assert public_key_multibase_encode(public_key=private_key.public_key()) == key.public_key_multibase
    seed = private_key.private_bytes_raw()
    assert base64.b64encode(seed).decode() not in key.private_key_encrypted and seed.hex() not in key.private_key_encrypted


def test_it_signs_with_the_new_key_after_a_rotation(db):
    organization = OrganizationFactory()

    new = organization_key_rotate(organization=organization)

    assert organization_key_active(organization=organization) == new
    assert organization.signing_keys.filter(retired_at__isnull=False).count() == 1


def test_it_gives_each_organisation_its_own_salt(db):
    first, second = OrganizationFactory(), OrganizationFactory()

    assert len(first.recipient_salt) == 32 and first.recipient_salt != second.recipient_salt


def test_it_generates_the_development_key_file_once_and_reads_it_after(tmp_path):
    path = tmp_path / "var" / "key-encryption-key"
    path.parent.mkdir()

    first = key_encryption_key_from_file(path=path)
    second = key_encryption_key_from_file(path=path)

    assert first == second
    Fernet(first.encode())  # a usable key
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_it_refuses_to_make_a_key_without_an_encryption_key_in_production(db, settings):
    from courses.keys.crypto import KeyEncryptionKeyError

    settings.LAUREL = {"ORGANIZATION_KEY_SECRET": "", "ORGANIZATION_KEY_FILE": ""}

    with pytest.raises(KeyEncryptionKeyError, match="LAUREL_KEY_ENCRYPTION_KEY"):
        OrganizationFactory()


def test_it_decrypts_a_stored_key_once_and_a_rotated_one_afresh(db, monkeypatch):
    import courses.keys.rotation

    decrypted = []
    original = courses.keys.rotation.private_key_decrypt
    monkeypatch.setattr(courses.keys.rotation, "private_key_decrypt",
                        lambda **kwargs: decrypted.append(kwargs["token"]) or original(**kwargs))
    organization = OrganizationFactory()
    old = organization.signing_keys.get()

    first = signing_key_private(key=organization_key_active(organization=organization))
    again = signing_key_private(key=organization_key_active(organization=organization))
    new = organization_key_rotate(organization=organization)
    rotated = signing_key_private(key=organization_key_active(organization=organization))

    assert decrypted == [old.private_key_encrypted, new.private_key_encrypted]
    assert again is first
    assert public_key_multibase_encode(public_key=rotated.public_key()) == new.public_key_multibase != old.public_key_multibase


def test_it_refuses_a_key_it_decrypted_before_once_the_encryption_key_changes(db, settings):
    from courses.keys.crypto import KeyDecryptionError, KeyEncryptionKeyError

    key = OrganizationFactory().signing_keys.get()
    signing_key_private(key=key)  # decrypted, and kept, under the current encryption key

    settings.LAUREL = {**settings.LAUREL, "ORGANIZATION_KEY_SECRET": Fernet.generate_key().decode()}
    with pytest.raises(KeyDecryptionError, match="LAUREL_KEY_ENCRYPTION_KEY"):
        signing_key_private(key=key)
    settings.LAUREL = {**settings.LAUREL, "ORGANIZATION_KEY_SECRET": "", "ORGANIZATION_KEY_FILE": ""}
    with pytest.raises(KeyEncryptionKeyError, match="LAUREL_KEY_ENCRYPTION_KEY"):
        signing_key_private(key=key)
