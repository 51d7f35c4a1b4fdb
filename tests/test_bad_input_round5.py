"""Fifth bad-input audit: what changed since the fourth (relay pricing, runtime fixes, plot_sweep,
heralded links at extreme lengths, spec fields, Python protocols).

List arguments are read by one check (argument_checks.real_numbers); a runtime limit no channel count
reaches says so in short; inf is no runtime limit; a bounded spec field does not offer +inf; a protocol
request refuses the native swap handshake. The battery that found these ran each probe in a forked
child with time and memory limits; the tests here call what cannot hang or crash any more directly.
"""

import math

import numpy as np
import pytest

from qnsim.argument_checks import real_numbers
from qnsim.estimate import QPU, Link, PairStorage, estimate, relay_cycle_s, relay_decay_factor


@pytest.mark.parametrize("bad", [None, 1e3, "1e3", np.array(1e3), {1e3: 1}, {1e3}, np.ones((2, 2))])
def test_relay_rates_must_be_a_list(bad):
    """relay_cycle_s read "1e3" as the hops '1', 'e', '3' (refusing 'e' as rates_hz), a dict by its
    keys (relay_cycle_s({1e3: 1}) returned 0.001 s) and failed on None, a float or a 0-d array with
    "'NoneType' object is not iterable" / "iteration over a 0-d array", naming nothing."""
    for call, name in (
        (lambda: relay_cycle_s(bad), "rates_hz"),
        (lambda: relay_decay_factor(bad, [0.0]), "rates_hz"),
        (lambda: relay_decay_factor([1e3], bad), "hold_hz"),
        (lambda: Link((0, 1), rate_hz=1e3, fidelity=0.9, relay_hop_rates_hz=bad), "relay_hop_rates_hz"),
    ):
        with pytest.raises(ValueError, match=rf"^{name} must be a list of real numbers, got "):
            call()


def test_a_bad_hop_rate_is_named_by_its_index():
    """A bad item was named as the whole list ("rates_hz must be finite, got nan"), not which hop."""
    with pytest.raises(ValueError, match=r"^rates_hz\[1\] must be finite, got nan$"):
        relay_cycle_s([1e3, np.float64("nan")])
    with pytest.raises(ValueError, match=r"^hold_hz\[0\] must be a real number, got True$"):
        relay_decay_factor([1e3], [True])
    assert relay_cycle_s(np.array([1e3, 1e3])) == relay_cycle_s((1e3, 1e3)) == pytest.approx(1.5e-3)
    assert real_numbers("x", range(2)) == (0.0, 1.0)


@pytest.mark.parametrize("bad", [True, float("nan"), np.float64("nan"), -1.0, math.inf, "1", 10**400])
def test_wait_factor_refuses_a_bad_decay_rate(bad):
    """PairStorage.wait_factor(decay_hz) took True as 1 Hz (0.999), NaN as a factor of nan, -1 as a
    factor above 1 (1.001), inf as 0, and failed on "1" / 10**400 with a bare TypeError / OverflowError."""
    storage = PairStorage(1.0, 1.0, raw_interval_s=1e-3)
    with pytest.raises(ValueError, match=r"^decay_hz "):
        storage.wait_factor(bad)
    assert storage.wait_factor(2.0) == pytest.approx(1 / 1.002)


def test_a_runtime_limit_beyond_any_channel_count_says_so():
    """A limit that needs more than 10**9 channels (max_runtime_s=1e-300 on a 10 Hz link) failed the whole
    estimate with "channels must be <= 1000000000, got an integer of 995 bits", naming neither the limit nor
    the link: the check of the channel fix built a Link with them."""
    circuit = "H 0\nCNOT 0 5\nCNOT 1 6\nM 0 1"
    qpus, links = [QPU(num_qubits=5), QPU(num_qubits=5)], [Link((0, 1), rate_hz=10.0, fidelity=0.95)]
    report = estimate(circuit, qpus, links, placement=[0] * 5 + [1] * 2, max_runtime_s=1e-300)
    assert not report.feasible
    (reason,) = [r for r in report.reasons if r.startswith("runtime:")]
    assert "more link channels cannot reach it: link 0-1 would need 2e+299 channels, beyond the 1e+09" in reason
    assert report.links[0].channels_for_runtime_limit is None
    reachable = estimate(circuit, qpus, links, placement=[0] * 5 + [1] * 2, max_runtime_s=1e-3)
    # 201: with 200 channels the run takes 1.00000001 ms, the gates after the pairs (audit 55 prices them; 200 before).
    assert reachable.links[0].channels_for_runtime_limit == 201


def _rows():
    return [{"x": L, "seed": s, "rate_hz": 1.0 + s, "mean_fidelity": 0.9} for L in (1, 2) for s in (0, 1)]


