// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/complex.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "density/entanglement.h"
#include "core/errors.h"
#include "core/rng.h"
#include "density/density_matrix.h"

namespace py = pybind11;

namespace {

using qnsim::msg;
using cplx = std::complex<double>;
using CArray = py::array_t<cplx, py::array::c_style | py::array::forcecast>;

struct DensityMatrixSimulator {
    DensityMatrixSimulator(qnsim::DensityMatrix state, uint64_t stream_seed)
        : dm(std::move(state)), rng(stream_seed), seed(stream_seed) {}
    /// Restarts the random stream from `stream_seed` (and reports it as `seed`).
    void reseed(uint64_t stream_seed) {
        rng.reseed(stream_seed);
        seed = stream_seed;
    }
    qnsim::DensityMatrix dm;
    qnsim::Rng rng;
    uint64_t seed;  // the stream's first seed (given, or drawn when None): an unseeded run names what repeats it
};

// Python int (or anything with __index__, e.g. numpy integers) -> qubit index in range.
size_t qubit_arg(py::handle h, size_t n) {
    const int64_t v = qnsim_bindings::qubit_index(h, n);
    if (v < 0 || static_cast<uint64_t>(v) >= n) {
        throw std::out_of_range(msg("qubit ", v, " is out of range for num_qubits=", n));
    }
    return static_cast<size_t>(v);
}

// All targets are converted (and range checked) before any gate runs, so a bad target leaves
// the state untouched.
std::vector<size_t> qubit_args(const py::args &args, size_t n) {
    std::vector<size_t> out;
    for (const int64_t v : qnsim_bindings::qubit_targets(args, n)) {
        if (v < 0 || static_cast<uint64_t>(v) >= n) {
            throw std::out_of_range(msg("qubit ", v, " is out of range for num_qubits=", n));
        }
        out.push_back(static_cast<size_t>(v));
    }
    return out;
}

// An int or a sequence of ints; `parameter` names the argument in errors.
std::vector<size_t> qubit_list(const py::object &obj, size_t n, const char *parameter) {
    std::vector<size_t> out;
    // A NumPy array of qubits passes PyIndex_Check (ndarray has the slot) but is a sequence of them.
    const bool array = py::isinstance<py::array>(obj) && py::array(py::reinterpret_borrow<py::array>(obj)).ndim() > 0;
    if (!array && (PyIndex_Check(obj.ptr()) || PyBool_Check(obj.ptr()))) {
        out.push_back(qubit_arg(obj, n));
        return out;
    }
    // A float or None raised Python's "'float' object is not iterable", naming neither the argument nor the value.
    if (PyUnicode_Check(obj.ptr()) || !py::hasattr(obj, "__iter__")) {
        throw py::type_error(
            msg(parameter, " must be a qubit index or a sequence of them, got ", qnsim_bindings::short_repr(obj)));
    }
    qnsim_bindings::refuse_unordered(obj, parameter);
    for (auto h : py::iter(obj)) out.push_back(qubit_arg(h, n));
    return out;
}

std::vector<size_t> pair_args(const py::args &args, size_t n, const char *gate) {
    auto qs = qubit_args(args, n);
    if (qs.size() % 2 != 0) {
        throw std::invalid_argument(msg(gate, " takes pairs of qubits, got an odd number of targets (", qs.size(), ")"));
    }
    for (size_t i = 0; i < qs.size(); i += 2) {
        if (qs[i] == qs[i + 1]) {
            throw std::invalid_argument(msg(gate, " pair (", qs[i], ", ", qs[i + 1], ") uses qubit ", qs[i], " twice"));
        }
    }
    return qs;
}

std::string shape_str(const py::array &a) {
    std::string s = "(";
    for (py::ssize_t i = 0; i < a.ndim(); ++i) s += (i ? ", " : "") + std::to_string(a.shape(i));
    return s + (a.ndim() == 1 ? ",)" : ")");
}

py::array_t<cplx> to_numpy(const cplx *data, size_t dim) {
    py::array_t<cplx> out({dim, dim});
    std::memcpy(out.mutable_data(), data, dim * dim * sizeof(cplx));
    return out;
}

template <typename Method>
void each_qubit(DensityMatrixSimulator &s, const py::args &args, Method m) {
    for (size_t q : qubit_args(args, s.dm.num_qubits())) (s.dm.*m)(q);
}

template <typename Method>
void each_pair(DensityMatrixSimulator &s, const py::args &args, const char *gate, Method m) {
    auto qs = pair_args(args, s.dm.num_qubits(), gate);
    for (size_t i = 0; i < qs.size(); i += 2) (s.dm.*m)(qs[i], qs[i + 1]);
}

void check_p(double p, const char *name) {
    if (!(p >= 0.0 && p <= 1.0)) {
        throw std::invalid_argument(msg(name, "=", std::string(py::repr(py::float_(p))), " is outside [0, 1]"));
    }
}

const char *kClassDoc = R"doc(Exact density-matrix simulator (complex128, up to 14 qubits).

Gate and noise methods follow Stim's TableauSimulator names and meanings: ``depolarize1(q, p=p)``
applies X, Y or Z each with probability p/3, ``depolarize2`` one of the 15 non-identity
two-qubit Paulis each with probability p/15, all as exact channels. Qubit 0 is the most
significant bit of a matrix index. Memory is 16 * 4^n bytes (4 GiB at 14 qubits).

Args:
    num_qubits: number of qubits, 0 to 14; more raises StateTooLargeError.
    seed: seed of the measurement random stream; None draws one from entropy, reported by `seed`.

Example:
    >>> import qnsim
    >>> sim = qnsim.DensityMatrixSimulator(2, seed=5)
    >>> sim.h(0)
    >>> sim.cx(0, 1)
    >>> round(sim.fidelity([2 ** -0.5, 0, 0, 2 ** -0.5]), 12)
    1.0
    >>> sim.depolarize1(0, p=0.1)
    >>> round(sim.fidelity([2 ** -0.5, 0, 0, 2 ** -0.5]), 12)
    0.9
    >>> sim.measure(0) == sim.measure(1)
    True
)doc";

}  // namespace

