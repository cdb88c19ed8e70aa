"""Inbound dialects: each turns what one kind of source sends into the same candidate completion."""

from .base import CandidateCompletion, Dialect, EnrichmentFailed, FieldError, NotACompletion
from .registry import DIALECTS, adapter_for_event, dialect_get

__all__ = [
    "DIALECTS",
    "CandidateCompletion",
    "Dialect",
    "EnrichmentFailed",
    "FieldError",
    "NotACompletion",
    "adapter_for_event",
    "dialect_get",
]
