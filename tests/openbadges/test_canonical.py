"""Canonicalization processes the bundled contexts once per process, and gives pyld's bytes all the same."""

import copy
import json

import pytest
from pyld import jsonld

from issuance.openbadges.canonical import UnsafeJsonLdError, jsonld_safety_check, rdf_canonicalize
from issuance.openbadges.loader import (
    BUNDLED_CONTEXT_FILES,
    CONTEXTS_DIR,
    CREDENTIALS_V2_URL,
    bundled_document_loader,
    is_bundled_context_part,
)

HARD_NAMES = [
    "Ann Lee",
    "نور الهدى عبد الله",  # right to left
    "שָׁלוֹם כהן",  # right to left, with points
    "山田 太郎",
    "김민준",
    "Zoë Ångström-Ñúñez",
    "Zoe\u0308 A\u030angstro\u0308m",  # combining marks, not precomposed
    'Ann "the quiz" O\'Brien',
    "Line one\nline two\r\n\ttabbed \\ backslash",
    "emoji 🎓 and \u200b zero width",
]


def _plain_pyld(document: dict) -> str:
    return jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": bundled_document_loader}
    )


def test_it_gives_the_same_n_quads_as_pyld_alone(issuer):
    for n, name in enumerate(HARD_NAMES * 2):  # the second round runs on processed contexts kept from the first
        credential = issuer.build(
            recipient_name=name, achievement_name=f"{name} — level {n}", achievement_description=name,
            criteria_narrative=f"Criteria for {name}", score=n, score_max="100",
            evidence=[{"name": name, "narrative": name}], credential_status=issuer.status_entry(n),
        )
        assert rdf_canonicalize(credential) == _plain_pyld(credential), name


def test_it_processes_a_context_written_in_the_document_afresh_every_time():
    for n in range(10):
        document = {"@context": [CREDENTIALS_V2_URL, {"colour": f"https://{n}.example/colour"}],
                    "@id": "https://a.example/thing", "colour": "teal"}

        canonical = rdf_canonicalize(document)

        assert f"<https://{n}.example/colour>" in canonical
        assert canonical == _plain_pyld(document)


def test_it_still_finds_undefined_terms_once_the_contexts_are_kept(issuer):
    credential = issuer.build()
    credential["favouriteColour"] = "teal"

    for _ in range(2):
        with pytest.raises(UnsafeJsonLdError, match="favouriteColour"):
            jsonld_safety_check(credential)


def test_it_does_not_process_the_bundled_contexts_again_for_the_next_credential(issuer, monkeypatch):
    rdf_canonicalize(issuer.build(recipient_name="First"))
    jsonld_safety_check(issuer.build(recipient_name="First"))
    definitions = []
    original = jsonld.JsonLdProcessor._create_term_definition
    monkeypatch.setattr(jsonld.JsonLdProcessor, "_create_term_definition",
                        lambda *args, **kwargs: definitions.append(args) or original(*args, **kwargs))

    rdf_canonicalize(issuer.build(recipient_name="Second", achievement_name="Another"))
    jsonld_safety_check(issuer.build(recipient_name="Second", achievement_name="Another"))

    assert definitions == []


def test_it_leaves_the_bundled_contexts_as_shipped(issuer):
    # Processed contexts are kept by the identity of these objects, so nothing may change them.
    issuer.sign(issuer.build(recipient_name="Ann Lee", evidence=[{"name": "Quiz", "narrative": "Passed."}]))

    for url, name in BUNDLED_CONTEXT_FILES.items():
        assert bundled_document_loader(url)["document"] == json.loads((CONTEXTS_DIR / name).read_text()), url


def test_it_tells_the_bundled_contexts_objects_from_copies_of_them():
    context = bundled_document_loader(CREDENTIALS_V2_URL)["document"]["@context"]

    assert is_bundled_context_part(context)
    assert is_bundled_context_part(context["VerifiableCredential"]["@context"])
    assert not is_bundled_context_part(copy.deepcopy(context))
    assert not is_bundled_context_part(dict(context["VerifiableCredential"]["@context"]))