namespace qnsim_bindings {

void bind_density(py::module_ &m) {
    py::class_<DensityMatrixSimulator> c(m, "DensityMatrixSimulator", kClassDoc);

    c.def(py::init([](NonNegative<long long> num_qubits, std::optional<Seed> seed) {
              if (num_qubits < 0) throw std::invalid_argument(msg("num_qubits=", num_qubits.value, " is negative"));
              return DensityMatrixSimulator(qnsim::DensityMatrix(static_cast<size_t>(num_qubits)),
                                            qnsim::seed_or_entropy(plain(seed)));
          }),
          py::arg("num_qubits"), py::arg("seed") = py::none());

    c.def_property_readonly(
        "num_qubits", [](const DensityMatrixSimulator &s) { return s.dm.num_qubits(); }, "Number of qubits.");
    // As StabilizerSimulator.seed: a simulator made with seed=None kept the seed it drew to itself.
    c.def_property_readonly(
        "seed", [](const DensityMatrixSimulator &s) { return s.seed; },
        "The seed this simulator's random stream started from: the one given, or the one drawn when seed=None "
        "(DensityMatrixSimulator(n, seed=sim.seed) repeats its outcomes). A copy or a tensor product has its own "
        "(copy(copy_rng=True): its original's, whose stream it continues).");
    c.def(
        "copy",
        [](DensityMatrixSimulator &s, Flag copy_rng, std::optional<Seed> seed) {
            if (copy_rng && seed) {
                // StabilizerSimulator.copy copied the stream and this one took the seed: one call, two meanings.
                throw std::invalid_argument(msg("copy_rng=True continues this simulator's stream and seed=",
                                                *plain(seed), " starts another: give one of them"));
            }
            DensityMatrixSimulator out = s;
            if (seed) {
                out.reseed(*seed);
            } else if (!copy_rng) {
                out.reseed(s.rng.next_u64());
            }
            return out;
        },
        py::kw_only(), py::arg("copy_rng") = false, py::arg("seed") = py::none(),
        R"doc(An independent copy of the state.

As in Stim, the copy gets its own random stream unless copy_rng=True (then it draws exactly the
outcomes this simulator would). The stream comes from `seed` if given, else from one draw of
this simulator's stream, so a seeded run stays reproducible (copy_rng=True with a seed: ValueError).
copy.copy/deepcopy copy the stream.)doc");
    c.def("__copy__", [](const DensityMatrixSimulator &s) { return s; });
    c.def("__deepcopy__", [](const DensityMatrixSimulator &s, py::dict) { return s; }, py::arg("memo"));
    c.def("__repr__", [](const DensityMatrixSimulator &s) {
        return msg("qnsim.DensityMatrixSimulator(num_qubits=", s.dm.num_qubits(), ")");
    });

    // ---- Gates. ----
    using DM = qnsim::DensityMatrix;
    c.def("h", [](DensityMatrixSimulator &s, py::args q) { each_qubit(s, q, &DM::h); }, "Hadamard on each qubit.");
    c.def(
        "s", [](DensityMatrixSimulator &s, py::args q) { each_qubit(s, q, &DM::s); }, "S = diag(1, i) on each qubit.");
    c.def(
        "s_dag", [](DensityMatrixSimulator &s, py::args q) { each_qubit(s, q, &DM::s_dag); },
        "S^dag = diag(1, -i) on each qubit.");
    c.def("x", [](DensityMatrixSimulator &s, py::args q) { each_qubit(s, q, &DM::x); }, "Pauli X on each qubit.");
    c.def("y", [](DensityMatrixSimulator &s, py::args q) { each_qubit(s, q, &DM::y); }, "Pauli Y on each qubit.");
    c.def("z", [](DensityMatrixSimulator &s, py::args q) { each_qubit(s, q, &DM::z); }, "Pauli Z on each qubit.");
    c.def(
        "cx", [](DensityMatrixSimulator &s, py::args q) { each_pair(s, q, "cx", &DM::cx); },
        "CNOT on each (control, target) pair: cx(0, 1, 2, 3) acts on (0, 1) then (2, 3).");
    c.def(
        "cy", [](DensityMatrixSimulator &s, py::args q) { each_pair(s, q, "cy", &DM::cy); },
        "Controlled-Y on each (control, target) pair.");
    c.def(
        "cz", [](DensityMatrixSimulator &s, py::args q) { each_pair(s, q, "cz", &DM::cz); },
        "Controlled-Z on each pair.");
    c.def(
        "swap", [](DensityMatrixSimulator &s, py::args q) { each_pair(s, q, "swap", &DM::swap); },
        "SWAP on each pair.");
    c.def(
        "apply_unitary",
        [](DensityMatrixSimulator &s, const CArray &matrix, const py::object &targets) {
            const auto ts = qubit_list(targets, s.dm.num_qubits(), "targets");
            if (ts.empty() || ts.size() > 8) {
                throw std::invalid_argument(msg("apply_unitary takes 1 to 8 targets, got ", ts.size()));
            }
            const py::ssize_t d = py::ssize_t{1} << ts.size();
            if (matrix.ndim() != 2 || matrix.shape(0) != d || matrix.shape(1) != d) {
                throw std::invalid_argument(msg("unitary of shape ", shape_str(matrix), " does not match ", ts.size(),
                                                " targets; expected (", d, ", ", d, ")"));
            }
            s.dm.apply_unitary(matrix.data(), ts);
        },
        py::arg("matrix"), py::arg("targets"),
        R"doc(rho -> U rho U^dag for a 2^k x 2^k unitary on k targets (targets[0] is the most
significant bit of the matrix index). Raises ValueError if max |U U^dag - I| > 1e-9; a matrix off
a unitary within that is made one (U (I - E/2), E = U^dag U - I) before it is applied.)doc");

