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


# --- qnsim.estimate: relay_route_fidelity and purification_noise ---------------------------------------------


def test_relay_route_fidelity_names_hops_that_are_no_links():
    """Old behaviour: hops=None raised "'NoneType' object is not iterable", [1] AttributeError "'int' object has no
    attribute 'total_rate_hz'", a set ran in hash order, and [] was refused naming relay_decay_factor's rates_hz
    and hold_hz, arguments the caller never gave."""
    from qnsim.estimate import Link, relay_route_fidelity

    hop = Link((0, 2), rate_hz=1e6, fidelity=0.99, memory_t1_s=0.01, memory_t2_s=0.01)
    assert relay_route_fidelity((hop,)) == relay_route_fidelity([hop]) > 0.98
    with pytest.raises(TypeError, match=r"^hops must be a list of qnsim\.estimate\.Link in route order, got None$"):
        relay_route_fidelity(None)
    with pytest.raises(TypeError, match=r"^hops must be a list of qnsim\.estimate\.Link in route order, got \{Link"):
        relay_route_fidelity({hop})
    with pytest.raises(ValueError, match=r"^hops must hold at least one qnsim\.estimate\.Link, got \[\]$"):
        relay_route_fidelity([])
    with pytest.raises(TypeError, match=r"^hops\[1\] must be a qnsim\.estimate\.Link, got 1$"):
        relay_route_fidelity([hop, 1])


def test_purification_noise_names_the_qpu_and_its_bad_field():
    """Old behaviour: purification_noise(qpu, None) raised AttributeError "'NoneType' object has no attribute
    'e_1q'"; a field given as text ("0.001") was turned into a number by float(), and nan was passed on, to be
    refused later under the keyword's name (measure_error_b), not the QPU's."""
    from types import SimpleNamespace

    from qnsim.estimate import QPU, purification_noise

    a = SimpleNamespace(e_1q=1e-4, e_2q=1e-3, e_meas=2e-3)
    assert purification_noise(a, QPU(e_2q=5e-4)) == {
        "gate1_error": 1e-4, "gate2_error": 1e-3, "measure_error": 2e-3,
        "gate1_error_b": QPU().e_1q, "gate2_error_b": 5e-4, "measure_error_b": QPU().e_meas,
    }  # fmt: skip
    with pytest.raises(TypeError, match=r"^qpu_b must be a QPU \(with e_1q, e_2q and e_meas\), got None$"):
        purification_noise(a, None)
    with pytest.raises(TypeError, match=r"^qpu_a must be a QPU \(with e_1q, e_2q and e_meas\), got namespace"):
        purification_noise(SimpleNamespace(e_1q=0.0, e_2q=0.0), a)
    with pytest.raises(ValueError, match=r"^qpu_a\.e_2q must be a real number, got '0\.001'$"):
        purification_noise(SimpleNamespace(e_1q=0.0, e_2q="0.001", e_meas=0.0), a)
    with pytest.raises(ValueError, match=r"^qpu_b\.e_meas must be finite, got nan$"):
        purification_noise(a, SimpleNamespace(e_1q=0.0, e_2q=0.0, e_meas=float("nan")))


# --- qnsim.estimate: a refusal of an integer too long to print -----------------------------------------------

_HUGE = 10**5000  # Python refuses to print an integer of more than 4,300 digits.


def _estimate(**options):
    from qnsim.estimate import QPU, Link, estimate

    return estimate("H 0\nCX 0 1\n", [QPU(), QPU()], [Link((0, 1), rate_hz=1e3, fidelity=0.99)], **options)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: __import__("qnsim.estimate").estimate.ErrorBudget(total=_HUGE), "error budget total must be"),
        (lambda: __import__("qnsim.estimate").estimate.ErrorBudget(logical=_HUGE), "error budget logical must be"),
        (lambda: _estimate(error_budget=[_HUGE]), "error_budget must be a probability or an ErrorBudget"),
        (lambda: _estimate(purification=_HUGE), "purification must be 'dejmps' or 'bbpssw'"),
        (lambda: _estimate(placement_strategy=_HUGE), "placement_strategy must be 'pack' or 'spread'"),
        (lambda: _estimate(partitioner=_HUGE), "partitioner must be 'auto', 'metis' or 'kernighan-lin'"),
        (lambda: _estimate(placement=_HUGE), "placement must map qubits to QPUs"),
        (lambda: __import__("qnsim.estimate").estimate.QPU(surface_code=_HUGE), "surface_code must be a SurfaceCode"),
    ],
)
def test_the_estimator_names_an_argument_given_an_integer_too_long_to_print(call, words):
    """Old behaviour: each raised Python's own ValueError "Exceeds the limit (4300 digits) for integer string
    conversion" (the message's repr of the value failed), naming neither the argument nor what it must be."""
    with pytest.raises((TypeError, ValueError)) as caught:
        call()
    assert words in str(caught.value) and "an integer of 16610 bits (about 10**5000)" in str(caught.value)


