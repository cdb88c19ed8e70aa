"""The document loader serves only bundled contexts and never touches the network."""

import hashlib
import re
import socket

import pytest

from issuance.openbadges.canonical import rdf_canonicalize
from issuance.openbadges.loader import (
    BUNDLED_CONTEXT_FILES,
    CONTEXTS_DIR,
    OB_V3P0_CONTEXT_URL,
    ContextNotBundledError,
    bundled_document_loader,
)


def test_it_serves_every_bundled_context():
    for url in BUNDLED_CONTEXT_FILES:
        remote = bundled_document_loader(url, {})
        assert remote["documentUrl"] == url
        assert "@context" in remote["document"]


@pytest.mark.parametrize(
    "url",
    [
        "https://w3id.org/security/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context.json",
        "http://127.0.0.1:8000/context.json",
        "file:///etc/passwd",
    ],
)
def test_it_refuses_any_other_url_with_a_clear_error(url):
    with pytest.raises(ContextNotBundledError) as excinfo:
        bundled_document_loader(url, {})

    assert excinfo.value.url == url
    assert "not bundled" in str(excinfo.value) and OB_V3P0_CONTEXT_URL in str(excinfo.value)


def test_it_canonicalizes_without_opening_a_socket(monkeypatch, vector):
    def no_network(*args, **kwargs):
        raise AssertionError("the signer tried to open a network connection")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)

    assert rdf_canonicalize(vector["credential"]) == vector["documentCanon"]
    with pytest.raises(ContextNotBundledError):
        rdf_canonicalize({"@context": "https://example.com/ctx.jsonld", "name": "x"})


def test_it_ships_the_contexts_listed_in_the_provenance_readme():
    readme = (CONTEXTS_DIR / "README.md").read_text()
    listed = dict((name, digest) for digest, name in re.findall(r"^([0-9a-f]{64})  (\S+)$", readme, re.M))

    assert sorted(listed) == sorted(BUNDLED_CONTEXT_FILES.values())
    for name, digest in listed.items():
        assert hashlib.sha256((CONTEXTS_DIR / name).read_bytes()).hexdigest() == digest, name
