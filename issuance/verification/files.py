"""A presented file read within bounds: the credential a PDF, a baked PNG or a JSON file carries.

Nothing is stored and nothing in the file runs: a PDF is opened by qpdf (pikepdf) without repair,
its page count read from the catalogue (the pages are never walked), and only the one attachment
named `credential.json` is inflated, at most as far as a JSON body may be long; a PNG's size is
checked before its pixels are decompressed; JSON goes through the bounded parse every endpoint uses.
"""

import io
import re
import zlib
from dataclasses import dataclass

import pikepdf
from django.conf import settings

from ..bodies import MAX_BODY_BYTES, BodyRefused, json_request_parse
from ..openbadges.ob2 import BakingError, png_unbake

ATTACHMENT_NAME = "credential.json"
# A badge image is a few hundred pixels a side; 4096 × 4096 leaves room for any real one.
PNG_MAX_PIXELS = 4096 * 4096


class FileRefused(Exception):
    """The file cannot be read as a credential: answer `status` with `detail`."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


@dataclass(frozen=True)
class PresentedFile:
    kind: str  # pdf, png, json
    document: object  # the parsed JSON it carries: a credential, an OB 2.0 assertion, or a URL string
    data: bytes  # the file as received, for the PDF's digest; never stored


def presented_file_read(*, data: bytes) -> PresentedFile:
    """Read what the file carries, by its first bytes (a browser's content type says little)."""
    if len(data) > settings.LAUREL_VERIFY_MAX_BYTES:
        raise FileRefused(413, f"The file is over {settings.LAUREL_VERIFY_MAX_BYTES // (1024 * 1024)} MiB; "
                               "a certificate, a badge image or a credential is far smaller.")
    if not data.strip():
        raise FileRefused(400, "The file is empty.")
    if data.startswith(b"%PDF-"):
        return PresentedFile("pdf", _json(_pdf_attachment(data), where="The PDF's credential.json"), data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PresentedFile("png", _png_document(data), data)
    if data.lstrip()[:1] in (b"{", b"["):
        return PresentedFile("json", _json(data, where="The file"), data)
    raise FileRefused(415, "The file is not a PDF, a PNG badge or a credential (JSON).")


def _json(data: bytes, *, where: str) -> object:
    try:
        return json_request_parse(data)
    except BodyRefused as refused:
        raise FileRefused(refused.status if refused.status == 413 else 422, f"{where}: {refused.detail}") from None


def _pdf_attachment(data: bytes) -> bytes:
    try:
        # No repair: a file whose cross-reference table is damaged is refused, not reconstructed.
        with pikepdf.open(io.BytesIO(data), attempt_recovery=False) as pdf:
            _pdf_pages_check(pdf)
            stream = _attachment_stream(pdf)
            return _inflate(stream)
    except FileRefused:
        raise
    except (pikepdf.PdfError, pikepdf.PasswordError, ValueError, TypeError, KeyError, AttributeError,
            RecursionError) as exc:
        raise FileRefused(422, f"The PDF could not be read: {_short(exc)}.") from None


def _short(exc: Exception) -> str:
    # qpdf names the file it read ("stream <_io.BytesIO object at 0x…> (offset 12): "); the sender knows which.
    text = re.sub(r"stream <_io\.BytesIO object at 0x[0-9a-f]+>\s*", "", str(exc)).strip().lstrip(":").strip()
    return (text[:300] or type(exc).__name__).rstrip(".")


def _pdf_pages_check(pdf: pikepdf.Pdf) -> None:
    pages = pdf.Root.get("/Pages")
    count = pages.get("/Count") if isinstance(pages, pikepdf.Dictionary) else None
    if not isinstance(count, int):
        raise FileRefused(422, "The PDF has no page tree with a page count.")
    if int(count) > settings.LAUREL_VERIFY_MAX_PAGES:
        raise FileRefused(413, f"The PDF has {int(count)} pages; a certificate has a few "
                               f"({settings.LAUREL_VERIFY_MAX_PAGES} at most are read).")


def _attachment_stream(pdf: pikepdf.Pdf) -> pikepdf.Stream:
    """The embedded file named credential.json: in the catalogue's /AF (PDF/A-3), else its EmbeddedFiles."""
    specs = []
    associated = pdf.Root.get("/AF")
    if isinstance(associated, pikepdf.Array):
        specs.extend(associated)
    names = pdf.Root.get("/Names")
    embedded = names.get("/EmbeddedFiles") if isinstance(names, pikepdf.Dictionary) else None
    if isinstance(embedded, pikepdf.Dictionary):
        flat = embedded.get("/Names")  # a one-level name tree, as every writer makes for a few files
        if isinstance(flat, pikepdf.Array):
            specs.extend(flat[1::2])
    for spec in specs[:64]:
        if not isinstance(spec, pikepdf.Dictionary):
            continue
        names_given = {str(spec.get(key, "")) for key in ("/UF", "/F")}
        files = spec.get("/EF")
        if ATTACHMENT_NAME in names_given and isinstance(files, pikepdf.Dictionary):
            stream = files.get("/UF") or files.get("/F")
            if isinstance(stream, pikepdf.Stream):
                return stream
    raise FileRefused(422, "The PDF carries no credential.json attachment: it is not a certificate that carries "
                           "its signed badge. Check it by the code printed on it instead.")


def _inflate(stream: pikepdf.Stream) -> bytes:
    """The attachment's bytes, never inflated past the JSON limit (a few KiB can inflate to gigabytes)."""
    filters = stream.get("/Filter")
    filters = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
    raw = stream.read_raw_bytes()
    if not filters:
        data = raw
    elif [str(name) for name in filters] == ["/FlateDecode"] and not stream.get("/DecodeParms"):
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(raw, MAX_BODY_BYTES + 1)
        except zlib.error as exc:
            raise FileRefused(422, f"The PDF's credential.json could not be inflated: {exc}.") from None
    else:
        raise FileRefused(422, f"The PDF's credential.json is encoded with {[str(f) for f in filters]}; "
                               "only /FlateDecode (or none) is read.")
    if len(data) > MAX_BODY_BYTES:
        raise FileRefused(413, f"The PDF's credential.json inflates past {MAX_BODY_BYTES // 1024} KiB.")
    return data


def _png_document(data: bytes) -> object:
    try:
        text = png_unbake(png=data, max_pixels=PNG_MAX_PIXELS)
    except BakingError as exc:
        raise FileRefused(422, str(exc)) from None
    if text.lstrip().startswith(("{", "[")):
        return _json(text.encode("utf-8"), where="The PNG's openbadges chunk")
    return text.strip()  # a hosted assertion's URL