    // ---- Noise. ----
    auto pauli_noise = [&c](const char *name, double px_, double py_, double pz_, const char *doc) {
        c.def(
            name,
            [px_, py_, pz_](DensityMatrixSimulator &s, py::args q, Real p) {
                check_p(p, "p");
                for (size_t t : qubit_args(q, s.dm.num_qubits())) s.dm.pauli_channel_1(t, px_ * p, py_ * p, pz_ * p);
            },
            py::arg("p"), doc);
    };
    pauli_noise("x_error", 1, 0, 0, "X with probability p on each qubit (exact channel).");
    pauli_noise("y_error", 0, 1, 0, "Y with probability p on each qubit (exact channel).");
    pauli_noise("z_error", 0, 0, 1, "Z with probability p on each qubit (exact channel).");
    pauli_noise("depolarize1", 1.0 / 3, 1.0 / 3, 1.0 / 3,
                "X, Y or Z each with probability p/3 on each qubit (Stim's DEPOLARIZE1, exact channel).");
    c.def(
        "depolarize2",
        [](DensityMatrixSimulator &s, py::args q, Real p) {
            check_p(p, "p");
            auto qs = pair_args(q, s.dm.num_qubits(), "depolarize2");
            for (size_t i = 0; i < qs.size(); i += 2) s.dm.depolarize2(qs[i], qs[i + 1], p);
        },
        py::arg("p"), "One of the 15 non-identity Paulis, each with probability p/15, on each pair (exact channel).");
    c.def(
        "pauli_channel_1",
        [](DensityMatrixSimulator &s, py::object q, Real px, Real py, Real pz) {
            s.dm.pauli_channel_1(qubit_arg(q, s.dm.num_qubits()), px, py, pz);
        },
        py::arg("qubit"), py::arg("px"), py::arg("py"), py::arg("pz"),
        "X with probability px, Y with py, Z with pz (each in [0, 1], sum <= 1 + 1e-7, Stim's tolerance: a sum "
        "above 1 within it is divided out).");
    c.def(
        "amplitude_damp",
        [](DensityMatrixSimulator &s, py::object q, Real gamma) {
            s.dm.amplitude_damp(qubit_arg(q, s.dm.num_qubits()), gamma);
        },
        py::arg("qubit"), py::arg("gamma"),
        R"doc(Amplitude damping, K0 = [[1, 0], [0, sqrt(1-gamma)]], K1 = [[0, sqrt(gamma)], [0, 0]].

For memory with relaxation time T1 over time t, gamma = 1 - exp(-t / T1).)doc");
    c.def(
        "phase_damp",
        [](DensityMatrixSimulator &s, py::object q, Real lam) {
            s.dm.phase_damp(qubit_arg(q, s.dm.num_qubits()), lam);
        },
        py::arg("qubit"), py::arg("lam"),
        R"doc(Phase damping, K0 = [[1, 0], [0, sqrt(1-lam)]], K1 = [[0, 0], [0, sqrt(lam)]].

Coherences scale by sqrt(1 - lam) (not 1 - lam); for a factor f use lam = 1 - f**2.)doc");
    c.def(
        "apply_kraus",
        [](DensityMatrixSimulator &s, const CArray &ops, const py::object &targets) {
            const auto ts = qubit_list(targets, s.dm.num_qubits(), "targets");
            if (ts.empty() || ts.size() > 4) {
                throw std::invalid_argument(msg("apply_kraus takes 1 to 4 targets, got ", ts.size()));
            }
            const py::ssize_t d = py::ssize_t{1} << ts.size();
            const bool one = ops.ndim() == 2;
            if (!(one || ops.ndim() == 3) || ops.shape(ops.ndim() - 1) != d || ops.shape(ops.ndim() - 2) != d ||
                (!one && ops.shape(0) == 0)) {
                throw std::invalid_argument(msg("Kraus operators of shape ", shape_str(ops), " do not match ",
                                                ts.size(), " targets; expected (m, ", d, ", ", d, ") with m >= 1"));
            }
            s.dm.apply_kraus(ops.data(), one ? 1 : ops.shape(0), ts);
        },
        py::arg("kraus_ops"), py::arg("targets"),
        R"doc(rho -> sum_i K_i rho K_i^dag for Kraus operators of shape (m, 2^k, 2^k) on k <= 4 targets.

Raises ValueError if max |sum K^dag K - I| > 1e-9 (the channel must be trace preserving); a set off
within that is made trace preserving (K_i (I - E/2), E = sum K^dag K - I) before it is applied.)doc");

