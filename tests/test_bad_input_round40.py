"""Bad input, round 40: fields a piece kept and then ignored (an interface's error or cat checks under a scheme that
reads neither), and the less-hunted corners of the engines, registry, noise builders and loaders."""

from __future__ import annotations

import pytest

import qnsim
from qnsim import qec

_PAIRS = (0.97, 0.01, 0.01, 0.01)

# --- 1. an interface keeps only what its scheme reads ---


@pytest.mark.parametrize("scheme", ["teleported", "cat"])
def test_an_interface_error_under_a_scheme_of_pairs_is_refused(scheme) -> None:
    """Old behaviour: Interface("teleported", 0.3, pairs) was built and printed error=0.3, yet its circuits sampled
    the pairs' noise alone (no circuit reads error outside the direct scheme): a seam far better than the one asked
    for."""
    with pytest.raises(ValueError, match=rf"^Interface\.error=0\.3 is the direct scheme's .* a {scheme} interface's "
                                         r"error is its pairs' infidelity, set by bell_diagonal"):  # fmt: skip
        qec.Interface(scheme, 0.3, _PAIRS)
    assert qec.Interface(scheme, 0.0, _PAIRS).infidelity == pytest.approx(0.03)


@pytest.mark.parametrize(("scheme", "pairs"), [("direct", None), ("teleported", _PAIRS)])
def test_cat_checks_under_a_scheme_that_shares_no_pair_is_refused(scheme, pairs) -> None:
    """Old behaviour: cat_checks="XZ" on a direct or teleported interface was kept and printed, and every seam CNOT
    was still done directly or teleported, as if it had not been given."""
    with pytest.raises(ValueError, match=rf"^Interface\.cat_checks='XZ' .* only the cat scheme does; scheme "
                                         rf"'{scheme}' takes the default 'Z'$"):  # fmt: skip
        qec.Interface(scheme, 0.1 if scheme == "direct" else 0.0, pairs, cat_checks="XZ")
    assert qec.Interface.cat(_PAIRS, checks="XZ").cat_checks == "XZ"


# --- 2. a JSON object that gives a key twice ---


def _report_json() -> str:
    from qnsim.estimate import QPU, Link, estimate

    return estimate("CX 0 1", [QPU(num_qubits=1)] * 2, [Link((0, 1), 1e3, 0.99)], error_budget=0.5).to_json()


def test_a_report_json_giving_a_key_twice_is_refused_naming_it() -> None:
    """Old behaviour: EstimateReport.from_json (and so ``qnsim plot REPORT.json``) read a report edited to give
    "verdict" twice as its last value, a plausible report of what was never estimated, as the logical-counts reader
    already refused."""
    from qnsim.estimate import EstimateReport

    text = _report_json()
    assert EstimateReport.from_json(text).verdict == "feasible"
    edited = text.replace('"verdict": "feasible",', '"verdict": "infeasible",\n  "verdict": "feasible",', 1)
    assert edited != text
    with pytest.raises(ValueError, match=r"^report JSON: key 'verdict' is given twice \('infeasible' and 'feasible'\); "
                                         r"give it once$"):  # fmt: skip
        EstimateReport.from_json(edited)


def test_unique_keys_is_the_one_json_hook() -> None:
    """Old behaviour: the logical-counts reader held its own copy of the check and the report reader none; a key given
    twice in a nested object is refused alike."""
    import json

    from qnsim.argument_checks import RepeatedKeyError, unique_keys

    assert json.loads('{"a": {"b": 1}, "c": 2}', object_pairs_hook=unique_keys) == {"a": {"b": 1}, "c": 2}
    with pytest.raises(RepeatedKeyError, match=r"^key 'b' is given twice \(1 and 1\); give it once$"):
        json.loads('{"a": {"b": 1, "b": 1}}', object_pairs_hook=unique_keys)


# --- 3. a double-click timing given to a link that has no second round ---


def _hardware_pieces():
    import qnsim

    source = qnsim.Source(attempt_rate_hz=1e6, emission_efficiency=0.5)
    return source, source, qnsim.Fiber(0.5), qnsim.Fiber(0.5), qnsim.Detector(efficiency=0.9)


def test_heralded_link_refuses_a_double_click_timing_for_a_single_click_link() -> None:
    """Old behaviour: heralded_link("single_click", ..., double_click_timing="second_on_herald") was made exactly as
    without it: a single-click attempt has one round, so the timing asked for was dropped without a word."""
    import qnsim

    with pytest.raises(ValueError, match=r"^heralded_link: double_click_timing = 'second_on_herald' applies to the "
                                         r"double_click scheme; this link's scheme is 'single_click', whose attempt "
                                         r"has one round"):  # fmt: skip
        qnsim.heralded_link("single_click", *_hardware_pieces(), double_click_timing="second_on_herald")
    both = qnsim.heralded_link("double_click", *_hardware_pieces())
    second = qnsim.heralded_link("double_click", *_hardware_pieces(), double_click_timing="second_on_herald")
    assert second.attempt_period_s < both.attempt_period_s


