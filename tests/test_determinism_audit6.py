"""Determinism audit, round 6: every output of a run, a QEC sweep and a QEC estimate is a function of its inputs and
seed alone. The wall clock they took (``wall_time_s``, ``sampling_s``, ``LogicalErrorEstimate.seconds``) is shown
only when asked for (``timing=True``, ``--timing``), as a record or column apart from the results."""

import contextlib
import dataclasses
import io
import json
import pathlib
import re

import pytest

from qnsim.cli import main as cli_main

EXAMPLE = str(pathlib.Path(__file__).resolve().parent.parent / "examples" / "two_qpus_transducers.toml")


def _cli(*argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli_main(list(argv)) == 0
    return out.getvalue()


# --- qnsim run and NetworkResult ------------------------------------------------------------------------------


def test_qnsim_run_prints_the_same_bytes_twice_and_its_timing_only_when_asked():
    """Old behaviour: ``qnsim run --json`` had a top-level ``wall_time_s`` and the text summary ended its run line
    with "in 0.0123 s wall": two runs of one scenario and seed never diffed clean (the tests popped the key before
    comparing). Now both outputs are the same bytes; ``--timing`` adds the wall clock, in JSON as a ``"timing"``
    record after everything else, which is then the output without it."""
    argv = ["run", EXAMPLE, "--until", "0.002", "--no-progress"]
    first, second = _cli(*argv, "--json"), _cli(*argv, "--json")
    assert first == second and "wall_time_s" not in first
    text = _cli(*argv)
    assert text == _cli(*argv) and " s wall" not in text
    timed = json.loads(_cli(*argv, "--json", "--timing"))
    assert list(timed)[-1] == "timing" and list(timed.pop("timing")) == ["wall_time_s"]
    assert timed == json.loads(first)
    timed_text = _cli(*argv, "--timing")
    assert re.sub(r" in [0-9.e+-]+ s wall\n", "\n", timed_text, count=1) == text != timed_text


@pytest.fixture(scope="module")
def result():
    import qnsim

    net = qnsim.Network(seed=3)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, fidelity=0.9, rate_hz=1e3)
    net.request("a", "b")
    return net.run(until_s=0.01, progress=False)


def test_every_rendering_of_a_result_is_the_same_whatever_the_run_took(result):
    """Old behaviour: ``to_dict``, ``to_json``, ``summary_table`` (``str``) and the Jupyter table each carried the
    run's wall-clock time, so a result saved, printed or shown in a notebook differed between two identical runs.
    The same result with another wall time now renders identically everywhere; ``timing=True`` adds it."""
    slow = dataclasses.replace(result, wall_time_s=result.wall_time_s + 123.0)
    for render in (lambda r: r.to_dict(), lambda r: r.to_json(), str, repr, lambda r: r._repr_html_()):
        assert render(slow) == render(result)
    assert slow.to_dict(timing=True)["timing"] == {"wall_time_s": slow.wall_time_s}
    assert json.loads(slow.to_json(timing=True, indent=None))["timing"]["wall_time_s"] == slow.wall_time_s
    assert f"{slow.wall_time_s:.3g} s wall" in slow.summary_table(timing=True)
    for call in (lambda: result.to_dict(timing="yes"), lambda: result.summary_table(timing=1)):
        with pytest.raises(TypeError, match="timing must be True or False"):
            call()


# --- QEC ------------------------------------------------------------------------------------------------------


def test_two_estimates_of_one_seed_are_equal_and_print_alike():
    """Old behaviour: ``LogicalErrorEstimate`` compared and printed its ``seconds`` (the wall clock spent
    sampling), so two ``sample_logical_error`` calls with one circuit and seed gave estimates that were not ``==``
    and whose reprs differed. The counts are equal and print alike; the time stays readable as ``.seconds``."""
    from qnsim.qec import memory_circuit, sample_logical_error
    from qnsim.qec.noise import NoiseModel

    circuit = memory_circuit(3, 2, "Z", noise=NoiseModel.uniform_depolarizing(0.01))
    first, second = (sample_logical_error(circuit, max_shots=200, seed=5, rounds=2) for _ in range(2))
    assert first == second and repr(first) == repr(second) and "seconds" not in repr(first)
    assert dataclasses.replace(first, seconds=first.seconds + 9.0) == first
    assert first.shots == 200 and first.seconds >= 0


def _qec_sweep(tmp_path, name, *extra):
    experiment = tmp_path / "e.toml"
    experiment.write_text(
        '[experiment]\nscheme = "direct"\n[grid]\ndistance = [3]\np_int = [0.2]\n'
        "[sampling]\nmax_shots = 100\nseeds = 1\n"
    )
    out = tmp_path / name
    _cli_quiet("qec", "sweep", str(experiment), "--out", str(out), "--workers", "1", "--no-progress", *extra)
    return out


def _cli_quiet(*argv):
    with contextlib.redirect_stderr(io.StringIO()) as err:
        code = cli_main(list(argv))
    assert code == 0, err.getvalue()


def test_qec_sweep_rows_are_the_same_file_twice_and_timed_only_when_asked(tmp_path):
    """Old behaviour: every QEC sweep row had ``sampling_s`` (wall-clock seconds spent sampling), so two runs of
    one experiment file wrote different CSV files (and their rows were "pure functions of the point" except that
    column). Now the two files are the same bytes; ``--timing`` adds ``sampling_s`` as the last column, and a sweep
    with it does not resume rows written without it (another column set: another sweep)."""
    import csv

    first, second = _qec_sweep(tmp_path, "a.csv"), _qec_sweep(tmp_path, "b.csv")
    assert first.read_bytes() == second.read_bytes()
    header = first.read_text().splitlines()[0].split(",")
    assert "sampling_s" not in header
    timed = _qec_sweep(tmp_path, "t.csv", "--timing")
    with open(timed, newline="") as f:
        rows = list(csv.DictReader(f))
    own = [c for c in rows[0] if c not in ("seed", "point_id", "scenario_id", "row_digest")]  # its own follow
    assert own[-1] == "sampling_s" and all(float(r["sampling_s"]) >= 0 for r in rows)
    with open(first, newline="") as f:
        plain = list(csv.DictReader(f))
    drop = ("sampling_s", "scenario_id", "point_id", "row_digest")  # the ids differ: the timed sweep is another
    assert [{k: v for k, v in r.items() if k not in drop} for r in rows] == [
        {k: v for k, v in r.items() if k not in drop} for r in plain
    ]
    with contextlib.redirect_stderr(io.StringIO()) as err:  # refused before a point runs
        code = cli_main(["qec", "sweep", str(tmp_path / "e.toml"), "--out", str(first), "--timing", "--no-progress"])
    assert code == 2 and "timing: False in the rows, True in this sweep" in err.getvalue()
