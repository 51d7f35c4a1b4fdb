"""Determinism audit, round 3: counts that no seed repeats say so, every native object made without a seed names the
one it drew, every integer column that can hold a seed takes the whole 64-bit range, and the native bindings refuse
bad seeds with the one seed spec's words."""

import re

import numpy as np
import pytest

import qnsim
from qnsim import qec

LARGEST = 2**64 - 1


def _circuit(p=0.01):
    return qec.memory_circuit(3, 3, noise=qec.NoiseModel.uniform_depolarizing(p))


def test_sinter_counts_say_they_cannot_be_repeated_and_how_to_repeat_them():
    """Old behaviour: qec.collect (sinter.collect, which takes no seed: each worker seeds its own sampler) gave counts
    that changed from run to run with no word about it, where sample_logical_error's unseeded counts name the seed
    that repeats them. Each of collect's estimates is now ``repeatable=False`` with a note naming the seeded way."""
    pytest.importorskip("sinter")
    (est,) = qec.collect([(_circuit(), {"d": 3})], max_shots=200, num_workers=1)
    assert est.shots == 200 and est.repeatable is False and est.seed is None
    notes = [n for n in est.notes if "cannot be repeated" in n]
    assert len(notes) == 1 and "qec.sample_logical_error(circuit, max_shots=..., seed=...)" in notes[0], est.notes
    seeded = qec.sample_logical_error(_circuit(), max_shots=200, seed=3)
    assert seeded.repeatable and not any("cannot be repeated" in n for n in seeded.notes)
    with pytest.raises(ValueError, match=r"repeatable=False with seed=3: counts sampled with a seed repeat"):
        qec.LogicalErrorEstimate(10, 1, seed=3, repeatable=False)
    with pytest.raises(TypeError, match=r"LogicalErrorEstimate.repeatable must be True or False"):
        qec.LogicalErrorEstimate(10, 1, repeatable="no")


_LINK_SEEDS = [5, 2**63, LARGEST]


def _point_with_a_link_seed(params, seed):
    """A sweep point that, as a qec sweep's, carries the seed its link was measured with."""
    return {"link_seed": _LINK_SEEDS[params["k"]], "value": float(seed)}


@pytest.mark.parametrize("rows_per_part", [1, 64])
def test_every_seed_column_takes_64_bit_seeds_in_a_parquet_out(tmp_path, monkeypatch, rows_per_part):
    """Old behaviour: round 2 made only the ``seed`` column unsigned: a qec sweep whose link was measured with a seed
    of 2**63 or more (``link_seed``) was refused by a Parquet out as "beyond a 64-bit integer, the widest a Parquet
    column holds". One rule now for every column holding a seed (``seed``, ``..._seed``): unsigned 64-bit once a seed
    needs it, the parts written before it converted (one part per row here), and a resumed sweep reads them back."""
    pytest.importorskip("pyarrow")
    from qnsim.sweeps import _ParquetSink

    monkeypatch.setattr(_ParquetSink, "MAX_ROWS", rows_per_part)
    monkeypatch.setattr(_ParquetSink, "MAX_SECONDS", 0.0 if rows_per_part == 1 else 60.0)
    out = tmp_path / "rows.parquet"
    grid = {"k": [0, 1, 2]}
    first = qnsim.sweep(_point_with_a_link_seed, grid, seeds=[LARGEST, 1], workers=1, progress=False, out=out)
    again = qnsim.sweep(_point_with_a_link_seed, grid, seeds=[LARGEST, 1], workers=1, progress=False, out=out)
    assert sorted(first["link_seed"]) == sorted(_LINK_SEEDS * 2)
    assert first.equals(again)
    import pyarrow.parquet as pq

    table = pq.read_table(out)
    assert str(table.schema.field("link_seed").type) == "uint64"
    assert sorted(table.column("link_seed").to_pylist()) == sorted(_LINK_SEEDS * 2)
    from qnsim.sweeps import is_seed_column

    assert is_seed_column("link_seed") and not is_seed_column("seeds")


