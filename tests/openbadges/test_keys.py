"""Issuer keys: Multikey and did:key encodings, and private keys encrypted at rest."""

import pytest
from cryptography.fernet import Fernet

from courses.keys.crypto import (
    KeyDecryptionError,
    KeyEncryptionKeyError,
    MultikeyError,
    did_key_from_public_key,
    did_key_verification_method,
    key_pair_generate,
    private_key_decrypt,
    private_key_encrypt,
    private_key_from_seed,
    public_key_from_did_key,
    public_key_multibase_decode,
    public_key_raw,
)


def test_it_encodes_the_1edtech_public_key_as_its_multikey(vector):
    key_pair = private_key_from_seed(seed=bytes.fromhex(vector["privateKeyHex"]))

    public_key = key_pair.public_key()

    assert public_key_raw(public_key).hex() == vector["publicKeyHex"]
    assert public_key_multibase_decode(value=vector["publicKeyMultibase"]) == public_key
    assert did_key_from_public_key(public_key=public_key) == "did:key:" + vector["publicKeyMultibase"]


def test_it_derives_a_did_key_whose_fragment_repeats_the_key():
    key_pair = key_pair_generate()

    method = did_key_verification_method(public_key=key_pair.public_key)

    did, fragment = method.split("#")
    assert did == "did:key:" + fragment and fragment.startswith("z6Mk")
    assert public_key_from_did_key(did=method) == key_pair.public_key


@pytest.mark.parametrize("value", ["6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", "z0OIl", "z" + "1" * 40])
def test_it_rejects_a_value_that_is_not_an_ed25519_multikey(value):
    with pytest.raises(MultikeyError):
        public_key_multibase_decode(value=value)


def test_it_round_trips_a_private_key_encrypted_with_the_settings_key(settings):
    settings.LAUREL = {"ORGANIZATION_KEY_SECRET": Fernet.generate_key().decode()}
    key_pair = key_pair_generate()

    token = private_key_encrypt(private_key=key_pair.private_key)

    assert key_pair.public_key_multibase[1:] not in token
    assert private_key_decrypt(token=token).public_key() == key_pair.public_key


def test_it_explains_a_missing_encryption_key(settings):
    settings.LAUREL = {"ORGANIZATION_KEY_SECRET": ""}

    with pytest.raises(KeyEncryptionKeyError, match="LAUREL_KEY_ENCRYPTION_KEY is not set"):
        private_key_encrypt(private_key=key_pair_generate().private_key)


def test_it_explains_a_malformed_encryption_key(settings):
    settings.LAUREL = {"ORGANIZATION_KEY_SECRET": "too-short"}

    with pytest.raises(KeyEncryptionKeyError, match="invalid.*got 9 characters"):
        private_key_encrypt(private_key=key_pair_generate().private_key)


def test_it_refuses_to_decrypt_with_another_encryption_key():
    token = private_key_encrypt(private_key=key_pair_generate().private_key, secret=Fernet.generate_key().decode())

    with pytest.raises(KeyDecryptionError, match="could not be decrypted"):
        private_key_decrypt(token=token, secret=Fernet.generate_key().decode())
