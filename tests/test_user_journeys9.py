"""The users' journeys, round 9 (each test's docstring gives the old behaviour)."""

from __future__ import annotations

import os

import pytest

import qnsim

EXAMPLES = os.path.join(os.path.dirname(__file__), os.pardir, "examples")


def _two_request_rows():
    """Rows of a two-request sweep: a->b NOT ENTANGLED at 20 km, c->d fine everywhere but one note of its own."""
    rows = []
    for km in (5, 20):
        for seed in (0, 1):
            notes = ["the run stopped at until_s"]
            if km == 20:
                notes.append("a->b: NOT ENTANGLED: mean fidelity 0.41 <= 1/2")
            notes.append("c->d: 3 of 5 pairs; unfinished" if km == 5 else None)
            rows.append({"links.*.length_km": km, "seed": seed, "a->b.rate_hz": 10.0 / km,
                         "a->b.mean_fidelity": 0.9 if km == 5 else 0.41, "c->d.rate_hz": 11.0 / km,
                         "c->d.mean_fidelity": 0.98, "rate_hz": 10.0 / km,
                         "mean_fidelity": 0.9 if km == 5 else 0.41,
                         "notes": "; ".join(n for n in notes if n)})
    return rows


def test_a_plot_of_the_second_request_says_its_own_notes_not_the_firsts():
    """``qnsim plot rows.csv --y 'c->d.rate_hz'`` of the README's two-request sweep said "note: ... a->b: NOT
    ENTANGLED" (the first request's, transmon memories at 20 km) under a plot of the second request, whose pairs are
    entangled. Old behaviour: the rows' notes of every request; now only the run's and those of the request drawn
    (a note holding "; " stays whole). The unprefixed (first request's) figures keep the first request's notes."""
    pytest.importorskip("pandas")
    from qnsim.plot import summarize

    rows = _two_request_rows()
    second = " ".join(summarize(rows, "links.*.length_km", ["c->d.rate_hz"]).attrs["notes"])
    assert "NOT ENTANGLED" not in second and "c->d: 3 of 5 pairs; unfinished" in second
    first = " ".join(summarize(rows, "links.*.length_km", ["rate_hz", "mean_fidelity"]).attrs["notes"])
    assert "a->b: NOT ENTANGLED" in first and "c->d: 3 of 5" not in first
    both = " ".join(summarize(rows, "links.*.length_km", ["a->b.rate_hz", "c->d.rate_hz"]).attrs["notes"])
    assert "a->b: NOT ENTANGLED" in both and "c->d: 3 of 5 pairs" in both


def test_qnsim_plot_of_the_second_request_prints_no_note_of_the_first(tmp_path, capsys):
    """The same through ``qnsim plot --y`` (stderr): the first request's NOT ENTANGLED was printed under the second's
    plot. Old behaviour: that note; now none."""
    pytest.importorskip("matplotlib")
    import pandas as pd

    from qnsim.cli import main

    rows = tmp_path / "rows.csv"
    pd.DataFrame(_two_request_rows()).to_csv(rows, index=False)
    assert main(["plot", str(rows), "--y", "c->d.rate_hz", "--out", str(tmp_path / "c.png")]) == 0
    err = capsys.readouterr().err
    assert "NOT ENTANGLED" not in err and "c->d: 3 of 5 pairs" in err
    assert main(["plot", str(rows), "--out", str(tmp_path / "a.png")]) == 0
    assert "a->b: NOT ENTANGLED" in capsys.readouterr().err


def test_a_hand_built_link_model_needs_its_pair_once():
    """``qnsim.LinkModel(scheme, success_probability, attempt_period_s, fidelity=0.95)`` was refused: a link model
    of one's own had to give its pair three ways (a 4x4 ``state``, its ``bell_diagonal`` and its ``fidelity``) and
    ``mode_success_probability`` beside ``success_probability`` (docs/coming-from-sequence built a Werner matrix by
    hand for it). Old behaviour: TypeError, missing 4 required arguments; now any one of the three gives the others,
    and ``mode_success_probability`` defaults to one mode."""
    werner = qnsim.LinkModel("single_click", success_probability=1e-3, attempt_period_s=1e-6, fidelity=0.95)
    assert werner.bell_diagonal == (0.95, *((1 - 0.95) / 3,) * 3) and werner.mode_success_probability == 1e-3
    assert werner.state == pytest.approx(qnsim.werner_state(0.95), abs=1e-15)
    weights = (0.9, 0.06, 0.04, 0.0)
    diagonal = qnsim.LinkModel("double_click", 0.01, 2e-6, bell_diagonal=weights)
    assert diagonal.fidelity == 0.9 and diagonal.state == pytest.approx(qnsim.bell_diagonal_state(weights), abs=1e-15)
    state = qnsim.bell_diagonal_state(weights)
    of_state = qnsim.LinkModel("double_click", 0.01, 2e-6, state=state)  # the same model however given
    assert of_state.bell_diagonal == pytest.approx(weights, abs=1e-15) and of_state.fidelity == pytest.approx(0.9)
    net = qnsim.Network("bell_diagonal", seed=3)
    net.add_node("a")
    net.add_node("b")
    net.add_link("a", "b", length_km=1.0, link_model=werner)
    net.request("a", "b", num_pairs=20)
    assert net.run(1.0, progress=False).requests[0].num_pairs == 20


@pytest.mark.parametrize(("given", "message"), [
    ({}, r"LinkModel needs the delivered pair: give its state, its bell_diagonal .* or its fidelity"),
    ({"fidelity": 0.9, "bell_diagonal": (0.8, 0.1, 0.1, 0.0)}, r"LinkModel.fidelity 0.9 is not the Phi\+ weight"),
    ({"state": qnsim.werner_state(0.9), "bell_diagonal": (0.8, 0.1, 0.1, 0.0)},
     r"LinkModel.bell_diagonal \(0.8, 0.1, 0.1, 0.0\) is not the Bell diagonal of its state"),
    ({"fidelity": 1.5}, r"LinkModel.fidelity must be a probability in \[0, 1\], got 1.5"),
])
def test_a_hand_built_link_model_whose_figures_disagree_is_refused(given, message):
    """The figures not given are derived, and those given together must agree: a pair given two ways that differ,
    no pair at all (before: "missing 4 required positional arguments", naming no pair) or a fidelity that is no
    probability is refused, naming the figures."""
    with pytest.raises(ValueError, match=message):
        qnsim.LinkModel("single_click", 1e-3, 1e-6, **given)


def test_a_scenario_link_model_table_takes_its_fidelity_alone(tmp_path):
    """A scenario's ``[links.link_model]`` table was refused without ``state`` (a 4x4 real/imag table),
    ``bell_diagonal``, ``fidelity`` and ``mode_success_probability``. Old behaviour: "link_model.state is required by
    LinkModel"; now the table reads as the constructor does: a fidelity alone is a Werner pair."""
    from qnsim.link_builder import link_model_from_table

    model = link_model_from_table({"scheme": "single_click", "success_probability": 0.01, "attempt_period_s": 1e-6,
                                   "fidelity": 0.92})
    assert model == qnsim.LinkModel("single_click", 0.01, 1e-6, fidelity=0.92)
