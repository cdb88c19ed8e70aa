"""The certificate as a PDF/A-3b file that carries its signed Open Badges 3.0 credential, and reading it back.

Made with pikepdf (qpdf): `pikepdf.pdfa.prepare` installs the sRGB output intent (the zlib-licensed
profile pikepdf ships) and declares PDF/A-3B in the XMP metadata; `open_metadata` adds the credential's
id and issuer; `AttachedFileSpec` embeds the credential as `credential.json`, an associated file of the
document (`/AF`, `AFRelationship /Data`). Nothing here writes PDF syntax by hand.
"""

import functools
import importlib.resources
import io
import json
import zlib

import pikepdf
from pikepdf.pdfa import prepare as pdfa_prepare

PDFA_FLAVOUR = "3b"
CREDENTIAL_FILENAME = "credential.json"
CREDENTIAL_MEDIA_TYPE = "application/vc+ld+json"  # what Laurel serves the credential as
CREDENTIAL_DESCRIPTION = "The signed Open Badges 3.0 credential this certificate shows"
# Reading a file someone hands in (the /verify page): refused beyond these, before any work is done.
MAX_READ_BYTES = 8 * 1024 * 1024  # a Laurel certificate is under 100 KB; the render limit is 8 MB
MAX_READ_PAGES = 20
MAX_CREDENTIAL_BYTES = 1024 * 1024  # decompressed, so a small zip-bomb stream stops here


@functools.cache
def _srgb_profile() -> bytes:
    """The sRGB ICC profile pikepdf ships for PDF/A output intents (icc-profiles-free, zlib licence), read once."""
    return (importlib.resources.files("pikepdf.pdfa") / "data" / "sRGB.icc").read_bytes()


@functools.cache
def _srgb_profile_compressed() -> bytes:
    return zlib.compress(_srgb_profile(), 9)


class CertificateFileError(ValueError):
    """A file handed in as a certificate cannot be read; the message says why, for the person who sent it."""


def _issuer(credential: dict) -> tuple[str, str]:
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        return str(issuer.get("id", "")), str(issuer.get("name", ""))
    return str(issuer or ""), ""


def certificate_pdfa(pdf: bytes, *, credential: dict) -> bytes:
    """The rendered certificate made PDF/A-3b, with `credential` (the signed OB 3.0 JSON) embedded.

    The pages (text layer, fonts, images) are copied as they are; qpdf writes the existing streams
    without decoding them again. The XMP carries dc:identifier (the credential's id) and
    dc:publisher (its issuer's id, a did:web or did:key) beside the title, author and subject.
    """
    data = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode()
    credential_id = str(credential.get("id", ""))
    issuer_id, issuer_name = _issuer(credential)
    with pikepdf.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            # ReportLab writes an empty page transition (a slideshow setting); it shows nothing.
            if "/Trans" in page.obj:
                del page.obj["/Trans"]
        # The sRGB output intent, the XMP from the document info and PDF/A-3B declared in it.
        pdfa_prepare(document, PDFA_FLAVOUR, output_intent=_srgb_profile())
        for intent in document.Root.OutputIntents:  # stored compressed: 7 KB less per certificate
            intent.DestOutputProfile.write(_srgb_profile_compressed(), filter=pikepdf.Name.FlateDecode, type_check=False)
        with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
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
        output = io.BytesIO()
        # Every stream ReportLab wrote is already Flate-compressed, and so is the credential: qpdf
        # copies them as they are instead of decoding and compressing each again (5 ms of 6).
        document.save(output, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                      min_version="1.7", fix_metadata_version=False)
    return output.getvalue()


