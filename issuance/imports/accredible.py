"""Accredible's credentials: its CSV export, or its API's JSON (`{"credentials": […]}` from a search,
`{"credential": {…}}` for one, or a list). The JSON fields are the documented API's (recipient.name,
recipient.email, group_id, group_name, issued_on, expired_on, url, approve); the CSV's headers are taken to be
the same names flattened (recipient_email…), which is unconfirmed: each can be renamed (docs/import.md)."""

from .rows import FileUnreadable, SourceRow, cell, column_finder, csv_records, json_document

LABEL = "Accredible"
DEFAULTS = {
    "original_id": ("id", "credential_id"),
    "original_url": ("url", "credential_url"),
    "email": ("recipient_email", "recipient.email"),
    "name": ("recipient_name", "recipient.name"),
    "badge_id": ("group_id",),
    "badge_name": ("group_name", "course_name"),
    "issued_at": ("issued_on",),
    "expires_at": ("expired_on",),
    "state": ("approve",),
}
UNPUBLISHED = "unpublished on Accredible (approve is false)"


def read(body: bytes, *, columns: dict[str, str]) -> list[SourceRow]:
    if body.lstrip()[:1] in (b"{", b"["):
        return _read_json(json_document(body))
    header, records = csv_records(body)
    found = column_finder(header, defaults=DEFAULTS, columns=columns, required=("original_id", "email", "issued_at"))
    return [SourceRow(
        number=number, email=cell(record, found, "email"), name=cell(record, found, "name"),
        original_id=cell(record, found, "original_id"), original_url=cell(record, found, "original_url"),
        badge_id=cell(record, found, "badge_id"), badge_name=cell(record, found, "badge_name"),
        issued_at=cell(record, found, "issued_at"), expires_at=cell(record, found, "expires_at"),
        withdrawn=UNPUBLISHED if cell(record, found, "state").lower() == "false" else "",
    ) for number, record in records]


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _read_json(document) -> list[SourceRow]:
    if isinstance(document, dict) and isinstance(document.get("credentials"), list):
        items = document["credentials"]
    elif isinstance(document, dict) and isinstance(document.get("credential"), dict):
        items = [document["credential"]]
    elif isinstance(document, list):
        items = document
    else:
        raise FileUnreadable('Expected Accredible\'s JSON: {"credentials": [...]}, {"credential": {...}} or a list.')
    rows = []
    for number, item in enumerate(items, 1):
        if item is None:  # a learner's erasure left their item's place empty: the others keep their numbers
            continue
        if not isinstance(item, dict):
            rows.append(SourceRow(number=number, problem="not a credential object"))
            continue
        recipient = item.get("recipient") if isinstance(item.get("recipient"), dict) else {}
        rows.append(SourceRow(
            number=number, email=_text(recipient.get("email")), name=_text(recipient.get("name")),
            original_id=_text(item.get("id")), original_url=_text(item.get("url")),
            badge_id=_text(item.get("group_id")), badge_name=_text(item.get("group_name") or item.get("name")),
            issued_at=_text(item.get("issued_on")), expires_at=_text(item.get("expired_on")),
            withdrawn=UNPUBLISHED if item.get("approve") is False else "",
        ))
    return rows
