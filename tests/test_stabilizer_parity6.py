"""The rest of Stim's instruction set in the stabilizer engine, against Stim.

``StabilizerSimulator.do_circuit`` refused these by name until now: the SQRT_X/SQRT_Y and H_*/C_* axis gates,
XCX..YCZ, SQRT_XX..SQRT_ZZ(_DAG), ISWAP(_DAG), CXSWAP/SWAPCX/CZSWAP, II, MXX/MYY/MZZ, MPP, SPP/SPP_DAG, MPAD,
PAULI_CHANNEL_2, HERALDED_ERASE, HERALDED_PAULI_CHANNEL_1, E/ELSE_CORRELATED_ERROR, I_ERROR/II_ERROR and
classically controlled Paulis (``CX rec[-1] 5``). Each Clifford gate is checked exactly (its action on half of
Bell pairs fixes its tableau, signs included); random circuits over all of them are replayed in
``stim.TableauSimulator`` post-selected on qnsim's records (a deterministic outcome must agree, the final states
must be equal); the noise channels are compared as sampled statistics (seeded: the tests are deterministic).
"""

import numpy as np
import pytest
import stim
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_stabilizer_parity5 import _assert_same_column_rates, _assert_same_state

import qnsim

_NEW_SINGLE = ["SQRT_X", "SQRT_X_DAG", "SQRT_Y", "SQRT_Y_DAG", "H_XY", "H_YZ", "H_NXY", "H_NXZ", "H_NYZ", "C_XYZ",
               "C_ZYX", "C_NXYZ", "C_NZYX", "C_XNYZ", "C_XYNZ", "C_ZNYX", "C_ZYNX"]
_NEW_PAIR = ["XCX", "XCY", "XCZ", "YCX", "YCY", "YCZ", "SQRT_XX", "SQRT_XX_DAG", "SQRT_YY", "SQRT_YY_DAG", "SQRT_ZZ",
             "SQRT_ZZ_DAG", "ISWAP", "ISWAP_DAG", "CXSWAP", "SWAPCX", "CZSWAP", "SWAPCZ", "II"]
_SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])


# ---------------------------------------------------------------- each Clifford gate, exactly


@pytest.mark.parametrize("gate", _NEW_SINGLE + _NEW_PAIR + ["SPP X0*Z1", "SPP_DAG Y0*X1", "SPP !Z0", "SPP X0*X0"])
def test_each_new_clifford_gate_is_stims_gate_exactly(gate):
    """They were refused by name ("is not executed by the stabilizer simulator"). Qubits 0..k-1 each hold half
    of a Bell pair with qubit k+j; after the gate on 0..k-1 the state's stabilizers are the gate's tableau
    (signs included), so equal states mean equal gates up to global phase."""
    name = gate.split()[0]
    k = 1 if name in _NEW_SINGLE or gate.endswith("!Z0") or gate.endswith("X0*X0") else 2
    targets = "" if " " in gate else " ".join(map(str, range(k)))
    body = "\n".join(f"H {j}\nCX {j} {k + j}" for j in range(k)) + f"\n{gate} {targets}"
    sim = qnsim.StabilizerSimulator(2 * k, seed=1)
    sim.do_circuit(body)
    ref = stim.TableauSimulator()
    ref.do_circuit(stim.Circuit(body))
    _assert_same_state(sim, ref, gate)


def test_a_wrong_gate_would_be_caught():
    """The check above distinguishes gates that differ only in a sign (SQRT_X vs SQRT_X_DAG)."""
    sim = qnsim.StabilizerSimulator(2, seed=1)
    sim.do_circuit("H 0\nCX 0 1\nSQRT_X 0")
    ref = stim.TableauSimulator()
    ref.do_circuit(stim.Circuit("H 0\nCX 0 1\nSQRT_X_DAG 0"))
    with pytest.raises(AssertionError):
        _assert_same_state(sim, ref)


# ---------------------------------------------------------------- random circuits: records and states


