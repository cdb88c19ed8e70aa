"""The certificate as a PDF/A-3b file that carries its signed Open Badges 3.0 credential, and reading it back.

Made with pikepdf (qpdf): `pikepdf.pdfa.prepare` makes the repairs and writes the PDF/A XMP metadata;
the sRGB output intent (the zlib-licensed profile pikepdf ships) is the one `prepare` installs, learned
from it once and stored compressed; `open_metadata` declares part 3 and adds the credential's id and
issuer; `AttachedFileSpec` embeds the credential as `credential.json`, an associated file of the
document (`/AF`, `AFRelationship /Data`). Nothing here writes PDF syntax by hand.
"""

import functools
import importlib.resources
import io
import json
import re
import zlib

import pikepdf
from django.utils.translation import gettext_noop as _
from pikepdf.pdfa import prepare as pdfa_prepare

PDFA_FLAVOUR = "3b"
# What `prepare` is asked for: see pdfa_finish.
_PREPARED_AS = "2b"
CREDENTIAL_FILENAME = "credential.json"
CREDENTIAL_MEDIA_TYPE = "application/vc+ld+json"  # what Laurel serves the credential as
CREDENTIAL_DESCRIPTION = "The signed Open Badges 3.0 credential this certificate shows"
# Reading a file someone hands in (the /verify page): refused beyond these, before any work is done.
MAX_READ_BYTES = 8 * 1024 * 1024  # a Laurel certificate is under 100 KB; the render limit is 8 MB
MAX_READ_PAGES = 20
MAX_CREDENTIAL_BYTES = 1024 * 1024  # decompressed, so a small zip-bomb stream stops here
MAX_ATTACHMENTS_READ = 32  # file specifications looked at in /AF and in EmbeddedFiles, each


@functools.cache
def _srgb_profile() -> bytes:
    """The sRGB ICC profile pikepdf ships for PDF/A output intents (icc-profiles-free, zlib licence), read once."""
    return (importlib.resources.files("pikepdf.pdfa") / "data" / "sRGB.icc").read_bytes()


@functools.cache
def _srgb_profile_compressed() -> bytes:
    return zlib.compress(_srgb_profile(), 9)


@functools.cache
def _srgb_intent() -> dict:
    """The entries of the output intent `prepare` installs for the sRGB profile, read from a blank page it prepared."""
    with pikepdf.new() as blank:
        blank.add_blank_page()
        pdfa_prepare(blank, PDFA_FLAVOUR, output_intent=_srgb_profile())
        [intent] = blank.Root.OutputIntents
        # Kept as Python values, not as objects of the closed page: names as names, the rest as text.
        return {"entries": {key: (isinstance(value, pikepdf.Name), str(value)) for key, value in intent.items()
                            if key != "/DestOutputProfile"},
                "n": int(intent.DestOutputProfile.N)}


def _srgb_intent_install(document: pikepdf.Pdf) -> None:
    """That output intent, its profile stored compressed (7 KB less per certificate), as the document's only one."""
    learned = _srgb_intent()
    profile = pikepdf.Stream(document, b"")
    profile.write(_srgb_profile_compressed(), filter=pikepdf.Name.FlateDecode, type_check=False)
    profile.N = learned["n"]
    entries = {key: pikepdf.Name(text) if is_name else pikepdf.String(text) for key, (is_name, text) in learned["entries"].items()}
    intent = pikepdf.Dictionary({**entries, "/DestOutputProfile": profile})
    document.Root.OutputIntents = pikepdf.Array([document.make_indirect(intent)])


class CertificateFileError(ValueError):
    """A file handed in as a certificate cannot be read; the message says why, for the person who sent it.

    `too_large` says the file is over one of the reader's bounds (size, pages, the credential inflated)
    rather than unreadable, so that a web answer can say 413 instead of 422.

    `message` is the sentence before its values are put in, marked for translation, and `params` its
    values, so the verify page can say it in its visitor's language; `detail` is it in English.
    """

    def __init__(self, message: str, params: dict | None = None, *, too_large: bool = False):
        self.message, self.params, self.too_large = message, params or {}, too_large
        self.detail = message % self.params
        super().__init__(self.detail)


def _issuer(credential: dict) -> tuple[str, str]:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        return str(issuer.get("id", "")), str(issuer.get("name", ""))
    return str(issuer or ""), ""


def certificate_pdfa(pdf: bytes, *, credential: dict) -> bytes:
    """The rendered certificate made PDF/A-3b, with `credential` (the signed OB 3.0 JSON) embedded.

    The pages (text layer, fonts, images) are copied as they are; qpdf writes the existing streams
    without decoding them again.
    """
    with pikepdf.open(io.BytesIO(pdf)) as document:
        pdfa_finish(document, credential=credential)
        output = io.BytesIO()
        document.save(output, **PDFA_SAVE)
    return output.getvalue()


