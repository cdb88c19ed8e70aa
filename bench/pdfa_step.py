"""The PDF/A-3b step's share of a full certificate render, in one process (docs/performance.md, #32).

    .venv/bin/python bench/pdfa_step.py [certificates]

For each certificate (the Classic template, a new QR code each, as `bench/pdf_limit.py` renders it) the full
render without PDF/A is timed, then `certificate_pdfa` five times on its output; CPU time, medians. No database.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

TEMPLATE = "Classic (A4 landscape)"


def main(certificates: int = 100) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("LAUREL_VAR_DIR", tempfile.mkdtemp(prefix="laurel-bench-"))
    os.environ.update({"LOG_LEVEL": "WARNING", "DJANGO_SETTINGS_MODULE": "credentials_site.settings"})
    import django

    django.setup()
    from issuance.certificates.pdfa import certificate_pdfa
    from issuance.certificates.render import certificate_render_pdf
    from issuance.certificates.samples import METADATA, SAMPLE_CREDENTIAL, default_template, sample_context

    def render(index: int) -> bytes:
        context = sample_context("Nguyễn Thị Minh Khai",
                                 verification_url=f"https://credentials.bench.example/credentials/{index:012d}")
        return certificate_render_pdf(**default_template(TEMPLATE), context=context, assets={}, metadata=METADATA)

    certificate_pdfa(render(-1), credential=SAMPLE_CREDENTIAL)  # fonts, templates and imports, as a warm worker has them
    render_ms, pdfa_ms = [], []
    for index in range(certificates):
        started = time.process_time()
        pdf = render(index)
        render_ms.append((time.process_time() - started) * 1000)
        started = time.process_time()
        for _ in range(5):
            certificate_pdfa(pdf, credential=SAMPLE_CREDENTIAL)
        pdfa_ms.append((time.process_time() - started) * 1000 / 5)
    full, step = statistics.median(render_ms), statistics.median(pdfa_ms)
    print(f"load average {os.getloadavg()[0]:.1f}; full render {full:.2f} ms, PDF/A step {step:.2f} ms (medians of "
          f"{certificates}): {step / (full + step) * 100:.1f} % of the certificate with it")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