_ONE_ROUND = r"= 'second_on_herald' applies to the double_click scheme; this link's scheme is "


@pytest.mark.parametrize(
    ("link", "why"),
    [
        ({"scheme": "single_click"}, _ONE_ROUND + r"'single_click', whose"),
        ({}, _ONE_ROUND + r"'single_click' \(the default\), whose"),
        ({"preset": "nv_near_term"}, _ONE_ROUND + r"'single_click' \(from the preset 'nv_near_term'\), whose"),
        ({"link_model": "double_click"}, r"applies to hardware double-click links; a link_model has the timing "
                                         r"heralded_link made it with$"),
    ],
)
def test_add_link_refuses_a_double_click_timing_it_would_not_use(link, why) -> None:
    """Old behaviour: add_link (and so a scenario's [[links]] entry) took double_click_timing="second_on_herald" for
    a single-click hardware link (its own scheme, the default or a preset's) and beside a link_model, whose timing
    was fixed when it was made, and built the link as if it had not been given; only abstract links refused it."""
    import qnsim

    source, _, fiber, _, detector = _hardware_pieces()
    params = dict(link)
    if params.get("link_model"):
        params["link_model"] = qnsim.heralded_link("double_click", *_hardware_pieces())
    elif "preset" not in params:
        params |= {"source": source, "detector": detector}
    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    with pytest.raises(qnsim.ParameterError, match=r"^link 'a'-'b': double_click_timing " + why):
        net.add_link("a", "b", length_km=1.0, double_click_timing="second_on_herald", **params)
    assert net.add_link("a", "b", length_km=1.0, **params).length_km == 1.0


@pytest.mark.parametrize(("experiment", "scheme"), [("memory", "direct"), ("merge", "teleported")])
def test_seam_resources_refuses_cat_checks_under_a_scheme_that_shares_no_pair(experiment, scheme) -> None:
    """Old behaviour: seam_resources(3, "merge", "teleported", cat_checks="XZ") counted the teleported seam as if
    cat_checks had not been given (five pairs a round), where the cat scheme shares pairs; the check is the one the
    Interface makes."""
    refusal = r"^cat_checks='XZ' chooses the seam checks that share a pair, which only the cat scheme does; scheme "
    with pytest.raises(ValueError, match=refusal + rf"'{scheme}' takes the default 'Z'$"):
        qec.seam_resources(3, experiment, scheme, cat_checks="XZ")
    assert qec.seam_resources(3, "merge", "cat", cat_checks="XZ").pairs_per_round < qec.seam_resources(
        3, "merge", "cat").pairs_per_round


def test_an_interface_scheme_given_as_a_numpy_string_is_held_as_a_str() -> None:
    """Old behaviour: Interface(np.str_("direct"), 0.1) kept the NumPy string, shown as scheme=np.str_('direct') in
    its repr and in the tables built from it."""
    np = pytest.importorskip("numpy")
    interface = qec.Interface(np.str_("direct"), 0.1)
    assert type(interface.scheme) is str
    assert "np.str_" not in repr(interface)


# --- 4. links keyed by a QPU pair they do not join ---


@pytest.mark.parametrize("call", ["estimate", "simulate_execution"])
def test_a_link_keyed_by_a_pair_it_does_not_join_is_refused(call) -> None:
    """Old behaviour: estimate and simulate_execution took {(0, 2): Link((0, 1), ...)} and priced a link between QPUs 0
    and 1, the key (the pair the user meant) dropped without a word; a key in either order, or a label, still reads."""
    import qnsim.estimate as est

    run = getattr(est, call)
    qpus = [est.QPU(num_qubits=2)] * 3
    with pytest.raises(ValueError, match=r"^links\[\(0, 2\)\] joins QPUs \(0, 1\), not the pair \(0, 2\) its key "
                                         r"names; key a link by its own qpus \(or give a list\)$"):  # fmt: skip
        run("CX 0 1", qpus, {(0, 2): est.Link((0, 1), 1e3, 0.99)})
    for key in [(0, 1), (1, 0), "a label"]:
        run("CX 0 1", qpus, {key: est.Link((0, 1), 1e3, 0.99)})


# --- 5. a purification plan asked for more rounds than its limit ---