# Every stream ReportLab wrote is already Flate-compressed, and so is the credential: qpdf copies
# them as they are instead of decoding and compressing each again (5 ms of 6).
PDFA_SAVE = {"compress_streams": False, "stream_decode_level": pikepdf.StreamDecodeLevel.none,
             "min_version": "1.7", "fix_metadata_version": False}


def pdfa_finish(document: pikepdf.Pdf, *, credential: dict) -> None:
    """Make an open document PDF/A-3b carrying `credential`, in place; the caller saves it with PDFA_SAVE.

    The layered certificate calls this on the document it has open already, so the file is opened
    and written once. The XMP carries dc:identifier (the credential's id) and dc:publisher (its
    issuer's id, a did:web or did:key) beside the title, author and subject taken from the
    document information, which must be final before this runs.
    """
    data = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode()
    credential_id = str(credential.get("id", ""))
    issuer_id, issuer_name = _issuer(credential)
    for page in document.pages:
        # ReportLab writes an empty page transition (a slideshow setting); it shows nothing.
        if "/Trans" in page.obj:
            del page.obj["/Trans"]
    _srgb_intent_install(document)
    # The repairs and the XMP from the document info. Of what `prepare` does, only its repair of embedded files
    # is particular to PDF/A-3, and a certificate has none until the credential is attached below with all
    # PDF/A-3 asks of it; that repair walks every object (the fonts' width arrays make it a third of this
    # step). PDF/A-2 and -3 share the rest (XMP 2005 schemas, profiles up to ICC v4), so the document is
    # prepared as 2B and declared part 3 just after; the tests validate each certificate as 3B.
    pdfa_prepare(document, _PREPARED_AS, output_intent=None)
    with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["pdfaid:part"] = PDFA_FLAVOUR[0]
        # `prepare` stamps the metadata with the clock; the document's own date keeps the file the same
        # bytes for the same inputs (the layered certificate's promise).
        if meta.get("xmp:ModifyDate"):
            meta["xmp:MetadataDate"] = meta["xmp:ModifyDate"]
        if credential_id:
            meta["dc:identifier"] = credential_id
        if issuer_id:
            meta["dc:publisher"] = [issuer_id]
        if issuer_name and not meta.get("dc:creator"):
            meta["dc:creator"] = [issuer_name]
    # Attached after `prepare`, with all PDF/A-3 asks of it, so prepare has no embedded file to repair.
    spec = pikepdf.AttachedFileSpec(
        document, data, filename=CREDENTIAL_FILENAME, mime_type=CREDENTIAL_MEDIA_TYPE,
        description=CREDENTIAL_DESCRIPTION, relationship=pikepdf.Name.Data,
    )
    stream = spec.get_file().obj
    stream.write(zlib.compress(data, 6), filter=pikepdf.Name.FlateDecode, type_check=False)
    document.attachments[CREDENTIAL_FILENAME] = spec
    document.Root.AF = pikepdf.Array([spec.obj])


def certificate_credential_data(pdf_bytes: bytes, *, max_bytes: int = MAX_READ_BYTES, max_pages: int = MAX_READ_PAGES,
                               max_credential_bytes: int = MAX_CREDENTIAL_BYTES) -> bytes | None:
    """The bytes of the `credential.json` a PDF carries, or None when it carries none; nothing is parsed or verified.

    The one reader of a certificate's embedded credential, bounded for files from anyone: at most
    `max_bytes` of PDF, opened by qpdf without repair (a damaged cross-reference table is refused,
    not reconstructed), not encrypted, at most `max_pages` pages (the count is read from the
    catalogue, the page tree is never walked), the attachment found among the first few of the
    catalogue's /AF (PDF/A-3) or its EmbeddedFiles, and inflated (Flate or unfiltered only) to at
    most `max_credential_bytes`. Raises CertificateFileError saying why otherwise.
    """
    if len(pdf_bytes) > max_bytes:
        raise CertificateFileError(_("The file is %(size)s bytes; a certificate may be at most %(limit)s."),
                                   {"size": f"{len(pdf_bytes):,}", "limit": f"{max_bytes:,}"}, too_large=True)
    if not pdf_bytes.lstrip()[:5] == b"%PDF-":
        raise CertificateFileError(_("The file is not a PDF (it does not start with %(header)s)."), {"header": "%PDF-"})
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes), attempt_recovery=False) as document:
            if document.is_encrypted:
                raise CertificateFileError(_("The PDF is encrypted; a Laurel certificate never is."))
            _pages_check(document, max_pages)
            stream = _credential_stream(document)
            return None if stream is None else _stream_data(stream, max_credential_bytes)
    except CertificateFileError:
        raise
    except pikepdf.PasswordError:
        raise CertificateFileError(_("The PDF is encrypted; a Laurel certificate never is.")) from None
    except (pikepdf.PdfError, pikepdf.DataDecodingError, RuntimeError, ValueError, TypeError, KeyError,
            AttributeError, RecursionError) as exc:
        raise CertificateFileError(_("The PDF could not be read: %(reason)s."), {"reason": _short(exc)}) from None


