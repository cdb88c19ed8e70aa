"""The benchmark's outputs: the last-line JSON, the result files and the Markdown table, checked against the targets."""

import json
import os
import platform
import subprocess
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"

SUMMARY_KEYS = [
    "profile", "cpus", "pdf_limit_per_min", "pipeline_per_min", "pipeline_ratio", "latency_p50_s", "latency_p95_s",
    "latency_p99_s", "intake_events_per_s", "intake_p99_ms_at_200", "csv_10k_s", "csv_10k_peak_mb", "verify_p50_ms",
    "verify_p99_ms", "crash_lost", "crash_duplicate_emails",
]

# key: (label, target as text, check(value, profile) -> bool or None when there is no target, load key)
ROWS = [
    ("pdf_limit_per_min", "PDF limit, certificates/min", "(ceiling)", None, "load_pdf"),
    ("pdf_cpu_ms_per_render", "PDF CPU time per certificate (layered, PDF/A included), ms", "≤ 10", lambda v, p: v <= 10, "load_pdf"),
    ("pdf_full_cpu_ms_per_render", "PDF CPU time per certificate, full render, ms", "", None, "load_pdf"),
    ("pipeline_per_min", "Pipeline, credentials/min", "", None, "load_pipeline"),
    ("pipeline_cpu_ms_per_credential", "Pipeline CPU time per credential (web + workers), ms", "", None, "load_pipeline"),
    ("pipeline_ratio", "Pipeline ÷ PDF limit", "≥ 0.85 (prod) / 0.7", lambda v, p: v >= (0.85 if p == "production" else 0.7), "load_pipeline"),
    ("pipeline_cpu_ratio", "Pipeline ÷ PDF, by CPU time (load-independent)", "", None, "load_pipeline"),
    ("latency_p50_s", "Latency p50 at 5/s, s", "≤ 0.8", lambda v, p: v <= 0.8, "load_latency"),
    ("latency_p95_s", "Latency p95 at 5/s, s", "≤ 2", lambda v, p: v <= 2, "load_latency"),
    ("latency_p99_s", "Latency p99 at 5/s, s", "", None, "load_latency"),
    ("intake_events_per_s", "Intake, accepted events/s", "≥ 500", lambda v, p: v >= 500, "load_intake"),
    ("intake_p99_ms_at_200", "Intake p99 at 200/s, ms", "≤ 50", lambda v, p: v <= 50, "load_intake_at_200"),
    ("csv_10k_s", "CSV 10,000 rows, s", "≤ 20", lambda v, p: v <= 20, "load_csv"),
    ("csv_10k_peak_mb", "CSV peak memory, MB", "≤ 300", lambda v, p: v <= 300, "load_csv"),
    ("verify_p50_ms", "Verification page p50, ms", "", None, "load_verify"),
    ("verify_p99_ms", "Verification page p99, ms", "≤ 20", lambda v, p: v <= 20, "load_verify"),
    ("verify_pdf_p50_ms", "Certificate PDF p50, ms (page not built)", "", None, "load_verify"),
    ("verify_pdf_p99_ms", "Certificate PDF p99, ms (page not built)", "", None, "load_verify"),
    ("crash_accepted", "Crash run: completions accepted while workers were SIGKILLed", "", None, "load_crash"),
    ("crash_kills", "Crash run: SIGKILLs of the whole cluster", "", None, "load_crash"),
    ("crash_finished", "Crash run: issuances finished", "", None, "load_crash"),
    ("crash_lost", "Crash run: lost (accepted, no email)", "0", lambda v, p: v == 0, "load_crash"),
    ("crash_duplicate_emails", "Crash run: duplicate emails (each flagged)", "", None, "load_crash"),
    ("crash_elapsed_s", "Crash run: first POST to last email, s", "", None, "load_crash"),
    ("crash_recovery_s", "Crash run: last kill to last email, s", "", None, "load_crash"),
]


def machine() -> dict:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
        memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    except OSError:
        memory_kb = 0
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    except OSError:
        commit = ""
    return {"cpu": model or platform.processor(), "cores": len(os.sched_getaffinity(0)), "memory_gb": round(memory_kb / 1024 / 1024, 1),
            "system": platform.platform(terse=True), "python": platform.python_version(), "commit": commit}


def summary_line(results: dict) -> str:
    summary = {key: results[key] for key in SUMMARY_KEYS if key in results}
    return json.dumps(summary)


def _value(results: dict, key: str) -> str:
    value = results.get(key)
    return "—" if value is None else f"{value:,}" if isinstance(value, int) else f"{value}"


def _load(results: dict, key: str) -> str:
    load = results.get(key)
    return f"{load[0]}→{load[1]}" if load else ""


def _met(check, results: dict, key: str) -> str:
    if check is None or results.get(key) is None:
        return ""
    return "met" if check(results[key], results["profile"]) else "**missed**"


