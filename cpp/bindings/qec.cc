// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "bindings/bindings.h"
#include "qec/pair_queue.h"

namespace py = pybind11;

namespace qnsim_bindings {

namespace {

py::array_t<double> to_array(const std::vector<double> &values) {
    py::array_t<double> out(static_cast<py::ssize_t>(values.size()));
    std::copy(values.begin(), values.end(), out.mutable_data());
    return out;
}

}  // namespace

void bind_qec(py::module_ &m) {
    m.def(
        "trace_queue",
        [](const py::array_t<double, py::array::c_style | py::array::forcecast> &arrivals_s,
           InRange<qnsim::qec::kTracePairsRange> pairs, InRange<qnsim::qec::kTraceBufferRange> buffer, double cycle_s,
           double first_start_s, double repeat_s) {
            if (arrivals_s.ndim() != 1) throw py::value_error("arrivals_s must be a 1-d array of times (s)");
            qnsim::qec::TraceQueueRounds rounds;
            {
                py::gil_scoped_release release;
                rounds = qnsim::qec::run_trace_queue(arrivals_s.data(), static_cast<size_t>(arrivals_s.size()),
                                                     pairs, buffer, cycle_s, first_start_s, repeat_s);
            }
            return py::make_tuple(to_array(rounds.waits_s), to_array(rounds.stored_s));
        },
        py::arg("arrivals_s"), py::arg("pairs"), py::arg("buffer"), py::arg("cycle_s"), py::arg("first_start_s"),
        py::arg("repeat_s"),
        "A seam's Bell-pair queue run round by round over sorted arrival times (s; qnsim.qec.round_timing's "
        "'trace' arrivals), taken as one period of a pattern repeated repeat_s after its first arrival: returns "
        "(waits_s, stored_s), each counted round's wait beyond the cycle and each of its pairs' time in memory "
        "(pairs per round, round by round). See cpp/qec/pair_queue.h.");
}

}  // namespace qnsim_bindings
