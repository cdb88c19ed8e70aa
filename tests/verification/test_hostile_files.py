"""Hostile files get a clear 4xx, read within bounds and never stored: bombs, deep nesting, a broken xref, 10,000 pages."""

import io
import json
import struct
import zipfile
import zlib

import pikepdf
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

URL = "/api/v1/verify"


def _post(client, data: bytes, name: str = "file.pdf"):
    answer = client.post(URL, data={"file": SimpleUploadedFile(name, data)})
    return answer.status_code, answer.json()["detail"] if answer.status_code != 200 else answer.json()


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF written byte by byte with a correct cross-reference table: object 1 is the catalogue."""
    out = bytearray(b"%PDF-1.7\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _deflated_zeros(size: int) -> bytes:
    compressor, chunk = zlib.compressobj(9), b"\0" * (1024 * 1024)
    return b"".join(compressor.compress(chunk) for _ in range(size // len(chunk))) + compressor.flush()


def test_it_refuses_a_pdf_whose_credential_inflates_to_gigabytes(client, db):
    bomb = _deflated_zeros(512 * 1024 * 1024)  # half a GiB of zeros in about 500 KiB
    pdf = _raw_pdf([
        b"<< /Type /Catalog /Pages 2 0 R /AF [3 0 R] >>",
        b"<< /Type /Pages /Kids [] /Count 0 >>",
        b"<< /Type /Filespec /F (credential.json) /UF (credential.json) /AFRelationship /Data /EF << /F 4 0 R >> >>",
        b"<< /Type /EmbeddedFile /Filter /FlateDecode /Length %d >>\nstream\n" % len(bomb) + bomb + b"\nendstream",
    ])

    status, detail = _post(client, pdf)

    assert status == 413 and "credential.json inflates past 256 KiB" in detail


def test_it_refuses_a_pdf_nested_deeper_than_qpdf_reads(client, db):
    pdf = _raw_pdf([b"<< /Type /Catalog /Pages 2 0 R /AF " + b"[" * 100_000 + b"]" * 100_000 + b" >>",
                    b"<< /Type /Pages /Kids [] /Count 0 >>"])

    status, detail = _post(client, pdf)

    assert status == 422 and detail.startswith("The PDF could not be read")


def test_it_refuses_a_pdf_whose_cross_reference_table_is_broken_rather_than_repair_it(client, issued_pdf):
    _, pdf = issued_pdf()
    start = pdf.rindex(b"startxref")
    broken = pdf[:start] + b"startxref\n12\n%%EOF\n"

    status, detail = _post(client, broken)

    assert status == 422 and detail.startswith("The PDF could not be read: ")
    assert "xref" in detail and "0x" not in detail  # what qpdf found, not where in memory it read it


def test_it_refuses_a_ten_thousand_page_pdf_without_walking_its_pages(client, db):
    document = pikepdf.new()
    document.add_blank_page()
    for _ in range(9_999):
        document.pages.append(document.pages[0])
    out = io.BytesIO()
    document.save(out)

    status, detail = _post(client, out.getvalue())

    assert status == 413 and "10000 pages" in detail


def test_it_refuses_a_pdf_without_a_credential_inside(client, db):
    document = pikepdf.new()
    document.add_blank_page()
    out = io.BytesIO()
    document.save(out)

    status, detail = _post(client, out.getvalue())

    assert status == 422 and "no credential.json" in detail


def _png(width: int, height: int, *, depth: int = 1, chunks: list[tuple[bytes, bytes]] = (), rows: bytes = b"") -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, depth, 0, 0, 0, 0)  # greyscale
    body = b"".join(chunk(kind, data) for kind, data in chunks)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + body + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_it_refuses_a_png_bomb_before_inflating_its_pixels(client, db):
    width = height = 10_000  # 100 million pixels (under Pillow's own bomb limit) in a few KiB
    rows = _deflated_zeros(13 * 1024 * 1024)

    status, detail = _post(client, _png(width, height, rows=rows), name="badge.png")

    assert status == 422 and "10000 × 10000 pixels, more than a badge" in detail


def test_it_refuses_a_png_whose_text_chunk_inflates_past_the_limit(client, db):
    text = zlib.compress(b" " * (64 * 1024 * 1024), 9)
    itxt = b"openbadges\0" + b"\1\0" + b"\0" + b"\0" + text  # compressed iTXt, no language, no translated keyword
    rows = zlib.compress(b"\0" * 2)

    status, detail = _post(client, _png(1, 1, chunks=[(b"iTXt", itxt)], rows=rows), name="badge.png")

    assert status == 422 and "could not be read as a PNG" in detail


def test_it_refuses_a_zip_bomb_as_not_a_file_it_reads(client, db):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("credential.json", b" " * (32 * 1024 * 1024))

    status, detail = _post(client, out.getvalue(), name="credential.pdf")

    assert status == 415 and "not a PDF, a PNG badge or a credential" in detail


def test_it_refuses_json_nested_past_the_bounded_parse(client, db):
    status, detail = _post(client, b"[" * 10_000 + b"]" * 10_000, name="credential.json")

    assert status == 422 and "nested more than 32 levels" in detail


def test_it_refuses_a_file_over_the_size_limit_before_reading_it(client, settings, db):
    settings.LAUREL_VERIFY_MAX_BYTES = 64 * 1024

    status, detail = _post(client, b"%PDF-1.7\n" + b" " * (200 * 1024))

    assert status == 413 and "over" in detail


def test_it_stores_nothing_it_was_given(client, issued_pdf, settings):
    from pathlib import Path

    _, pdf = issued_pdf()
    media = Path(settings.MEDIA_ROOT)
    before = sorted(path for path in media.rglob("*"))

    assert _post(client, pdf)[0] == 200
    assert _post(client, json.dumps({"type": ["VerifiableCredential"]}).encode(), name="c.json")[0] == 200

    assert sorted(path for path in media.rglob("*")) == before
