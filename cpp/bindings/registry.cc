// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <array>

#include <cmath>
#include <complex>
#include <memory>
#include <limits>
#include <optional>
#include <string>

#include "bindings/bindings.h"
#include "core/errors.h"
#include "registry/qubit_registry.h"

namespace py = pybind11;
using qnsim::QubitHandle;
using qnsim::QubitRegistry;
using cplx = std::complex<double>;

namespace qnsim_bindings {
namespace {

const char *kClassDoc = R"doc(Live qubits of a network, each in a small group state.

``QubitRegistry(formalism="density_matrix" | "stabilizer", seed=None, max_group_qubits=0)``

``alloc()`` returns the handle (an int) of a fresh |0> qubit. Two-qubit gates across groups
merge them; ``measure``, ``reset`` and ``discard`` split the qubit out, so an operation costs
what its group's size costs, not what the number of live qubits costs.

Formalisms: ``density_matrix`` is exact (channels act exactly, fidelities are exact; groups
of at most ``max_group_qubits`` qubits, default 10). ``stabilizer`` samples trajectories
(groups of at most 64 qubits): Pauli channels are sampled, and a non-Pauli channel such as
``amplitude_damp`` or ``memory_decay`` with a finite T1 is applied as its Pauli twirl
(``phase_damp`` is a Pauli channel already). Averages over seeds of a Bell pair's fidelity then
agree with the exact formalism when one qubit of the pair is damped, but not when both are: the
twirl drops damping's pull of both qubits towards |00>, so a Bell pair damped by gamma_a and
gamma_b reads its fidelity lower by gamma_a gamma_b / 4 (0.0625 at gamma = 1/2 on each), and e.g.
the bias of amplitude damping towards |0> is not reproduced. Use ``density_matrix`` for them.

Raises ``qnsim.UnknownQubitError`` for a discarded or unknown handle, ``ValueError`` for a
qubit used twice in one gate or a probability outside [0, 1], and
``qnsim.StateTooLargeError`` for a merge beyond ``max_group_qubits``.

>>> import qnsim
>>> reg = qnsim.QubitRegistry("density_matrix", seed=1)
>>> a, b = reg.bell_pair()
>>> c, d = reg.bell_pair()
>>> reg.depolarize1(b, p=0.1)          # Werner pair of fidelity 0.9
>>> m_b, m_c = reg.bell_measure(b, c)  # entanglement swap
>>> if m_c: reg.x(d)
>>> if m_b: reg.z(d)
>>> round(reg.fidelity([a, d]), 6)
0.9
)doc";

// A qubit handle from Python: an int in [0, 2^64). Anything else is named in the error, with the
// parameter when it is not a qubit (twirl_werner's and bell_measure's `a` and `b`).
QubitHandle to_handle(py::handle q, const char *parameter = nullptr) {
    // Python ints and anything with __index__ (numpy integers from result arrays), not bools.
    QubitHandle handle = 0;
    switch (qnsim_bindings::numbers::load_integer<QubitHandle>(q.ptr(), handle)) {
        case qnsim_bindings::numbers::IntegerLoad::ok:
            return handle;
        case qnsim_bindings::numbers::IntegerLoad::not_an_integer:
            throw py::type_error((parameter ? std::string(parameter) + ": " : std::string()) +
                                 "a qubit handle must be an int, got " + qnsim_bindings::short_repr(q));
        default:
            throw qnsim::UnknownQubitError("qubit " + qnsim_bindings::short_repr(q) +
                                           " is not a handle (handles are ints in [0, 2**64))");
    }
}

std::vector<QubitHandle> to_handles(const py::iterable &qubits) {
    qnsim_bindings::refuse_unordered(qubits, "qubits");
    std::vector<QubitHandle> out;
    for (auto q : qubits) out.push_back(to_handle(q));
    return out;
}

// The handles a gate, noise or reset method acts on, read as the simulators read their targets (flat_targets).
std::vector<QubitHandle> handles_of(const py::args &qubits) {
    return qnsim_bindings::flat_targets<QubitHandle>(qubits, "qubits", [](py::handle h) { return to_handle(h); });
}

template <typename Fn>
void each(py::args qubits, Fn fn) {
    for (const QubitHandle h : handles_of(qubits)) fn(h);
}

template <typename Fn>
void each_pair(py::args qubits, const char *name, Fn fn) {
    const std::vector<QubitHandle> handles = handles_of(qubits);
    if (handles.size() % 2) {
        throw std::invalid_argument(qnsim::msg(name, " takes pairs of qubits, got ", handles.size(), " targets"));
    }
    for (size_t i = 0; i < handles.size(); i += 2) fn(handles[i], handles[i + 1]);
}

char basis_char(const std::string &basis) {
    if (basis.size() != 1) {
        throw std::invalid_argument(qnsim::msg("measurement basis must be 'X', 'Y' or 'Z', got '", basis, "'"));
    }
    return basis[0];
}

py::array_t<cplx> to_numpy(const qnsim::DensityMatrix &dm) {
    const auto d = static_cast<py::ssize_t>(dm.dim());
    py::array_t<cplx> out({d, d});
    std::copy(dm.data(), dm.data() + dm.dim() * dm.dim(), out.mutable_data());
    return out;
}

double fidelity(const QubitRegistry &reg, const py::iterable &qubit_list, const py::object &target) {
    const std::vector<QubitHandle> qubits = to_handles(qubit_list);
    // Named here: the check of expectation() or state() behind it read "listed twice in expectation()".
    for (size_t i = 0; i < qubits.size(); i++) {
        for (size_t j = i + 1; j < qubits.size(); j++) {
            if (qubits[i] == qubits[j]) {
                throw std::invalid_argument(qnsim::msg("qubit ", qubits[i], " listed twice in fidelity()"));
            }
        }
    }
    if (py::isinstance<py::str>(target)) {
        if (qubits.size() != 2) {
            throw std::invalid_argument(qnsim::msg("a named Bell target needs 2 qubits, got ", qubits.size()));
        }
        return reg.bell_fidelity(qubits[0], qubits[1], target.cast<std::string>());
    }
    const qnsim::DensityMatrix rho = reg.state(qubits);
    std::vector<size_t> all(qubits.size());
    for (size_t i = 0; i < all.size(); i++) all[i] = i;
    auto arr = qnsim_bindings::complex_array(target, "fidelity target");
    if (!arr) throw std::invalid_argument("fidelity target must be a Bell-state name or a numpy array");
    const size_t d = rho.dim();
    if (arr.ndim() == 1 && static_cast<size_t>(arr.shape(0)) == d) return rho.fidelity_with_state(arr.data(), all);
    if (arr.ndim() == 2 && static_cast<size_t>(arr.shape(0)) == d && static_cast<size_t>(arr.shape(1)) == d) {
        return rho.fidelity_with_density_matrix(arr.data(), all);
    }
    throw std::invalid_argument(qnsim::msg("fidelity target has shape ", py::str(py::tuple(py::cast(
                                               std::vector<py::ssize_t>(arr.shape(), arr.shape() + arr.ndim())))).cast<std::string>(),
                                           "; expected (", d, ",) or (", d, ", ", d, ") for ", qubits.size(), " qubits"));
}

/// Whether a max_group_qubits from Python is beyond what an unsigned holds (refused with the formalism's range).
bool group_limit_beyond(const StateRanged &limit) {
    return limit.beyond || limit.value < 0 || limit.value > std::numeric_limits<unsigned>::max();
}

/// The refusal of such a value: the formalism's range, as create() states it for 15 (not unsigned's [0, 2**32 - 1]).
qnsim::ParameterError group_limit_refusal(const StateRanged &limit, qnsim::Formalism formalism) {
    return qnsim::ParameterError("max_group_qubits",
                                 "must be in " + QubitRegistry::max_group_qubits_range(formalism) + ", got " + limit.text);
}

}  // namespace

