"""Users' journeys, round 22: the systems planner's `examples/distributed_workload.py` (where its plot goes, what it
refuses before its half-minute of estimates) and the protocol researcher's continuous-generation chain (a command
that measures it, instead of a figure from another machine). Each test states the old behaviour it guards."""

from __future__ import annotations

import contextlib
import io
import math

import pytest
from repo_text import EXAMPLES, ROOT, prose
from script_modules import import_script

import qnsim


class _Estimated(Exception):
    """Raised where the example would begin its estimates: the test stops there."""


def _workload_example(monkeypatch, argv: list[str]):
    """examples/distributed_workload.py as a module, its command line ``argv`` (through ``sys.argv``, as a shell
    runs it), and its workload patched to stop the run where the estimates would begin."""
    module = import_script(EXAMPLES / "distributed_workload.py")

    def stop(*args, **kwargs):
        raise _Estimated

    monkeypatch.setattr(module, "Workload", stop)
    monkeypatch.setattr("sys.argv", [module.__file__, *argv])
    return module


def test_the_planners_plot_path_is_printed_absolute_before_the_estimates(monkeypatch, tmp_path, capsys):
    """Old behaviour: `python examples/distributed_workload.py` wrote distributed_runtime_vs_efficiency.png into the
    current directory after half a minute of estimates, a name the README never gave, and printed it relative
    ("plot written to distributed_runtime_vs_efficiency.png"). Now its absolute path is the first line printed,
    before any estimate, and the README names the default."""
    monkeypatch.chdir(tmp_path)
    module = _workload_example(monkeypatch, [])
    with pytest.raises(_Estimated):
        module.main()
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"plot: {tmp_path / 'distributed_runtime_vs_efficiency.png'} "), first
    assert "`--out` (default `distributed_runtime_vs_efficiency.png` in the current directory" in prose(
        ROOT / "README.md"
    )


@pytest.mark.parametrize("option", ["--out", "--plot"])
def test_out_takes_a_file_or_a_directory_and_plot_stays_its_alias(monkeypatch, tmp_path, capsys, option):
    """Old behaviour: only `--plot FILE`, and a directory given to it failed in savefig after the estimates. Now
    `--out` (as examples/qec/distributed_memory.py names it; `--plot` still works) takes a file or a directory."""
    module = _workload_example(monkeypatch, [option, str(tmp_path)])
    with pytest.raises(_Estimated):
        module.main()
    assert capsys.readouterr().out.startswith(f"plot: {tmp_path / module.PLOT_NAME} ")


@pytest.mark.parametrize("bad, says", [("missing", "no directory"), ("runtime", "has no suffix")])
def test_a_plot_path_that_cannot_be_written_is_refused_before_the_estimates(monkeypatch, tmp_path, bad, says):
    """Old behaviour: `--plot /missing/dir/runtime.png` ran every estimate (~30 s here) and then failed in
    matplotlib's savefig with a FileNotFoundError traceback. Now refused at once, naming the path."""
    target = tmp_path / "missing" / "runtime.png" if bad == "missing" else tmp_path / "runtime"
    module = _workload_example(monkeypatch, ["--out", str(target)])
    with pytest.raises(SystemExit, match=says) as error:
        module.main()
    assert str(target) in str(error.value)


@pytest.mark.parametrize("hours", ["0", "-3", "nan", "inf", "two"])
def test_a_target_that_is_not_a_positive_number_of_hours_is_refused_before_the_estimates(monkeypatch, capsys, hours):
    """Old behaviour: `--target-hours 0` (or -3, nan) was taken: the script printed its first estimates and then
    judged against a limit no run meets, or failed, after half a minute. Now argparse refuses it, naming the value."""
    module = _workload_example(monkeypatch, ["--target-hours", hours])
    with pytest.raises(SystemExit) as error:
        module.main()
    assert error.value.code == 2
    err = capsys.readouterr().err
    assert "argument --target-hours: must be a" in err and f"got {hours!r}" in err, err
    assert module.target_hours("48") == 48.0


def test_the_researchers_continuous_chain_is_a_command_and_matches_native():
    """Old behaviour: the custom-protocol tutorial and ``qnsim.protocol`` quoted "57 s of CPU" for the Python policy
    on the 1,000-node chain under continuous generation, measured on another, loaded VM, with no way to measure it:
    `examples/chain_policy.py` ran on demand only. Now `--generation continuous` runs that chain (the network's
    default generation) and prints the Python run's CPU beside whether it matched the native run; the docs give
    the command and label the old figure."""
    chain_policy = import_script(EXAMPLES / "chain_policy.py")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        chain_policy.main(["--nodes", "12", "--pairs", "1", "--generation", "continuous"])
    (row,) = [line.split() for line in out.getvalue().splitlines() if line.split()[:1] == ["12"]]
    assert row[-1] == "yes" and math.isfinite(float(row[-2])), out.getvalue()
    # --generation continuous is the network's default: the same run as a request made without the keyword.
    default = qnsim.chain(12, length_km=1.0, fidelity=0.9999, rate_hz=1e4, formalism="bell_diagonal", seed=5)
    default.request("n0", "n11", num_pairs=1)
    built = chain_policy.build(12, 1, None, generation="continuous").run(10.0, progress=False)
    assert built.events_processed == default.run(10.0, progress=False).events_processed
    command = "python examples/chain_policy.py --nodes 1000 --generation continuous"
    tutorial = prose(ROOT / "docs" / "tutorials" / "custom_protocol.md")
    protocol_doc = " ".join(qnsim.protocol.__doc__.split())
    for text in (tutorial, protocol_doc):
        assert command in text and "57 s" not in text
        assert "about a minute in one old measurement" in text