@st.composite
def _circuits(draw, n, depth=0, measured=0, noisy=False):
    """(text, measurements at its first execution) over qubits 0..n-1 (n >= 2), no resets (their unrecorded
    collapses cannot be replayed from the record); `noisy` adds the new noise channels."""
    lines = []

    def qubit():
        return draw(st.integers(0, n - 1))

    def pairs(k=3):
        pair = st.lists(st.integers(0, n - 1), min_size=2, max_size=2, unique=True)
        return draw(st.lists(pair, min_size=1, max_size=k))

    def product():
        qs = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3, unique=True))
        return "*".join(("!" if draw(st.booleans()) else "") + draw(st.sampled_from("XYZ")) + str(q) for q in qs)

    for _ in range(draw(st.integers(1, 10))):
        kind = draw(st.sampled_from(["single", "pair", "measure", "pair_measure", "mpp", "spp", "feedback", "mpad",
                                     "repeat", "old"] + ["noise"] * (3 if noisy else 0)))
        if kind == "single":
            qs = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
            lines.append(f"{draw(st.sampled_from(_NEW_SINGLE))} {' '.join(map(str, qs))}")
        elif kind == "pair":
            lines.append(f"{draw(st.sampled_from(_NEW_PAIR))} {' '.join(str(q) for p in pairs() for q in p)}")
        elif kind == "old":
            lines.append(f"{draw(st.sampled_from(['H', 'S', 'CX', 'CZ']))} {' '.join(map(str, pairs(1)[0]))}")
        elif kind == "measure":
            qs = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=3))
            targets = " ".join(("!" if draw(st.booleans()) else "") + str(q) for q in qs)
            lines.append(f"{draw(st.sampled_from(['M', 'MX', 'MY']))} {targets}")
            measured += len(qs)
        elif kind == "pair_measure":
            ps = pairs()
            gate = draw(st.sampled_from(["MXX", "MYY", "MZZ"]))
            # A qubit paired with its own inversion is allowed (Stim: MXX !0 0 measures -I). Not on MYY: Stim's
            # own MYY !0 0 is inconsistent there (see test_myy_of_a_qubit_and_its_inversion_measures_minus_identity).
            if gate != "MYY" and draw(st.integers(0, 4)) == 0:
                q = qubit()
                ps.append([f"!{q}", q])
            targets = " ".join(("!" if draw(st.booleans()) and "!" not in str(a) else "") + str(a) + " " + str(b)
                               for a, b in ps)
            lines.append(f"{gate} {targets}")
            measured += len(ps)
        elif kind == "mpp":
            products = [product() for _ in range(draw(st.integers(1, 3)))]
            lines.append(f"MPP {' '.join(products)}")
            measured += len(products)
        elif kind == "spp":
            lines.append(f"{draw(st.sampled_from(['SPP', 'SPP_DAG']))} {product()}")
        elif kind == "feedback" and measured:
            gate = draw(st.sampled_from(["CX", "CY", "CZ", "CZ'", "XCZ", "YCZ"]))
            rec = f"rec[-{draw(st.integers(1, min(measured, 4)))}]"
            q = qubit()
            if gate in ("CX", "CY", "CZ"):
                lines.append(f"{gate} {rec} {q}")
            else:
                lines.append(f"{gate.rstrip(chr(39))} {q} {rec}")
        elif kind == "mpad":
            bits = draw(st.lists(st.integers(0, 1), min_size=1, max_size=3))
            lines.append(f"MPAD {' '.join(map(str, bits))}")
            measured += len(bits)
        elif kind == "noise":
            p = draw(st.sampled_from([0.0, 0.1, 0.25, 0.5, 1.0]))
            channel = draw(st.sampled_from(["PAULI_CHANNEL_2", "HERALDED_ERASE", "HERALDED_PAULI_CHANNEL_1", "E",
                                            "MPP", "MPAD", "MZZ"]))
            if channel == "PAULI_CHANNEL_2":
                weights = draw(st.lists(st.sampled_from([0.0, 0.02, 0.05]), min_size=15, max_size=15))
                lines.append(f"PAULI_CHANNEL_2({', '.join(map(str, weights))}) {' '.join(map(str, pairs(1)[0]))}")
            elif channel.startswith("HERALDED"):
                qs = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2))
                args = f"{p}" if channel == "HERALDED_ERASE" else f"{p / 4}, {p / 8}, {p / 4}, {p / 4}"
                lines.append(f"{channel}({args}) {' '.join(map(str, qs))}")
                measured += len(qs)
            elif channel == "E":
                lines.append(f"E({p}) {product().replace('*', ' ')}")
                for _ in range(draw(st.integers(0, 2))):
                    lines.append(f"ELSE_CORRELATED_ERROR({draw(st.sampled_from([0.2, 0.5]))}) {product()}")
            elif channel == "MZZ":
                lines.append(f"MZZ({p}) {' '.join(map(str, pairs(1)[0]))}")
                measured += 1
            elif channel == "MPP":
                lines.append(f"MPP({p}) {product()}")
                measured += 1
            else:
                lines.append(f"MPAD({p}) {draw(st.integers(0, 1))}")
                measured += 1
        elif kind == "repeat" and depth < 1:
            body, body_measured = draw(_circuits(n, depth + 1, measured, noisy))
            lines.append(f"REPEAT {draw(st.integers(1, 3))} {{\n{body}\n}}")
            measured = body_measured
    return "\n".join(lines), measured


