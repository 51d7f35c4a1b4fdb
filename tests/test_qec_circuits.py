"""Generated circuits: valid, deterministic detectors, right observables, full distance, bad input."""

import collections

import pytest
import stim  # in the [test] extra: CI must fail, not skip, without it

from qnsim import qec
from qnsim.qec import Interface, NoiseModel

EXPERIMENTS = {"memory": qec.memory_circuit, "merge": qec.merge_circuit}
INTERFACES = {
    "direct": lambda: Interface.direct(0.01),
    "teleported": lambda: Interface.werner(0.01),
    "cat": lambda: Interface.cat(qec.werner(0.99)),
}


def _distance(circuit):
    try:
        return len(circuit.shortest_graphlike_error(ignore_ungraphlike_errors=False))
    except ValueError:  # no logical error reachable with this noise at all
        return float("inf")


@pytest.mark.parametrize("code", ["rotated", "unrotated"])
@pytest.mark.parametrize("experiment", ["memory", "merge"])
@pytest.mark.parametrize("basis", ["X", "Z"])
@pytest.mark.parametrize("scheme", ["direct", "teleported", "cat"])
def test_noiseless_circuits_never_fire(code, experiment, basis, scheme):
    interface = {"direct": Interface.direct(0.0), "teleported": Interface.werner(0.0),
                 "cat": Interface.cat((1, 0, 0, 0), checks="XZ")}[scheme]
    circuit = EXPERIMENTS[experiment](3, 2, basis, code=code, interface=interface)
    samples = circuit.compile_detector_sampler(seed=1).sample(64, append_observables=True)
    assert not samples.any()
    assert circuit.num_detectors > 0


@pytest.mark.parametrize("code", ["rotated", "unrotated"])
@pytest.mark.parametrize("experiment", ["memory", "merge"])
@pytest.mark.parametrize("basis", ["X", "Z"])
@pytest.mark.parametrize("d", [3, 5])
def test_bulk_noise_keeps_full_distance(code, experiment, basis, d):
    circuit = EXPERIMENTS[experiment](d, d, basis, code=code, noise=NoiseModel.uniform_depolarizing(1e-3),
                                      interface=Interface.direct(1e-3))
    assert _distance(circuit) == d


@pytest.mark.parametrize("code", ["rotated", "unrotated"])
@pytest.mark.parametrize("experiment", ["memory", "merge"])
@pytest.mark.parametrize("scheme", sorted(INTERFACES))
@pytest.mark.parametrize("d", [3, 5])
def test_a_logical_error_needs_d_seam_faults(code, experiment, scheme, d):
    # Seam noise only: in the Z basis a logical can run along the seam, and must cost d faults
    # (no hook spreads a seam fault along it); in the X basis the seam alone cannot make one.
    z = EXPERIMENTS[experiment](d, d, "Z", code=code, noise=NoiseModel.noiseless(), interface=INTERFACES[scheme]())
    x = EXPERIMENTS[experiment](d, d, "X", code=code, noise=NoiseModel.noiseless(), interface=INTERFACES[scheme]())
    assert _distance(z) == d
    assert _distance(x) == float("inf")


@pytest.mark.parametrize("d", [3, 5, 7])
def test_rotated_x_type_cat_checks_halve_the_seam_distance(d):
    # The documented reason the default cat interface teleports the X-type seam checks.
    circuit = qec.memory_circuit(d, d, "Z", noise=NoiseModel.noiseless(),
                                 interface=Interface.cat(qec.werner(0.99), checks="XZ"))
    assert _distance(circuit) == (d + 1) // 2


def _flat_dem(circuit):
    """Detector error model as {symptoms: probability}, merging mechanisms with equal symptoms."""
    out = collections.defaultdict(float)
    for inst in circuit.detector_error_model(approximate_disjoint_errors=True).flattened():
        if inst.type == "error":
            p = inst.args_copy()[0]
            key = tuple(sorted(str(t) for t in inst.targets_copy()))
            out[key] = out[key] * (1 - p) + p * (1 - out[key])
    return out


