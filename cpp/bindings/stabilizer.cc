// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "core/errors.h"
#include "core/rng.h"
#include "stabilizer/bit_kernels.h"
#include "stabilizer/pauli_string.h"
#include "stabilizer/stabilizer_simulator.h"

namespace py = pybind11;
using qnsim::StabilizerSimulator;
using Basis = StabilizerSimulator::Basis;

namespace qnsim_bindings {

namespace {

std::vector<int64_t> targets_of(const py::args &args, uint64_t num_qubits) { return qubit_targets(args, num_qubits); }

Basis basis_of(const std::string &b) {
    if (b == "Z" || b == "z") return Basis::Z;
    if (b == "X" || b == "x") return Basis::X;
    if (b == "Y" || b == "y") return Basis::Y;
    throw std::invalid_argument(qnsim::msg("basis must be 'X', 'Y' or 'Z', got '", b, "'"));
}

py::array_t<uint8_t> to_numpy(const std::vector<uint8_t> &v) {
    py::array_t<uint8_t> a(static_cast<py::ssize_t>(v.size()));
    if (!v.empty()) std::copy(v.begin(), v.end(), a.mutable_data());
    return a;
}

}  // namespace

void bind_stabilizer(py::module_ &m) {
    // Register the class first so every signature below reads qnsim._core.StabilizerSimulator.
    py::class_<StabilizerSimulator> cls(m, "StabilizerSimulator", R"doc(
Bit-packed stabilizer (Clifford) simulator with Stim's TableauSimulator conventions.

The state is Aaronson-Gottesman's tableau with destabilizers, kept inverted as Stim does: gates
cost O(n/64) words, deterministic measurements O(n/64), random measurements O(n^2/64). Memory is
about num_qubits**2 / 2 bytes (10,000 qubits: 50 MB).

Args:
    num_qubits: number of qubits, all starting in |0>. Negative -> ValueError; more than 2**20
        qubits or a tableau above 16 GiB -> StateTooLargeError naming the bytes needed.
    seed: seed of the simulator's random stream; None draws one from entropy, reported by `seed`. The same
        seed and the same operations reproduce the same outcomes bit for bit on every platform.

Qubit 0 is the first tensor factor. Out-of-range qubits raise IndexError, a qubit repeated in a
two-qubit gate ValueError, probabilities outside [0, 1] ValueError.

>>> import qnsim
>>> sim = qnsim.StabilizerSimulator(2, seed=7)
>>> sim.h(0); sim.cx(0, 1)
>>> a, b = sim.measure_many(0, 1)
>>> a == b
True
)doc");

    cls.def(py::init([](NonNegative<int64_t> num_qubits, std::optional<Seed> seed) {
                return StabilizerSimulator(num_qubits, qnsim::seed_or_entropy(plain(seed)));
            }),
            py::arg("num_qubits"), py::arg("seed") = py::none());
    cls.def_property_readonly("num_qubits", &StabilizerSimulator::num_qubits, "Number of qubits (fixed).");
    // A simulator made with seed=None drew its seed from entropy and kept it to itself: its outcomes could not be
    // repeated.
    cls.def_property_readonly("seed", &StabilizerSimulator::seed,
                              "The seed this simulator's random stream started from: the one given, or the one drawn "
                              "when seed=None (StabilizerSimulator(n, seed=sim.seed) repeats its outcomes). A copy has "
                              "its own (copy(copy_rng=True): its original's, whose stream it continues).");

    auto gate = [&](const char *name, void (StabilizerSimulator::*fn)(const std::vector<int64_t> &), const char *doc) {
        cls.def(
            name, [fn](StabilizerSimulator &s, const py::args &args) { (s.*fn)(targets_of(args, s.num_qubits())); }, doc);
    };
    gate("h", &StabilizerSimulator::h, "Hadamard on each target: h(0, 1, 2).");
    gate("s", &StabilizerSimulator::s, "S = sqrt(Z) on each target.");
    gate("s_dag", &StabilizerSimulator::s_dag, "S^dagger on each target.");
    gate("x", &StabilizerSimulator::x, "Pauli X on each target.");
    gate("y", &StabilizerSimulator::y, "Pauli Y on each target.");
    gate("z", &StabilizerSimulator::z, "Pauli Z on each target.");
    gate("cx", &StabilizerSimulator::cx,
         "CNOT on pairs (control, target): cx(0, 1) or cx(0, 1, 2, 3). Odd counts or a repeated qubit "
         "in a pair raise ValueError.");
    gate("cnot", &StabilizerSimulator::cx, "Alias of cx.");
    gate("cy", &StabilizerSimulator::cy, "Controlled-Y on pairs (control, target).");
    gate("cz", &StabilizerSimulator::cz, "Controlled-Z on pairs.");
    gate("swap", &StabilizerSimulator::swap, "SWAP on pairs.");

    cls.def(
        "measure",
        [](StabilizerSimulator &s, const QubitArgument &q, const std::string &basis) {
            return static_cast<int>(s.measure({qubit_index(q.value, s.num_qubits())}, basis_of(basis))[0]);
        },
        py::arg("qubit"), py::arg("basis") = "Z",
        "Measures one qubit in basis 'X', 'Y' or 'Z' and returns 0 (+1 eigenvalue) or 1; the state "
        "collapses.");
    cls.def(
        "mx", [](StabilizerSimulator &s, const QubitArgument &q) {
            return static_cast<int>(s.measure({qubit_index(q.value, s.num_qubits())}, Basis::X)[0]);
        },
        py::arg("qubit"), "measure(qubit, basis='X').");
    cls.def(
        "my", [](StabilizerSimulator &s, const QubitArgument &q) {
            return static_cast<int>(s.measure({qubit_index(q.value, s.num_qubits())}, Basis::Y)[0]);
        },
        py::arg("qubit"), "measure(qubit, basis='Y').");
    cls.def(
        "measure_many",
        [](StabilizerSimulator &s, const py::args &args) {
            const auto r = s.measure(targets_of(args, s.num_qubits()), Basis::Z);
            return std::vector<int>(r.begin(), r.end());
        },
        "Measures each target in Z, in order; returns a list of 0/1.");
    cls.def(
        "reset", [](StabilizerSimulator &s, const py::args &args) { s.reset(targets_of(args, s.num_qubits()), Basis::Z); },
        "Resets each target to |0>.");
    cls.def(
        "reset_x", [](StabilizerSimulator &s, const py::args &args) { s.reset(targets_of(args, s.num_qubits()), Basis::X); },
        "Resets each target to |+>.");
    cls.def(
        "reset_y", [](StabilizerSimulator &s, const py::args &args) { s.reset(targets_of(args, s.num_qubits()), Basis::Y); },
        "Resets each target to |+i>.");

    auto noise = [&](const char *name, void (StabilizerSimulator::*fn)(const std::vector<int64_t> &, double),
                     const char *doc) {
        cls.def(
            name, [fn](StabilizerSimulator &s, const py::args &args, Real p) { (s.*fn)(targets_of(args, s.num_qubits()), p); },
            py::kw_only(), py::arg("p"), doc);
    };
    noise("x_error", &StabilizerSimulator::x_error, "Applies X to each target with probability p: x_error(0, 1, p=0.1).");
    noise("y_error", &StabilizerSimulator::y_error, "Applies Y to each target with probability p.");
    noise("z_error", &StabilizerSimulator::z_error, "Applies Z to each target with probability p.");
    noise("depolarize1", &StabilizerSimulator::depolarize1,
          "Applies X, Y or Z to each target, each with probability p/3 (Stim's DEPOLARIZE1).");
    noise("depolarize2", &StabilizerSimulator::depolarize2,
          "Applies one of the 15 non-identity two-qubit Paulis to each pair, each with probability "
          "p/15 (Stim's DEPOLARIZE2): depolarize2(0, 1, 2, 3, p=0.01).");
    cls.def(
        "pauli_channel_1",
        [](StabilizerSimulator &s, const py::args &args, Real px, Real py_, Real pz) {
            s.pauli_channel_1(targets_of(args, s.num_qubits()), px, py_, pz);
        },
        py::kw_only(), py::arg("px"), py::arg("py"), py::arg("pz"),
        "Applies X, Y, Z with probabilities px, py, pz (sum <= 1 + 1e-7, Stim's tolerance) to each target.");

    cls.def(
        "peek_observable_expectation",
        [](const StabilizerSimulator &s, const py::object &pauli) {
            return s.peek_observable_expectation(qnsim::PauliString::from_text(pauli_argument(pauli, "pauli")));
        },
        py::arg("pauli"), R"doc(
Returns <psi|P|psi> (+1, -1 or 0) without changing the state.

Args:
    pauli: a dense Pauli string such as "+XZ_Y" or "-XZIY" ('_' or 'I' is identity, optional sign),
        or a stim.PauliString. Character k acts on qubit k; the length must be <= num_qubits and
        missing qubits are identity. Longer strings or other characters raise ValueError.
)doc");

    cls.def(
        "copy",
        [](StabilizerSimulator &s, Flag copy_rng, std::optional<Seed> seed) {
            if (copy_rng && seed) {
                // DensityMatrixSimulator.copy took the seed and this one copied the stream: one call, two meanings.
                throw std::invalid_argument(qnsim::msg("copy_rng=True continues this simulator's stream and seed=",
                                                       *plain(seed), " starts another: give one of them"));
            }
            StabilizerSimulator c = s;
            // Without a seed, from one draw of this simulator's stream, as DensityMatrixSimulator.copy: an
            // entropy stream made every seeded run that measured a copy come out differently.
            if (!copy_rng) c.reseed(seed ? *plain(seed) : s.rng().next_u64());
            return c;
        },
        py::kw_only(), py::arg("copy_rng") = false, py::arg("seed") = py::none(),
        "Returns an independent copy of the state. By default the copy gets a random stream of its own: "
        "from `seed` if given, else from one draw of this simulator's stream, so a seeded run stays "
        "reproducible (Stim's copy draws entropy there); copy_rng=True continues this simulator's stream, "
        "so both make the same random choices (with a seed too: ValueError). copy.copy/deepcopy copy the stream.");

    // As DensityMatrixSimulator's: copy.copy and copy.deepcopy were refused ("cannot pickle") on this engine only.
    cls.def("__copy__", [](const StabilizerSimulator &s) { return s; });
    cls.def("__deepcopy__", [](const StabilizerSimulator &s, py::dict) { return s; }, py::arg("memo"));

    cls.def(
        "do_circuit",
        [](StabilizerSimulator &s, const py::object &circuit,
           Bounded<uint64_t, 1, std::numeric_limits<uint64_t>::max()> max_operations) {
            const std::string text = text_argument(circuit, "circuit");
            std::vector<uint8_t> record;
            // Ctrl-C stops a long circuit: checked every 2^16 instructions (the circuit runs without the GIL).
            const InterruptCheckScope<StabilizerSimulator> interruptible(s, raise_pending_signals_without_gil);
            {
                py::gil_scoped_release release;
                record = s.do_circuit(text, max_operations, "do_circuit's max_operations");
            }
            return to_numpy(record);
        },
        py::arg("circuit"), py::kw_only(), py::arg("max_operations") = qnsim::kDefaultMaxCircuitOperations, R"doc(
Runs Stim circuit text (or a stim.Circuit) natively and returns this call's measurement record as
a numpy uint8 array (1 = -1 eigenvalue, inverted for `!q` targets).

Every Stim instruction runs (names case-insensitive, aliases included), with Stim's semantics:
Clifford gates (H S S_DAG X Y Z I, SQRT_X SQRT_Y and their _DAG, the H_*/C_* axis gates, CX CY CZ SWAP,
XCX..YCZ, SQRT_XX..SQRT_ZZ and their _DAG, ISWAP(_DAG), CXSWAP SWAPCX CZSWAP, II, SPP SPP_DAG);
Paulis controlled by a measurement record where Stim allows them (CX/CY/CZ rec[-k] q, XCZ/YCZ/CZ q rec[-k]);
measurements M MX MY MR MRX MRY MXX MYY MZZ and MPP (one record per product, X0*Z1), all with '!'
targets and an optional flip probability; MPAD; resets R RX RY; noise X_ERROR Y_ERROR Z_ERROR
DEPOLARIZE1 DEPOLARIZE2 PAULI_CHANNEL_1 PAULI_CHANNEL_2, HERALDED_ERASE and HERALDED_PAULI_CHANNEL_1 (one
herald record per target; the disjoint probabilities of these three channels may sum to 1 + 1e-7 at most,
Stim's tolerance, a sum up to it read as 1), E / ELSE_CORRELATED_ERROR chains, I_ERROR II_ERROR (no-ops); TICK; REPEAT
N { ... } (nested, executed iteration by iteration without unrolling); # comments; Stim's instruction
tags (H[tag] 0), read and ignored as Stim's simulators ignore them. DETECTOR, OBSERVABLE_INCLUDE, QUBIT_COORDS and SHIFT_COORDS are checked
as Stim's samplers check them (a rec[-k] names one of the measurements before it, within this call)
and otherwise ignored. Sweep bits (sweep[k]) and qnsim's estimator extensions (T, CCZ, RZ(theta)) are
refused by name. Problems raise CircuitParseError
naming the line, e.g. "unknown gate 'CNT' on line 4; did you mean 'CNOT'?"; nothing runs then.

max_operations (default 10**9, minutes of work) bounds the target operations the circuit executes with
its REPEAT counts multiplied out (one per target of a gate, one per iteration of an empty loop): a
circuit asking for more is refused with CircuitParseError before anything runs, naming its size, since
`REPEAT 10**12 { M 0 }` would run for a day. To count such a workload without running it, use
qnsim.estimate (REPEAT blocks counted analytically); to run it anyway, raise max_operations (Ctrl-C
stops a long run).
)doc");

    cls.def("__repr__", [](const StabilizerSimulator &s) {
        return "qnsim.StabilizerSimulator(num_qubits=" + std::to_string(s.num_qubits()) + ")";
    });

    // Hidden: tests and benchmarks force each bit-kernel variant (results never depend on it).
    m.def(
        "_bit_kernels", [] { return py::make_tuple(qnsim::bit_kernels::active(), qnsim::bit_kernels::available()); },
        "(active variant, variants this CPU runs) of the stabilizer's bit kernels.");
    m.def(
        "_select_bit_kernel",
        [](const std::string &name) {
            if (!qnsim::bit_kernels::select(name)) {
                std::string names;
                for (const std::string &v : qnsim::bit_kernels::available()) names += (names.empty() ? "" : ", ") + v;
                throw std::invalid_argument("bit kernel '" + name + "' is not available on this CPU; choose auto, " +
                                            names);
            }
        },
        py::arg("name"),
        "Makes `name` the bit-kernel variant of stabilizer simulators created from now on ('auto': the widest).");
}

}  // namespace qnsim_bindings