_FEEDBACK_PAULI = {"CX": "X", "CY": "Y", "CZ": "Z", "XCZ": "X", "YCZ": "Y"}


def _replay_in_stim(text, n, record):
    """Replays `text` in Stim post-selected on qnsim's `record`; checks deterministic outcomes, returns Stim's
    final simulator."""
    ref = stim.TableauSimulator()
    ref.set_num_qubits(n)
    pos = 0
    for ins in stim.Circuit(text).flattened():
        name = ins.name
        if name in ("M", "MX", "MY"):
            for t in ins.targets_copy():
                want = bool(record[pos]) != t.is_inverted_result_target
                basis = {"M": "z", "MX": "x", "MY": "y"}[name]
                peek = getattr(ref, f"peek_{basis}")(t.value)
                assert peek == 0 or want == (peek == -1), f"{ins} of\n{text}"
                getattr(ref, f"postselect_{basis}")(t.value, desired_value=want)
                pos += 1
        elif name in ("MXX", "MYY", "MZZ", "MPP"):
            for group in ins.target_groups():
                observable = stim.PauliString(n)
                for t in group:
                    factor = stim.PauliString(n)
                    factor[t.value] = t.pauli_type if name == "MPP" else name[1]
                    observable *= -factor if t.is_inverted_result_target else factor
                want = bool(record[pos])
                expectation = ref.peek_observable_expectation(observable)
                assert expectation == 0 or want == (expectation == -1), f"{ins} of\n{text}"
                if expectation == 0:
                    ref.postselect_observable(observable, desired_value=want)
                pos += 1
        elif name == "MPAD":
            for t in ins.targets_copy():
                assert record[pos] == t.value, f"{ins} of\n{text}"
                pos += 1
        elif name in _FEEDBACK_PAULI and any(t.is_measurement_record_target for t in ins.targets_copy()):
            for a, b in ins.target_groups():  # Stim fuses `CX rec[-1] 0` and `CX 1 0` into one instruction
                if not (a.is_measurement_record_target or b.is_measurement_record_target):
                    ref.do(stim.CircuitInstruction(name, [a, b]))
                    continue
                rec, q = (a, b) if a.is_measurement_record_target else (b, a)
                if record[pos + rec.value]:  # rec.value is -k
                    ref.do(stim.CircuitInstruction(_FEEDBACK_PAULI[name], [q.value]))
        else:
            ref.do(ins)
    assert pos == len(record)
    return ref


@_SETTINGS
@given(st.integers(2, 4).flatmap(lambda n: st.tuples(st.just(n), _circuits(n), st.integers(0, 2**32))))
def test_random_circuits_of_the_new_instructions_match_stim_record_and_state(case):
    """All of these were refused by name before; now the records have Stim's shape (one per product, MPAD's
    bits), deterministic outcomes agree and the final states are equal."""
    n, (text, _), seed = case
    sim = qnsim.StabilizerSimulator(n, seed=seed)
    record = sim.do_circuit(text).tolist()
    assert len(record) == stim.Circuit(text).num_measurements, text
    ref = _replay_in_stim(text, n, record)
    _assert_same_state(sim, ref, f"at the end of\n{text}")


def test_random_outcomes_of_products_are_uniform_and_repeatable():
    """A random MPP outcome is a fair coin, and measuring the same product again gives the same result."""
    sim = qnsim.StabilizerSimulator(3, seed=4)
    shots = 4000
    rec = sim.do_circuit(f"REPEAT {shots} {{\nR 0 1 2\nMPP X0*Z1*Y2 X0*Z1*Y2 !Y2*X0*Z1\n}}").reshape(shots, 3)
    assert abs(rec[:, 0].mean() - 0.5) < 5 * np.sqrt(0.25 / shots)
    assert (rec[:, 0] == rec[:, 1]).all() and (rec[:, 0] != rec[:, 2]).all()