def certificate_credential_read(pdf_bytes: bytes, *, max_bytes: int = MAX_READ_BYTES,
                                max_pages: int = MAX_READ_PAGES) -> dict | None:
    """The credential embedded in a certificate PDF, or None when the PDF carries none.

    Bounded for files from anyone: at most `max_bytes` of PDF and `max_pages` pages (the page count
    is read, the page tree is not walked), the embedded file decompressed to at most 1 MB (Flate or
    unfiltered only) and parsed as JSON without executing anything. Raises CertificateFileError,
    saying why, for a file over a bound, one that is not a readable PDF, an encrypted one, or an
    embedded `credential.json` that is not a JSON object. Nothing is verified here: the caller
    checks the proof and the status.
    """
    if len(pdf_bytes) > max_bytes:
        raise CertificateFileError(f"The file is {len(pdf_bytes):,} bytes; a certificate may be at most {max_bytes:,}.")
    if not pdf_bytes.lstrip()[:5] == b"%PDF-":
        raise CertificateFileError("The file is not a PDF (it does not start with %PDF-).")
    try:
        with pikepdf.open(io.BytesIO(pdf_bytes)) as document:
            if document.is_encrypted:
                raise CertificateFileError("The PDF is encrypted; a Laurel certificate never is.")
            pages = document.Root.get("/Pages")
            count = pages.get("/Count") if isinstance(pages, pikepdf.Dictionary) else None
            if not isinstance(count, int) or count < 0:
                raise CertificateFileError("The PDF has no readable page count.")
            if count > max_pages:
                raise CertificateFileError(f"The PDF has {count:,} pages; a certificate has at most {max_pages}.")
            stream = _credential_stream(document)
            if stream is None:
                return None
            data = _stream_data(stream)
    except CertificateFileError:
        raise
    except pikepdf.PasswordError:
        raise CertificateFileError("The PDF is encrypted; a Laurel certificate never is.") from None
    except (pikepdf.PdfError, pikepdf.DataDecodingError, RuntimeError, ValueError) as exc:
        raise CertificateFileError(f"The PDF cannot be read: {exc}") from None
    try:
        credential = json.loads(data)
    except (ValueError, RecursionError):
        raise CertificateFileError(f"The PDF's {CREDENTIAL_FILENAME} is not JSON.") from None
    if not isinstance(credential, dict):
        raise CertificateFileError(f"The PDF's {CREDENTIAL_FILENAME} is not a JSON object.")
    return credential


def _credential_stream(document: pikepdf.Pdf) -> pikepdf.Stream | None:
    """The embedded file stream of the associated file named credential.json (catalogue /AF), if any."""
    associated = document.Root.get("/AF")
    if not isinstance(associated, pikepdf.Array):
        return None
    for spec in list(associated)[:16]:
        if not isinstance(spec, pikepdf.Dictionary):
            continue
        names = {str(spec.get(key, "")) for key in ("/UF", "/F")}
        if CREDENTIAL_FILENAME not in names:
            continue
        files = spec.get("/EF")
        stream = files.get("/UF", files.get("/F")) if isinstance(files, pikepdf.Dictionary) else None
        if isinstance(stream, pikepdf.Stream):
            return stream
    return None


def _stream_data(stream: pikepdf.Stream) -> bytes:
    """The stream's bytes, decompressed by zlib with a ceiling (qpdf's own decoder has none)."""
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        filters = list(filters)
    else:
        filters = [filters] if filters is not None else []
    if "/DecodeParms" in stream or any(f != pikepdf.Name.FlateDecode for f in filters) or len(filters) > 1:
        raise CertificateFileError(f"The PDF's {CREDENTIAL_FILENAME} is stored with a filter Laurel does not read.")
    raw = stream.read_raw_bytes()
    if not filters:
        data = raw
    else:
        inflater = zlib.decompressobj()
        try:
            data = inflater.decompress(raw, MAX_CREDENTIAL_BYTES + 1)
        except zlib.error:
            raise CertificateFileError(f"The PDF's {CREDENTIAL_FILENAME} is not readable compressed data.") from None
    if len(data) > MAX_CREDENTIAL_BYTES:
        raise CertificateFileError(f"The PDF's {CREDENTIAL_FILENAME} is over {MAX_CREDENTIAL_BYTES:,} bytes.")
    return data
