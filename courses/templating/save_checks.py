"""Checks a template must pass before it is saved, beyond what the sandbox refuses by reading it.

Some problems only a render finds (a reference the renderer may not load, a loop over budget),
and rendering belongs to the pipeline. So the pipeline registers its checks here when it starts
(`issuance.apps`), and the catalogue refuses such a template at save without importing it.
"""

from collections.abc import Callable

_CHECKS: dict[str, Callable[..., object]] = {}


def template_save_check_register(*, kind: str, check: Callable[..., object]) -> None:
    """`kind` is "certificate" or "email"; `check(**template)` returns the problems found (falsy: none)."""
    _CHECKS[kind] = check


def template_save_problems(*, kind: str, **template):
    """The registered check's problems for this template, or None when no check is registered."""
    check = _CHECKS.get(kind)
    return check(**template) if check else None