def test_plot_sweep_reads_its_options_strictly():
    """y=[] failed inside matplotlib ("Number of rows must be a positive integer, not 0"), logx="yes" drew
    a log axis, logy="rate_hz" was read as the columns 'r', 'a', 't', ... and title=3 failed with
    "unsupported operand type(s) for +: 'int' and 'str'"."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    from qnsim.plot import plot_sweep

    with pytest.raises(ValueError, match=r"^y must name at least one column to plot, got \[\]$"):
        plot_sweep(_rows(), x="x", y=[])
    with pytest.raises(TypeError, match=r"^logx must be True or False, got 'yes'$"):
        plot_sweep(_rows(), x="x", logx="yes")
    with pytest.raises(TypeError, match=r"^title must be a string or None, got 3$"):
        plot_sweep(_rows(), x="x", title=3)
    figure = plot_sweep(_rows(), x="x", logy="rate_hz")
    assert figure.axes[0].get_yscale() == "log" and figure.axes[1].get_yscale() == "linear"


def test_a_fiber_beyond_any_length_is_refused_in_a_short_message():
    """A 1e300 km fiber's refusal printed its efficiency as 1e-200000000000000015147879890033956120984... (the
    exponent's 300 digits in full); 1e5 km keeps its plain 1e-2000."""
    from qnsim.hardware import Detector, Fiber, Source
    from qnsim.link_models import heralded_link

    def link(length_km):
        source = Source(attempt_rate_hz=1e6, emission_efficiency=0.5)
        fiber = Fiber(length_km=length_km)
        return heralded_link("single_click", source, source, fiber, fiber, Detector(efficiency=0.9))

    # Round 27: a fiber whose light time the core cannot hold (1e300 km) is refused when made, in a short message;
    # the longest fiber the core holds (about 1.9e9 km) still meets heralded_link's refusal of its efficiency.
    with pytest.raises(ValueError, match=r"^Fiber.length_km = 1e\+300 km at refractive index 1.44 gives") as info:
        link(1e300)
    assert len(str(info.value)) < 300
    with pytest.raises(ValueError, match=r"efficiency is about 10\^\(-2e\+07\), below the smallest double") as info:
        link(1e9)
    assert len(str(info.value)) < 300
    with pytest.raises(ValueError, match=r"efficiency is about 1e-2000, below the smallest double"):
        link(1e5)


def test_an_infinite_runtime_limit_is_no_limit(tmp_path, capsys):
    """A links file's [estimate] max_runtime_s = inf passed the file's check ("must be finite or +inf")
    and then failed the estimate with "max_runtime_s must be finite, got inf", without the file's name."""
    circuit = "H 0\nCNOT 0 5\nM 0"
    qpus, links = [QPU(num_qubits=5), QPU(num_qubits=5)], [Link((0, 1), rate_hz=10.0, fidelity=0.95)]
    unlimited = estimate(circuit, qpus, links, placement=[0] * 5 + [1], max_runtime_s=math.inf)
    assert unlimited.reasons == estimate(circuit, qpus, links, placement=[0] * 5 + [1]).reasons
    with pytest.raises(ValueError, match=r"^max_runtime_s must be finite or \+inf, got -inf$"):
        estimate(circuit, qpus, links, placement=[0] * 5 + [1], max_runtime_s=-math.inf)
    from qnsim.estimate_cli import main

    (tmp_path / "w.stim").write_text("H 0\nCNOT 0 1\nM 0\n")
    (tmp_path / "l.toml").write_text(
        '[[qpu]]\nnum_qubits = 5\ncount = 2\n[[link]]\nqpus = [0, 1]\nrate_hz = 1e3\nfidelity = 0.99\n'
        "[estimate]\nmax_runtime_s = inf\n"
    )
    main([str(tmp_path / "w.stim"), "--links", str(tmp_path / "l.toml")])
    out, err = capsys.readouterr()
    assert "verdict" in out and "max_runtime_s" not in err, (out, err)


def test_a_bounded_spec_field_does_not_offer_inf():
    """run.until_s = nan (or qnsim run --until nan) said "must be finite or +inf", and --until inf then
    "must be <= 9.22337e+06 s, got inf": +inf was offered by every float field, bounded or not."""
    import qnsim
    from qnsim.scenario import RunSettings

    for value in (math.nan, math.inf):
        with pytest.raises(qnsim.ParameterError, match=rf"^until_s must be finite, got {value}$"):
            RunSettings(until_s=value)
    with pytest.raises(ValueError, match=r"t1_s must be finite or \+inf, got nan"):
        qnsim.Memory(num_qubits=2, t1_s=math.nan)
    assert qnsim.Memory(num_qubits=2, t1_s=math.inf).t1_s == math.inf


def test_a_route_of_many_equal_hops_is_priced_in_seconds():
    """The cycle's upper bound (routes beyond the exact chain's 4096 states) passed its 20,001-point grid
    once per hop, after checking each hop's rate alone: 10^5 equal hops took 18 s (relay_cycle_s) and
    38 s (relay_decay_factor), 10^6 minutes. Hops of one rate are now one power, long float lists
    checked at once."""
    import time

    start = time.process_time()  # CPU seconds: wall time under a loaded machine measured 10 s
    cycle = relay_cycle_s([1e3] * 200_000)
    factor = relay_decay_factor([1e3] * 200_000, [1.0] * 200_000)
    assert time.process_time() - start < 8.0
    # E[max of k exponentials] = H_k / r; the bound is above it and within 0.2%.
    harmonic = math.log(200_000) + 0.5772156649 + 1 / 400_000
    assert harmonic / 1e3 <= cycle <= harmonic / 1e3 * 1.002
    assert 0.0 <= factor < 1e-30
    with pytest.raises(ValueError, match=r"^rates_hz\[99\] must be finite, got nan$"):
        relay_cycle_s([1e3] * 99 + [math.nan] + [1e3] * 100)
    with pytest.raises(ValueError, match=r"^rates_hz\[150\] must be > 0 Hz, got 0.0$"):
        relay_cycle_s(np.array([1e3] * 150 + [0.0]))


