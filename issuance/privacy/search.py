"""Searching everything Laurel stores for a person's email and names: every text, JSON and binary column of every
table (found by introspecting the database, so a new table cannot be forgotten) and every stored file.

Erasure runs it afterwards and reports what is left; the tests run it to prove nothing is.
"""

import base64
import binascii
import email
import io
import re
import zipfile
from dataclasses import dataclass, field
from email import policy
from pathlib import Path

import pypdfium2
from django.db import connection

SEARCHED_TYPES = {"CharField", "TextField", "JSONField", "BinaryField", "EmailField", "SlugField", "URLField",
                  "GenericIPAddressField", "FilePathField"}
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]{24,}")


@dataclass(frozen=True)
class Hit:
    where: str  # "table.column #pk" or a file path (and the member inside a ZIP)
    needle: str
    excerpt: str


@dataclass
class SearchResult:
    tables: int = 0
    columns: list[str] = field(default_factory=list)
    rows: int = 0
    files: int = 0
    hits: list[Hit] = field(default_factory=list)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, (bytes, bytearray, memoryview)):
        value = bytes(value).decode("utf-8", "replace")
    text = str(value)
    if _BASE64.fullmatch(text):  # e.g. the database cache's pickled values: look inside too
        try:
            text += "\n" + base64.b64decode(text).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            pass
    if "\\u" in text:
        text = _JSON_ESCAPE.sub(lambda match: chr(int(match.group(1), 16)), text)
    return text


def _find(text: str, needles: list[str], where: str, hits: list[Hit]) -> None:
    folded = text.casefold()
    for needle in needles:
        at = folded.find(needle.casefold())
        if at >= 0:
            hits.append(Hit(where, needle, text[max(0, at - 40): at + len(needle) + 40]))


def _searched_columns(cursor, table: str) -> list[str]:
    columns = []
    for column in connection.introspection.get_table_description(cursor, table):
        try:
            kind = connection.introspection.get_field_type(column.type_code, column)
        except KeyError:  # a type Django has no field for: read it as text anyway
            kind = "TextField"
        if kind in SEARCHED_TYPES:
            columns.append(column.name)
    return columns


def database_search(*, needles: list[str], result: SearchResult) -> None:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
        for table in tables:
            columns = _searched_columns(cursor, table)
            result.tables += 1
            if not columns:
                continue
            result.columns += [f"{table}.{name}" for name in columns]
            # Names from the database's own catalogue, quoted by the backend; no value is interpolated.
            query = f"SELECT {', '.join(quote(name) for name in columns)} FROM {quote(table)}"  # nosec B608: quoted catalogue names
            cursor.execute(query)
            while rows := cursor.fetchmany(1000):
                for row in rows:
                    result.rows += 1
                    for name, value in zip(columns, row):
                        _find(_as_text(value), needles, f"{table}.{name}", result.hits)


def _eml_text(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=policy.default)
    parts = [f"{name}: {value}" for name, value in message.items()]
    for part in message.walk():
        if part.get_filename():
            parts.append(part.get_filename())
        if part.get_content_maintype() == "text":
            parts.append(part.get_content())
        elif not part.is_multipart():
            parts.append(file_text(part.get_filename() or "", part.get_payload(decode=True) or b""))
    return "\n".join(parts)


def _pdf_text(raw: bytes) -> str:
    document = pypdfium2.PdfDocument(raw)
    try:
        parts = [str(value) for value in document.get_metadata_dict().values()]
        for page in document:
            parts.append(page.get_textpage().get_text_range())
        return "\n".join(parts)
    finally:
        document.close()


def file_text(name: str, raw: bytes) -> str:
    """What a person could read in a stored file: a PDF's text and metadata, a ZIP's or email's contents, or the bytes."""
    parts = [_as_text(raw)]
    lowered = name.lower()
    try:
        if raw.startswith(b"%PDF") or lowered.endswith(".pdf"):
            parts.append(_pdf_text(raw))
        elif zipfile.is_zipfile(io.BytesIO(raw)):
            with zipfile.ZipFile(io.BytesIO(raw)) as archive:
                parts += [f"{member}\n{file_text(member, archive.read(member))}" for member in archive.namelist()]
        elif lowered.endswith(".eml"):
            parts.append(_eml_text(raw))
    except Exception as exc:  # noqa: BLE001  (an unreadable file is reported, not skipped)
        parts.append(f"[unreadable {name}: {exc}]")
    return "\n".join(parts)


def files_search(*, needles: list[str], folders: list[Path], result: SearchResult) -> None:
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                result.files += 1
                _find(file_text(path.name, path.read_bytes()), needles, str(path), result.hits)


def personal_data_search(*, needles: list[str], folders: list[Path]) -> SearchResult:
    result = SearchResult()
    database_search(needles=needles, result=result)
    files_search(needles=needles, folders=folders, result=result)
    return result
