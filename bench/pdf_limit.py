"""Part 1, the PDF limit: certificates per minute the default template renders on as many processes as cores."""

import multiprocessing
import time

# The template a new organisation's courses use (the first by name), so the pipeline is compared with it.
TEMPLATE = "Classic (A4 landscape)"


def _render(index: int) -> int:
    from issuance.certificates.pdfa import certificate_pdfa
    from issuance.certificates.render import certificate_render_pdf
    from issuance.certificates.samples import METADATA, SAMPLE_CREDENTIAL, default_template, sample_context

    # A unique verification URL per certificate, as in the pipeline: every QR code is new. Then, as
    # in the pipeline, PDF/A-3b with the signed credential embedded.
    context = sample_context("Nguyễn Thị Minh Khai", verification_url=f"https://credentials.bench.example/credentials/{index:012d}")
    pdf = certificate_render_pdf(**default_template(TEMPLATE), context=context, assets={}, metadata=METADATA)
    return len(certificate_pdfa(pdf, credential=SAMPLE_CREDENTIAL))


def _timed_render(index: int) -> tuple[int, float]:
    started = time.process_time()
    size = _render(index)
    return size, time.process_time() - started


def _warm() -> None:
    _render(-1)  # fonts, templates and imports once per process, as a long-lived worker has them


def measure_pdf_limit(*, cpus: int, renders: int) -> dict:
    from django.db import connections

    connections.close_all()  # nothing open may be shared with the forked renderers
    context = multiprocessing.get_context("fork")
    with context.Pool(cpus, initializer=_warm) as pool:
        pool.map(_render, range(cpus * 2), chunksize=1)  # every process warm before the clock starts
        started = time.perf_counter()
        timed = pool.map(_timed_render, range(renders), chunksize=4)
        elapsed = time.perf_counter() - started
    sizes = [size for size, _ in timed]
    cpu_ms = sorted(cpu * 1000 for _, cpu in timed)
    return {
        "pdf_limit_per_min": round(renders / elapsed * 60),
        "pdf_renders": renders,
        "pdf_ms_per_render_per_process": round(elapsed / renders * cpus * 1000, 1),
        "pdf_kb": round(sum(sizes) / len(sizes) / 1024),
        # CPU time per render barely moves when other jobs share the cores; wall-clock rates do.
        "pdf_cpu_ms_per_render": round(cpu_ms[len(cpu_ms) // 2], 1),
        "pdf_limit_per_min_idle_estimate": round(cpus * 60_000 / cpu_ms[len(cpu_ms) // 2]),
    }
