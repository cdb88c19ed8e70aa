"""One learner's part of a stored upload (an export kept between its mapping, dry run and import): found for their
copy of their data, and taken out of the file for their erasure, the other learners' rows kept as they were."""

import csv
import io
import json
from dataclasses import dataclass, field

from ..openbadges.ob2 import ob2_recipient_matches


@dataclass
class UploadPart:
    """The learner's records in one upload, and the upload without them."""

    upload: object  # a CredentialImportUpload
    records: list = field(default_factory=list)  # CSV rows and URL lines as text, JSON items as they are
    body: bytes = b""  # the file without their records
    fetched: dict = field(default_factory=dict)  # the platform's answers, without those about them


def _lines_without(text: str, *, theirs, header: bool) -> tuple[list[str], str]:
    """(the records `theirs` picks, the text with each of their physical lines left empty): a CSV row keeps its
    number and a URL list its line numbers, so the rows staff saw keep theirs. A CSV's header is never theirs."""
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(iter(lines))
    found, start = [], 0
    try:
        for number, record in enumerate(reader):
            end = reader.line_num
            if (number or not header) and theirs(record):
                found.append("".join(lines[start:end]).rstrip("\r\n"))
                for index in range(start, end):
                    lines[index] = "\n" if lines[index].endswith("\n") else ""
            start = end
    except csv.Error:  # not CSV after all: the whole file is theirs to lose if it names them
        return ([text], "") if theirs([text]) else ([], text)
    return found, "".join(lines)


def _items_without(document, *, theirs) -> tuple[list, object]:
    """(the items `theirs` picks, the document with each of them left null): the lists each platform's JSON holds its
    credentials in. A null keeps the item's place, so every other item keeps its row number (its position), as a CSV
    row left empty does; the readers skip a null."""
    def kept_in(items: list) -> list:
        return [None if i is not None and theirs(i) else i for i in items]

    if isinstance(document, list):
        return [i for i in document if i is not None and theirs(i)], kept_in(document)
    if not isinstance(document, dict):
        return [], document
    found, kept = [], dict(document)
    for key in ("credentials", "result"):  # Accredible's search, Badgr's API
        if isinstance(kept.get(key), list):
            found += [i for i in kept[key] if i is not None and theirs(i)]
            kept[key] = kept_in(kept[key])
    if isinstance(kept.get("credential"), dict) and theirs(kept["credential"]):  # Accredible's one credential
        found.append(kept.pop("credential"))
        kept["credentials"] = []
    return found, kept


def upload_part(*, upload, subject) -> UploadPart | None:
    """The learner's part of `upload`, or None when the file does not name them (nor its answers, for a URL list)."""
    body, fetched = bytes(upload.body), dict(upload.fetched or {})
    text = body.decode("utf-8-sig", "replace")
    if upload.source == "ob2":
        def theirs(record):  # the line names them, or the assertion it points at was issued to them
            answer = (fetched.get(record[0].strip()) or {}).get("document") if record else None
            return subject.mentioned_in(" ".join(record)) or _recipient_is(answer, subject)
        records, kept = _lines_without(text, theirs=theirs, header=False)
        part = UploadPart(upload=upload, records=records, body=kept.encode(), fetched=fetched)
        for line in records:
            url = next(csv.reader([line]), [""])[0].strip() if line else ""
            part.fetched.pop(url, None)
    elif text.lstrip()[:1] in ("{", "["):
        try:
            document = json.loads(text)
        except ValueError:
            document = None
        if document is None:
            records, kept_text = ([text], "") if subject.mentioned_in(text) else ([], text)
            part = UploadPart(upload=upload, records=records, body=kept_text.encode(), fetched=fetched)
        else:
            records, kept = _items_without(document, theirs=subject.mentioned_in_value)
            part = UploadPart(upload=upload, records=records, body=json.dumps(kept, ensure_ascii=False).encode(),
                              fetched=fetched)
    else:
        records, kept = _lines_without(text, theirs=lambda record: subject.mentioned_in(" ".join(record)), header=True)
        part = UploadPart(upload=upload, records=records, body=kept.encode(), fetched=fetched)
    return part if part.records else None


def _recipient_is(assertion, subject) -> bool:
    if not isinstance(assertion, dict):
        return False
    recipient = assertion.get("recipient") if isinstance(assertion.get("recipient"), dict) else {}
    return subject.mentioned_in_value(recipient) or ob2_recipient_matches(recipient=recipient, email=subject.email)
