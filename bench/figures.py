"""Small statistics and process helpers shared by the benchmark parts."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values` (fraction 0.5 = median)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), round(fraction * len(ordered) + 0.4999)))
    return ordered[rank - 1]


def load_average() -> float:
    return round(os.getloadavg()[0], 2)


class LoadProcess:
    """`python -m bench.load …` as a separate process; `records()` waits for it and reads its output."""

    def __init__(self, *args: str, out: Path, env: dict):
        self.out = out
        self.process = subprocess.Popen([sys.executable, "-m", "bench.load", *args, "--out", str(out)],
                                         cwd=ROOT, env=env, start_new_session=True)

    def records(self, timeout: float = 900) -> list[list]:
        deadline = time.monotonic() + timeout
        while self.process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
            raise RuntimeError("the load process overran its time bound and was stopped")
        if self.process.returncode != 0:
            raise RuntimeError(f"the load process failed with exit code {self.process.returncode}")
        return json.loads(self.out.read_text())["records"]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


class Progress:
    """Prints a line at most every `every` seconds while a part waits."""

    def __init__(self, label: str, total: int, every: float = 10.0, log=print):
        self.label, self.total, self.every, self.log = label, total, every, log
        self.next_at = time.monotonic() + every

    def __call__(self, done: int) -> None:
        if time.monotonic() >= self.next_at:
            self.log(f"  {self.label}: {done}/{self.total} (load average {load_average()})")
            self.next_at = time.monotonic() + self.every
