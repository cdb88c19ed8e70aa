"""A pyld document loader that serves only the JSON-LD contexts bundled with Laurel, never the network."""

import json
from functools import cache
from pathlib import Path

from django.utils.translation import gettext_noop as _

from ..sentences import Sentence

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

CREDENTIALS_V2_URL = "https://www.w3.org/ns/credentials/v2"
OB_V3P0_CONTEXT_URL = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
# 1EdTech's terms for its own service types (1EdTechCredentialRefresh): a credential with a refreshService needs it.
OB_V3P0_EXTENSIONS_URL = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
# 1EdTech's Comprehensive Learner Record 2.0 terms (ClrCredential, ClrSubject, Association): a learner record needs it.
CLR_V2P0_CONTEXT_URL = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"
DID_V1_URL = "https://www.w3.org/ns/did/v1"
MULTIKEY_V1_URL = "https://w3id.org/security/multikey/v1"
# What a wallet's DIDAuth presentation may be written in (LCW signs it with Ed25519Signature2020).
CREDENTIALS_V1_URL = "https://www.w3.org/2018/credentials/v1"
ED25519_2020_V1_URL = "https://w3id.org/security/suites/ed25519-2020/v1"

BUNDLED_CONTEXT_FILES = {
    CREDENTIALS_V2_URL: "credentials-v2.jsonld",
    OB_V3P0_CONTEXT_URL: "ob-v3p0-context-3.0.3.json",
    OB_V3P0_EXTENSIONS_URL: "ob-v3p0-extensions.json",
    CLR_V2P0_CONTEXT_URL: "clr-v2p0-context-2.0.1.json",
    DID_V1_URL: "did-v1.jsonld",
    MULTIKEY_V1_URL: "multikey-v1.jsonld",
    CREDENTIALS_V1_URL: "credentials-v1.jsonld",
    ED25519_2020_V1_URL: "ed25519-signature-2020-v1.jsonld",
}


class ContextNotBundledError(LookupError):
    """A document asked for a JSON-LD context that Laurel does not ship; nothing was fetched."""

    def __init__(self, url: str):
        self.url = url
        # With its values, so the verify page can say it in its visitor's language (issuance/sentences.py).
        self.said = Sentence(_("JSON-LD context %(url)s is not bundled with Laurel and will not be fetched; "
                               "bundled contexts: %(bundled)s"),
                             {"url": repr(url), "bundled": ", ".join(sorted(BUNDLED_CONTEXT_FILES))})
        super().__init__(str(self.said))


@cache
def _bundled_document(url: str) -> dict:
    return json.loads((CONTEXTS_DIR / BUNDLED_CONTEXT_FILES[url]).read_text(encoding="utf-8"))


def _object_ids(node, found: set[int]) -> None:
    if isinstance(node, dict | list):
        found.add(id(node))
        for child in node.values() if isinstance(node, dict) else node:
            _object_ids(child, found)


@cache
def _bundled_object_ids() -> frozenset[int]:
    found: set[int] = set()
    for url in BUNDLED_CONTEXT_FILES:
        _object_ids(_bundled_document(url), found)
    return frozenset(found)


def is_bundled_context_part(value) -> bool:
    """True if `value` is one of the objects inside a bundled context (they are loaded once, never freed).

    pyld hands the scoped contexts of our contexts' term definitions around as these very objects,
    so their identity stands for their content without serializing them.
    """
    return id(value) in _bundled_object_ids()


def bundled_document_loader(url: str, options: dict | None = None) -> dict:
    """Return the bundled context for `url` in pyld's RemoteDocument shape; refuse anything else."""
    if url not in BUNDLED_CONTEXT_FILES:
        raise ContextNotBundledError(url)
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": _bundled_document(url),
        # pyld keeps a context tagged "static" in its shared cache instead of loading and
        # processing it again for every document.
        "tag": "static",
    }
