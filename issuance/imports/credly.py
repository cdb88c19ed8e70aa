"""Credly's issued-badges export (CSV). The column names are the fields of Credly's issued-badge API
(recipient_email, issued_to_first_name, badge_template_id, issued_at, expires_at, state, badge_url…); that the
export's headers match them is unconfirmed, so each can be renamed (docs/import.md, LAUREL_IMPORT_COLUMNS)."""

from .rows import SourceRow, cell, column_finder, csv_records

LABEL = "Credly"
DEFAULTS = {
    "original_id": ("id", "badge_id"),
    "original_url": ("badge_url",),
    "email": ("recipient_email",),
    "name": ("issued_to",),
    "first_name": ("issued_to_first_name",),
    "last_name": ("issued_to_last_name",),
    "badge_id": ("badge_template_id",),
    "badge_name": ("badge_template_name", "badge_name"),
    "issued_at": ("issued_at",),
    "expires_at": ("expires_at",),
    "state": ("state",),
}
# Credly's states: pending (not yet claimed by the earner, still issued), accepted, rejected, revoked.
WITHDRAWN = {"revoked": "revoked on Credly", "rejected": "rejected by the earner on Credly"}


def read(body: bytes, *, columns: dict[str, str]) -> list[SourceRow]:
    header, records = csv_records(body)
    found = column_finder(header, defaults=DEFAULTS, columns=columns,
                          required=("original_id", "email", "issued_at"))
    rows = []
    for number, record in records:
        name = cell(record, found, "name") or " ".join(
            part for part in (cell(record, found, "first_name"), cell(record, found, "last_name")) if part)
        rows.append(SourceRow(
            number=number, email=cell(record, found, "email"), name=name,
            original_id=cell(record, found, "original_id"), original_url=cell(record, found, "original_url"),
            badge_id=cell(record, found, "badge_id"), badge_name=cell(record, found, "badge_name"),
            issued_at=cell(record, found, "issued_at"), expires_at=cell(record, found, "expires_at"),
            withdrawn=WITHDRAWN.get(cell(record, found, "state").lower(), ""),
        ))
    return rows