def test_a_purification_plan_refuses_min_rounds_above_max_rounds() -> None:
    """Old behaviour: purification_plan(0.9, 0.99, max_rounds=3, min_rounds=5) raised max_rounds to 5 without a word
    and planned five rounds, past the limit given; left out, max_rounds still makes room for min_rounds."""
    from qnsim.estimate import purification_plan

    with pytest.raises(ValueError, match=r"^min_rounds=5 is more than max_rounds=3: give max_rounds >= min_rounds, or "
                                         r"leave max_rounds out$"):  # fmt: skip
        purification_plan(0.9, 0.99, max_rounds=3, min_rounds=5)
    assert purification_plan(0.9, 0.99, min_rounds=13).rounds == 13
    assert purification_plan(0.9, 0.99, max_rounds=5, min_rounds=5).rounds == 5
    assert purification_plan(0.9, 0.99).rounds == purification_plan(0.9, 0.99, max_rounds=12).rounds


# --- 6. a routing metric given with the path it would choose ---


@pytest.mark.parametrize("routing", ["rate", "fidelity"])
def test_a_request_with_a_path_refuses_a_routing_metric(routing) -> None:
    """Old behaviour: Network.request("a", "c", path=[...], routing="fidelity") took the path as given and recorded
    routing "explicit", the metric asked for never searched by and never named; the spec refuses it wherever it is
    made (a scenario's [[requests]] too)."""
    import qnsim
    from qnsim.specs import RequestSpec

    net = qnsim.Network(seed=1)
    for name in "abc":
        net.add_node(name)
    net.add_link("a", "b", length_km=1.0, fidelity=0.95, rate_hz=100.0)
    net.add_link("b", "c", length_km=1.0, fidelity=0.95, rate_hz=100.0)
    with pytest.raises(qnsim.ParameterError, match=rf"^request 'a' -> 'c': routing = '{routing}' chooses a path when "
                                                   r"none is given; this request gives its path"):  # fmt: skip
        net.request("a", "c", path=["a", "b", "c"], routing=routing)
    with pytest.raises(qnsim.ParameterError, match=rf"^routing = '{routing}' chooses a path"):
        RequestSpec(src="a", dst="c", path=("a", "b", "c"), routing=routing)
    assert net.request("a", "c", path=["a", "b", "c"]).routing == "explicit"
    assert net.request("a", "c", routing=routing).path == ("a", "b", "c")


# --- 7. a common transducer that both ends override ---


def test_a_link_refuses_a_common_transducer_both_ends_override() -> None:
    """Old behaviour: add_link(transducer=t, transducer_a=ta, transducer_b=tb) built the link from ta and tb and used
    transducer nowhere, without a word; one end's own transducer beside the common one still reads."""
    import qnsim

    source, _, _, _, detector = _hardware_pieces()
    piece = {"efficiency": 0.5, "added_noise_photons": 0.0, "repetition_rate_hz": 1e6, "bandwidth_hz": 1e6}
    net = qnsim.Network(seed=1)
    net.add_node("a")
    net.add_node("b")
    common = dict(length_km=1.0, scheme="single_click", source=source, detector=detector)
    with pytest.raises(ValueError, match=r"^link 'a'-'b': transducer is used at the ends without a transducer of "
                                         r"their own, and transducer_a and transducer_b both give one"):  # fmt: skip
        net.add_link("a", "b", transducer=piece, transducer_a=piece, transducer_b=piece, **common)
    net.add_link("a", "b", transducer=piece, transducer_a=piece, **common)


# --- 8. a topology's formalism or seed beside the network it adds to ---


@pytest.mark.parametrize(("given", "shown"), [({"formalism": "stabilizer"}, "formalism='stabilizer', not the network's "
                                                                        "'density_matrix'"),
                                              ({"seed": 5}, "seed=5, not the network's 1")])  # fmt: skip
def test_a_topology_added_to_a_network_refuses_a_formalism_or_seed_of_its_own(given, shown) -> None:
    """Old behaviour: chain(3, network=net, formalism="stabilizer") added density-matrix nodes to net and
    seed=5 left net's seed (1) as it was, both without a word (documented as "ignored"); the network's own values, or
    either without a network, are still taken."""
    import qnsim

    defaults = dict(length_km=1.0, fidelity=0.9, rate_hz=10.0)
    net = qnsim.Network(seed=1)
    with pytest.raises(ValueError, match=rf"^{shown}: the network given keeps its own; leave it out"):
        qnsim.chain(3, network=net, **given, **defaults)
    assert not net.nodes  # refused before any node was added
    assert qnsim.chain(3, network=net, formalism="density_matrix", seed=1, **defaults) is net  # its own: taken
    made = qnsim.chain(3, **given, **defaults)
    assert (made.formalism, made.seed) == (given.get("formalism", "density_matrix"), given.get("seed", made.seed))


# --- 9. take_over without an out ---