@pytest.mark.parametrize(
    ("call", "words"),
    [
        (lambda: __import__("qnsim.qec").qec.memory_circuit(3, 3, basis=_HUGE), "basis must be 'X' or 'Z'"),
        (lambda: __import__("qnsim.qec").qec.memory_layout(3, code=_HUGE), "code must be one of"),
        (lambda: __import__("qnsim.qec").qec.seam_resources(3, experiment=_HUGE), "experiment must be 'memory'"),
        (lambda: __import__("qnsim.qec").qec.teleported_cnot_channel(_HUGE), "bell_diagonal must be four numbers"),
        (lambda: __import__("qnsim.link_models").link_models.bell_state(_HUGE), "bell_state name must be one of"),
        (lambda: __import__("qnsim.presets").presets.resolve_preset(_HUGE), "preset must be a HardwarePreset"),
        (lambda: __import__("qnsim.hardware").hardware.NodeHardware(gates=_HUGE), "NodeHardware.gates must be"),
    ],
)
def test_qec_link_models_presets_and_hardware_name_an_integer_too_long_to_print(call, words):
    """Old behaviour: as in the estimator, each refusal's repr of the value raised Python's "Exceeds the limit (4300
    digits) for integer string conversion" in place of the message."""
    with pytest.raises((TypeError, ValueError)) as caught:
        call()
    assert words in str(caught.value) and "an integer of 16610 bits (about 10**5000)" in str(caught.value)


# --- qnsim.plot.plot_estimate: title and out ------------------------------------------------------------------


def _small_report():
    from qnsim.estimate import QPU, Link, estimate

    return estimate("H 0\nCX 0 1\n", [QPU(), QPU()], [Link((0, 1), rate_hz=1e3, fidelity=0.99)])


def test_plot_estimate_refuses_a_title_that_is_no_text():
    """Old behaviour: plot_estimate(report, title=3) drew the figure, then raised AttributeError "'int' object has
    no attribute 'split'"; plot_sweep refused the same title by name."""
    pytest.importorskip("matplotlib")
    from qnsim.plot import plot_estimate

    with pytest.raises(TypeError, match=r"^title must be a string or None, got 3$"):
        plot_estimate(_small_report(), title=3)
    assert plot_estimate(_small_report(), title="two QPUs").get_suptitle() == "two QPUs"


def test_an_image_path_in_a_missing_folder_is_refused_before_drawing_naming_the_path(tmp_path):
    """Old behaviour: plot_estimate(report, out="<missing folder>/a.png") and plot_sweep drew the figure and then
    raised FileNotFoundError naming a temporary file ('.../.a.png.14cfab6b.tmp'), not the path given; `qnsim
    estimate --plot` found it only after the estimate had run."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    from qnsim.plot import plot_estimate, plot_sweep

    out = tmp_path / "missing" / "a.png"
    with pytest.raises(FileNotFoundError, match=r"^out '.*a\.png': its folder '.*missing' does not exist$"):
        plot_estimate(_small_report(), out=out)
    rows = [{"x": 1, "seed": 0, "rate_hz": 1.0, "mean_fidelity": 0.9}]
    with pytest.raises(FileNotFoundError, match=r"^out '.*a\.png': its folder '.*missing' does not exist$"):
        plot_sweep(rows, x="x", out=str(out))
    plot_estimate(_small_report(), out=tmp_path / "a.png")
    assert (tmp_path / "a.png").stat().st_size > 0


# --- the native bindings: an integer too long to print -------------------------------------------------------


def test_the_event_loop_names_a_handle_too_long_to_print():
    """Old behaviour: EventLoop.cancel(10**5000) and is_pending(10**5000) raised Python's "Exceeds the limit (4300
    digits) for integer string conversion" (the bindings' repr of the value failed) in place of their message."""
    import qnsim

    loop = qnsim.EventLoop()
    with pytest.raises(ValueError, match=r"^Scheduler\.cancel\(\): handle must be in \[0, 2\*\*64 - 1\], got an "
                                         r"integer of 16610 bits \(about 10\*\*5000\)$"):  # fmt: skip
        loop.cancel(10**5000)
    with pytest.raises(ValueError, match=r"handle must be in \[0, 2\*\*64 - 1\], got an integer of 16610 bits \(about -10\*\*5000"):
        loop.is_pending(-(10**5000))
    with pytest.raises(TypeError, match=r"^Scheduler\.cancel\(\): handle must be an integer, got a list too long"):
        loop.cancel([10**5000])
    assert loop.cancel(loop.schedule_in(1e-6, lambda: None)) is True