def table(results: dict) -> str:
    lines = [f"Profile **{results['profile']}**, {results['cpus']} cores, {results.get('date', '')}",
             "", "| Figure | Target | Result | Load average (1 min, start→end) | |", "|---|---|---|---|---|"]
    for key, label, target, check, load_key in ROWS:
        if key in results:
            lines.append(f"| {label} | {target} | {_value(results, key)} | {_load(results, load_key)} | {_met(check, results, key)} |")
    if "housekeeping" in results:
        lines += housekeeping_table(results["housekeeping"])
    if "engagement" in results:
        lines += engagement_table(results["engagement"])
    return "\n".join(lines)


def engagement_table(figures: dict) -> list[str]:
    """The public page with counting on and off, and the rates at N counted credentials (bench/engagement.py)."""
    return ["", f"Counting after sending ({figures['vendor']}; {figures['page_concurrency']} clients, "
                f"{figures['page_requests_each']:,} pages each way, {figures['views_counted']:,} views counted)", "",
            "| Figure | counting on | counting off |", "|---|---|---|",
            f"| public page p50 / p99 | {figures['page_counting_on_p50_ms']} / {figures['page_counting_on_p99_ms']} ms | "
            f"{figures['page_counting_off_p50_ms']} / {figures['page_counting_off_p99_ms']} ms |",
            f"| pages a second | {figures['page_counting_on_per_s']} | {figures['page_counting_off_per_s']} |", "",
            f"At {figures['credentials']:,} counted credentials (loaded in {figures['loaded_s']} s): dashboard rates "
            f"{figures['dashboard_rates_ms']:,} ms, one course's rates {figures['course_rates_ms']:,} ms, whole /admin/ page "
            f"{figures['admin_page_ms']:,} ms (median of 5; load average {figures['load_engagement']})."]


def housekeeping_table(figures: dict) -> list[str]:
    """One row per periodic task: its run time against the 2 s target, its statements, the load beside it."""
    lines = ["", f"Periodic tasks at {figures['issuances']:,} issuances ({figures['vendor']}; loaded in {figures['loaded_s']} s)",
             "", "| Task | Target | ms per run | statements | load average (1, 5, 15 min) | |", "|---|---|---|---|---|---|"]
    for name, task in figures["tasks"].items():
        lines.append(f"| {name} | ≤ 2,000 ms | {task['ms']:,} | {task['statements']} | {task['load']} | "
                     f"{'met' if task['ms'] <= 2000 else '**missed**'} |")
    return lines


def combined_table(by_profile: dict[str, dict]) -> str:
    """One table for the README: a column per profile, each figure with its load average."""
    profiles = [p for p in ("embedded", "production") if p in by_profile]
    header = "| Figure | Target | " + " | ".join(profiles) + " |"
    lines = [header, "|---|---|" + "---|" * len(profiles)]
    for key, label, target, check, load_key in ROWS:
        cells = []
        for profile in profiles:
            results = by_profile[profile]
            if key not in results:
                cells.append("—")
                continue
            met = _met(check, results, key)
            load = results.get(load_key)
            cells.append(f"{_value(results, key)}{' ' + met if met else ''}" + (f" (load {load[0]}→{load[1]})" if load else ""))
        if any(cell != "—" for cell in cells):
            lines.append(f"| {label} | {target} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def results_write(results: dict, *, directory: Path) -> Path:
    """bench/results/<date>-<profile>.json and .md; figures measured earlier the same day by other parts are kept."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"{date.today().isoformat()}-{results['profile']}"
    merged = {}
    if stem.with_suffix(".json").exists():
        merged = json.loads(stem.with_suffix(".json").read_text())
    merged.update(results)
    merged["date"] = date.today().isoformat()
    derive(merged)
    stem.with_suffix(".json").write_text(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")
    stem.with_suffix(".md").write_text(table(merged) + "\n")
    return stem.with_suffix(".json")


def derive(results: dict) -> dict:
    """The ratios, from the figures they compare (which may come from two runs of the same day)."""
    if "pipeline_per_min" in results and "pdf_limit_per_min" in results:
        results["pipeline_ratio"] = round(results["pipeline_per_min"] / results["pdf_limit_per_min"], 2)
    if "pipeline_cpu_ms_per_credential" in results and "pdf_cpu_ms_per_render" in results:
        results["pipeline_cpu_ratio"] = round(results["pdf_cpu_ms_per_render"] / results["pipeline_cpu_ms_per_credential"], 2)
    return results


def latest_by_profile(directory: Path) -> dict[str, dict]:
    latest = {}
    for path in sorted(directory.glob("*-*.json")):
        results = derive(json.loads(path.read_text()))
        latest[results["profile"]] = results
    return latest
