"""The operating system's backstop under every render of staff input: a memory limit and a CPU-time limit.

The sandbox's budget (sandbox_budget.py) refuses what it can foresee: loop passes, output, a filter's
result before it is built. This is what holds if a gap in that budget, or the PDF engine, runs away:
for the render's duration the process's address space may grow by at most MEMORY_BYTES
(`RLIMIT_AS`, lowered and restored around the render, so an allocation past it fails with
MemoryError instead of taking the host's memory), and in the main thread an interval timer on the
process's CPU time (`ITIMER_PROF`, so django-q2's own SIGALRM task timeout is left alone, and a loaded
host does not stop a render that is only waiting for a core) ends a render that computes for longer
than its seconds. Either ends as RenderLimitExceeded naming the problem.

It runs in the process, not in a child: a forked child per certificate costs more than the rest of
the render around the certificate (docs/performance.md, "Rendering under the operating system's
limits"), and a child would lose the per-process cache of static layers.
"""

import os
import resource
import signal
import threading
from contextlib import contextmanager

MEMORY_BYTES = 512 * 1024 * 1024
_PAGE = os.sysconf("SC_PAGE_SIZE")
_lock = threading.Lock()
_inside = threading.local()
_holders = 0
_restore: tuple[int, int] | None = None


class RenderLimitExceeded(Exception):
    """A render went past the operating system's limit; permanent (the same input does it again)."""

    def __init__(self, problem: str):
        self.problem = problem
        super().__init__(problem)


class _OutOfTime(BaseException):
    """Raised by the timer's signal: a BaseException, so no `except Exception` inside a library or a
    template's `{% if %}` swallows it on its way out."""


def _address_space() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * _PAGE


def _memory_take() -> None:
    global _holders, _restore
    with _lock:
        if _holders == 0:  # the first render in: set it; it stays until the last one leaves
            soft, hard = resource.getrlimit(resource.RLIMIT_AS)
            limit = _address_space() + MEMORY_BYTES
            if hard != resource.RLIM_INFINITY:
                limit = min(limit, hard)
            if soft != resource.RLIM_INFINITY and soft <= limit:
                _restore = None  # the deployment's own limit is already the stricter one
            else:
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
                _restore = (soft, hard)
        _holders += 1


def _memory_give_back() -> None:
    global _holders, _restore
    with _lock:
        _holders -= 1
        if _holders == 0 and _restore is not None:
            resource.setrlimit(resource.RLIMIT_AS, _restore)
            _restore = None


def _out_of_time(signum, frame):
    raise _OutOfTime()


@contextmanager
def _cpu_timer(seconds: float):
    """Arm ITIMER_PROF in the main thread (signals reach only it); elsewhere the budget's own clock holds."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGPROF, _out_of_time)
    # Again every half second after the first: a library that swallows the first one is stopped by the next.
    signal.setitimer(signal.ITIMER_PROF, seconds, 0.5)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


@contextmanager
def render_limits(*, what: str, seconds: float):
    """Run the block under the memory and CPU-time limits; past either, raise RenderLimitExceeded naming `what`."""
    if getattr(_inside, "active", False):  # nested: the outer render's limits already hold
        yield
        return
    _memory_take()
    _inside.active = True
    try:
        with _cpu_timer(seconds):
            yield
    except MemoryError:
        raise RenderLimitExceeded(
            f"{what} needed more than {MEMORY_BYTES // (1024 * 1024)} MB of memory and was stopped; "
            "make the template build less text.") from None
    except _OutOfTime:
        raise RenderLimitExceeded(
            f"{what} computed for more than {seconds:g} s and was stopped; make the template simpler.") from None
    finally:
        _memory_give_back()
        _inside.active = False
