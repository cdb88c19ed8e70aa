"""JSON-LD → canonical N-Quads (RDFC-1.0), plus the 'safe mode' checks strict verifiers apply."""

import re

from pyld import jsonld

from .loader import ContextNotBundledError, bundled_document_loader

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


class CanonicalizationError(ValueError):
    """A document could not be turned into canonical N-Quads."""


class UnsafeJsonLdError(CanonicalizationError):
    """Some of the document would be silently left out of the signature (an undefined term, a relative IRI)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(
            "Strict verifiers would reject this document, and the signature would not cover: "
            + "; ".join(problems)
        )


def _options(**extra) -> dict:
    return {"documentLoader": bundled_document_loader, **extra}


def _unwrap_loader_error(exc: jsonld.JsonLdError) -> None:
    cause = exc
    while cause is not None:  # pyld wraps the loader's error several layers deep
        if isinstance(cause, ContextNotBundledError):
            raise cause from exc
        cause = cause.__cause__ or cause.__context__


def rdf_canonicalize(document: dict) -> str:
    """RDFC-1.0 canonical N-Quads. pyld calls the algorithm URDNA2015; its default (URGNA2012) differs."""
    try:
        return jsonld.normalize(document, _options(algorithm="URDNA2015", format="application/n-quads"))
    except jsonld.JsonLdError as exc:
        _unwrap_loader_error(exc)
        raise CanonicalizationError(f"JSON-LD canonicalization failed: {exc}") from exc


def _relative_iris(node, found: list[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _relative_iris(item, found)
        return
    if not isinstance(node, dict):
        return
    types = node.get("@type", [])
    for value in types if isinstance(types, list) else [types]:
        if isinstance(value, str) and not _ABSOLUTE_IRI.match(value) and "@value" not in node:
            found.append(f"relative type {value!r}")
    node_id = node.get("@id")
    if isinstance(node_id, str) and not (node_id.startswith("_:") or _ABSOLUTE_IRI.match(node_id)):
        found.append(f"relative id {node_id!r}")
    for key, value in node.items():
        if key not in ("@type", "@id", "@value"):
            _relative_iris(value, found)


def jsonld_safety_check(document: dict) -> None:
    """Raise UnsafeJsonLdError for terms the contexts do not define and for relative IRIs.

    Canonicalization silently drops both, so a signature would not cover them, and Digital Bazaar's
    verifiers (safe mode) reject such documents outright.
    """
    dropped: list[str] = []
    try:
        # base=None: pyld otherwise resolves relative IRIs against a placeholder base and hides them.
        expanded = jsonld.expand(
            document, _options(base=None), on_property_dropped=lambda term: dropped.append(f"undefined term {term!r}")
        )
    except jsonld.JsonLdError as exc:
        _unwrap_loader_error(exc)
        raise CanonicalizationError(f"JSON-LD expansion failed: {exc}") from exc
    problems = dropped
    _relative_iris(expanded, problems)
    if problems:
        raise UnsafeJsonLdError(problems)
