"""A presented file read within bounds: the credential a PDF, a baked PNG or a JSON file carries.

Nothing is stored and nothing in the file runs: a PDF is read by the certificates' own reader
(`issuance.certificates.pdfa.certificate_credential_data`: qpdf without repair, the page count read
from the catalogue, only `credential.json` inflated), here at most as far as a JSON body may be long
and within LAUREL_VERIFY_MAX_BYTES and LAUREL_VERIFY_MAX_PAGES; a PNG's size is
checked before its pixels are decompressed; JSON goes through the bounded parse every endpoint uses.

A refusal's words are Laurel's own, translated into the language active when it is raised: the verify
page's visitor's; the API runs in none, so it answers in English. The readers' sentences (the PDF's,
the PNG's, the JSON parse's) are translated here too, from the message and values their errors carry;
only what a library itself wrote inside one (qpdf's, Pillow's or the JSON parser's own words) stays as written.
"""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from ..bodies import MAX_BODY_BYTES, json_body_refusal
from ..certificates.pdfa import CertificateFileError, certificate_credential_data
from ..openbadges.ob2 import BakingError, png_unbake

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
        raise FileRefused(413, _("The file is over %(size)s MiB; a certificate, a badge image or a credential is far smaller.")
                          % {"size": settings.LAUREL_VERIFY_MAX_BYTES // (1024 * 1024)})
    if not data.strip():
        raise FileRefused(400, _("The file is empty."))
    if data.startswith(b"%PDF-"):
        return PresentedFile("pdf", _json(_pdf_attachment(data), where=_("The PDF's credential.json")), data)
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PresentedFile("png", _png_document(data), data)
    if data.lstrip()[:1] in (b"{", b"["):
        return PresentedFile("json", _json(data, where=_("The file")), data)
    raise FileRefused(415, _("The file is not a PDF, a PNG badge or a credential (JSON)."))


def _said(message: str, params: dict) -> str:
    """A reader's sentence in the active language, its values put in by name."""
    return _(message) % params if params else _(message)


def _json(data: bytes, *, where: str) -> object:
    """The JSON parsed within the bounds every endpoint's parse keeps (bodies.py), refused in the visitor's words."""
    payload, why, values = json_body_refusal(data)
    if not why:
        return payload
    detail = {
        "too_large": _("It is over %(limit)s KiB."),
        "body_too_deep": _("The JSON is nested more than %(depth)s levels deep."),
        "body_not_json": _("It is not valid JSON: %(reason)s."),
    }.get(why, _("The text at %(field)s cannot be stored: it holds a NUL character or a lone UTF-16 surrogate."))
    raise FileRefused(413 if why == "too_large" else 422,
                      _("%(where)s: %(detail)s") % {"where": where, "detail": detail % values})


def _pdf_attachment(data: bytes) -> bytes:
    """The PDF's credential.json, read by the certificates' own reader within the verify bounds."""
    try:
        carried = certificate_credential_data(data, max_bytes=settings.LAUREL_VERIFY_MAX_BYTES,
                                              max_pages=settings.LAUREL_VERIFY_MAX_PAGES,
                                              max_credential_bytes=MAX_BODY_BYTES)
    except CertificateFileError as refused:
        raise FileRefused(413 if refused.too_large else 422, _said(refused.message, refused.params)) from None
    if carried is None:
        raise FileRefused(422, _("The PDF carries no credential.json attachment: it is not a certificate that carries "
                                 "its signed badge. Check it by the code printed on it instead."))
    return carried


def _png_document(data: bytes) -> object:
    try:
        text = png_unbake(png=data, max_pixels=PNG_MAX_PIXELS)
    except BakingError as exc:
        raise FileRefused(422, _said(exc.message, exc.params)) from None
    if text.lstrip().startswith(("{", "[")):
        return _json(text.encode("utf-8"), where=_("The PNG's openbadges chunk"))
    return text.strip()  # a hosted assertion's URL
