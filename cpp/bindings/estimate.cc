// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstdint>
#include <string>
#include <vector>

#include "bindings/bindings.h"
#include "core/errors.h"
#include "core/ordered_sums.h"
#include "core/portable_math.h"
#include "estimate/flow_control.h"
#include "estimate/workload_counter.h"

namespace py = pybind11;
namespace workload = qnsim::workload;

namespace qnsim_bindings {

namespace {

/// A 128-bit count as an exact Python int.
py::int_ to_py(workload::count_t v) {
    const uint64_t hi = static_cast<uint64_t>(v >> 64), lo = static_cast<uint64_t>(v);
    if (hi == 0) return py::int_(lo);
    py::object r = py::int_(hi).attr("__lshift__")(64).attr("__or__")(py::int_(lo));
    return py::reinterpret_borrow<py::int_>(r);
}

py::list to_py_list(const std::vector<workload::count_t> &v) {
    py::list out;
    for (workload::count_t x : v) out.append(to_py(x));
    return out;
}

/// The nonzero entries of a k x k table of unordered QPU pairs as {(a, b): count}, a < b (a run
/// on many QPUs touches few pairs; a dense k^2 list would dominate the estimate's time).
py::dict pair_table(const std::vector<workload::count_t> &v, uint32_t k) {
    py::dict out;
    for (uint32_t a = 0; a < k; ++a) {
        for (uint32_t b = a + 1; b < k; ++b) {
            const workload::count_t x = v[size_t(a) * k + b];
            if (x != 0) out[py::make_tuple(a, b)] = to_py(x);
        }
    }
    return out;
}

py::dict counts_to_dict(const workload::Counts &c) {
    py::dict per_gate;
    const auto &table = workload::gate_table();
    for (size_t i = 0; i < c.per_gate.size(); ++i) {
        if (c.per_gate[i] != 0) per_gate[py::str(table[i].name)] = to_py(c.per_gate[i]);
    }
    const size_t n = c.pairs.size();
    py::array_t<uint32_t> a(n), b(n);
    py::array_t<double> w(n);
    auto pa = a.mutable_unchecked<1>();
    auto pb = b.mutable_unchecked<1>();
    auto pw = w.mutable_unchecked<1>();
    size_t i = 0;
    for (const auto &kv : c.pairs) {
        pa(i) = static_cast<uint32_t>(kv.first >> 32);
        pb(i) = static_cast<uint32_t>(kv.first);
        pw(i) = static_cast<double>(kv.second);
        ++i;
    }
    py::dict out;
    out["per_gate"] = per_gate;
    out["pair_a"] = a;
    out["pair_b"] = b;
    out["pair_weight"] = w;
    out["measurements"] = to_py(c.measurements);
    out["controlled"] = to_py(c.controlled);
    out["depth_bound"] = to_py(c.depth);
    out["rotation_depth"] = to_py(c.rotation_depth);
    out["rotation_depth_exact"] = c.rotation_depth_exact;
    out["num_qubits"] = c.num_qubits;
    py::array_t<uint32_t> used(c.used_qubits.size());
    auto pu = used.mutable_unchecked<1>();
    for (size_t j = 0; j < c.used_qubits.size(); ++j) pu(j) = c.used_qubits[j];
    out["used_qubits"] = used;
    py::list measured;
    for (uint32_t q : c.product_measure_qubits) measured.append(q);
    out["product_measure_qubits"] = measured;
    return out;
}

/// Instructions and targets between two reports of a symbolic pass (tens of milliseconds at most).
constexpr uint64_t kVisitPeriod = uint64_t{1} << 20;

/// The progress of one native count run without the GIL: every report takes the GIL, runs
/// Python's pending signal handlers (Ctrl-C raises KeyboardInterrupt out of the count) and then
/// calls `callback(done, total)` unless it is None (total 0: not known ahead; a new phase starts
/// again from done = 0). An exception from either propagates out of the count.
workload::Progress python_progress(const py::object &callback, uint64_t period) {
    if (!callback.is_none() && !PyCallable_Check(callback.ptr())) {
        throw py::type_error("progress must be a callable(done, total) or None, got " +
                             std::string(py::repr(callback)));
    }
    return workload::Progress(
        [callback](uint64_t done, uint64_t total) {
            py::gil_scoped_acquire gil;
            raise_pending_signals();
            if (!callback.is_none()) callback(done, total);
        },
        period);
}

}  // namespace

void bind_estimate(py::module_ &m) {
    py::class_<workload::Program> cls(m, "WorkloadProgram", R"doc(
A parsed Stim circuit (REPEAT blocks kept symbolic) for workload estimation (low level; see
qnsim.estimate.Workload). Parsing throws CircuitParseError naming the line.
)doc");

    m.def(
        "gate_kinds",
        [] {
            py::dict out;
            const char *names[] = {"single", "two",    "measure",       "reset",      "measure_reset",
                                   "two_measure", "product", "noise1", "noise2", "noise_product",
                                   "annotation",  "three",   "rotation", "repeat"};
            for (const auto &g : workload::gate_table()) {
                out[py::str(g.name)] = py::make_tuple(names[static_cast<int>(g.kind)], g.z_diagonal, g.controlled,
                                                      g.remote_pairs, g.clifford);
            }
            return out;
        },
        "Known gates: name -> (kind, z_diagonal, controlled, bell_pairs_per_remote_application, clifford).");
    m.def("canonical_gate_name", [](const std::string &name) -> py::object {
        const int id = workload::gate_id(name);
        if (id < 0) return py::none();
        return py::str(workload::gate_table()[id].name);
    }, py::arg("name"), "Canonical name of a gate or alias (case-insensitive); None if unknown.");
    m.def("stim_gate_names", [] {
        py::list out;
        for (const auto &g : workload::gate_table()) {
            if (g.stim) out.append(py::str(g.name));
        }
        return out;
    }, "Canonical names of the gates Stim defines (the rest of gate_kinds() are qnsim extensions).");

    cls.def(py::init([](const std::string &text, const py::object &progress) {
                workload::Progress report = python_progress(progress, kVisitPeriod);
                py::gil_scoped_release release;
                return workload::Program::parse(text, &report);
            }),
            py::arg("text"), py::kw_only(), py::arg("progress") = py::none(),
            "Parses; progress(done, total) in bytes of text, every 2^20 bytes (Ctrl-C stops it either way).");
    cls.def("counts", [](const workload::Program &p, uint64_t rotation_unroll_budget, const py::object &progress) {
        workload::Counts c;
        workload::Progress report = python_progress(progress, kVisitPeriod);
        {
            py::gil_scoped_release release;
            c = p.count(rotation_unroll_budget, &report);
        }
        return counts_to_dict(c);
    }, py::arg("rotation_unroll_budget") = uint64_t{1} << 27, py::kw_only(), py::arg("progress") = py::none(),
       "Symbolic counts: dict(per_gate, pair_a, pair_b, pair_weight, measurements, controlled (two-qubit applications "
       "with a record or sweep target), depth_bound, rotation_depth, "
       "num_qubits (1 + largest index used), used_qubits, product_measure_qubits (first qubit of each "
       "measurement of a Pauli product over two or more qubits)). rotation_unroll_budget: most target visits spent "
       "counting rotation layers by plain unrolling; beyond, REPEATs are extrapolated once periodic. "
       "progress(done, total): instructions and targets visited, every 2^20, in two phases (the symbolic pass, then "
       "the rotation layers; each starts from 0; total 0 = not known). Ctrl-C stops the count either way.");
    cls.def(
        "placed",
        [](const workload::Program &p, const std::vector<int32_t> &qpu_of, uint32_t num_qpus, std::vector<double> t_1q,
           std::vector<double> t_2q, std::vector<double> t_meas, std::vector<double> t_reset,
           std::vector<double> t_remote, std::vector<double> t_frame, Flag schedule,
           uint64_t repeat_iteration_budget, const py::object &progress) {
            workload::Durations d{std::move(t_1q),    std::move(t_2q),     std::move(t_meas),
                                  std::move(t_reset), std::move(t_remote), std::move(t_frame)};
            workload::PlacedCounts r;
            workload::Progress report = python_progress(progress, kVisitPeriod);
            {
                py::gil_scoped_release release;
                r = p.count_placed(qpu_of, num_qpus, d, schedule, repeat_iteration_budget, &report);
            }
            py::dict out;
            out["local_1q"] = to_py_list(r.local_1q);
            out["local_2q"] = to_py_list(r.local_2q);
            out["local_meas"] = to_py_list(r.local_meas);
            out["remote_gates"] = pair_table(r.remote_gates, num_qpus);
            out["remote_pairs"] = pair_table(r.remote_pairs, num_qpus);
            out["cat_pairs"] = pair_table(r.cat_pairs, num_qpus);
            out["critical_path_s"] = r.critical_path_s;
            out["critical_path_bound_s"] = r.critical_path_bound_s;
            {
                py::dict first;  // Only the QPU pairs some operation takes pairs of (as remote_pairs).
                for (uint32_t a = 0; a < num_qpus; ++a) {
                    for (uint32_t b = a + 1; b < num_qpus; ++b) {
                        const double t = r.first_use_s[size_t(a) * num_qpus + b];
                        if (std::isfinite(t)) first[py::make_tuple(a, b)] = t;
                    }
                }
                out["first_use_s"] = first;
            }
            out["cat_exact"] = r.cat_exact;
            out["critical_path_exact"] = r.critical_path_exact;
            out["busiest_qubit_merges"] = to_py(r.busiest_qubit_merges);
            out["busiest_merge_qubit"] = r.busiest_merge_qubit;
            out["merge_schedule_depth"] = to_py(r.merge_schedule_depth);
            out["merge_schedule_exact"] = r.merge_schedule_exact;
            return out;
        },
        py::arg("qpu_of"), py::arg("num_qpus"), py::arg("t_1q"), py::arg("t_2q"), py::arg("t_meas"),
        py::arg("t_reset"), py::arg("t_remote"), py::arg("t_frame"), py::arg("schedule") = true,
        py::arg("repeat_iteration_budget") = 4096, py::kw_only(), py::arg("progress") = py::none(),
        "Remote-aware counts for a placement; remote_gates, remote_pairs and cat_pairs are {(a, b): count} over "
        "the QPU pairs a < b that have any; t_remote and t_frame are flattened k*k lists. t_remote: time a remote gate "
        "occupies its qubits; t_frame: time from its start until its byproduct corrections are known. Corrections "
        "are deferred: only an operation whose choice depends on one waits for it (a T after a deferred S-type "
        "correction turned non-diagonal, RZ(theta) on a pending X, an X-basis measurement after a deferred S-type "
        "correction; FrameRule in workload_counter.h). schedule=False: counts only (critical_path_s is the static "
        "bound, cat_pairs equal remote_pairs), much faster on long loops. critical_path_exact is False when a REPEAT "
        "was still in a transient after repeat_iteration_budget iterations (its latest growth extrapolated). Raises ValueError for a used qubit placed "
        "on no QPU. progress(done, total): the static pass (instructions and targets, total known), then with "
        "schedule the stateful pass (total 0: not known); every 2^20. Ctrl-C stops it either way.");
    cls.def(
        "unroll",
        [](const workload::Program &p, uint64_t max_ops) {
            auto ops = p.unroll(max_ops);
            py::list out;
            const auto &table = workload::gate_table();
            size_t made = 0;
            for (auto &op : ops) {
                // Python tuples cost ~5 us each (10^7 ops: a minute): Ctrl-C must not wait for all of them.
                if ((++made & 0xfff) == 0) raise_pending_signals();
                out.append(py::make_tuple(py::str(table[op.first].name), py::cast(op.second)));
            }
            return out;
        },
        py::arg("max_ops"),
        "Unrolled applications [(gate, targets)] for small circuits; rec[-k] targets appear as -k. Raises "
        "StateTooLargeError beyond max_ops. Ctrl-C stops it.");
    cls.def("pair_count", [](const workload::Program &p, uint32_t a, uint32_t b) {
        // Exact count for one pair (recounts; for tests and spot checks).
        const workload::Counts c = p.count();
        const uint64_t key = a < b ? (uint64_t(a) << 32 | b) : (uint64_t(b) << 32 | a);
        auto it = c.pairs.find(key);
        return to_py(it == c.pairs.end() ? 0 : it->second);
    }, py::arg("a"), py::arg("b"), "Exact two-qubit interaction count of the unordered pair (a, b).");

    // The read sizes stream_count_file takes, as the core states them (qnsim.estimate.count_gates_file states them too).
    m.attr("CHUNK_BYTES_RANGE") = workload::kChunkBytesRange.text();
    m.attr("MAX_CHUNK_BYTES") = py::int_(workload::kChunkBytesRange.high);
    m.attr("MIN_CHUNK_BYTES") = py::int_(workload::kChunkBytesRange.low);
    m.def(
        "stream_count_file",
        [](const std::string &path, InRange<qnsim::workload::kChunkBytesRange> chunk_bytes, const py::object &progress) {
            workload::Counts c;
            workload::Progress report = python_progress(progress, 1);  // after every chunk
            {
                py::gil_scoped_release release;
                c = workload::stream_count_file(path, chunk_bytes, &report);
            }
            return counts_to_dict(c);
        },
        py::arg("path"), py::arg("chunk_bytes") = size_t(1) << 22, py::kw_only(), py::arg("progress") = py::none(),
        "Streams an unrolled circuit file in chunks; same dict as WorkloadProgram.counts(). progress(done, total): "
        "bytes read and the file's size (0 if unknown), after every chunk. Ctrl-C stops it after the current chunk.");

    m.def("repairman_rate_hz",
          [](double rate_hz, InRange<qnsim::estimate::kRepairmanSharesRange> shares, double delay_s) {
              return qnsim::estimate::repairman_rate_hz(rate_hz, shares, delay_s);
          },
          py::arg("rate_hz"), py::arg("shares"),
          py::arg("delay_s"),
          "Throughput (Hz) of shares customers cycling through one exponential server of rate_hz (Hz) and a delay of "
          "mean delay_s (s): the exact machine-repairman law, bit for bit the estimator's Python recursion.");

    using Doubles = py::array_t<double, py::array::c_style | py::array::forcecast>;
    m.def("ordered_dot",
          [](const Doubles &a, const Doubles &b) {
              if (a.ndim() != 1 || b.ndim() != 1 || a.size() != b.size()) {
                  throw py::value_error("ordered_dot takes two 1-D arrays of one length, got shapes of " +
                                        std::to_string(a.ndim()) + " and " + std::to_string(b.ndim()) +
                                        " dimensions, " + std::to_string(a.size()) + " and " +
                                        std::to_string(b.size()) + " values");
              }
              return qnsim::estimate::ordered_dot(a.data(), b.data(), static_cast<size_t>(a.size()));
          },
          py::arg("a"), py::arg("b"),
          "sum a[i] * b[i], added in index order: the same float on every CPU (numpy.dot's BLAS kernel is the "
          "CPU's, and its partial sums move the last bits from one machine to another).");
    // The native engine's own exp, expm1, log, log1p and 10^x (cpp/core/portable_math.h): the same doubles on every
    // CPU and C library, where Python's math module and numpy move in their last bits from one machine to another.
    // The Python layer computes the engine's link parameters with them (qnsim._numerics).
    m.def("portable_exp", &qnsim::portable::exp, py::arg("x"), "e^x, the same double on every platform.");
    m.def("portable_expm1", &qnsim::portable::expm1, py::arg("x"), "e^x - 1, the same double on every platform.");
    m.def("portable_log", &qnsim::portable::log, py::arg("x"), "ln x, the same double on every platform.");
    m.def("portable_log1p", &qnsim::portable::log1p, py::arg("x"), "ln(1 + x), the same double on every platform.");
    m.def("portable_exp10", &qnsim::portable::exp10, py::arg("x"), "10^x, the same double on every platform.");
    // The same elementwise over an array: numpy's exp, log, expm1 and log1p take AVX-512 loops (and Intel's SVML)
    // on CPUs that have them, whose last bits differ from the baseline loops' (a QEC link's round timing moved
    // between an AVX-512 machine and the same machine with numpy's SIMD turned off).
    const auto elementwise = [&m](const char *name, double (*f)(double), const char *doc) {
        m.def(
            name,
            [f](const Doubles &x) {
                py::array_t<double> out(std::vector<py::ssize_t>(x.shape(), x.shape() + x.ndim()));
                const double *in = x.data();
                double *values = out.mutable_data();
                for (py::ssize_t i = 0; i < x.size(); i++) values[i] = f(in[i]);
                return out;
            },
            py::arg("x"), doc);
    };
    elementwise("portable_exp_array", &qnsim::portable::exp, "e^x of each value, the same doubles on every platform.");
    elementwise("portable_expm1_array", &qnsim::portable::expm1,
                "e^x - 1 of each value, the same doubles on every platform.");
    elementwise("portable_log_array", &qnsim::portable::log, "ln x of each value, the same doubles on every platform.");
    elementwise("portable_log1p_array", &qnsim::portable::log1p,
                "ln(1 + x) of each value, the same doubles on every platform.");
    m.def("ordered_matmul",
          [](const py::array &a_in, const py::array &b_in) -> py::array {
              // Complex when either side is: numpy's `@` promotes the same way.
              const bool complex_values = a_in.dtype().kind() == 'c' || b_in.dtype().kind() == 'c';
              if (a_in.ndim() != 2 || (b_in.ndim() != 1 && b_in.ndim() != 2)) {
                  throw py::value_error("ordered_matmul takes a 2-D array and a 1-D or 2-D array, got " +
                                        std::to_string(a_in.ndim()) + " and " + std::to_string(b_in.ndim()) +
                                        " dimensions");
              }
              const auto n = static_cast<size_t>(a_in.shape(0)), k = static_cast<size_t>(a_in.shape(1));
              const auto k_b = static_cast<size_t>(b_in.shape(0));
              const size_t m = b_in.ndim() == 2 ? static_cast<size_t>(b_in.shape(1)) : 1;
              if (k_b != k) {
                  throw py::value_error("ordered_matmul: the first array has " + std::to_string(k) +
                                        " columns and the second " + std::to_string(k_b) + " rows");
              }
              std::vector<py::ssize_t> shape{static_cast<py::ssize_t>(n)};
              if (b_in.ndim() == 2) shape.push_back(static_cast<py::ssize_t>(m));
              if (complex_values) {
                  using Complex = py::array_t<std::complex<double>, py::array::c_style | py::array::forcecast>;
                  const Complex a = Complex::ensure(a_in), b = Complex::ensure(b_in);
                  if (!a || !b) throw py::value_error("ordered_matmul takes numbers");
                  Complex out(shape);
                  const auto *a_data = reinterpret_cast<const double *>(a.data());
                  const auto *b_data = reinterpret_cast<const double *>(b.data());
                  auto *out_data = reinterpret_cast<double *>(out.mutable_data());
                  {
                      py::gil_scoped_release release;
                      qnsim::ordered_matmul_complex(a_data, b_data, out_data, n, k, m);
                  }
                  return std::move(out);
              }
              const Doubles a = Doubles::ensure(a_in), b = Doubles::ensure(b_in);
              if (!a || !b) throw py::value_error("ordered_matmul takes numbers");
              Doubles out(shape);
              {
                  py::gil_scoped_release release;
                  qnsim::ordered_matmul(a.data(), b.data(), out.mutable_data(), n, k, m);
              }
              return std::move(out);
          },
          py::arg("a"), py::arg("b"),
          "a @ b (a 2-D, b 1-D or 2-D; float64, or complex128 when either is complex) with each entry summed in "
          "index order, each product rounded before it is added: the same floats on every CPU (numpy's `@` is the "
          "CPU's BLAS kernel's, whose partial sums and fused multiply-adds move the last bits from one machine to "
          "another).");
    m.def("ordered_solve",
          [](const Doubles &a_in, const Doubles &b_in) {
              if (a_in.ndim() != 2 || a_in.shape(0) != a_in.shape(1) || b_in.ndim() != 1 ||
                  b_in.shape(0) != a_in.shape(0)) {
                  throw py::value_error("ordered_solve takes an n x n array and n values, got shapes of " +
                                        std::to_string(a_in.ndim()) + " and " + std::to_string(b_in.ndim()) +
                                        " dimensions");
              }
              const auto n = static_cast<size_t>(b_in.shape(0));
              std::vector<double> a(a_in.data(), a_in.data() + n * n);
              Doubles x(static_cast<py::ssize_t>(n));
              std::copy(b_in.data(), b_in.data() + n, x.mutable_data());
              bool solved;
              {
                  py::gil_scoped_release release;
                  solved = qnsim::ordered_solve(a.data(), x.mutable_data(), n);
              }
              if (!solved) {
                  throw py::value_error("ordered_solve: the matrix is singular (or holds NaN or inf): no unique "
                                        "solution");
              }
              return x;
          },
          py::arg("a"), py::arg("b"),
          "x with a @ x = b (a: n x n float64, b: n values), by Gaussian elimination with partial pivoting in index "
          "order: the same floats on every CPU (numpy.linalg.solve's LAPACK blocks run on the CPU's BLAS kernels). "
          "Raises ValueError for a singular matrix.");
    m.def("buffer_chain_levels",
          [](const Doubles &tail, double a0) {
              if (tail.ndim() != 1) throw py::value_error("buffer_chain_levels takes a 1-D tail array");
              std::vector<double> pi;
              {
                  py::gil_scoped_release release;
                  pi = qnsim::estimate::buffer_chain_levels(tail.data(), static_cast<size_t>(tail.size()), a0);
              }
              return py::array_t<double>(static_cast<py::ssize_t>(pi.size()), pi.data());
          },
          py::arg("tail"), py::arg("a0"),
          "The estimator's finite-buffer chain levels pi[0..b-1] from tail[m] = P(A >= m) (b + 2 values) and "
          "a0 = P(A = 0): every sum in index order, so the same floats on every CPU.");
}

}  // namespace qnsim_bindings