def test_a_sweep_without_an_out_refuses_take_over() -> None:
    """Old behaviour: sweep(..., take_over=True) without an out (and so qnsim.qec.run_experiment_sweep) ran and
    returned its rows: there is no out for another machine's sweep to hold, and the flag asked for did nothing."""
    from qnsim.sweeps import example_point, sweep

    with pytest.raises(ValueError, match=r"^take_over takes over the out of a sweep killed on another machine; "
                                         r"this sweep writes no out: leave take_over out"):  # fmt: skip
        sweep(example_point, {"length_km": [10.0]}, workers=1, progress=False, take_over=True)
    assert len(sweep(example_point, {"length_km": [10.0]}, workers=1, progress=False, as_frame=False)) == 1


@pytest.mark.parametrize("command", [["sweep", "qnsim.sweeps:example_point", "--param", "length_km=10"],
                                     ["qec", "sweep", "EXPERIMENT"]])  # fmt: skip
def test_qnsim_sweep_refuses_take_over_without_out(command, tmp_path, capsys) -> None:
    """Old behaviour: ``qnsim sweep ... --take-over`` (and ``qnsim qec sweep``) without --out printed its rows,
    the option asked for doing nothing; refused with exit status 2, naming both options."""
    from qnsim import cli

    experiment = tmp_path / "e.toml"
    experiment.write_text('[grid]\ndistance = [3]\np_int = [0.05]\n[sampling]\nmax_shots = 100\n')
    argv = [str(experiment) if a == "EXPERIMENT" else a for a in command]
    assert cli.main([*argv, "--take-over", "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert ("--take-over takes over the --out of a sweep killed on another machine; this sweep writes no --out: "
            "leave --take-over out, or name the file to take over with --out") in err


@pytest.mark.parametrize(
    "text, match",
    [
        ("M 0\nOBSERVABLE_INCLUDE(0.5) rec[-1]", r"OBSERVABLE_INCLUDE must be a non-negative integer, got 0\.5"),
        ("M 0\nOBSERVABLE_INCLUDE(-1) rec[-1]", r"OBSERVABLE_INCLUDE must be a non-negative integer, got -1"),
        ("MPAD(1.5) 0", r"MPAD takes probabilities in \[0, 1\], got 1\.5"),
        ("M 0\nMPAD rec[-1]", r"MPAD takes the bits 0 and 1"),
        ("I_ERROR(0.5,0.5,0.5) 0", r"I_ERROR probabilities sum to 1\.5 > 1"),
        ("II_ERROR(0.6,0.6) 0 1", r"II_ERROR probabilities sum to 1\.2 > 1"),
    ],
)
def test_the_estimators_circuit_parser_refuses_what_stim_and_the_simulator_refuse(text, match):
    """The workload counter counted each of these (an observable index of 0.5, a padded bit of probability 1.5, a
    record target on MPAD, identity-error cases summing past 1), where Stim and do_circuit refuse them: one reading
    of circuit text."""
    from qnsim.estimate import count_circuit

    stim = pytest.importorskip("stim")
    with pytest.raises(ValueError):
        stim.Circuit(text)
    with pytest.raises(ValueError):
        qnsim.StabilizerSimulator(2).do_circuit(text)
    with pytest.raises(ValueError, match=match):
        count_circuit(text)


def test_an_observable_index_past_32_bits_is_refused_by_both_of_qnsims_parsers():
    """OBSERVABLE_INCLUDE(1e20) was counted by the estimator and refused by do_circuit (below 2**32); Stim 1.16 takes
    it. qnsim's two readers of circuit text now agree."""
    from qnsim.estimate import count_circuit

    text = "M 0\nOBSERVABLE_INCLUDE(1e20) rec[-1]"
    for read in (qnsim.StabilizerSimulator(2).do_circuit, count_circuit):
        with pytest.raises(ValueError, match="below 2"):
            read(text)


def test_a_herald_target_written_inverted_is_counted_as_stim_reads_it():
    """``HERALDED_ERASE(0.1) !0`` was refused by the estimator while Stim and do_circuit take it (the '!' ignored)."""
    from qnsim.estimate import count_circuit

    stim = pytest.importorskip("stim")
    text = "HERALDED_ERASE(0.1) !0\nHERALDED_PAULI_CHANNEL_1(0.1, 0, 0, 0) !1"
    assert stim.Circuit(text).num_measurements == 2
    qnsim.StabilizerSimulator(2).do_circuit(text)
    counted, plain = count_circuit(text), count_circuit(text.replace("!", ""))
    assert repr(counted) == repr(plain)
    assert counted.per_gate == {"HERALDED_ERASE": 1, "HERALDED_PAULI_CHANNEL_1": 1}
