"""Point functions for test_sweep.py, in a module that worker processes can import by name."""

import os
import random
import time


def square(params, seed):
    """x^2 plus a draw seeded only by the seed (identical on every backend)."""
    rng = random.Random(seed)
    return {"y": params["x"] ** 2 + rng.random(), "tag": f"s{seed}", "n": params["x"] * 10 + seed}


def slow(params, seed):
    time.sleep(0.1)
    return square(params, seed)


def _first_time(marker):
    """True for the one caller, in any process, that creates the file ``marker`` (it did not exist)."""
    try:
        os.close(os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def crash_once(params, seed):
    """Kills its worker process the first time it runs x == 3 (the marker file says it did)."""
    if params["x"] == 3 and _first_time(params["marker"]):
        os._exit(1)
    time.sleep(0.02)
    return square(params, seed)


def fails(params, seed):
    if params["x"] == 2:
        raise RuntimeError("boom at x=2")
    return square(params, seed)


def not_a_dict(params, seed):
    return [params["x"]]


def touch(params, seed):
    """Leaves a marker file: proof that a point ran."""
    with open(params["marker"], "w") as f:
        f.write("ran")
    return {"ok": True}


def scaled(params, seed, factor=1.0):
    """square's y times a factor bound with functools.partial."""
    row = square(params, seed)
    return {"y": row["y"] * factor}


class Scaled:
    """A callable point function whose attribute changes its rows."""

    def __init__(self, factor):
        self.factor = factor

    def __call__(self, params, seed):
        return scaled(params, seed, self.factor)


def labelled(params, seed):
    """A text result given in params["label"] (text that looks like a number, say)."""
    return {"label": params["label"]}


def set_qnsim_version(version):
    """Pretends, in a worker process, that another qnsim version is installed there."""
    import qnsim

    qnsim.__version__ = version


def uneven(params, seed):
    """Rows that differ by point in their columns (kind "extra") or their types (kind "int")."""
    if params["kind"] == "extra":
        return {"y": 1.0, "note": "late"} if params["x"] == 2 else {"y": 1.0}
    return {"y": 0 if params["x"] == 1 else 0.5}


PRESET_NAMES = {"nv_near_term", "nv_10x_improved", "superconducting_transducer_link", "ion_trap", "atom"}


def counts_presets(params, seed):
    """Reads a module-level set, whose iteration order changes with PYTHONHASHSEED."""
    return {"n": len(PRESET_NAMES) + seed}


def names_its_scenario(params, seed):
    """Returns a result named like the sweep's own scenario_id column."""
    return {"scenario_id": "mine", "y": 1.0}


def nan_at_two(params, seed):
    """y is NaN at x == 2 for every seed (a fidelity where no pair was delivered, say)."""
    return {"y": float("nan") if params["x"] == 2 else params["x"] + seed / 10}


def fails_once(params, seed):
    """Raises the first time it runs x == 2 (the marker file says it did), then returns square's row."""
    if params["x"] == 2 and _first_time(params["marker"]):
        raise RuntimeError("the first run of x=2 fails")
    return square(params, seed)


def int_then_float(params, seed):
    """An int below x = 5, a float from there on: one column of two types."""
    return {"y": 0 if params["x"] < 5 else 0.5}


def long_text(params, seed):
    """A text result of params["n"] characters."""
    return {"text": "x" * params["n"]}


def semicolon_notes(params, seed):
    """Notes holding ";" (inside, at the end, alone), joined as qnsim's own rows join theirs."""
    from qnsim.sweeps import join_notes

    return {"y": params["x"], "notes": join_notes([f"x = {params['x']}; y", "tail;", ";"])}


def long_from_two(params, seed):
    """square's row, after ``$QNSIM_TEST_LONG_S`` seconds (default 0) at x >= 2 and 0.05 s below: points that run
    long in one process and briefly in another."""
    time.sleep(float(os.environ.get("QNSIM_TEST_LONG_S", "0")) if params["x"] >= 2 else 0.05)
    return square(params, seed)


def late_first(params, seed):
    """square's row; the first point (x == 0, seed 0) after 1 s, so that on several workers it finishes last; raises
    at x == ``$QNSIM_TEST_FAIL_X`` (an interrupted sweep)."""
    if os.environ.get("QNSIM_TEST_FAIL_X") == str(params["x"]):
        raise RuntimeError(f"x = {params['x']} fails")
    if params["x"] == 0 and seed == 0:
        time.sleep(1.0)
    return square(params, seed)


def slow_then_counts_rows(params, seed):
    """square's row after 0.3 s; at x == 3, first waits (up to 8 s) for a row in the CSV ``params["out"]`` and then
    raises, saying how many it found: the sweep stops there, having said what was on disk while it ran."""
    if params["x"] == 3:
        deadline = time.monotonic() + 8.0
        while True:
            try:
                with open(params["out"]) as f:
                    rows = max(0, len(f.read().splitlines()) - 1)  # the header
            except FileNotFoundError:
                rows = 0
            if rows or time.monotonic() > deadline:
                raise RuntimeError(f"{rows} rows on disk while x=3 runs")
            time.sleep(0.02)
    time.sleep(0.3)
    return square(params, seed)


def overlapping(params, seed):
    """square's row after 0.2 s, with ``running``: how many such points of the directory ``params["dir"]`` ran at
    once as it ended (each marks itself there while it runs)."""
    marker = os.path.join(params["dir"], f"running-{params['x']}-{seed}")
    open(marker, "w").close()
    try:
        time.sleep(0.2)
        running = sum(name.startswith("running-") for name in os.listdir(params["dir"]))
    finally:
        os.remove(marker)
    return {**square(params, seed), "running": running}


def sleeps(params, seed):
    """square's row after sleeping ``params["sleep_s"]`` seconds."""
    time.sleep(params["sleep_s"])
    return square(params, seed)


def counted(params, seed):
    """One row of each cell type (a float, an int, a bool, text, a blank), and a line appended to the file
    ``params["calls"]`` per call: a test counts the points a sweep ran."""
    with open(params["calls"], "a") as f:
        f.write(f"{params['x']} {seed}\n")
    rng = random.Random(seed * 1000 + params["x"])
    return {"fidelity": 0.5 + rng.random() / 2, "count": rng.randrange(1, 100), "ok": seed % 2 == 0,
            "label": f"run{seed}", "spare": None}
