"""Trust audit of distributed QEC, fifteenth round: topping up the remote-logical table without starting over
(``bench/qec_remote_model.py restore`` and ``run --seed``), and QEC file refusals that name the file and the key.

Each test's docstring says what qnsim did before its fix (or, for a new command, what would go wrong without it).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from script_modules import import_script

from qnsim.config import ConfigError, read_toml
from qnsim.qec import model as remote_model
from qnsim.qec.sweep import ExperimentSpec

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "qec_remote_model.py"
#: A corner of the shipped grid around the audited point (p = 2e-3, q = 0.04), small enough to restore in a test.
P_GRID, Q_GRID, DISTANCES = (1e-3, 2e-3), (0.02, 0.04), (3, 5)


def _small_table(tmp_path: Path) -> Path:
    """The shipped table's counts on the small grid, as a table file (no single-QPU or perfect-pair merges)."""
    shipped = remote_model.read_table(Path(remote_model.__file__).parent / "data" / "remote_model.json")
    ip = [shipped["p_grid"].index(p) for p in P_GRID]
    iq = [shipped["q_grid"].index(q) for q in Q_GRID]
    ik = [shipped["distances"].index(d) for d in DISTANCES]
    bases = {b: {key: [[[shipped["bases"][b][key][i][j][k] for k in ik] for j in iq] for i in ip]
                 for key in ("errors", "shots")} for b in "ZX"}
    table = {**{k: shipped[k] for k in ("experiment", "generated_by", "basis_pairs")}, "p_grid": list(P_GRID),
             "q_grid": list(Q_GRID), "distances": list(DISTANCES), "sampling": "a corner of the shipped grid",
             "bases": bases}
    path = tmp_path / "small.json"
    path.write_text(json.dumps(table), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def script():
    """The bench script on the small grid (its commands read the grid constants when they run), loaded once: it
    keeps the tasks' strong ids, whose error models are most of a restore's time."""
    module = import_script(SCRIPT)
    module.P_GRID, module.Q_GRID, module.DISTANCES, module.TOP_UPS = P_GRID, Q_GRID, DISTANCES, ()
    return module


def _restore_build(script, table: Path, out: Path, built: Path, *runs: list[str]) -> bytes:
    """restore ``table`` into ``out``, the ``run`` command lines asked, then build into ``built``: its bytes."""
    script.main(["restore", "--table", str(table), "--out", str(out)])
    for run in runs:
        script.main(["run", "--out", str(out), "--workers", "1", *run])
    script.main(["build", "--out", str(out), "--table", str(built)])
    return built.read_bytes()


#: One small seeded top-up at the audited point (d = 3: ~140 errors in 2048 shots).
TOP_UP = ["--seed", "15", "--bases", "Z", "--ps", "2e-3", "--qs", "0.04", "--ds", "3", "--max-shots", "2048",
          "--max-errors", "100000"]


def test_restore_rebuilds_the_tables_counts_and_a_seeded_top_up_adds_to_them_repeatably(script, tmp_path):
    """Before: the grid's statistics file (stats.csv) was not kept, so more shots at one point meant sampling the
    whole grid again; and sinter's top-ups seed themselves, so no two top-ups gave the same table. Now ``restore``
    writes stats.csv from the table (restore then build gives the table's counts back, and is a fixed point:
    the same bytes), and ``run --seed`` adds seeded shots: two top-ups with the same seed from the same table build
    the same table bit for bit, whose counts are the old ones plus the seeded row's, listed under ``seeded``."""
    small = _small_table(tmp_path)
    first = _restore_build(script, small, tmp_path / "a", tmp_path / "a.json")
    table = json.loads(first)
    assert table["bases"] == json.loads(small.read_text())["bases"] and "seeded" not in table
    again = _restore_build(script, tmp_path / "a.json", tmp_path / "b", tmp_path / "b.json")
    assert again == first

    one = _restore_build(script, tmp_path / "a.json", tmp_path / "c", tmp_path / "c.json", TOP_UP)
    two = _restore_build(script, small, tmp_path / "d", tmp_path / "d.json", TOP_UP)
    assert one == two
    topped = json.loads(one)
    (row,) = topped["seeded"]
    assert (row["basis"], row["p"], row["q"], row["d"], row["seed"], row["shots"]) == ("Z", 2e-3, 0.04, 3, 15, 2048)
    assert 50 < row["errors"] < 300  # a rate near the table's 0.07
    before, after = table["bases"]["Z"], topped["bases"]["Z"]
    assert after["shots"][1][1][0] == before["shots"][1][1][0] + 2048
    assert after["errors"][1][1][0] == before["errors"][1][1][0] + row["errors"]
    after["shots"][1][1][0], after["errors"][1][1][0] = before["shots"][1][1][0], before["errors"][1][1][0]
    assert topped["bases"] == table["bases"]  # no other point moved
    assert "seed 15" in topped["sampling"]
    # Another seed adds other shots.
    script.main(["run", "--out", str(tmp_path / "d"), "--workers", "1", *TOP_UP[:1], "16", *TOP_UP[2:]])
    script.main(["build", "--out", str(tmp_path / "d"), "--table", str(tmp_path / "e.json")])
    rows = json.loads((tmp_path / "e.json").read_text())["seeded"]
    assert [r["seed"] for r in rows] == [15, 16] and rows[0] == row and rows[1]["errors"] != row["errors"]


def test_a_seeded_top_up_asked_twice_is_skipped_and_never_counted_twice(script, tmp_path, capsys):
    """Without a record of the seeded shots, a top-up run again with its seed (a second invocation, or the same
    command after a restore of the topped-up table) would add the same shots a second time: the same draws counted
    twice, an error bar too narrow by sqrt(2) for them. Now a seeded point already in stats.csv, or in the restored
    table's ``seeded`` list, is skipped with the same limits (said on stdout) and refused with other limits (the same
    seed draws the same shots); the table is unchanged byte for byte."""
    small = _small_table(tmp_path)
    topped = _restore_build(script, small, tmp_path / "a", tmp_path / "a.json", TOP_UP, TOP_UP)
    assert len(json.loads(topped)["seeded"]) == 1
    assert "already holds seed 15's shots there" in capsys.readouterr().out
    # The topped-up table restored, and the same top-up asked again: skipped, the same table.
    assert _restore_build(script, tmp_path / "a.json", tmp_path / "b", tmp_path / "b.json", TOP_UP) == topped
    assert "they are not counted twice" in capsys.readouterr().out
    other_limits = [*TOP_UP[:-3], "4096", "--max-errors", "100000"]
    stats = tmp_path / "b" / "stats.csv"
    with pytest.raises(SystemExit, match=r"stats\.csv already holds seed 15's shots at Z basis, p = 0\.002, q = "
                                         r"0\.04, d = 3 .*give another seed"):
        script.main(["run", "--out", str(tmp_path / "b"), "--workers", "1", *other_limits])
    script.main(["build", "--out", str(tmp_path / "b"), "--table", str(tmp_path / "c.json")])
    assert (tmp_path / "c.json").read_bytes() == topped and stats.exists()


def test_restore_refuses_to_add_a_table_to_statistics_already_there_or_off_the_grid(script, tmp_path, monkeypatch):
    """Restoring into a stats.csv that holds rows would add every count of the table a second time; a table on
    another grid would lose its other points at the next build. Both are refused, naming the files."""
    small = _small_table(tmp_path)
    script.main(["restore", "--table", str(small), "--out", str(tmp_path / "a")])
    with pytest.raises(SystemExit, match=r"a/stats\.csv already holds statistics: restoring .*small\.json into it "
                                         r"would count the table's shots twice"):
        script.main(["restore", "--table", str(small), "--out", str(tmp_path / "a")])
    monkeypatch.setattr(script, "P_GRID", (1e-3, 3e-3))
    with pytest.raises(SystemExit, match=r"small\.json: p_grid \[0\.001, 0\.002\] is not this script's grid "
                                         r"\[0\.001, 0\.003\]"):
        script.main(["restore", "--table", str(small), "--out", str(tmp_path / "b")])


def test_a_remote_model_table_with_a_key_or_grid_value_twice_is_refused_naming_the_file(tmp_path):
    """Before: JSON's reader kept the last of two equal keys without a word (a table edited by hand could lose a
    basis's counts silently), and a grid listing a value twice built a model whose first estimate in that cell
    raised ZeroDivisionError, naming neither the file nor the grid. Both are refused now, naming the file and the
    key or value."""
    path = tmp_path / "edited.json"
    path.write_text('{"p_grid": [0.001, 0.002], "bases": {"Z": {}, "Z": {}}}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"^edited\.json: the key 'Z' is given twice in one object; give it once$"):
        remote_model.read_table(path)
    table = {"p_grid": [1e-3, 1e-3], "q_grid": [0.01, 0.02], "distances": [3, 5],
             "bases": {b: {"errors": [[[100, 10]] * 2] * 2, "shots": [[[1000, 1000]] * 2] * 2} for b in "XZ"}}
    with pytest.raises(ValueError, match=r"^edited\.json: p_grid lists 0\.001 twice; give each grid value once"):
        remote_model.build_model(table, "edited.json")
    table["p_grid"] = [2e-3, 1e-3]
    with pytest.raises(ValueError, match=r"^edited\.json: p_grid is not increasing \(0\.002 before 0\.001\)"):
        remote_model.build_model(table, "edited.json")


def test_an_experiment_grid_listing_a_value_twice_names_the_file(tmp_path):
    """Before: ``distance = [3, 3]`` in an experiment file was refused by the sweep as "grid['distance'] lists the
    value 3 twice", naming no file (a sweep of several experiment files did not say which one). Now the file is read
    with the sweep's own check of an axis, and the refusal names the file, the key and the value."""
    path = tmp_path / "twice.toml"
    path.write_text('[grid]\ndistance = [3, 5, 3]\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"twice\.toml: grid\['distance'\] lists the value 3 twice; give each value "
                                         r"once"):
        ExperimentSpec.from_file(path)


@pytest.mark.parametrize(("text", "message"), [
    ('[grid]\ndistance = [3]\ndistance = [5]\n',
     r"dup\.toml: invalid TOML: the key distance is given twice in \[grid\] \(line 3\); give each key once"),
    ('[grid]\n"p bulk" = [0.001]\n"p bulk" = [0.002]',  # at the end of the document: tomllib names no line
     r"dup\.toml: invalid TOML: the key \"p bulk\" is given twice in \[grid\] \(line 3\)"),
    ('seed = 1\nseed = 2\n[grid]\ndistance = [3]\n',
     r"dup\.toml: invalid TOML: the key seed is given twice at the top level \(line 2\)"),
    ('[grid]\ndistance = [3]\n[sampling]\nmax_shots = 10\n[grid]\np_bulk = [0.001]\n',
     r"dup\.toml: invalid TOML: the table \[grid\] is declared twice \(line 5\); declare each table once"),
])
def test_a_toml_key_or_table_given_twice_is_named(tmp_path, text, message):
    """Before: tomllib's "Cannot overwrite a value (at line 3, column 15)" (or "at end of document") named no key and
    no table, and "Cannot declare ('grid',) twice" a tuple; an experiment or scenario file given a key twice was
    refused without saying which. Now the refusal names the key and its table (or the table) and the line."""
    path = tmp_path / "dup.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        read_toml(path)


def test_the_remote_models_bend_follows_the_seam_error_rate():
    """Before: the bend of log P over d = 3, 5, 7 (the weight c of ln d) was one number per basis, pooled over the
    grid. The Z rows topped up to ~3000 errors a point (p = 1e-3..3e-3) show it falling with the seam error rate q
    (at p = 2e-3 from ~0.9 at q <= 0.02 to ~0 at q >= 0.06), so the pooled weight read the middle distance low at
    small q (the optimistic side, where good pairs are priced) and high at large q: over the Z points with >= 20
    errors, the model less the counts averaged -0.55 of their standard errors at d = 5 for q <= 0.01 (t = -2.4) and
    +0.80 for q >= 0.06 (t = 3.5), d = 3 and 7 the other way (t = 2.1, 3.2, -3.3, -2.7). Now c is a line in ln q per
    basis: |t| < 2 in each third of the q grid at every sampled distance, in both bases (Z at most 0.9)."""
    table = json.loads((Path(remote_model.__file__).parent / "data" / "remote_model.json").read_text("utf-8"))
    fitted = remote_model.build_model(table)
    for basis in "ZX":
        counts = table["bases"][basis]
        for low, high in ((0.0, 0.01), (0.02, 0.04), (0.06, 1.0)):
            for k, distance in enumerate(table["distances"]):
                z = []
                for i, p in enumerate(table["p_grid"]):
                    for j, q in enumerate(table["q_grid"]):
                        errors, shots = counts["errors"][i][j][k], counts["shots"][i][j][k]
                        if errors >= 20 and low <= q <= high:
                            rate = math.exp(fitted.log_error(basis, distance, p, q))
                            z.append((rate - errors / shots) / (math.sqrt(errors) / shots))
                t = np.mean(z) / (np.std(z, ddof=1) / math.sqrt(len(z)))
                assert len(z) >= 6 and abs(t) < 2, (basis, low, high, distance, len(z), np.mean(z), t)
