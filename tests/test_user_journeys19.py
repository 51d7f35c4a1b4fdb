"""The users' journeys, round 19: the network architect's repeater sweeps from the command line.

Each test's docstring states the old (wrong) behaviour it guards against.
"""

from __future__ import annotations

import math

import pandas
from repo_text import EXAMPLES

import qnsim
from qnsim.cli import main


def test_qnsim_plot_takes_the_first_parameter_that_varies_as_its_x(tmp_path, capsys):
    """The tutorial's "does purification help?" sweep of ``examples/transducer_repeater.toml`` holds the channels at
    one value (``--param 'links.*.channels=3' --param 'requests.0.purification_rounds=0,1,2'``), so its rows' first
    column is a one-value axis. ``qnsim plot rounds.csv``, as ``qnsim plot position.csv`` is typed two lines above,
    took that fixed column as x and refused the rows: "rows with the same links.*.channels differ in the swept
    parameter(s) 'requests.0.purification_rounds'", exit status 2; the plot needed ``--x`` to draw anything. Old
    behaviour: the first column, held fixed, as the default x; now the first parameter that varies (the fixed ones
    named on stderr), drawn exactly as with ``--x`` given."""
    rounds = tmp_path / "rounds.csv"
    # The tutorial's sweep, shortened (two rounds, one seed, 20 ms): --until adds a second one-value axis.
    sweep = [str(EXAMPLES / "transducer_repeater.toml"), "--param", "links.*.channels=3", "--param",
             "requests.0.purification_rounds=0,1", "--until", "0.02", "--workers", "1", "--no-progress"]  # fmt: skip
    assert main(["sweep", *sweep, "--out", str(rounds)]) == 0
    columns = list(pandas.read_csv(rounds).columns)
    assert columns[: columns.index("seed")] == ["links.*.channels", "requests.0.purification_rounds", "run.until_s"]
    capsys.readouterr()
    assert main(["plot", str(rounds), "--out", str(tmp_path / "default.png")]) == 0
    err = capsys.readouterr().err
    assert "x: requests.0.purification_rounds, the first parameter that varies (links.*.channels = 3 held one " in err
    assert "plotted rate_hz, mean_fidelity against requests.0.purification_rounds (2 rows)" in err, err
    assert main(["plot", str(rounds), "--x", "requests.0.purification_rounds", "--out", str(tmp_path / "x.png")]) == 0
    assert "the first parameter that varies" not in capsys.readouterr().err  # --x given: nothing to say
    assert (tmp_path / "default.png").read_bytes() == (tmp_path / "x.png").read_bytes()


def _lead_notes(request) -> list[str]:
    return [note for note in request.notes if note.startswith("no pair came in the first")]


def test_a_direct_links_first_random_wait_is_not_called_a_start_up():
    """The sweep tutorial's 40 km row (``examples/two_qpus_transducers.toml``, 50 ms, seed 0: 16 pairs, the first
    after 7.69 ms) carried "no pair came in the first 7.69 ms of the 50 ms window (what the first pair waits for:
    memories, heralds, purification and swap news along the path): a window this short measures that start-up as
    much as the path's steady rate, so 320 Hz may be off either way". A direct link has no such start-up: its first
    pair is one Poisson wait, and a first pair later than a tenth of the window came by chance in 18% of a ~100 Hz
    link's 150 ms runs (15 pairs on average). Old behaviour: the note on any first pair after a tenth of the window
    (10 pairs or more); now also only after more than ln 20 (about 3) mean gaps at the window's rate, which random
    arrivals pass 1 time in 20: below it a start-up moves the rate less than the count's own 95% interval does."""
    net = qnsim.Network("bell_diagonal", seed=1)
    for name in "ab":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, success_probability=0.01, attempt_period_s=1e-4)
    net.request("a", "b")
    requests = [result.requests[0] for result in net.run_seeds(range(200), until_s=0.15)]
    assert all(r.num_pairs >= 1 for r in requests)
    past_a_tenth = [r for r in requests if r.num_pairs >= 10 and r.first_delivery_s > 0.1 * r.window_s]
    assert len(past_a_tenth) > 0.1 * len(requests)  # what the old rule called a start-up: every one of these
    noted = [r for r in requests if _lead_notes(r)]
    assert len(noted) <= 0.05 * len(requests), len(noted)
    for r in past_a_tenth:  # noted exactly when the wait is beyond ln 20 mean gaps
        beyond = r.first_delivery_s * r.num_pairs > math.log(20) * r.window_s
        assert bool(_lead_notes(r)) == beyond, (r.first_delivery_s, r.num_pairs)
    # The tutorial's row: its rate note stays, the start-up note is gone.
    rows = qnsim.sweep(str(EXAMPLES / "two_qpus_transducers.toml"), {"links.*.length_km": [40.0],
                       "run.until_s": [0.05]}, seeds=[0], workers=1, progress=False)  # fmt: skip
    notes = qnsim.sweeps.split_notes(rows["notes"].iloc[0])
    assert "qpu_a->qpu_b: rate from only 16 pair(s) in the 50 ms window" in " ".join(notes), notes
    assert not [n for n in notes if "no pair came in the first" in n], notes


def test_the_sweep_tutorials_plot_command_draws_its_python_plot(tmp_path, monkeypatch):
    """docs/tutorials/sweep_dask.md draws the length sweep with ``qnsim.plot_sweep(rows, x="links.*.length_km",
    logy=["rate_hz"], ...)`` and said "from the command line, `qnsim plot rows.csv --x links.*.length_km` draws the
    same panels": that command draws the rate on a linear axis, where the tutorial's panel is logarithmic (0.3 to 31
    kHz over its lengths). Old behaviour: a command that draws another figure; now the command the tutorial gives
    (with ``--logy rate_hz``) writes the same image, byte for byte, as its Python call without the title."""
    import re
    import shlex

    from repo_text import ROOT, read_text

    text = " ".join(read_text(ROOT / "docs" / "tutorials" / "sweep_dask.md").split())
    (command,) = re.findall(r"from the command line, `(qnsim plot rows\.csv[^`]*)` draws the same panels", text)
    (call,) = re.findall(r"qnsim\.plot_sweep\(rows, (x=.*?), out=png,", text)
    kwargs = eval(f"dict({call})")  # the tutorial's own arguments: x and logy
    rows = tmp_path / "rows.csv"
    lines = ["links.*.length_km,run.until_s,seed,rate_hz,mean_fidelity,point_id"]
    lines += [f"{km},0.05,{s},{31000.0 / km**1.5 * (1 + 0.1 * s)},{0.9 - km / 100 - s / 100},p{km}_{s}"
              for km in (2.0, 10.0, 40.0) for s in range(2)]  # fmt: skip
    rows.write_text("\n".join(lines) + "\n")
    monkeypatch.chdir(tmp_path)
    assert main([*shlex.split(command)[1:], "--out", "cli.png"]) == 0
    qnsim.plot_sweep(str(rows), out=tmp_path / "python.png", **kwargs)
    assert (tmp_path / "cli.png").read_bytes() == (tmp_path / "python.png").read_bytes()