    // ---- Measurement. ----
    auto measure = [](DensityMatrixSimulator &s, py::object q, const std::string &basis) {
        if (basis.size() != 1) {
            throw std::invalid_argument(msg("measurement basis '", basis, "' is not one of 'X', 'Y', 'Z'"));
        }
        return s.dm.measure(qubit_arg(q, s.dm.num_qubits()), s.rng, basis[0]);
    };
    c.def("measure", measure, py::arg("qubit"), py::arg("basis") = "Z",
          "Measures one qubit in basis 'Z', 'X' or 'Y'; returns 0 or 1 (1 = -1 eigenvalue) and collapses.");
    c.def(
        "mx", [measure](DensityMatrixSimulator &s, py::object q) { return measure(s, q, "X"); }, py::arg("qubit"),
        "Measures one qubit in the X basis; returns 0 (|+>) or 1 (|->).");
    c.def(
        "my", [measure](DensityMatrixSimulator &s, py::object q) { return measure(s, q, "Y"); }, py::arg("qubit"),
        "Measures one qubit in the Y basis; returns 0 (|+i>) or 1 (|-i>).");
    c.def(
        "measure_and_trace_out",
        [](DensityMatrixSimulator &s, py::object q, const std::string &basis) {
            if (basis.size() != 1) {
                throw std::invalid_argument(msg("measurement basis '", basis, "' is not one of 'X', 'Y', 'Z'"));
            }
            return s.dm.measure_and_trace_out(qubit_arg(q, s.dm.num_qubits()), s.rng, basis[0]);
        },
        py::arg("qubit"), py::arg("basis") = "Z",
        "measure(qubit, basis) then trace_out(qubit), in one pass; the qubits above it shift down by one.");
    c.def(
        "measure_many",
        [](DensityMatrixSimulator &s, py::args q) {
            std::vector<int> out;
            for (size_t t : qubit_args(q, s.dm.num_qubits())) out.push_back(s.dm.measure(t, s.rng, 'Z'));
            return out;
        },
        "Measures each qubit in the Z basis, in order; returns a list of 0/1.");
    c.def(
        "reset", [](DensityMatrixSimulator &s, py::args q) { each_qubit(s, q, &DM::reset); },
        "Resets each qubit to |0>.");
    c.def(
        "probability_of_one",
        [](const DensityMatrixSimulator &s, py::object q) {
            return s.dm.probability_of_one(qubit_arg(q, s.dm.num_qubits()));
        },
        py::arg("qubit"), "Probability that a Z measurement of the qubit gives 1.");
    c.def(
        "project",
        [](DensityMatrixSimulator &s, py::object q, Bounded<int, 0, 1> outcome) {
            return s.dm.project(qubit_arg(q, s.dm.num_qubits()), outcome);
        },
        py::arg("qubit"), py::arg("outcome"),
        "Post-selects the qubit on a Z outcome (0/1) and renormalizes; returns that outcome's prior probability. "
        "Raises ValueError if it is below 1e-12.");