def test_a_protocol_request_refuses_the_native_swap_handshake():
    """swap_handshake=True on a request driven by a Python protocol was accepted and ignored: the
    handshake belongs to the native swap, and the protocol's swaps ran at once without a word."""
    import qnsim

    network = qnsim.Network(formalism="bell_diagonal", seed=1)
    for name in "amb":
        network.add_node(name)
    network.add_link("a", "m", length_km=1.0, rate_hz=1e5, fidelity=0.95)
    network.add_link("m", "b", length_km=1.0, rate_hz=1e5, fidelity=0.95)
    with pytest.raises(qnsim.ParameterError, match=r"swap_handshake must be false for a request driven by a Python"):
        network.request("a", "b", protocol=qnsim.Protocol(), swap_handshake=True)
    network.request("a", "b", swap_handshake=True)  # the native swap's handshake


def test_a_relay_route_beyond_any_channel_count_is_said_short():
    """A 1e-300 s limit on a relay route printed the multiple of its hops' channels in full: a 301-digit
    number with thousands separators (2,999,999,999,996,999,589,...)."""
    circuit = "H 0\nCNOT 0 5\nCNOT 1 6\nM 0 1"
    links = [Link((0, 2), rate_hz=1e3, fidelity=0.99), Link((2, 1), rate_hz=1e3, fidelity=0.99)]
    qpus = [QPU(num_qubits=5), QPU(num_qubits=5)]
    report = estimate(circuit, qpus, links, placement=[0] * 5 + [1] * 2, max_runtime_s=1e-300)
    (reason,) = [r for r in report.reasons if r.startswith("runtime:")]
    assert "3e+297 (more than the 1e+09 channels a link takes) times the channels on each hop" in reason
    assert len(reason) < 400
    report = estimate(circuit, qpus, links, placement=[0] * 5 + [1] * 2, max_runtime_s=1e-9)
    assert "3,000,000 times the channels on each hop" in report.reasons[-1]


def test_a_relay_route_link_agrees_with_its_hops():
    """Link(rate_hz=1e3, relay_hop_rates_hz=[1, 1]) was accepted: the estimate took its pace from rate_hz
    and its pairs' waits from the hops (purification 'reaches at most 0.95 after 0 rounds', where the
    1 kHz link reached 0.968); [1e9, 1e9] priced no waits at all. Both figures plausible, neither said."""
    message = r"^rate_hz x channels = 1000 Hz does not match relay_hop_rates_hz \[1.0, 1.0\]"
    with pytest.raises(ValueError, match=message):
        Link((0, 1), rate_hz=1e3, fidelity=0.95, relay_hop_rates_hz=[1.0, 1.0])
    with pytest.raises(ValueError, match=r"not both"):
        Link((0, 1), rate_hz=1e3, fidelity=0.95, success_probability=0.1, attempt_period_s=1e-4,
             relay_hop_rates_hz=[1e3, 1e3])
    with pytest.raises(ValueError, match=r"^raw_interval_s = 0.001 s does not match relay_hop_rates_hz"):
        PairStorage(0.1, 0.1, raw_interval_s=1e-3, relay_hop_rates_hz=(1e9, 1e9))
    rate = 1.0 / relay_cycle_s([2e3, 1e3])
    assert Link((0, 1), rate_hz=rate, fidelity=0.95, relay_hop_rates_hz=[2e3, 1e3]).relay_hop_rates_hz == (2e3, 1e3)
    assert Link((0, 1), rate_hz=rate / 2, channels=2, fidelity=0.95, relay_hop_rates_hz=[2e3, 1e3]).channels == 2


def test_a_point_outside_its_own_interval_is_refused():
    """A one-seed row whose value lay outside its own per_round_low / per_round_high (a hand-edited or
    mixed-up results file) was drawn with its bar clipped to nothing: the point looked exact."""
    pytest.importorskip("matplotlib")
    pytest.importorskip("pandas")
    from qnsim.plot import plot_sweep

    rows = [{"p": p, "seed": 0, "per_round": 0.01 * p, "per_round_low": 0.005 * p, "per_round_high": 0.02 * p}
            for p in (1.0, 2.0)]
    plot_sweep(rows, x="p", y="per_round")
    rows[1]["per_round_low"] = 0.05
    with pytest.raises(ValueError, match=r"^per_round = 0.02 lies outside its own interval \[per_round_low, "
                                         r"per_round_high\] = \[0.05, 0.04\] \(p = 2"):
        plot_sweep(rows, x="p", y="per_round")