def test_products_with_repeated_qubits_measure_and_phase_as_stim():
    """MPP/SPP factors on the same qubit multiply in the written order (X0*Y0 is iZ0, refused as Stim refuses it;
    X0*Z0*X0*Z0 is -I): 150 random Hermitian products on random states give Stim's deterministic outcomes, and
    the states after a random outcome (post-selected on qnsim's) and after SPP are equal; every anti-Hermitian
    one drawn is refused by both."""
    rng = np.random.default_rng(5)
    n, checked = 3, 0
    while checked < 150:
        factors = [f"{'!' if rng.random() < 0.3 else ''}{'XYZ'[rng.integers(3)]}{rng.integers(n)}"
                   for _ in range(rng.integers(2, 6))]
        product = "*".join(factors)
        prep = str(stim.Tableau.random(n).to_circuit())
        gate = "MPP" if rng.random() < 0.6 else rng.choice(["SPP", "SPP_DAG"])
        text = f"{prep}\n{gate} {product}"
        try:
            stim.Circuit(text).compile_sampler()  # Stim refuses anti-Hermitian products when it runs them
            ref = stim.TableauSimulator(seed=1)
            ref.do_circuit(stim.Circuit(prep))
            observable = stim.PauliString(n)
            for f in factors:
                factor = stim.PauliString(n)
                factor[int(f.lstrip("!XYZ"))] = f.lstrip("!")[0]
                observable *= -factor if f.startswith("!") else factor
            if observable.sign.imag:
                raise ValueError("anti-Hermitian")
        except ValueError:
            with pytest.raises(qnsim.CircuitParseError, match="anti-Hermitian"):
                qnsim.StabilizerSimulator(n, seed=1).do_circuit(text)
            continue
        sim = qnsim.StabilizerSimulator(n, seed=int(rng.integers(2**31)))
        record = sim.do_circuit(text).tolist()
        if gate == "MPP":
            expectation = ref.peek_observable_expectation(observable)
            assert expectation == 0 or record == [int(expectation == -1)], text
            if expectation == 0:
                ref.postselect_observable(observable, desired_value=bool(record[0]))
        else:
            ref.do_circuit(stim.Circuit(f"{gate} {product}"))
        _assert_same_state(sim, ref, text)
        checked += 1


# ---------------------------------------------------------------- noise: sampled statistics

_SHOTS = 3000


_PAIR_TARGET = {"MXX": stim.target_x, "MYY": stim.target_y, "MZZ": stim.target_z}


def _as_stims_mpp_where_a_pair_repeats_a_qubit(circuit):
    """`circuit` with each MXX/MYY/MZZ that pairs a qubit with itself written as the MPP of the same products
    (same records, same flip probability). Stim's MPP follows the algebra there (X0 * -X0 is -I: the outcome is 1
    and the state is left alone), Stim's pair measurements do not: after `MXX 0 1`, Stim's `MXX !0 0` leaves
    qubit 0 in |0> (a following `M 0` always 0) and `MZZ 0 !0` leaves it in |+>, where its MPP leaves it mixed, as
    qnsim does. Found by a random run of test_random_noisy_circuits_of_the_new_instructions_sample_as_stim."""
    out = stim.Circuit()
    for ins in circuit:
        if isinstance(ins, stim.CircuitRepeatBlock):
            out.append(stim.CircuitRepeatBlock(ins.repeat_count, _as_stims_mpp_where_a_pair_repeats_a_qubit(
                ins.body_copy())))
            continue
        groups = ins.target_groups()
        if ins.name not in _PAIR_TARGET or all(a.value != b.value for a, b in groups):
            out.append(ins)
            continue
        pauli = _PAIR_TARGET[ins.name]
        targets = []
        for a, b in groups:
            targets += [pauli(a.value, a.is_inverted_result_target), stim.target_combiner(),
                        pauli(b.value, b.is_inverted_result_target)]
        out.append("MPP", targets, ins.gate_args_copy())
    return out


def _sample_both(body, n, seed):
    ours = qnsim.StabilizerSimulator(n, seed=seed).do_circuit(f"REPEAT {_SHOTS} {{\n{body}\n}}")
    ours = ours.reshape(_SHOTS, -1)
    stims = _as_stims_mpp_where_a_pair_repeats_a_qubit(stim.Circuit(body))
    theirs = stims.compile_sampler(seed=seed).sample(_SHOTS).astype(np.uint8)
    assert ours.shape == theirs.shape
    return ours, theirs


