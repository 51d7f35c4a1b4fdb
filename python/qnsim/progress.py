"""Progress bars for long native runs: the run is cut into chunks of simulated time, and only
the last chunk hands kept pairs over, so the chunks change nothing in the results.

>>> stderr_is_tty() in (True, False)
True
"""

from __future__ import annotations

import sys
import time
from typing import Any, Callable

__all__ = ["run_with_bar", "stderr_is_tty"]

_BAR_FORMAT = "{l_bar}{bar}| {n:.3g}/{total:.3g} sim s [{elapsed}<{remaining}{postfix}]"


def stderr_is_tty() -> bool:
    """True when stderr is a terminal (progress bars then show by default)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def run_with_bar(native: Any, until_ps: int, always: bool, pairs: Callable[[], int]) -> None:
    """Runs in chunks of simulated time with a tqdm bar (shown at once, or when the run looks
    longer than ~1 s); only the last chunk hands kept pairs over, so chunks change nothing."""
    import shutil

    from tqdm import tqdm

    start_ps = native.now_ps
    span = until_ps - start_ps
    if span <= 0:
        native.run(until_ps)
        return
    step = max(1, -(-span // 200))
    bar, t0, target = None, time.perf_counter(), start_ps
    try:
        while target < until_ps:
            target = min(until_ps, target + step)
            native.run(target, hand_over=target == until_ps)
            done = (target - start_ps) / span
            if bar is None and (always or (done < 1 and (time.perf_counter() - t0) / done > 1.0)):
                # A pseudo-terminal may report a 0 x 0 size, which makes tqdm hide the bar.
                sized = shutil.get_terminal_size((0, 0)).columns > 0
                bar = tqdm(total=round(span / 1e12, 12), initial=round((target - start_ps) / 1e12, 12), unit="sim s",
                           file=sys.stderr, leave=False, dynamic_ncols=sized, ncols=None if sized else 100,
                           nrows=None if sized else 24,
                           bar_format=_BAR_FORMAT)  # fmt: skip
            if bar is not None:
                bar.n = round((native.now_ps - start_ps) / 1e12, 12)
                bar.set_postfix_str(f"{pairs()} pairs", refresh=False)
                bar.refresh()
    finally:
        if bar is not None:
            bar.close()