def certificate_credential_read(pdf_bytes: bytes, **bounds) -> dict | None:
    """The credential embedded in a certificate PDF as a dict, or None when the PDF carries none.

    `certificate_credential_data` with its bounds, then parsed as JSON; raises CertificateFileError
    for an embedded `credential.json` that is not a JSON object. The /verify API parses the same
    bytes with the bounded parse every endpoint uses instead.
    """
    data = certificate_credential_data(pdf_bytes, **bounds)
    if data is None:
        return None
    try:
        credential = json.loads(data)
    except (ValueError, RecursionError):
        raise CertificateFileError(_("The PDF's %(name)s is not JSON."), {"name": CREDENTIAL_FILENAME}) from None
    if not isinstance(credential, dict):
        raise CertificateFileError(_("The PDF's %(name)s is not a JSON object."), {"name": CREDENTIAL_FILENAME})
    return credential


def _short(exc: Exception) -> str:
    # qpdf names the file it read ("stream <_io.BytesIO object at 0x…> (offset 12): "); the sender knows which.
    text = re.sub(r"stream <_io\.BytesIO object at 0x[0-9a-f]+>\s*", "", str(exc)).strip().lstrip(":").strip()
    return (text[:300] or type(exc).__name__).rstrip(".")


def _pages_check(document: pikepdf.Pdf, max_pages: int) -> None:
    pages = document.Root.get("/Pages")
    count = pages.get("/Count") if isinstance(pages, pikepdf.Dictionary) else None
    if not isinstance(count, int) or int(count) < 0:
        raise CertificateFileError(_("The PDF has no page tree with a page count."))
    if int(count) > max_pages:
        raise CertificateFileError(_("The PDF has %(count)s pages; a certificate has a few (%(limit)s at most are read)."),
                                   {"count": int(count), "limit": max_pages}, too_large=True)


def _specs(array: object, start: int = 0, step: int = 1) -> list:
    """At most MAX_ATTACHMENTS_READ entries of a PDF array, taken by index (a huge array is not copied)."""
    if not isinstance(array, pikepdf.Array):
        return []
    return [array[index] for index in range(start, min(len(array), start + step * MAX_ATTACHMENTS_READ), step)]


def _credential_stream(document: pikepdf.Pdf) -> pikepdf.Stream | None:
    """The embedded file named credential.json: in the catalogue's /AF (PDF/A-3), else its EmbeddedFiles."""
    specs = _specs(document.Root.get("/AF"))
    names = document.Root.get("/Names")
    embedded = names.get("/EmbeddedFiles") if isinstance(names, pikepdf.Dictionary) else None
    if isinstance(embedded, pikepdf.Dictionary):
        # A one-level name tree (name, spec, name, spec …), as every writer makes for a few files.
        specs += _specs(embedded.get("/Names"), start=1, step=2)
    for spec in specs:
        if not isinstance(spec, pikepdf.Dictionary):
            continue
        if CREDENTIAL_FILENAME not in {str(spec.get(key, "")) for key in ("/UF", "/F")}:
            continue
        files = spec.get("/EF")
        stream = files.get("/UF", files.get("/F")) if isinstance(files, pikepdf.Dictionary) else None
        if isinstance(stream, pikepdf.Stream):
            return stream
    return None


def _stream_data(stream: pikepdf.Stream, max_bytes: int) -> bytes:
    """The attachment's bytes, never inflated past `max_bytes` (a few KiB can inflate to gigabytes; qpdf's decoder has no ceiling)."""
    filters = stream.get("/Filter")
    filters = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
    raw = stream.read_raw_bytes()
    if not filters:
        data = raw
    elif [str(name) for name in filters] == ["/FlateDecode"] and not stream.get("/DecodeParms"):
        try:
            data = zlib.decompressobj().decompress(raw, max_bytes + 1)
        except zlib.error as exc:
            raise CertificateFileError(_("The PDF's %(name)s could not be inflated: %(reason)s."),
                                       {"name": CREDENTIAL_FILENAME, "reason": str(exc)}) from None
    else:
        raise CertificateFileError(_("The PDF's %(name)s is encoded with %(filters)s; only /FlateDecode (or none) is read."),
                                   {"name": CREDENTIAL_FILENAME, "filters": str([str(f) for f in filters])})
    if len(data) > max_bytes:
        raise CertificateFileError(_("The PDF's %(name)s inflates past %(limit)s KiB."),
                                   {"name": CREDENTIAL_FILENAME, "limit": max_bytes // 1024}, too_large=True)
    return data