@pytest.mark.parametrize(
    "body",
    [
        # PAULI_CHANNEL_2 in Stim's order IX, IY, IZ, XI, ...: each case flips a different pattern of M/MX.
        "R 0 1\nRX 2 3\nPAULI_CHANNEL_2(0.02, 0.04, 0.06, 0.08, 0.1, 0.03, 0.05, 0.07, 0.09, 0.01, 0.02, 0.03, 0.04, "
        "0.05, 0.06) 0 1 2 3\nM 0 1\nMX 2 3\nMY 0 1",
        # Heralds and what they leave: an erased qubit is maximally mixed, a heralded Pauli is the drawn one.
        "R 0 1 2\nRX 3\nHERALDED_ERASE(0.3) 0 !3\nHERALDED_PAULI_CHANNEL_1(0.1, 0.2, 0.15, 0.05) 1 2\nM 0 1\nMX 3 2",
        # Correlated-error chains: E starts one, each ELSE fires only if nothing in the chain fired yet.
        "R 0 1 2\nE(0.3) X0 Y1\nELSE_CORRELATED_ERROR(0.4) X1 Z2\nELSE_CORRELATED_ERROR(0.5) X2\nCORRELATED_ERROR(0.2)"
        " X2\nH 2\nELSE_CORRELATED_ERROR(0.5) Z2\nM 0 1\nMX 2",
        # Flip probabilities of the new measurements, random parities, identity products, MPAD's.
        "R 0 1 2\nH 0\nCX 0 1\nMXX(0.1) 0 1\nMZZ(0.2) !0 1\nMYY(0.3) 0 1\nMPP(0.15) X0*X1 Z2 !X2*X2\nMPAD(0.25) 1 0"
        "\nMPP Z0*Z2",
        # Record-controlled Paulis on noisy records, and no-op noise.
        "R 0 1 2\nH 0\nX_ERROR(0.2) 1\nM 0 1\nCX rec[-2] 2\nCZ 2 rec[-1]\nH 2\nCY rec[-1] 2\nI_ERROR(0.3) 0\n"
        "II_ERROR(0.1, 0.2) 0 1\nMX 2\nM 2",
    ],
    ids=["pauli_channel_2", "heralded", "correlated", "product_flips", "feedback"],
)
def test_new_noise_channels_sample_as_stim(body):
    """They were refused by name. Each column's rate and each adjacent pair's parity agree with Stim's sampler
    within 6 sigma."""
    n = 4
    ours, theirs = _sample_both(body, n, seed=7)
    _assert_same_column_rates(ours, theirs, body)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(2, 3).flatmap(lambda n: st.tuples(st.just(n), _circuits(n, noisy=True))))
def test_random_noisy_circuits_of_the_new_instructions_sample_as_stim(case):
    """Random mixes of the new gates, measurements and noise channels: each record's rate and each adjacent
    pair's parity agree with Stim's sampler (random outcomes as a distribution, noise as its statistics)."""
    n, (body, measured) = case
    if measured == 0:
        return
    body = f"R {' '.join(map(str, range(n)))}\n{body}"
    ours, theirs = _sample_both(body, n, seed=9)
    _assert_same_column_rates(ours, theirs, body)


def test_the_correlated_chain_keeps_its_flag_across_instructions():
    """Stim's ELSE_CORRELATED_ERROR looks at the last chain whatever came between (here a measurement and a
    REPEAT boundary): the X on 1 fires only when the E did not (exclusive, with probability 0.7 * 0.5)."""
    body = "R 0 1\nE(0.3) X0\nM 0\nREPEAT 1 {\nELSE_CORRELATED_ERROR(0.5) X1\n}\nM 1"
    ours, theirs = _sample_both(body, 2, seed=3)
    assert not (ours[:, 0] & ours[:, 1]).any()
    _assert_same_column_rates(ours, theirs, body)