@pytest.mark.parametrize("make", [
    lambda seed: qnsim.QubitRegistry("density_matrix", seed=seed),
    lambda seed: qnsim.QubitRegistry("stabilizer", seed=seed),
    lambda seed: qnsim._core.NativeNetwork("density_matrix", seed),
], ids=["registry-dm", "registry-stabilizer", "native-network"])
def test_an_unseeded_registry_or_native_network_names_the_seed_that_repeats_it(make):
    """Old behaviour: QubitRegistry(seed=None) and _core.NativeNetwork(seed=None) drew a seed from entropy and kept
    it (no ``seed`` attribute): their outcomes could not be repeated. ``.seed`` now holds the seed given or drawn,
    read-only, and an object made with it draws the same outcomes."""
    given = make(LARGEST)
    assert given.seed == LARGEST
    drawn = make(None)
    assert 0 <= drawn.seed <= LARGEST
    with pytest.raises(AttributeError):
        drawn.seed = 3
    if isinstance(drawn, qnsim.QubitRegistry):
        def outcomes(reg):
            out = []
            for _ in range(16):
                q = reg.alloc()
                reg.h(q)
                out.append(reg.measure(q))
            return out

        assert outcomes(drawn) == outcomes(make(drawn.seed))


def _tiny_native_network():
    return qnsim.Network("bell_diagonal", seed=0)._native


# Each native entry point that takes a seed, called with one seed (the name its refusals give the seed in).
NATIVE_SEED_ENTRY_POINTS = {
    "StabilizerSimulator.__init__": ("seed", lambda s: qnsim.StabilizerSimulator(2, seed=s)),
    "StabilizerSimulator.copy": ("seed", lambda s: qnsim.StabilizerSimulator(2, seed=0).copy(seed=s)),
    "DensityMatrixSimulator.__init__": ("seed", lambda s: qnsim.DensityMatrixSimulator(2, seed=s)),
    "DensityMatrixSimulator.copy": ("seed", lambda s: qnsim.DensityMatrixSimulator(2, seed=0).copy(seed=s)),
    "QubitRegistry.__init__": ("seed", lambda s: qnsim.QubitRegistry(seed=s)),
    "NativeNetwork.__init__": ("seed", lambda s: qnsim._core.NativeNetwork("bell_diagonal", s)),
    "NativeNetwork.run_seeds": ("seeds[1]", lambda s: _tiny_native_network().run_seeds([0, s], 0)),
    "Scheduler.benchmark_chain": ("seed", lambda s: qnsim._core.Scheduler.benchmark_chain(1, 1, s)),
}


def _native_seed_entry_points():
    """Every function of qnsim._core whose signature (in its docstring) takes ``seed`` or ``seeds``."""
    found = set()
    for cls_name, cls in vars(qnsim._core).items():
        if not isinstance(cls, type) or cls_name.startswith("_"):
            continue
        for name in vars(cls):
            member = getattr(cls, name)
            if name.startswith("_") and name != "__init__":
                continue
            doc = getattr(member, "__doc__", None) or ""
            if re.search(r"^\w+\(.*\bseeds?\b[:=)]", doc, re.MULTILINE):
                found.add(f"{cls_name}.{name}")
    return found


def test_the_native_walk_covers_every_binding_that_takes_a_seed():
    """The walk below is the bindings': a native entry point that takes a seed and is not in it fails here."""
    assert _native_seed_entry_points() == set(NATIVE_SEED_ENTRY_POINTS)


@pytest.mark.parametrize("entry", sorted(NATIVE_SEED_ENTRY_POINTS))
def test_every_native_entry_point_refuses_a_seed_as_the_one_spec_does(entry):
    """Old behaviour: the bindings had their own words and classes: ``StabilizerSimulator(2, seed=-1)`` raised
    ValueError "StabilizerSimulator(): seed must be in [0, 2**64 - 1], got -1" and ``seed="3"`` or ``1.5`` a
    TypeError, where ``qnsim.specs.check_seed`` (every Python entry point) raises ParameterError "seed must be >= 0,
    got -1"; ``run_seeds([0, -1])`` was pybind11's TypeError "incompatible function arguments". Now each reads its
    seed with check_seed: the same range, exception and message."""
    from qnsim.specs import check_seed

    name, call = NATIVE_SEED_ENTRY_POINTS[entry]
    call(LARGEST)
    call(np.uint64(LARGEST))
    for bad in (2**64, -1, True, 1.5, "3", None if name.startswith("seeds") else 2**70):
        with pytest.raises(qnsim.ParameterError) as spec:
            check_seed(name, bad)
        with pytest.raises(qnsim.ParameterError) as native:
            call(bad)
        assert type(native.value) is type(spec.value) and str(native.value) == str(spec.value), (bad, native.value)
