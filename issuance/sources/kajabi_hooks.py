"""Kajabi's `tag_added` hooks, one per mapped tag, registered by Laurel through Kajabi's API (`/v1/hooks`).

The source's course mapping table says which tags complete which course; this makes Kajabi's hooks
agree with it: a hook for each mapped tag pointing at the source's secret address, and Laurel's hooks
for tags no longer mapped (or pointing at a secret since replaced) deleted. A hook is Laurel's when its
target is this source's address. Every call goes through the outgoing-request guard. Run from the
admin ("Register Kajabi hooks") and by `manage.py source_add` (docs/lms/kajabi.md).
"""

from dataclasses import dataclass

from ..models import SourceCourseMapping
from .base import EnrichmentFailed, source_setting
from .configure import source_intake_url
from .kajabi import API_URL, EVENT, kajabi_api_call

MAX_PAGES = 20  # 100 hooks a page: more than any site holds


class KajabiHooksError(Exception):
    """Nothing could be registered: no credentials, a refused key, Kajabi unreachable; the message says which."""


@dataclass(frozen=True)
class HookChange:
    tag: str
    action: str  # registered, kept, removed, failed
    detail: str = ""


def _api(source) -> tuple[str, dict]:
    if not (source_setting(source, "client_id") and source_setting(source, "client_secret")):
        raise KajabiHooksError("Give the source's client_id and client_secret (a Kajabi User API Key) first.")
    api = (source_setting(source, "api_url") or API_URL).rstrip("/")
    try:
        token = kajabi_api_call("POST", f"{api}/v1/oauth/token", data={"grant_type": "client_credentials", "client_id": source_setting(source, "client_id"),
                                                             "client_secret": source_setting(source, "client_secret")}).get("access_token")
    except EnrichmentFailed as exc:
        raise KajabiHooksError(str(exc)) from None
    return api, {"Authorization": f"Bearer {token}", "Accept": "application/vnd.api+json", "Content-Type": "application/vnd.api+json"}


def _site_id(source, api: str, headers: dict) -> str:
    """The setting site_id, else the key's only site (GET /v1/sites)."""
    if source_setting(source, "site_id"):
        return source_setting(source, "site_id")
    sites = kajabi_api_call("GET", f"{api}/v1/sites", headers=headers).get("data") or []
    if len(sites) != 1:
        raise KajabiHooksError(f"The API key reaches {len(sites)} Kajabi sites; set site_id to the one whose tags these are.")
    return str(sites[0].get("id"))


def _hooks(api: str, headers: dict) -> list[dict]:
    found, url, params = [], f"{api}/v1/hooks", {"filter[event_eq]": EVENT, "page[size]": "100"}
    for _ in range(MAX_PAGES):
        answer = kajabi_api_call("GET", url, params=params, headers=headers)
        found += [hook for hook in answer.get("data") or [] if isinstance(hook, dict)]
        following = (answer.get("links") or {}).get("next")
        if not following or not str(following).startswith(api):
            break
        url, params = str(following), None
    return found


def kajabi_hooks_register(*, source) -> list[HookChange]:
    """Make Kajabi's tag_added hooks match the source's mapped tags; each tag's outcome, or KajabiHooksError."""
    target = f"{source_intake_url(source)}/{source.signing_secret}"
    ours_prefix = source_intake_url(source) + "/"
    tags = sorted(SourceCourseMapping.objects.filter(source=source).values_list("external_id", flat=True))
    api, headers = _api(source)
    try:
        site = _site_id(source, api, headers)
        hooks = [h for h in _hooks(api, headers) if str((h.get("attributes") or {}).get("target_url", "")).startswith(ours_prefix)]
    except EnrichmentFailed as exc:
        raise KajabiHooksError(str(exc)) from None
    changes, kept = [], set()
    for hook in hooks:
        attributes = hook.get("attributes") or {}
        tag = str(attributes.get("resource_id") or "")
        if tag in tags and attributes.get("target_url") == target and tag not in kept:
            kept.add(tag)
            changes.append(HookChange(tag, "kept", f"hook {hook.get('id')} already posts here"))
            continue
        why = "its tag is no longer mapped" if tag not in tags else "it posts to an earlier secret address" if attributes.get("target_url") != target else "a second hook for one tag"
        try:
            kajabi_api_call("DELETE", f"{api}/v1/hooks/{hook.get('id')}", headers=headers, accept=(200, 204), expect_body=False, missing="Kajabi knows no such hook.")
            changes.append(HookChange(tag or "(every tag)", "removed", f"hook {hook.get('id')}: {why}"))
        except EnrichmentFailed as exc:
            changes.append(HookChange(tag or "(every tag)", "failed", f"could not delete hook {hook.get('id')} ({why}): {exc}"))
    for tag in tags:
        if tag in kept:
            continue
        document = {"data": {"type": "hooks", "attributes": {"target_url": target, "event": EVENT, "resource_id": tag},
                             "relationships": {"site": {"data": {"id": site, "type": "sites"}}}}}
        try:
            created = kajabi_api_call("POST", f"{api}/v1/hooks", json=document, headers=headers, accept=(200, 201))
            changes.append(HookChange(tag, "registered", f"hook {(created.get('data') or {}).get('id')}"))
        except EnrichmentFailed as exc:
            changes.append(HookChange(tag, "failed", str(exc)))
    return changes
