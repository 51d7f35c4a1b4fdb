"""Determinism audit: the same inputs and seed give the same results bit for bit, and a result that rests on a seed
nobody gave says which seed it drew."""

import os
import re
import subprocess
import sys

import pytest

import qnsim
from qnsim.estimate import calibrate_link


def _pair_network(seed):
    net = qnsim.Network("bell_diagonal", seed=seed)
    net.add_node("a", hardware="nv_10x_improved", num_memories=2)
    net.add_node("b", hardware="nv_10x_improved", num_memories=2)
    net.add_link("a", "b", length_km=5.0)
    net.request("a", "b")
    return net


def test_a_calibration_with_a_drawn_seed_names_the_seed_that_repeats_it():
    """Old behaviour: a calibration of a scenario without run.seed (or of a Network(seed=None)), and so every
    ``qnsim estimate`` of a links file whose [[link]] gives no seed, ran with a seed drawn at random: the rate,
    fidelity and the whole estimate changed from run to run (4410 then 4380 pairs/s for the README's link without
    its seeds) and nothing said which seed had been used, so no figure could be repeated."""
    drawn = calibrate_link(_pair_network(None), until_s=0.02)
    notes = [n for n in drawn.notes if "drawn at random" in n]
    assert len(notes) == 1, drawn.notes
    seed = int(re.search(r"seed = (\d+)", notes[0]).group(1))
    again = calibrate_link(_pair_network(seed), until_s=0.02)
    assert (again.rate_hz, again.fidelity, again.pairs) == (drawn.rate_hz, drawn.fidelity, drawn.pairs)
    assert not any("drawn at random" in n for n in again.notes)


_HASH_PROBE = """
import contextlib, hashlib, io, sys
import pytest

import qnsim
from qnsim.estimate_cli import main as estimate_main
from qnsim.qec.circuits import memory_circuit
from qnsim.qec.noise import Interface, NoiseModel

net = qnsim.Network("stabilizer", seed=3)
for name in ("qpu_b", "rep", "qpu_a", "spare"):  # not in name order
    net.add_node(name, hardware="nv_10x_improved", num_memories=5)
net.add_link("qpu_a", "rep", length_km=5.0, channels=2)
net.add_link("rep", "qpu_b", length_km=5.0, channels=2)
net.add_link("rep", "spare", length_km=1.0)
net.request("qpu_a", "qpu_b", cutoff_s=2e-3)
q = net.run(0.01, progress=False).requests[0]
parts = [q.times_s.tobytes(), q.fidelities.tobytes()]
noise = NoiseModel(two_qubit=1e-3, one_qubit=1e-3)
parts.append(str(memory_circuit(3, code="unrotated", noise=noise, interface=Interface.werner(0.02))).encode())
out = io.StringIO()
with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
    estimate_main([sys.argv[1], "--links", sys.argv[2], "--json", "--no-progress"])
assert out.getvalue().startswith("{"), out.getvalue()
parts.append(out.getvalue().encode())
print(len(q.times_s), [hashlib.sha1(p).hexdigest() for p in parts])
"""

_LINKS = """
[[qpu]]
preset = "qubit_gate_ns_e4"
count = 4
num_qubits = 50000
surface_code = true
logical_qubits = 16
""" + "".join(
    f"""
[[link]]
qpus = [{a}, {(a + 1) % 4}]
rate_hz = 1e5
fidelity = 0.99
latency_s = 1e-5
"""
    for a in range(4)
)


def test_runs_circuits_and_estimates_do_not_depend_on_pythonhashseed(tmp_path):
    """Checked and right: a network run (stabilizer trajectories, named nodes added out of name order), a
    seam-split surface-code circuit and a four-QPU estimate (partitioner, placement, pricing) are the same bit for
    bit under PYTHONHASHSEED 0, 1 and 2: no string-hash order reaches them."""
    links = tmp_path / "links.toml"
    links.write_text(_LINKS)
    workload = tmp_path / "w.stim"
    workload.write_text(
        "".join(f"CX {a} {(7 * a + 3) % 48}\n" for a in range(48) if a != (7 * a + 3) % 48)
        + "T 5\nM "
        + " ".join(map(str, range(48)))
        + "\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", _HASH_PROBE, str(workload), str(links)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": h},
        ).stdout
        for h in ("0", "1", "2")
    }
    assert len(outputs) == 1, outputs
    pairs = int(outputs.pop().split()[0])
    assert pairs > 5


_COPY_PROBE = """
import pytest

import qnsim
sim = qnsim.StabilizerSimulator(24, seed=5)
sim.do_circuit("H " + " ".join(map(str, range(24))))
first, second = sim.copy(), sim.copy()
measure = "M " + " ".join(map(str, range(24)))
print(first.do_circuit(measure).tobytes().hex(), second.do_circuit(measure).tobytes().hex(),
      sim.do_circuit(measure).tobytes().hex())
"""


def test_a_seeded_stabilizer_simulators_copies_repeat_in_every_process():
    """Old behaviour: StabilizerSimulator(seed=5).copy() took a stream from the OS's entropy (Stim's default), so a
    seeded program that measured a copy gave other outcomes at every run, where DensityMatrixSimulator.copy() draws
    the copy's seed from its own stream and repeats. Now both do the latter: the same outcomes in fresh processes,
    two copies with streams of their own."""
    outputs = {
        subprocess.run([sys.executable, "-c", _COPY_PROBE], capture_output=True, text=True, check=True).stdout
        for _ in range(3)
    }
    assert len(outputs) == 1, outputs
    first, second, parent = outputs.pop().split()
    assert len({first, second, parent}) == 3  # 24 fair coins each: equal by chance with probability 2^-24


@pytest.mark.parametrize("engine", [qnsim.StabilizerSimulator, qnsim.DensityMatrixSimulator])
def test_a_copy_asked_for_both_the_same_stream_and_a_seed_is_refused(engine):
    """Old behaviour: copy(copy_rng=True, seed=99) meant two things: the stabilizer engine copied the stream and
    dropped the seed, the density engine took the seed and dropped copy_rng, each without a word, so one program
    drew other outcomes on the other engine. Both now refuse the pair, naming the seed."""
    sim = engine(2, seed=1)
    with pytest.raises(ValueError, match="copy_rng=True continues this simulator's stream and seed=99 starts another"):
        sim.copy(copy_rng=True, seed=99)
    assert sim.copy(copy_rng=True).num_qubits == sim.copy(seed=99).num_qubits == 2


def test_copy_copy_of_a_stabilizer_simulator_continues_its_stream_as_the_density_engines_does():
    """Old behaviour: copy.copy and copy.deepcopy of a StabilizerSimulator raised "cannot pickle" where those of a
    DensityMatrixSimulator copy the state and its stream; now both engines copy, the copy making the same random
    choices as the original (copy_rng=True)."""
    import copy

    sim = qnsim.StabilizerSimulator(16, seed=4)
    sim.do_circuit("H " + " ".join(map(str, range(16))))
    measure = "M " + " ".join(map(str, range(16)))
    twins = [copy.copy(sim), copy.deepcopy(sim), sim.copy(copy_rng=True)]
    records = {twin.do_circuit(measure).tobytes() for twin in twins}
    assert records == {sim.do_circuit(measure).tobytes()}