# ---------------------------------------------------------------- what stays refused, and why


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("MPP X0*Z0", r"the product X0\*Z0 of MPP is anti-Hermitian"),
        ("SPP X0*Y0*Z1", r"the product X0\*Y0\*Z1 of SPP is anti-Hermitian"),
        ("MPP X0*", r"MPP has a combiner '\*' that is not between two targets"),
        ("MPP X0**Z1", r"MPP has a combiner"),
        ("MPP 0", r"unsupported target '0' of MPP \(it takes Pauli targets"),
        ("E(0.1) 0", r"unsupported target '0' of E"),
        ("MPAD 2", r"MPAD records the values 0 and 1, got 2"),
        ("MPAD !1", r"inverted target '!' is only allowed on measurements and Pauli products, not on MPAD"),
        ("MXX 0 0", r"MXX acts on qubit 0 twice in one pair"),
        ("MXX !0 !0", r"MXX acts on !0 twice in one pair"),
        ("M 0\nCX 0 rec[-1]", r"target 'rec\[-1\]' of CX is not allowed there"),
        ("M 0\nXCZ rec[-1] 0", r"target 'rec\[-1\]' of XCZ is not allowed there"),
        ("M 0\nCX rec[-1] rec[-1]", r"CX acts on rec\[-1\] twice in one pair"),
        ("M 0\nSWAP rec[-1] 0", r"of SWAP is not allowed there"),
        ("M 0\nCX rec[-2] 1", r"CX target 'rec\[-2\]' looks back 2 measurements, but only 1 precedes it"),
        ("PAULI_CHANNEL_2(0.5, 0.5, 0.5" + ", 0" * 12 + ") 0 1", r"PAULI_CHANNEL_2 probabilities sum to 1.5 > 1"),
        ("HERALDED_PAULI_CHANNEL_1(0.5, 0.5, 0.5, 0) 0", r"HERALDED_PAULI_CHANNEL_1 probabilities sum to 1.5"),
        ("II_ERROR(0.5, 0.7) 0 1", r"II_ERROR probabilities sum to 1.2 > 1"),
        ("I_ERROR(2) 0", r"probability 2 of I_ERROR is outside \[0, 1\]"),
        ("CZ !0 1", r"inverted target '!' is only allowed on measurements and Pauli products, not on CZ"),
    ],
)
def test_what_stim_refuses_is_refused_by_name(text, message):
    with pytest.raises((ValueError, IndexError)):  # Stim's simulator or its sampler (which checks lookbacks) refuses it
        stim.TableauSimulator().do_circuit(stim.Circuit(text))
        stim.Circuit(text).compile_sampler().sample(1)
    with pytest.raises(qnsim.CircuitParseError, match=message):
        qnsim.StabilizerSimulator(2, seed=0).do_circuit(text)


def test_myy_of_a_qubit_and_its_inversion_measures_minus_identity():
    """-Y0*Y0 is -I: the result is 1 whatever the state, as Stim's MPP !Y0*Y0 and MXX !0 0 / MZZ !0 0 give.
    Stim's own MYY !0 0 disagrees with itself (TableauSimulator: random on |0>, 0 on SQRT_X|0>; its sampler: 1
    on |0>), so qnsim follows the algebra and MPP here, not Stim's MYY."""
    for prep in ["", "H 0", "SQRT_X 0", "S 0\nH 0"]:
        text = f"{prep}\nMYY !0 0\nMXX 0 !0\nMZZ !0 0\nMPP !Y0*Y0".strip()
        assert qnsim.StabilizerSimulator(1, seed=2).do_circuit(text).tolist() == [1, 1, 1, 1]
        ref = stim.TableauSimulator(seed=2)
        ref.do_circuit(stim.Circuit(text))
        assert ref.current_measurement_record()[1:] == [True, True, True]


def test_sweep_bits_stay_refused_by_name():
    """Stim reads a sweep bit as 0 unless sweep data is given; qnsim has no sweep data and says so rather than
    guess (the old message called every classically controlled gate unexecuted)."""
    stim.Circuit("M 0\nCY sweep[0] 1").compile_sampler().sample(1)
    with pytest.raises(qnsim.CircuitParseError, match=r"sweep bits \(sweep\[k\]\) are not executed"):
        qnsim.StabilizerSimulator(2, seed=0).do_circuit("M 0\nCY sweep[0] 1")


@pytest.mark.parametrize("text", ["M 0 1\nCZ rec[-1] rec[-2]", "MXX !0 0", "MPP X0*X0 !Z1*Z1", "SPP X0*X0",
                                  "HERALDED_ERASE(1) !0", "E(0.5)", "ELSE_CORRELATED_ERROR(0.5) !X0 X0*Z1"])
def test_the_corner_cases_stim_accepts_run(text):
    """Stim runs these (a record-pair CZ does nothing, X0 * -X0 measures -I, HERALDED_* ignore '!', E without
    targets still draws); so does qnsim, with Stim's record."""
    sim = qnsim.StabilizerSimulator(2, seed=0)
    ref = stim.TableauSimulator()
    ref.do_circuit(stim.Circuit(text))
    assert sim.do_circuit(text).astype(bool).tolist() == ref.current_measurement_record()
