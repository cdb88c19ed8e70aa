"""Badgr / Canvas Credentials assertions (Open Badges 2.0 JSON, as its v2 API answers: `{"result": […]}` or a
list). An assertion names its badge class by id only; a file that also carries `"badgeclasses": [{"entityId",
"name"}]` gets names (to map by name), otherwise badge classes are mapped by id. Assertions carry no recipient
name: `extensions:recipientProfile` is read if present, else the learner's name already in Laurel."""

from .rows import FileUnreadable, SourceRow, json_document

LABEL = "Badgr / Canvas Credentials"


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _recipient(assertion: dict) -> tuple[str, str]:
    """(email, problem)."""
    recipient = assertion.get("recipient") if isinstance(assertion.get("recipient"), dict) else {}
    kind = _text(recipient.get("type") or "email")
    if kind != "email":
        return "", f"the recipient is identified by {kind}, not an email address"
    plain = _text(recipient.get("plaintextIdentity"))
    if plain:
        return plain, ""
    identity = _text(recipient.get("identity"))
    if recipient.get("hashed") or identity.startswith(("sha256$", "md5$")):
        return "", "the recipient's email is hashed and the file has no plaintextIdentity for it"
    return identity, ""


def read(body: bytes, *, columns: dict[str, str]) -> list[SourceRow]:
    document = json_document(body)
    classes = {}
    if isinstance(document, dict):
        for badge_class in document.get("badgeclasses") or []:
            if isinstance(badge_class, dict):
                classes[_text(badge_class.get("entityId"))] = _text(badge_class.get("name"))
        items = document.get("result")
    else:
        items = document
    if not isinstance(items, list):
        raise FileUnreadable('Expected Badgr assertions: {"result": [...]} as its API answers, or a list of assertions.')
    rows = []
    for number, item in enumerate(items, 1):
        if item is None:  # a learner's erasure left their item's place empty: the others keep their numbers
            continue
        if not isinstance(item, dict):
            rows.append(SourceRow(number=number, problem="not an assertion object"))
            continue
        email, problem = _recipient(item)
        profile = (item.get("extensions") or {}).get("extensions:recipientProfile") if isinstance(item.get("extensions"), dict) else None
        badge_id = _text(item.get("badgeclass"))
        withdrawn = ""
        if item.get("revoked"):
            reason = _text(item.get("revocationReason"))
            withdrawn = "revoked on Badgr" + (f": {reason}" if reason else "")
        rows.append(SourceRow(
            number=number, email=email, name=_text(profile.get("name")) if isinstance(profile, dict) else "",
            original_id=_text(item.get("openBadgeId") or item.get("entityId")), original_url=_text(item.get("openBadgeId")),
            badge_id=badge_id, badge_name=classes.get(badge_id, "") or _text(item.get("badgeclassName")),
            badge_url=_text(item.get("badgeclassOpenBadgeId")),
            issued_at=_text(item.get("issuedOn")), expires_at=_text(item.get("expires")), withdrawn=withdrawn, problem=problem,
        ))
    return rows