    // ---- Composition (what the registry does to small groups). ----
    c.def(
        "tensor",
        [](DensityMatrixSimulator &s, const DensityMatrixSimulator &other) {
            return DensityMatrixSimulator(qnsim::DensityMatrix::tensor(s.dm, other.dm), s.rng.next_u64());
        },
        py::arg("other"),
        "A new simulator holding self (x) other: self's qubits first, then other's. Like copy(), its random "
        "stream is seeded by one draw of self's stream.");
    c.def(
        "trace_out", [](DensityMatrixSimulator &s, py::object q) { s.dm.trace_out(qubit_arg(q, s.dm.num_qubits())); },
        py::arg("qubit"), "Traces one qubit out in place; the qubits above it shift down by one.");

    // ---- Observables and state access. ----
    auto expectation = [](const DensityMatrixSimulator &s, const py::object &pauli) {
        return s.dm.expectation(pauli_argument(pauli, "pauli"));
    };
    c.def("expectation", expectation, py::arg("pauli"),
          "Tr(P rho) for a dense Pauli string such as 'XZ_Y' or '-ZZ' (also accepts a stim.PauliString).");
    c.def("peek_observable_expectation", expectation, py::arg("pauli"), "Alias of expectation (Stim's name).");
    c.def(
        "density_matrix", [](const DensityMatrixSimulator &s) { return to_numpy(s.dm.data(), s.dm.dim()); },
        "A copy of the density matrix: complex128 ndarray of shape (2^n, 2^n).");
    c.def(
        "set_density_matrix",
        [](DensityMatrixSimulator &s, const CArray &rho) {
            const py::ssize_t d = static_cast<py::ssize_t>(s.dm.dim());
            if (rho.ndim() != 2 || rho.shape(0) != d || rho.shape(1) != d) {
                throw std::invalid_argument(msg("density matrix of shape ", shape_str(rho),
                                                " does not match num_qubits=", s.dm.num_qubits(), "; expected (", d,
                                                ", ", d, ")"));
            }
            s.dm.set_state(rho.data());
        },
        py::arg("rho"),
        "Replaces the state; raises ValueError unless Hermitian, trace 1 and PSD (tolerance 1e-9). A matrix off a "
        "state within the tolerance is clipped into one (Hermitian part, negative eigenvalues 0, trace 1).");
    c.def(
        "set_state_vector",
        [](DensityMatrixSimulator &s, const CArray &psi) {
            const py::ssize_t d = static_cast<py::ssize_t>(s.dm.dim());
            if (psi.ndim() != 1 || psi.shape(0) != d) {
                throw std::invalid_argument(msg("state vector of shape ", shape_str(psi), " does not match num_qubits=",
                                                s.dm.num_qubits(), "; expected (", d, ",)"));
            }
            s.dm.set_pure_state(psi.data());
        },
        py::arg("psi"),
        "Replaces the state by |psi><psi|; raises ValueError unless psi has norm 1 (within 1e-9, and within it is "
        "divided by its norm).");
    c.def(
        "partial_trace",
        [](const DensityMatrixSimulator &s, const py::object &keep) {
            const auto red = s.dm.partial_trace(qubit_list(keep, s.dm.num_qubits(), "keep"));
            return to_numpy(red.data(), red.dim());
        },
        py::arg("keep"), "Reduced density matrix of the qubits in `keep`, in that order (keep[0] is its qubit 0).");
    c.def(
        "fidelity",
        [](const DensityMatrixSimulator &s, const CArray &target, const py::object &qubits) {
            std::vector<size_t> qs;
            if (qubits.is_none()) {
                for (size_t q = 0; q < s.dm.num_qubits(); ++q) qs.push_back(q);
            } else {
                qs = qubit_list(qubits, s.dm.num_qubits(), "qubits");
            }
            const py::ssize_t d = py::ssize_t{1} << qs.size();
            if (target.ndim() == 1 && target.shape(0) == d) return s.dm.fidelity_with_state(target.data(), qs);
            if (target.ndim() == 2 && target.shape(0) == d && target.shape(1) == d) {
                return s.dm.fidelity_with_density_matrix(target.data(), qs);
            }
            throw std::invalid_argument(msg("target of shape ", shape_str(target), " does not match ", qs.size(),
                                            " qubits; expected a state vector (", d, ",) or a density matrix (", d,
                                            ", ", d, ")"));
        },
        py::arg("target"), py::arg("qubits") = py::none(),
        R"doc(Fidelity of the reduced state of `qubits` (default: all, in order) with a target.

A 1-D target is a normalized state vector psi: returns <psi|rho|psi>. A 2-D target is a density
matrix sigma (at most 6 qubits): returns the Uhlmann fidelity (Tr sqrt(sqrt(sigma) rho sqrt(sigma)))^2.)doc");
    m.def(
        "concurrence",
        [](py::array_t<std::complex<double>, py::array::c_style | py::array::forcecast> rho) {
            if (rho.ndim() != 2 || rho.shape(0) != 4 || rho.shape(1) != 4) {
                throw std::invalid_argument("concurrence needs a 4x4 two-qubit density matrix");
            }
            qnsim::DensityMatrix state(2);
            state.set_state(rho.data());  // Hermitian, trace 1, PSD, finite (or ValueError); clipped within 1e-9
            return qnsim::concurrence(state.data());
        },
        py::arg("rho"), "Wootters concurrence of a 4x4 two-qubit density matrix (0 for separable states).");
}

}  // namespace qnsim_bindings