@pytest.mark.parametrize("experiment", ["memory", "merge"])
@pytest.mark.parametrize("basis", ["X", "Z"])
def test_compiled_teleportation_channel_equals_explicit_gadget(experiment, basis):
    # The explicit gadget (pair qubits, measurements, feedback) and its compiled channel agree to
    # first order: their detector error models differ only by products of two probabilities.
    bell = (0.99994, 3e-5, 2e-5, 1e-5)
    noise = NoiseModel.uniform_depolarizing(2e-5)
    f = EXPERIMENTS[experiment]
    compiled = _flat_dem(f(3, 3, basis, noise=noise, interface=Interface.teleported(bell, explicit=False)))
    explicit = _flat_dem(f(3, 3, basis, noise=noise, interface=Interface.teleported(bell, explicit=True)))
    largest = max(compiled.values())
    assert largest > 5e-5
    for key in set(compiled) | set(explicit):
        assert abs(compiled.get(key, 0.0) - explicit.get(key, 0.0)) < 1e-7, key


def _flip_logical(circuit, qubits, pauli):
    """Inserts a Pauli on data qubits right after the last round's measurements."""
    lines = str(circuit).splitlines()
    ticks = [i for i, line in enumerate(lines) if line.strip() == "TICK"]
    # Z basis: the final measurement follows the last TICK; X basis: an H layer comes first.
    after = ticks[-1] if pauli == "X" else ticks[-2]
    # As an error of probability 1: detector samples are relative to the noiseless reference.
    lines.insert(after + 1, f"{pauli}_ERROR(1) " + " ".join(map(str, qubits)))
    return stim.Circuit("\n".join(lines))


def _data_index(circuit, coords):
    found = {tuple(int(v) for v in c): q for q, c in circuit.get_final_qubit_coordinates().items()}
    return [found[c] for c in coords]


@pytest.mark.parametrize("code", ["rotated", "unrotated"])
def test_memory_observable_is_the_logical(code):
    # A logical X (column) applied to |0_L> flips the Z observable and fires no detector;
    # a single X on one data qubit fires detectors.
    layout, _ = qec.memory_layout(5, code)
    circuit = qec.memory_circuit(5, 2, "Z", code=code, interface=Interface.direct(0.0))
    flipped = _flip_logical(circuit, _data_index(circuit, layout.logical("X", index=1)), "X")
    det, obs = flipped.compile_detector_sampler().sample(1, separate_observables=True)
    assert not det.any() and obs.all()
    single = _flip_logical(circuit, _data_index(circuit, layout.logical("X")[:1]), "X")
    det, obs = single.compile_detector_sampler().sample(1, separate_observables=True)
    assert det.any()


def test_merge_observables_are_the_joint_logicals():
    a, b, merged, _ = qec.merge_layout(3)
    # Z basis: logical X of patch A alone flips Z_A Z_B.
    circuit = qec.merge_circuit(3, 2, "Z", interface=Interface.direct(0.0))
    flipped = _flip_logical(circuit, _data_index(circuit, a.logical("X")), "X")
    det, obs = flipped.compile_detector_sampler().sample(1, separate_observables=True)
    assert not det.any() and obs.tolist() == [[True]]
    # X basis: logical Z across the merged region flips X_A and X_B, not X_A X_B.
    circuit = qec.merge_circuit(3, 2, "X", interface=Interface.direct(0.0))
    flipped = _flip_logical(circuit, _data_index(circuit, merged.logical("Z")), "Z")
    det, obs = flipped.compile_detector_sampler().sample(1, separate_observables=True)
    assert not det.any() and obs.tolist() == [[False, True, True]]


def test_merge_outcome_is_random_but_its_observable_is_not():
    # Each new X check of the first merged round is random; their product (observable 0) is not.
    circuit = qec.merge_circuit(3, 1, "X", interface=Interface.direct(0.0))
    meas = circuit.compile_sampler(seed=2).sample(200)
    assert 0.2 < meas.mean(axis=0).max() < 0.8
    det, obs = circuit.compile_detector_sampler(seed=2).sample(200, separate_observables=True)
    assert not obs.any()


def test_seam_resources_count_the_circuit():
    # Teleported: one pair per seam CNOT, which is what the explicit gadget measures (2 each).
    for experiment, f in EXPERIMENTS.items():
        bell = (0.98, 0.01, 0.005, 0.005)
        plain = f(5, 1, "Z", interface=Interface.teleported(bell, explicit=False))
        explicit = f(5, 1, "Z", interface=Interface.teleported(bell))  # the gadget is the default
        res = qec.seam_resources(5, experiment, "teleported")
        assert explicit.num_measurements - plain.num_measurements == 2 * res.pairs_per_round
        assert res.seam_gates == res.pairs_per_round
        cat = qec.seam_resources(5, experiment, "cat", cat_checks="XZ")
        assert cat.pairs_per_round == cat.seam_checks


