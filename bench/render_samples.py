"""Render the shipped certificates with sample names to PDF and PNG (pdfium), to look at them.

Usage: .venv/bin/python bench/render_samples.py [OUTPUT_DIR] [NAME_KEY ...]
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credentials_site.settings")
import django  # noqa: E402

django.setup()

import pypdfium2  # noqa: E402

from issuance.certificates.samples import METADATA, SAMPLE_NAMES, default_template, sample_context  # noqa: E402
from courses.defaults import DEFAULT_CERTIFICATES  # noqa: E402
from issuance.certificates.render import certificate_render_pdf  # noqa: E402


def png_write(pdf: bytes, path: Path, *, dpi: int) -> None:
    """Page one as a PNG, the way the admin preview draws it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        document[0].render(scale=dpi / 72).to_pil().save(path)
    finally:
        document.close()


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "var/certificate-samples")
    keys = sys.argv[2:] or ["latin"]
    out.mkdir(parents=True, exist_ok=True)
    for index, template_name in enumerate(DEFAULT_CERTIFICATES):
        for key in keys:
            pdf = certificate_render_pdf(
                **default_template(template_name), context=sample_context(SAMPLE_NAMES[key]), assets={}, metadata=METADATA
            )
            stem = out / f"certificate-{index}-{key}"
            stem.with_suffix(".pdf").write_bytes(pdf)
            png_write(pdf, stem.with_suffix(".png"), dpi=80)
            print(stem.with_suffix(".png"))


if __name__ == "__main__":
    main()
