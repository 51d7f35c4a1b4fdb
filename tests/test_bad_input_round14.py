"""Bad input, round 14: public names no earlier round had named (the plot's column units and axis labels, the
estimator's relay-route fidelity and purification noise) given None, numbers, wrong types and bad values."""

from __future__ import annotations

import pytest

# --- qnsim.plot: column_unit, axis_label and a DataFrame whose column is a number ------------------------------


def test_a_column_named_by_a_number_has_no_unit_and_a_text_label():
    """Old behaviour: column_unit(3) and axis_label(3) raised AttributeError "'int' object has no attribute
    'split'", and axis_label(None) the same for 'NoneType'; a DataFrame's column may be a number."""
    from qnsim.plot import axis_label, column_unit

    assert column_unit(3) == "" and axis_label(3) == "3" and axis_label(2.5) == "2.5"
    assert axis_label("rate_hz") == "rate_hz (Hz)"
    with pytest.raises(TypeError, match=r"^column must be a column name \(a string\), got None$"):
        axis_label(None)
    with pytest.raises(TypeError, match=r"^column must be a column name \(a string\), got \['rate_hz'\]$"):
        column_unit(["rate_hz"])


def test_plot_sweep_draws_against_a_column_named_by_a_number():
    """Old behaviour: plot_sweep(frame, x=3) on a DataFrame with a column 3 raised AttributeError "'int' object has
    no attribute 'endswith'" (the look-up of which request a rate_hz column repeats read every column as text)."""
    pytest.importorskip("matplotlib")
    pd = pytest.importorskip("pandas")
    import matplotlib.pyplot as plt

    from qnsim.plot import plot_sweep

    frame = pd.DataFrame({3: [1.0, 2.0], "rate_hz": [5.0, 4.0], "mean_fidelity": [0.9, 0.8]})
    figure = plot_sweep(frame, x=3)
    try:
        assert figure.axes[-1].get_xlabel() == "3"
        assert [panel.get_ylabel() for panel in figure.axes] == ["rate_hz (Hz)", "mean_fidelity"]
    finally:
        plt.close(figure)