void bind_registry(py::module_ &m) {
    py::class_<QubitRegistry> c(m, "QubitRegistry", kClassDoc);
    c.def(py::init([](const std::string &formalism, std::optional<Seed> seed, const StateRanged &max_group_qubits) {
              const qnsim::Formalism parsed = qnsim::parse_formalism(formalism);
              const bool beyond = group_limit_beyond(max_group_qubits);
              if (beyond && parsed == qnsim::Formalism::BellDiagonal) {
                  return QubitRegistry::create(parsed, 0);  // refuses the formalism, which has no such range
              }
              if (beyond) throw group_limit_refusal(max_group_qubits, parsed);
              return QubitRegistry::create(parsed, qnsim::seed_or_entropy(plain(seed)),
                                           static_cast<unsigned>(max_group_qubits.value));
          }),
          py::arg("formalism") = "density_matrix", py::arg("seed") = py::none(), py::arg("max_group_qubits") = 0);
    c.def_property_readonly(
        "formalism", [](const QubitRegistry &r) { return qnsim::formalism_name(r.formalism()); },
        "State formalism: \"density_matrix\" or \"stabilizer\".");
    // As StabilizerSimulator.seed: a registry made with seed=None drew its seed from entropy and kept it to itself.
    c.def_property_readonly("seed", &QubitRegistry::seed,
                            "The seed this registry's random stream started from: the one given, or the one drawn "
                            "when seed=None (QubitRegistry(formalism, seed=reg.seed) repeats its outcomes).");
    c.def_property(
        "max_group_qubits", &QubitRegistry::max_group_qubits,
        [](QubitRegistry &r, const StateRanged &limit) {
            if (group_limit_beyond(limit)) throw group_limit_refusal(limit, r.formalism());
            r.set_max_group_qubits(static_cast<unsigned>(limit.value));
        },
        "Largest group state, in qubits (default 10 for density_matrix, 64 for stabilizer). Settable (0: the "
        "default), for a network's registry too (network.registry.max_group_qubits = 12), within the formalism's "
        "range and not below the largest group held now; a merge beyond it raises StateTooLargeError.");
    c.def_property_readonly("num_qubits", &QubitRegistry::num_qubits, "Number of live qubits.");
    c.def_property_readonly("num_groups", &QubitRegistry::num_groups, "Number of group states.");
    c.def("__repr__", [](const QubitRegistry &r) {
        return qnsim::msg("qnsim.QubitRegistry(formalism='", qnsim::formalism_name(r.formalism()), "', live qubits=",
                          r.num_qubits(), ", groups=", r.num_groups(), ")");
    });

    c.def("alloc", &QubitRegistry::alloc, "A fresh qubit in |0>; returns its handle (int).");
    c.def("bell_pair", &QubitRegistry::bell_pair, "Two fresh qubits in |Phi+> = (|00>+|11>)/sqrt2; returns (a, b).");
    c.def(
        "bell_diagonal_pair",
        [](QubitRegistry &r, std::array<double, 4> coefficients) { return r.bell_diagonal_pair(coefficients.data()); },
        py::arg("coefficients"),
        "Two fresh qubits in a Bell-diagonal state, coefficients ordered (Phi+, Psi+, Psi-, Phi-).");
    c.def(
        "pair_with_state",
        [](QubitRegistry &r, py::array_t<cplx, py::array::c_style | py::array::forcecast> rho) {
            if (rho.ndim() != 2 || rho.shape(0) != 4 || rho.shape(1) != 4) {
                throw std::invalid_argument("pair_with_state needs a (4, 4) density matrix");
            }
            return r.pair_with_state(rho.data());
        },
        py::arg("rho"),
        "Two fresh qubits in the 4x4 density matrix rho (density_matrix formalism only); rho is checked and clipped "
        "as set_density_matrix checks and clips a state (tolerance 1e-9).");
    c.def("twirl_werner",
          [](QubitRegistry &r, py::handle a, py::handle b) { r.twirl_werner(to_handle(a, "a"), to_handle(b, "b")); },
          py::arg("a"), py::arg("b"),
          "Werner twirl of the pair: keeps the Phi+ fidelity, equalizes the other three Bell weights (exact "
          "channel for density matrices, one random bilateral rotation per stabilizer trajectory).");
    c.def("discard", [](QubitRegistry &r, py::args q) { each(q, [&](QubitHandle h) { r.discard(h); }); },
          "Traces each qubit out of its group and frees its handle.");
    c.def("is_alive", [](const QubitRegistry &r, py::handle q) { return r.is_alive(to_handle(q)); }, py::arg("qubit"));
    c.def("group_of", [](const QubitRegistry &r, py::handle q) { return r.group_of(to_handle(q)); }, py::arg("qubit"),
          "Handles of the qubit's group, in the order of the group state's tensor factors.");

    c.def("h", [](QubitRegistry &r, py::args q) { each(q, [&](QubitHandle h) { r.h(h); }); }, "Hadamard on each qubit.");
    c.def("s", [](QubitRegistry &r, py::args q) { each(q, [&](QubitHandle h) { r.s(h); }); }, "S on each qubit.");
    c.def("s_dag", [](QubitRegistry &r, py::args q) { each(q, [&](QubitHandle h) { r.s_dag(h); }); },
          "S^dagger on each qubit.");
    c.def("x", [](QubitRegistry &r, py::args q) { each(q, [&](QubitHandle h) { r.x(h); }); }, "Pauli X on each qubit.");
    c.def("y", [](QubitRegistry &r, py::args q) { each(q, [&](QubitHandle h) { r.y(h); }); }, "Pauli Y on each qubit.");
    c.def("z", [](QubitRegistry &r, py::args q) { each(q, [&](QubitHandle h) { r.z(h); }); }, "Pauli Z on each qubit.");
    c.def("cx", [](QubitRegistry &r, py::args q) { each_pair(q, "cx", [&](QubitHandle a, QubitHandle b) { r.cx(a, b); }); },
          "CNOT on each (control, target) pair; merges their groups.");
    c.def("cz", [](QubitRegistry &r, py::args q) { each_pair(q, "cz", [&](QubitHandle a, QubitHandle b) { r.cz(a, b); }); },
          "CZ on each pair; merges their groups.");
    c.def("swap",
          [](QubitRegistry &r, py::args q) { each_pair(q, "swap", [&](QubitHandle a, QubitHandle b) { r.swap(a, b); }); },
          "SWAP on each pair (relabels handles; no state is touched).");

    c.def(
        "apply_unitary",
        [](QubitRegistry &r, py::array_t<cplx, py::array::c_style | py::array::forcecast> u,
           const py::iterable &qubit_list) {
            const std::vector<QubitHandle> qubits = to_handles(qubit_list);
            const auto d = static_cast<py::ssize_t>(1) << qubits.size();
            if (qubits.size() > 4 || u.ndim() != 2 || u.shape(0) != d || u.shape(1) != d) {
                throw std::invalid_argument(qnsim::msg("apply_unitary on ", qubits.size(), " qubits needs a (", d, ", ", d,
                                                       ") matrix (at most 4 qubits); got shape with ", u.ndim(),
                                                       " dimensions (", u.ndim() ? u.shape(0) : 0, ", ...)"));
            }
            r.apply_unitary(u.data(), qubits);
        },
        py::arg("matrix"), py::arg("qubits"),
        "U rho U^dag on the listed qubits (qubits[0] = most significant bit of U's index); density_matrix "
        "formalism only.");
    c.def("x_error", [](QubitRegistry &r, py::args q, Real p) { each(q, [&](QubitHandle h) { r.x_error(h, p); }); },
          py::kw_only(), py::arg("p"), "X with probability p on each qubit.");
    c.def("y_error", [](QubitRegistry &r, py::args q, Real p) { each(q, [&](QubitHandle h) { r.y_error(h, p); }); },
          py::kw_only(), py::arg("p"), "Y with probability p on each qubit.");
    c.def("z_error", [](QubitRegistry &r, py::args q, Real p) { each(q, [&](QubitHandle h) { r.z_error(h, p); }); },
          py::kw_only(), py::arg("p"), "Z with probability p on each qubit.");
    c.def("depolarize1",
          [](QubitRegistry &r, py::args q, Real p) { each(q, [&](QubitHandle h) { r.depolarize1(h, p); }); },
          py::kw_only(), py::arg("p"), "X, Y or Z each with probability p/3 (Stim's DEPOLARIZE1), on each qubit.");
    c.def("depolarize2",
          [](QubitRegistry &r, py::args q, Real p) {
              each_pair(q, "depolarize2", [&](QubitHandle a, QubitHandle b) { r.depolarize2(a, b, p); });
          },
          py::kw_only(), py::arg("p"), "One of the 15 non-identity two-qubit Paulis, each p/15, on each pair.");
    c.def("pauli_channel_1",
          [](QubitRegistry &r, py::handle q, Real px, Real py_, Real pz) { r.pauli_channel_1(to_handle(q), px, py_, pz); },
          py::arg("qubit"), py::arg("px"), py::arg("py"),
          py::arg("pz"), "X, Y, Z with probabilities px, py, pz.");
    c.def("amplitude_damp", [](QubitRegistry &r, py::handle q, Real g) { r.amplitude_damp(to_handle(q), g); }, py::arg("qubit"), py::arg("gamma"),
          "Amplitude damping with decay probability gamma (Pauli-twirled in the stabilizer formalism: a Bell pair "
          "damped at both ends then reads gamma_a gamma_b / 4 low; see the class docstring).");
    c.def("phase_damp", [](QubitRegistry &r, py::handle q, Real lam) { r.phase_damp(to_handle(q), lam); }, py::arg("qubit"), py::arg("lam"),
          "Phase damping: coherences scale by sqrt(1 - lam) (Pauli-twirled in the stabilizer formalism).");
    c.def("memory_decay",
          [](QubitRegistry &r, py::handle q, Real t, Real t1, Real t2) { r.memory_decay(to_handle(q), t, t1, t2); },
          py::arg("qubit"), py::arg("seconds"), py::arg("t1_s"),
          py::arg("t2_s"),
          "Decoherence for `seconds` of storage: amplitude damping gamma = 1 - exp(-t/T1), then dephasing so that "
          "coherences decay as exp(-t/T2) in total. T1/T2 in seconds (inf: no decay); T2 <= 2 T1.");

    c.def("measure", [](QubitRegistry &r, py::handle q, const std::string &basis) { return r.measure(to_handle(q), basis_char(basis)); },
          py::arg("qubit"), py::arg("basis") = "Z",
          "Measures in basis 'Z', 'X' or 'Y'; returns 0/1. The qubit stays alive, split into its own group.");
    c.def("mx", [](QubitRegistry &r, py::handle q) { return r.measure(to_handle(q), 'X'); }, py::arg("qubit"));
    c.def("my", [](QubitRegistry &r, py::handle q) { return r.measure(to_handle(q), 'Y'); }, py::arg("qubit"));
    c.def("reset", [](QubitRegistry &r, py::args q) { each(q, [&](QubitHandle h) { r.reset(h); }); },
          "Resets each qubit to |0> in a group of its own.");
    c.def("bell_measure",
          [](QubitRegistry &r, py::handle a, py::handle b) {
              return r.bell_measure(to_handle(a, "a"), to_handle(b, "b"));
          },
          py::arg("a"), py::arg("b"),
          "CNOT a->b, H on a, measure a then b; returns (m_a, m_b), (0, 0) for |Phi+>. To swap pairs (x, a) and "
          "(b, y), correct y with X^m_b then Z^m_a.");
    c.def("state", [](const QubitRegistry &r, const py::iterable &q) { return to_numpy(r.state(to_handles(q))); },
          py::arg("qubits"), "Reduced density matrix of `qubits` (qubits[0] = most significant index bit).");
    c.def("expectation",
          [](const QubitRegistry &r, const py::iterable &q, const std::string &paulis) { return r.expectation(to_handles(q), paulis); },
          py::arg("qubits"), py::arg("paulis"),
          "Expectation of a Pauli product, one of I _ X Y Z per listed qubit (optional leading sign), e.g. "
          "expectation([a, b], 'XX'). Exact in both formalisms.");
    c.def("fidelity", &fidelity, py::arg("qubits"), py::arg("target") = "phi+",
          "Fidelity of the reduced state of `qubits` with a target: 'phi+', 'phi-', 'psi+', 'psi-' (any case; 2 qubits), a "
          "state vector or a density matrix. Exact for density matrices; for stabilizer trajectories the value for "
          "Bell-diagonal noise is 0 or 1, and averages over seeds estimate the fidelity.");
}

}  // namespace qnsim_bindings