def test_wait_idle_adds_data_noise_every_round():
    circuit = qec.memory_circuit(3, 4, interface=Interface.direct(0.0, wait_idle=(0.01, 0.0, 0.02)))
    channels = [inst for inst in circuit.flattened() if inst.name == "PAULI_CHANNEL_1"]
    assert len(channels) == 4
    assert len(channels[0].targets_copy()) == 9


def test_si1000_rates_appear_in_the_circuit():
    circuit = qec.memory_circuit(3, 1, noise=NoiseModel.si1000(1e-3))
    args = {(inst.name, round(inst.gate_args_copy()[0], 9)) for inst in circuit.flattened() if inst.gate_args_copy()}
    assert ("M", 0.005) in args and ("X_ERROR", 0.002) in args and ("DEPOLARIZE1", 0.0001) in args
    assert ("DEPOLARIZE2", 0.001) in args and ("DEPOLARIZE1", 0.002) in args


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"distance": 4}, "distance must be an odd int >= 3, got 4"),
        ({"distance": 1}, "distance must be an odd int >= 3, got 1"),
        ({"distance": 3.0}, "distance must be an odd int >= 3"),
        ({"rounds": 0}, "rounds must be an int >= 1, got 0"),
        ({"rounds": True}, "rounds must be an int >= 1, got True"),
        # Built qubit by qubit for hours before (d = 100001, 10^12 rounds).
        ({"distance": 100001}, r"distance must be at most 1001 \(about 4e\+06 qubits a patch\), got 100001"),
        ({"rounds": 10**12}, r"distance 3 with rounds=1000000000000 makes a circuit of about .* qubit-rounds, more "
                             r"than the 1e\+08 built here"),
        ({"basis": "Y"}, "basis must be 'X' or 'Z', got 'Y'"),
        ({"code": "toric"}, "code must be one of"),
        ({"noise": 0.01}, "noise must be a qnsim.qec.NoiseModel"),
        ({"interface": "direct"}, "interface must be a qnsim.qec.Interface"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    args = {"distance": 3, "rounds": 2, "basis": "Z"}
    args.update(kwargs)
    for f in EXPERIMENTS.values():
        with pytest.raises(ValueError, match=match):
            f(**args)


@pytest.mark.parametrize(
    "build, match",
    [
        (lambda: NoiseModel.uniform_depolarizing(1.5), "p must be a probability in \\[0, 1\\], got 1.5"),
        (lambda: NoiseModel.si1000(0.3), "si1000 needs p <= 0.2"),
        (lambda: Interface.direct(-0.1), "Interface.error must be a probability"),
        (lambda: Interface.teleported((0.5, 0.5, 0.5, -0.5)), r"\(Phi-\) must be in \[0, 1\]"),
        (lambda: Interface.werner(2.0), "infidelity must be a probability"),
        (lambda: Interface("magic"), "Interface.scheme must be one of"),
        (lambda: Interface.direct(0.1, wait_idle=(0.6, 0.6, 0.0)), "wait_idle"),
        (lambda: Interface.cat((1, 0, 0, 0), checks="Y"), "cat_checks must be 'Z' or 'XZ'"),
    ],
)
def test_bad_noise_is_named(build, match):
    with pytest.raises(ValueError, match=match):
        build()


def test_core_import_stays_light_and_missing_stim_is_explained(monkeypatch):
    import subprocess
    import sys

    code = "import sys, qnsim, qnsim.qec; print('stim' in sys.modules, 'sinter' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
    monkeypatch.setitem(sys.modules, "stim", None)
    with pytest.raises(ImportError, match=r"pip install 'qnsim\[qec\]'"):
        qec.memory_circuit(3, 1)


@pytest.mark.parametrize("builder", ["rotated_patch", "unrotated_patch"])
def test_patch_layouts_refuse_sizes_no_circuit_could_use(builder):
    # rotated_patch(10**9, 3) built billions of qubits' coordinates before this bound.
    from qnsim import qec

    build = getattr(qec, builder)
    assert len(build(2003, 1).data) == 2003  # the widest merge region: two distance-1001 patches and a column
    with pytest.raises(ValueError, match=r"width must be at most 2003 .*got 1000000000"):
        build(10**9, 3)
    with pytest.raises(ValueError, match=r"height must be at most 2003"):
        build(3, 2004)
