"""A stand-in for a native network run on a fake wall clock, for the tests of how ``qnsim.progress.run_with_bar`` cuts
a run into chunks (a bar on a terminal, lines on any other stderr)."""

from __future__ import annotations


class FrontLoadedRun:
    """A run whose work lies in its first ``work_end_ps`` of simulated time: ``work_s`` of wall time spread evenly over
    them, and 10 us per native call. ``chunks`` lists each call's (target in ps, fake clock in s after it). Install
    the clock with :meth:`install` before ``run_with_bar`` reads it."""

    def __init__(self, work_end_ps: int, work_s: float) -> None:
        self.now_ps = 0
        self.work_end_ps = work_end_ps
        self.work_s = work_s
        self.clock_s = 0.0
        self.chunks: list[tuple[int, float]] = []

    def install(self, monkeypatch, progress_module) -> FrontLoadedRun:
        """Points ``progress_module``'s wall clock at this run's; returns the run."""
        monkeypatch.setattr(progress_module.time, "perf_counter", lambda: self.clock_s)
        return self

    def run(self, target: int, hand_over: bool = True) -> None:
        """Advances to ``target`` ps, spending the wall time of the work that lies before it."""
        end = self.work_end_ps
        busy = max(0, min(target, end) - min(self.now_ps, end))
        self.clock_s += self.work_s * busy / end + 1e-5
        self.now_ps = target
        self.chunks.append((target, self.clock_s))

    def gaps_within_work(self) -> list[float]:
        """The wall time between consecutive chunk ends while the work lasts, in s."""
        within = [t for target, t in self.chunks if target <= self.work_end_ps]
        return [b - a for a, b in zip([0.0, *within], within)]
