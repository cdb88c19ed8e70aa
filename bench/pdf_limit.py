"""Part 1, the PDF limit: certificates per minute the default template renders on as many processes as cores.

As the pipeline renders them: layered (the design drawn once per template version and layout, each
certificate's text placed on it; docs/certificates.md). The full render of every certificate, which
a template the layers cannot follow still gets, is measured beside it (`pdf_full_*`).
"""

import multiprocessing
import time

# The template a new organisation's courses use (the first by name), so the pipeline is compared with it.
TEMPLATE = "Classic (A4 landscape)"


LAYER_KEY = ("bench", TEMPLATE, 1)


def _render(index: int, layered: bool = True) -> int:
    from issuance.certificates.pdfa import certificate_pdfa
    from issuance.certificates.render import certificate_render_pdf
    from issuance.certificates.samples import METADATA, SAMPLE_CREDENTIAL, default_template, sample_context

    # A unique verification URL per certificate, as in the pipeline: every QR code is new. Then, as
    # in the pipeline, PDF/A-3b with the signed credential embedded.
    context = sample_context("Nguyễn Thị Minh Khai", verification_url=f"https://credentials.bench.example/credentials/{index:012d}")
    pdf = certificate_render_pdf(**default_template(TEMPLATE), context=context, assets={}, metadata=METADATA,
                                 layer_key=LAYER_KEY if layered else None)
    return len(certificate_pdfa(pdf, credential=SAMPLE_CREDENTIAL))


def _timed_render(index: int) -> tuple[int, float]:
    started = time.process_time()
    size = _render(index)
    return size, time.process_time() - started


def _timed_full_render(index: int) -> tuple[int, float]:
    started = time.process_time()
    size = _render(index, layered=False)
    return size, time.process_time() - started


def _warm() -> None:
    _render(-1)  # fonts, templates and imports once per process, as a long-lived worker has them
    _render(-1, layered=False)


def measure_pdf_limit(*, cpus: int, renders: int) -> dict:
    from django.db import connections

    connections.close_all()  # nothing open may be shared with the forked renderers
    context = multiprocessing.get_context("fork")
    with context.Pool(cpus, initializer=_warm) as pool:
        pool.map(_render, range(cpus * 2), chunksize=1)  # every process warm before the clock starts
        started = time.perf_counter()
        timed = pool.map(_timed_render, range(renders), chunksize=4)
        elapsed = time.perf_counter() - started
        full_started = time.perf_counter()
        full_timed = pool.map(_timed_full_render, range(renders, renders * 2), chunksize=4)
        full_elapsed = time.perf_counter() - full_started
    sizes = [size for size, _ in timed]
    cpu_ms = sorted(cpu * 1000 for _, cpu in timed)
    full_cpu_ms = sorted(cpu * 1000 for _, cpu in full_timed)
    return {
        "pdf_full_limit_per_min": round(renders / full_elapsed * 60),
        "pdf_full_cpu_ms_per_render": round(full_cpu_ms[len(full_cpu_ms) // 2], 1),
        "pdf_full_kb": round(sum(size for size, _ in full_timed) / len(full_timed) / 1024),
        "pdf_cpu_ms_p90": round(cpu_ms[len(cpu_ms) * 9 // 10], 1),
        "pdf_limit_per_min": round(renders / elapsed * 60),
        "pdf_renders": renders,
        "pdf_ms_per_render_per_process": round(elapsed / renders * cpus * 1000, 1),
        "pdf_kb": round(sum(sizes) / len(sizes) / 1024),
        # CPU time per render barely moves when other jobs share the cores; wall-clock rates do.
        "pdf_cpu_ms_per_render": round(cpu_ms[len(cpu_ms) // 2], 1),
        "pdf_limit_per_min_idle_estimate": round(cpus * 60_000 / cpu_ms[len(cpu_ms) // 2]),
    }
