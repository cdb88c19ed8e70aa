"""JSON-LD → canonical N-Quads (RDFC-1.0), plus the 'safe mode' checks strict verifiers apply."""

import re
import threading

from cachetools import LRUCache
from django.utils.translation import gettext_noop as _
from pyld import jsonld

from ..sentences import Sentence
from .loader import ContextNotBundledError, bundled_document_loader, is_bundled_context_part

_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
# What pyld turns a processed active context into, so that nothing changes it afterwards.
_FROZEN_CONTEXT = type(jsonld.freeze({}))


class CanonicalizationError(ValueError):
    """A document could not be turned into canonical N-Quads. `said` keeps Laurel's sentence with its values (the
    JSON-LD processor's own words among them, as written), so the verify page can say it in its visitor's language."""

    def __init__(self, message: str, params: dict | None = None):
        self.said = Sentence(message, params or {})
        super().__init__(str(self.said))


class UnsafeJsonLdError(CanonicalizationError):
    """Some of the document would be silently left out of the signature (an undefined term, a relative IRI)."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        # Said only to whoever signs (Laurel itself), never to a visitor: not translated.
        super().__init__("Strict verifiers would reject this document, and the signature would not cover: %(problems)s",
                         {"problems": "; ".join(problems)})


def _context_key(local_context):
    """What a local context is, as a dict key, when that is cheap and certain; None otherwise.

    URLs name bundled contexts (the loader refuses any other); the objects inside bundled contexts
    are never changed. A context written inline in a document has no such key: it is processed
    every time, as pyld does.
    """
    if local_context is None or local_context is False or isinstance(local_context, str):
        return local_context
    if is_bundled_context_part(local_context):
        return ("bundled", id(local_context))
    if isinstance(local_context, list):
        parts = tuple(_context_key(part) for part in local_context)
        return None if any(part is None for part in parts) else ("list", *parts)
    return None


class _ProcessedContextCache:
    """Active contexts already processed from (active context, bundled local context, flags).

    pyld caches a processed context per active context, but a type-scoped context starts from a
    fresh copy of the active one, and an object context is first serialized to find its cache
    entry: both make every credential process its contexts again, most of the signing time.
    Processed active contexts are frozen and never changed by pyld, so they can be shared.
    """

    def __init__(self, maxsize: int = 256):
        self._entries = LRUCache(maxsize=maxsize)
        self._lock = threading.Lock()

    def key(self, active_context, local_context, options: dict, flags: tuple):
        if not isinstance(active_context, _FROZEN_CONTEXT) or "_uuid" not in active_context:
            return None  # a context still being built, or a copy made for one operation
        context_key = _context_key(local_context)
        if context_key is None:
            return None
        return (active_context["_uuid"], context_key, options.get("base"), options["documentLoader"], flags)

    def get(self, key):
        with self._lock:
            return self._entries.get(key)

    def put(self, key, processed) -> None:
        with self._lock:
            self._entries[key] = processed


_processed_contexts = _ProcessedContextCache()


class _BundledContextProcessor(jsonld.JsonLdProcessor):
    """pyld's processor, with the processing of bundled contexts done once per process."""

    def _process_context(self, active_ctx, local_ctx, options, override_protected=False, propagate=True,
                         validate_scoped=True, cycles=None):
        key = _processed_contexts.key(active_ctx, local_ctx, options, (override_protected, propagate, validate_scoped))
        processed = _processed_contexts.get(key) if key is not None else None
        if processed is None:
            processed = super()._process_context(active_ctx, local_ctx, options, override_protected, propagate,
                                                 validate_scoped, cycles)
            if key is not None and isinstance(processed, _FROZEN_CONTEXT):
                _processed_contexts.put(key, processed)
        return processed


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
        return _BundledContextProcessor().normalize(
            document, _options(algorithm="URDNA2015", format="application/n-quads")
        )
    except jsonld.JsonLdError as exc:
        _unwrap_loader_error(exc)
        raise CanonicalizationError(_("JSON-LD canonicalization failed: %(reason)s"), {"reason": str(exc)}) from exc


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
        processor = _BundledContextProcessor(on_property_dropped=lambda term: dropped.append(f"undefined term {term!r}"))
        expanded = processor.expand(document, _options(base=None))
    except jsonld.JsonLdError as exc:
        _unwrap_loader_error(exc)
        raise CanonicalizationError(_("JSON-LD expansion failed: %(reason)s"), {"reason": str(exc)}) from exc
    problems = dropped
    _relative_iris(expanded, problems)
    if problems:
        raise UnsafeJsonLdError(problems)
