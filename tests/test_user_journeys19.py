"""The users' journeys, round 19: the network architect's repeater sweeps from the command line.

Each test's docstring states the old (wrong) behaviour it guards against.
"""

from __future__ import annotations

import pandas

from qnsim.cli import main


def test_qnsim_plot_takes_the_first_parameter_that_varies_as_its_x(tmp_path, capsys):
    """The tutorial's "does purification help?" sweep of ``examples/transducer_repeater.toml`` holds the channels at
    one value (``--param 'links.*.channels=3' --param 'requests.0.purification_rounds=0,1,2'``), so its rows' first
    column is a one-value axis. ``qnsim plot rounds.csv``, as ``qnsim plot position.csv`` is typed two lines above,
    took that fixed column as x and refused the rows: "rows with the same links.*.channels differ in the swept
    parameter(s) 'requests.0.purification_rounds'", exit status 2; the plot needed ``--x`` to draw anything. Old
    behaviour: the first column, held fixed, as the default x; now the first parameter that varies (the fixed ones
    named on stderr), drawn exactly as with ``--x`` given."""
    from repo_text import EXAMPLES

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
