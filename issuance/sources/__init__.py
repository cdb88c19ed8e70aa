"""Inbound dialects: each turns what one kind of source sends into the same candidate completion."""

from .base import CandidateCompletion, DialectAdapter, FieldError
from .registry import adapter_for_event

__all__ = ["CandidateCompletion", "DialectAdapter", "FieldError", "adapter_for_event"]
