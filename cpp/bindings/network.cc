// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bindings/bindings.h"
#include "core/errors.h"
#include "network/bell_pair.h"
#include "network/network.h"
#include "network/params.h"
#include "network/primitives.h"

namespace py = pybind11;
using qnsim::Network;

namespace qnsim_bindings {
namespace {

// One field of every record as a numpy array: the native tables cross to Python column by column.
template <class Record, class Field>
auto column(const std::vector<Record> &records, Field field) {
    using T = decltype(field(records.front()));
    py::array_t<T> out(records.size());
    // Through the raw pointer: mutable_at checks bounds per element, which cost more than the copy
    // itself (~60 ns per delivered pair for deliveries()).
    T *data = out.mutable_data();
    for (size_t i = 0; i < records.size(); i++) data[i] = field(records[i]);
    return out;
}

const std::vector<qnsim::TraceRecord> &no_records() {
    static const std::vector<qnsim::TraceRecord> none;
    return none;
}

// Trace records as a dict of numpy arrays (NativeNetwork.trace / take_trace), with the trace's counts.
py::dict trace_arrays(const qnsim::Network &n, const std::vector<qnsim::TraceRecord> &records) {
    using R = qnsim::TraceRecord;
    const qnsim::Trace *t = n.trace();
    py::dict out;
    out["time_ps"] = column(records, [](const R &r) { return r.time_ps; });
    out["kind"] = column(records, [](const R &r) { return static_cast<uint32_t>(r.kind); });
    out["request"] = column(records, [](const R &r) { return r.request; });
    out["node"] = column(records, [](const R &r) { return r.node; });
    out["other_node"] = column(records, [](const R &r) { return r.other_node; });
    out["slot"] = column(records, [](const R &r) { return r.slot; });
    out["other_slot"] = column(records, [](const R &r) { return r.other_slot; });
    out["generation"] = column(records, [](const R &r) { return r.generation; });
    out["other_generation"] = column(records, [](const R &r) { return r.other_generation; });
    out["value"] = column(records, [](const R &r) { return r.value; });
    out["omitted"] = t ? t->omitted() : 0;
    out["limit"] = t ? t->limit() : 0;
    return out;
}

// Keyword construction of a params struct: `NodeParams(name="a", t1_s=1.0)`. Each keyword must
// be one of the struct's fields (bound with def_readwrite); a wrong type becomes a
// ParameterError naming the field instead of pybind11's signature dump. Values are not
// range-checked here: validate() (called by the Network) is the one place for that.
template <typename T>
void keyword_init(py::class_<T> &cls, std::vector<std::string> fields) {
    cls.def(py::init([fields](const py::kwargs &kwargs) {
                T value;
                py::object self = py::cast(&value, py::return_value_policy::reference);
                for (auto item : kwargs) {
                    const std::string key = py::str(item.first);
                    if (std::find(fields.begin(), fields.end(), key) == fields.end()) {
                        std::string known;
                        for (const auto &f : fields) known += (known.empty() ? "" : ", ") + f;
                        throw qnsim::ParameterError(key, "is not a field of " + std::string(py::str(self.get_type().attr("__name__"))) +
                                                             " (fields: " + known + ")");
                    }
                    try {
                        py::setattr(self, item.first, item.second);
                    } catch (py::error_already_set &e) {
                        // TypeError for a wrong type, ValueError for an integer the native field cannot hold.
                        if (!e.matches(PyExc_TypeError) && !e.matches(PyExc_ValueError)) throw;
                        // Python checked the type already (qnsim.specs); what is left is a value the native
                        // type cannot hold, e.g. an integer beyond 2^32 for a count: told as the field's setter
                        // tells it ("Cls.channels must be in [0, 2**32 - 1], got -1"), the field's range. (This
                        // guessed "must not be negative (a count)" for a time, and "is too large for the native
                        // field" without the range.)
                        const py::handle v = item.second;
                        const bool flag = PyBool_Check(py::getattr(self, item.first).ptr());
                        const std::string owner = py::str(self.get_type().attr("__name__"));
                        const std::string said = py::str(e.value());
                        const std::string prefix = owner + "." + key + " ";
                        std::string why = flag ? "must be True or False, got " + short_repr(v)
                                               : "is of the wrong type, got " + short_repr(v);
                        if (!flag && e.matches(PyExc_ValueError) && said.rfind(prefix, 0) == 0) {
                            why = said.substr(prefix.size());
                        } else if (!flag && e.matches(PyExc_ValueError) && said.rfind(key + " ", 0) == 0) {
                            why = said.substr(key.size() + 1);  // a declared range's refusal, in the core's words
                        }
                        throw qnsim::ParameterError(key, why);
                    }
                }
                return value;
            }),
            "Keyword construction; every keyword is a field (see `fields`). Values are range-checked by validate().");
    py::tuple names(fields.size());
    for (size_t i = 0; i < fields.size(); i++) names[i] = fields[i];
    cls.attr("fields") = names;
}

// `Cls.ranges`: each integer field's declared range (network/params.h) as validate() and the setters state it, for the
// Python specs to state (and document) the same range rather than restate it; `Cls.range_notes`: the note each
// refusal adds after it (" (None: until the run ends)"), for the specs' refusals to say it too.
struct DeclaredRange {
    std::string field, text, note;
};
template <typename T>
void declare_ranges(py::class_<T> &cls, const std::vector<DeclaredRange> &ranges) {
    py::dict out, notes;
    for (const auto &range : ranges) {
        out[py::str(range.field)] = range.text;
        notes[py::str(range.field)] = range.note;
    }
    cls.attr("ranges") = out;
    cls.attr("range_notes") = notes;
}

// Indices name the entries the network has now (not std::vector::at's "vector::_M_range_check: __n (which is 5) >=
// this->size() (which is 0)", nor the index type's [0, 2**32 - 1] for -1): "request 5 is out of range: the network
// has 2 requests [0, 1]".
uint32_t checked_request(const Network &n, const StateRanged &request, const char *name = "request") {
    return within(request, name, n.num_requests(), "requests");
}
uint32_t checked_node(const Network &n, const StateRanged &node, const char *name = "node") {
    return within(node, name, n.num_nodes(), "nodes");
}
uint32_t checked_slot(const Network &n, const StateRanged &slot, const char *name = "slot") {
    return within(slot, name, n.num_slots(), "memory slots");
}

template <typename R>
auto slot_checked(R (Network::*accessor)(uint32_t) const) {
    return [accessor](const Network &n, const StateRanged &slot) { return (n.*accessor)(checked_slot(n, slot)); };
}

// A time field in picoseconds: read as an int, set from a CoreChecked: validate() checks its sign and names it in
// seconds as the user wrote it ("start_s must be >= 0 s"); beyond int64 the setter states [0, 2**63 - 1].
template <typename T>
auto time_get(int64_t T::*member) {
    return [member](const T &t) { return t.*member; };
}
template <typename T>
auto time_set(int64_t T::*member) {
    return [member](T &t, CoreChecked v) { t.*member = v; };
}
template <typename T>
auto optional_time_get(std::optional<int64_t> T::*member) {
    return [member](const T &t) { return t.*member; };
}
template <typename T>
auto optional_time_set(std::optional<int64_t> T::*member) {
    return [member](T &t, std::optional<CoreChecked> v) {
        t.*member = v ? std::optional<int64_t>(v->value) : std::nullopt;
    };
}

// An integer field with a declared range (network/params.h): any value its type holds is stored for validate() to
// check, one it cannot hold is refused stating the same range (InRange): "channels must be in [1, 1048576]" either
// way, where -1 was told its type's "[0, 2**32 - 1]".
template <const auto &Range, typename T>
auto ranged_get(decltype(Range.low) T::*member) {
    return [member](const T &t) { return t.*member; };
}
template <const auto &Range, typename T>
auto ranged_set(decltype(Range.low) T::*member) {
    return [member](T &t, InRange<Range> v) { t.*member = v; };
}
template <const auto &Range, typename T>
auto optional_ranged_get(std::optional<decltype(Range.low)> T::*member) {
    return [member](const T &t) { return t.*member; };
}
template <const auto &Range, typename T>
auto optional_ranged_set(std::optional<decltype(Range.low)> T::*member) {
    return [member](T &t, std::optional<InRange<Range>> v) {
        t.*member = v ? std::optional<decltype(Range.low)>(v->value) : std::nullopt;
    };
}

// A flag field: read as a bool, set from True/False only (Flag), not from anything with __bool__.
template <typename T>
auto flag_get(bool T::*member) {
    return [member](const T &t) { return t.*member; };
}
template <typename T>
auto flag_set(bool T::*member) {
    return [member](T &t, Flag v) { t.*member = v; };
}

void bind_enums(py::module_ &m) {
    py::enum_<qnsim::PurifyScheme>(m, "PurificationScheme", "Recurrence purification scheme of a request.")
        .value("none", qnsim::PurifyScheme::None)
        .value("bbpssw", qnsim::PurifyScheme::BBPSSW)
        .value("dejmps", qnsim::PurifyScheme::DEJMPS);
    py::enum_<qnsim::SwapSchedule>(m, "SwapSchedule", "Order in which a request's repeaters swap.")
        .value("asap", qnsim::SwapSchedule::ASAP)
        .value("nested", qnsim::SwapSchedule::Nested);
    py::enum_<qnsim::GenerationPolicy>(m, "GenerationPolicy",
                                       "When a request's links make pairs: continuous (a free memory attempts at once) "
                                       "or on_demand (a memory freed by a swap waits until its pair is delivered or "
                                       "lost).")
        .value("continuous", qnsim::GenerationPolicy::Continuous)
        .value("on_demand", qnsim::GenerationPolicy::OnDemand);
    py::enum_<qnsim::RequestStatus>(m, "RequestStatus", "Where a request stands.")
        .value("pending", qnsim::RequestStatus::Pending)
        .value("waiting", qnsim::RequestStatus::Waiting)
        .value("active", qnsim::RequestStatus::Active)
        .value("served", qnsim::RequestStatus::Served)
        .value("dropped", qnsim::RequestStatus::Dropped);
    py::enum_<qnsim::TraceKind>(m, "TraceKind", "What a trace record reports.")
        .value("link_pair", qnsim::TraceKind::LinkPair)
        .value("swap", qnsim::TraceKind::Swap)
        .value("purification_kept", qnsim::TraceKind::PurificationKept)
        .value("purification_failed", qnsim::TraceKind::PurificationFailed)
        .value("cutoff", qnsim::TraceKind::Cutoff)
        .value("delivery", qnsim::TraceKind::Delivery)
        .value("rejected", qnsim::TraceKind::Rejected)
        .value("served", qnsim::TraceKind::Served)
        .value("dropped", qnsim::TraceKind::Dropped)
        .value("purification", qnsim::TraceKind::Purification)
        .value("purification_measured", qnsim::TraceKind::PurificationMeasured)
        .value("purification_twirl", qnsim::TraceKind::PurificationTwirl);
    py::enum_<qnsim::HookKind>(m, "HookKind", "What a Python protocol is told about.")
        .value("pair_ready", qnsim::HookKind::PairReady)
        .value("message", qnsim::HookKind::Message)
        .value("timer", qnsim::HookKind::Timer)
        .value("pair_lost", qnsim::HookKind::PairLost);
}

void bind_params(py::module_ &m) {
    py::class_<qnsim::NodeParams> node(m, "NodeParams",
                                       "A node as the native network takes it (integer picosecond durations). "
                                       "Built by qnsim.Network.add_node from SI values.");
    node.def_readwrite("name", &qnsim::NodeParams::name)
        .def_property("num_memories", optional_ranged_get<qnsim::kNumMemoriesRange>(&qnsim::NodeParams::num_memories),
                      optional_ranged_set<qnsim::kNumMemoriesRange>(&qnsim::NodeParams::num_memories),
                      "memory qubits; None: as the links need")
        .def_readwrite("t1_s", &qnsim::NodeParams::t1_s)
        .def_readwrite("t2_s", &qnsim::NodeParams::t2_s)
        .def_readwrite("depolarizing_time_s", &qnsim::NodeParams::depolarizing_time_s)
        .def_readwrite("gate1_error", &qnsim::NodeParams::gate1_error)
        .def_readwrite("gate2_error", &qnsim::NodeParams::gate2_error)
        .def_readwrite("measure_error", &qnsim::NodeParams::measure_error)
        .def_property("gate1_ps", time_get(&qnsim::NodeParams::gate1_ps), time_set(&qnsim::NodeParams::gate1_ps))
        .def_property("gate2_ps", time_get(&qnsim::NodeParams::gate2_ps), time_set(&qnsim::NodeParams::gate2_ps))
        .def_property("measure_ps", time_get(&qnsim::NodeParams::measure_ps), time_set(&qnsim::NodeParams::measure_ps))
        .def("validate", &qnsim::NodeParams::validate, "Range checks; ParameterError naming the field.");
    declare_ranges(node, {{"num_memories", qnsim::kNumMemoriesRange.text(), qnsim::kNumMemoriesRange.note}});
    keyword_init(node, {"name", "num_memories", "t1_s", "t2_s", "depolarizing_time_s", "gate1_error", "gate2_error",
                        "measure_error", "gate1_ps", "gate2_ps", "measure_ps"});

    py::class_<qnsim::LinkParams> link(m, "LinkParams",
                                       "A heralded link as the native network takes it (integer picoseconds). Built by "
                                       "qnsim.Network.add_link from a link model.");
    link.def_readwrite("node_a", &qnsim::LinkParams::node_a)
        .def_readwrite("node_b", &qnsim::LinkParams::node_b)
        .def_property("channels", ranged_get<qnsim::kChannelsRange>(&qnsim::LinkParams::channels),
                      ranged_set<qnsim::kChannelsRange>(&qnsim::LinkParams::channels))
        .def_readwrite("success_probability", &qnsim::LinkParams::success_probability)
        .def_property("attempt_period_ps", time_get(&qnsim::LinkParams::attempt_period_ps), time_set(&qnsim::LinkParams::attempt_period_ps))
        .def_property("herald_delay_a_ps", time_get(&qnsim::LinkParams::herald_delay_a_ps), time_set(&qnsim::LinkParams::herald_delay_a_ps))
        .def_property("herald_delay_b_ps", time_get(&qnsim::LinkParams::herald_delay_b_ps), time_set(&qnsim::LinkParams::herald_delay_b_ps))
        .def_property("emission_lag_a_ps", time_get(&qnsim::LinkParams::emission_lag_a_ps), time_set(&qnsim::LinkParams::emission_lag_a_ps))
        .def_property("emission_lag_b_ps", time_get(&qnsim::LinkParams::emission_lag_b_ps), time_set(&qnsim::LinkParams::emission_lag_b_ps))
        .def_property("classical_delay_ps", time_get(&qnsim::LinkParams::classical_delay_ps), time_set(&qnsim::LinkParams::classical_delay_ps))
        .def_property("setup_delay_ps", time_get(&qnsim::LinkParams::setup_delay_ps), time_set(&qnsim::LinkParams::setup_delay_ps))
        .def_readwrite("first_round_probability", &qnsim::LinkParams::first_round_probability)
        .def_property("fixed_channels", flag_get(&qnsim::LinkParams::fixed_channels), flag_set(&qnsim::LinkParams::fixed_channels))
        .def_readwrite("bell_diagonal", &qnsim::LinkParams::bell_diagonal)
        .def_property(
            "state",
            [](const qnsim::LinkParams &p) -> py::object {
                if (p.state.empty()) return py::none();
                py::array_t<std::complex<double>> out({4, 4});
                std::copy(p.state.begin(), p.state.end(), out.mutable_data());
                return std::move(out);
            },
            [](qnsim::LinkParams &p, const py::object &value) {
                p.state.clear();
                if (value.is_none()) return;
                auto arr = qnsim_bindings::complex_array(value, "LinkParams.state");
                if (!arr || arr.size() != 16) {
                    throw qnsim::ParameterError("state", "must be a 4x4 complex matrix or None, got " +
                                                             std::string(py::repr(value)));
                }
                p.state.assign(arr.data(), arr.data() + 16);
            },
            "exact 4x4 delivered state (density formalism), or None")
        .def("validate", &qnsim::LinkParams::validate, "Range checks; ParameterError naming the field.");
    declare_ranges(link, {{"channels", qnsim::kChannelsRange.text(), qnsim::kChannelsRange.note}});
    keyword_init(link, {"node_a", "node_b", "channels", "success_probability", "attempt_period_ps", "herald_delay_a_ps",
                        "herald_delay_b_ps", "emission_lag_a_ps", "emission_lag_b_ps", "classical_delay_ps",
                        "setup_delay_ps", "first_round_probability",
                        "fixed_channels", "bell_diagonal", "state"});

    py::class_<qnsim::RequestParams> request(m, "RequestParams",
                                             "An end-to-end request as the native network takes it (integer "
                                             "picoseconds). Built by qnsim.Network.request.");
    request.def_readwrite("path", &qnsim::RequestParams::path)
        .def_property("num_pairs", optional_ranged_get<qnsim::kNumPairsRange>(&qnsim::RequestParams::num_pairs),
                      optional_ranged_set<qnsim::kNumPairsRange>(&qnsim::RequestParams::num_pairs))
        .def_property("start_ps", time_get(&qnsim::RequestParams::start_ps), time_set(&qnsim::RequestParams::start_ps))
        .def_property("cutoff_ps", optional_time_get(&qnsim::RequestParams::cutoff_ps), optional_time_set(&qnsim::RequestParams::cutoff_ps))
        .def_property("deadline_ps", optional_time_get(&qnsim::RequestParams::deadline_ps), optional_time_set(&qnsim::RequestParams::deadline_ps))
        .def_readwrite("purification", &qnsim::RequestParams::purification)
        .def_property("purification_rounds",
                      ranged_get<qnsim::kPurificationRoundsRange>(&qnsim::RequestParams::purification_rounds),
                      ranged_set<qnsim::kPurificationRoundsRange>(&qnsim::RequestParams::purification_rounds))
        .def_property(
            "end_to_end_purification_rounds",
            ranged_get<qnsim::kPurificationRoundsRange>(&qnsim::RequestParams::end_to_end_purification_rounds),
            ranged_set<qnsim::kPurificationRoundsRange>(&qnsim::RequestParams::end_to_end_purification_rounds))
        .def_property("keep_pairs", flag_get(&qnsim::RequestParams::keep_pairs), flag_set(&qnsim::RequestParams::keep_pairs))
        .def_property("python_protocol", flag_get(&qnsim::RequestParams::python_protocol), flag_set(&qnsim::RequestParams::python_protocol))
        .def_property("memories_per_link",
                      ranged_get<qnsim::kMemoriesPerLinkRange>(&qnsim::RequestParams::memories_per_link),
                      ranged_set<qnsim::kMemoriesPerLinkRange>(&qnsim::RequestParams::memories_per_link))
        .def_readwrite("min_fidelity", &qnsim::RequestParams::min_fidelity)
        .def_readwrite("swap_schedule", &qnsim::RequestParams::swap_schedule)
        .def_property("swap_handshake", flag_get(&qnsim::RequestParams::swap_handshake), flag_set(&qnsim::RequestParams::swap_handshake))
        .def_property("purification_handshake", flag_get(&qnsim::RequestParams::purification_handshake),
                      flag_set(&qnsim::RequestParams::purification_handshake))
        .def_readwrite("generation", &qnsim::RequestParams::generation)
        .def("validate", &qnsim::RequestParams::validate, "Range checks; ParameterError naming the field.");
    declare_ranges(request, {{"num_pairs", qnsim::kNumPairsRange.text(), qnsim::kNumPairsRange.note},
                             {"purification_rounds", qnsim::kPurificationRoundsRange.text(), qnsim::kPurificationRoundsRange.note},
                             {"end_to_end_purification_rounds", qnsim::kPurificationRoundsRange.text(), qnsim::kPurificationRoundsRange.note},
                             {"memories_per_link", qnsim::kMemoriesPerLinkRange.text(), qnsim::kMemoriesPerLinkRange.note}});
    keyword_init(request, {"path", "num_pairs", "start_ps", "cutoff_ps", "deadline_ps", "purification",
                           "purification_rounds", "end_to_end_purification_rounds", "keep_pairs", "python_protocol",
                           "memories_per_link", "min_fidelity", "swap_schedule", "swap_handshake", "purification_handshake",
                           "generation"});

    py::class_<qnsim::RequestStats>(m, "RequestStats", "What became of a request (aggregates over every delivery).")
        .def_readonly("status", &qnsim::RequestStats::status)
        .def_readonly("delivered", &qnsim::RequestStats::delivered)
        .def_readonly("rejected_low_fidelity", &qnsim::RequestStats::rejected_low_fidelity)
        .def_readonly("fidelity_sum", &qnsim::RequestStats::fidelity_sum)
        .def_readonly("fidelity_sq_sum", &qnsim::RequestStats::fidelity_sq_sum)
        .def_readonly("fidelity_m2", &qnsim::RequestStats::fidelity_m2,
                      "Sum of squared deviations of the delivered fidelities from their mean (Welford).")
        .def_readonly("concurrence_sum", &qnsim::RequestStats::concurrence_sum)
        .def_readonly("unentangled", &qnsim::RequestStats::unentangled)
        .def_readonly("bell_diagonal_sum", &qnsim::RequestStats::bell_diagonal_sum,
                      "Sum of the delivered pairs' <B|rho|B>, B = (Phi+, Psi+, Psi-, Phi-).")
        .def_readonly("age_sum_ps", &qnsim::RequestStats::age_sum_ps,
                      "Sum of the delivered pairs' ages in ps (delivery minus the older end's emission).")
        .def_readonly("cutoff_discards", &qnsim::RequestStats::cutoff_discards)
        .def_readonly("purification_failures", &qnsim::RequestStats::purification_failures)
        .def_readonly("admitted_ps", &qnsim::RequestStats::admitted_ps)
        .def_readonly("first_delivery_ps", &qnsim::RequestStats::first_delivery_ps)
        .def_readonly("last_delivery_ps", &qnsim::RequestStats::last_delivery_ps)
        .def_readonly("finished_ps", &qnsim::RequestStats::finished_ps)
        .def_readonly("drop_reason", &qnsim::RequestStats::drop_reason);

    py::class_<qnsim::NetworkCounters>(m, "NetworkCounters", "Whole-network event counts.")
        .def_readonly("attempts", &qnsim::NetworkCounters::attempts)
        .def_readonly("link_pairs", &qnsim::NetworkCounters::link_pairs)
        .def_readonly("swaps", &qnsim::NetworkCounters::swaps)
        .def_readonly("purifications", &qnsim::NetworkCounters::purifications)
        .def_readonly("purification_failures", &qnsim::NetworkCounters::purification_failures)
        .def_readonly("cutoff_discards", &qnsim::NetworkCounters::cutoff_discards);
}

qnsim::OperationNoise operation_noise(double gate1_error, double gate2_error, double measure_error) {
    qnsim::NodeParams p;
    p.name = "node";
    p.gate1_error = gate1_error;
    p.gate2_error = gate2_error;
    p.measure_error = measure_error;
    p.validate();  // the node's checks are the checks of its noise
    return p.noise();
}

/// The qubits a primitive is given, checked before it acts: each a live handle of `reg`, none given
/// twice. A handle that only receives a correction is otherwise touched only on some measurement
/// outcomes, so an unknown one would pass silently whenever the correction is the identity.
void require_distinct_live_qubits(const qnsim::QubitRegistry &reg, const char *primitive,
                                  std::initializer_list<std::pair<const char *, uint64_t>> qubits) {
    for (auto it = qubits.begin(); it != qubits.end(); ++it) {
        if (!reg.is_alive(it->second)) {
            throw qnsim::UnknownQubitError(
                qnsim::msg(primitive, ": ", it->first, " = ", it->second, " is not a live qubit of this registry"));
        }
        for (auto other = qubits.begin(); other != it; ++other) {
            if (other->second == it->second) {
                throw std::invalid_argument(qnsim::msg(primitive, ": ", other->first, " and ", it->first,
                                                       " are the same qubit ", it->second));
            }
        }
    }
}

}  // namespace

void bind_primitives(py::module_ &m) {
    m.def(
        "entanglement_swap",
        [](qnsim::QubitRegistry &reg, uint64_t a, uint64_t b, uint64_t y, double g1, double g2, double me) {
            require_distinct_live_qubits(reg, "entanglement_swap", {{"a", a}, {"b", b}, {"y", y}});
            return qnsim::entanglement_swap(reg, operation_noise(g1, g2, me), a, b, y);
        },
        py::arg("registry"), py::arg("a"), py::arg("b"), py::arg("y"), py::arg("gate1_error") = 0.0,
        py::arg("gate2_error") = 0.0, py::arg("measure_error") = 0.0);
    m.def(
        "purify_round",
        [](qnsim::QubitRegistry &reg, qnsim::PurifyScheme scheme, uint64_t a1, uint64_t b1, uint64_t a2, uint64_t b2,
           double g1, double g2, double me) {
            if (scheme == qnsim::PurifyScheme::None) {
                throw qnsim::ParameterError("scheme", "must be bbpssw or dejmps for a purification round, got none");
            }
            const auto n = operation_noise(g1, g2, me);
            require_distinct_live_qubits(reg, "purify_round", {{"a1", a1}, {"b1", b1}, {"a2", a2}, {"b2", b2}});
            return qnsim::purify_round(reg, scheme, n, n, a1, b1, a2, b2);
        },
        py::arg("registry"), py::arg("scheme"), py::arg("a1"), py::arg("b1"), py::arg("a2"), py::arg("b2"),
        py::arg("gate1_error") = 0.0, py::arg("gate2_error") = 0.0, py::arg("measure_error") = 0.0);
    m.def(
        "teleport",
        [](qnsim::QubitRegistry &reg, uint64_t data, uint64_t a, uint64_t b, double g1, double g2, double me) {
            require_distinct_live_qubits(reg, "teleport", {{"data", data}, {"a", a}, {"b", b}});
            return qnsim::teleport(reg, operation_noise(g1, g2, me), data, a, b);
        },
        py::arg("registry"), py::arg("data"), py::arg("a"), py::arg("b"), py::arg("gate1_error") = 0.0,
        py::arg("gate2_error") = 0.0, py::arg("measure_error") = 0.0);
    m.def(
        "remote_cnot",
        [](qnsim::QubitRegistry &reg, uint64_t control, uint64_t a, uint64_t b, uint64_t target, double g1, double g2,
           double me) {
            const auto n = operation_noise(g1, g2, me);
            require_distinct_live_qubits(reg, "remote_cnot",
                                         {{"control", control}, {"a", a}, {"b", b}, {"target", target}});
            return qnsim::remote_cnot(reg, n, n, control, a, b, target);
        },
        py::arg("registry"), py::arg("control"), py::arg("a"), py::arg("b"), py::arg("target"),
        py::arg("gate1_error") = 0.0, py::arg("gate2_error") = 0.0, py::arg("measure_error") = 0.0);
}

namespace {

// Bell coefficients from Python, checked as a link's are (ParameterError naming `field`).
qnsim::BellPair bell_pair_from(const std::array<double, 4> &c, const char *field) {
    qnsim::LinkParams check;  // a link's checks are the checks of Bell coefficients
    check.bell_diagonal = c;
    try {
        check.validate();
    } catch (const qnsim::ParameterError &e) {
        throw qnsim::ParameterError(field, std::string(e.what()).substr(e.field.size() + 1));
    }
    std::array<double, 4> clipped = c;
    qnsim::clip_bell_diagonal(clipped.data());
    return qnsim::BellPair::from_coefficients(clipped);
}

}  // namespace

void bind_bell_diagonal(py::module_ &m) {
    m.def(
        "bell_diagonal_swap",
        [](const std::array<double, 4> &left, const std::array<double, 4> &right, double g1, double g2, double me) {
            return qnsim::swap_pairs(bell_pair_from(left, "left"), bell_pair_from(right, "right"),
                                     operation_noise(g1, g2, me))
                .coefficients();
        },
        py::arg("left"), py::arg("right"), py::arg("gate1_error") = 0.0, py::arg("gate2_error") = 0.0,
        py::arg("measure_error") = 0.0,
        "Closed-form entanglement swap of two Bell-diagonal pairs (coefficients Phi+, Psi+, Psi-, Phi-) with the "
        "swapping node's noise, averaged over the outcomes: the bell_diagonal formalism's swap.");
    m.def(
        "bell_diagonal_purify",
        [](const std::array<double, 4> &pair1, const std::array<double, 4> &pair2, qnsim::PurifyScheme scheme, double g1,
           double g2, double me, std::optional<double> g1_b, std::optional<double> g2_b, std::optional<double> me_b) {
            if (scheme == qnsim::PurifyScheme::None) {
                throw qnsim::ParameterError("scheme", "must be bbpssw or dejmps for a purification round, got none");
            }
            // Each node's errors act at that node, as in a network request's round (purification.cc).
            const auto na = operation_noise(g1, g2, me);
            const auto nb = operation_noise(g1_b.value_or(g1), g2_b.value_or(g2), me_b.value_or(me));
            const auto r =
                qnsim::purify_pairs(bell_pair_from(pair1, "pair1"), bell_pair_from(pair2, "pair2"), scheme, na, nb);
            return std::make_pair(r.success_probability, r.kept.coefficients());
        },
        py::arg("pair1"), py::arg("pair2"), py::arg("scheme"), py::arg("gate1_error") = 0.0, py::arg("gate2_error") = 0.0,
        py::arg("measure_error") = 0.0, py::arg("gate1_error_b") = py::none(), py::arg("gate2_error_b") = py::none(),
        py::arg("measure_error_b") = py::none(),
        "Closed-form recurrence round on two Bell-diagonal pairs: (success probability, kept pair's coefficients "
        "given success). The bell_diagonal formalism's purification. gate1_error, gate2_error and measure_error are "
        "node A's noise; gate1_error_b, gate2_error_b and measure_error_b node B's (None: the same as node "
        "A's).");
}

void bind_network(py::module_ &m) {
    // Each link takes 2 * channels memory slots; topology builders refuse shapes beyond this early.
    m.attr("MAX_SLOTS") = py::int_(qnsim::kMaxSlots);
    // The one tolerance of Bell coefficients and fidelities (core/errors.h), read by the Python layer's checks.
    m.attr("PROBABILITY_TOLERANCE") = py::float_(qnsim::kProbabilityTolerance);
    // The most memory qubits a node holds; hardware models (Memory, a Source's modes) refuse more when built.
    m.attr("MAX_MEMORIES_PER_NODE") = py::int_(qnsim::kMaxMemoriesPerNode);
    // The range of a record limit (max_records, set_trace) as the core states it, for the Python layer to state too.
    m.attr("RECORD_LIMIT_RANGE") = qnsim::kRecordLimitRange.text();
    m.attr("MAX_RECORDS") = py::int_(qnsim::kRecordLimitRange.high);
    // Native threads of a run_seeds batch (0: every core), as the core states the range.
    m.attr("THREADS_RANGE") = qnsim::kThreadsRange.text();
    m.attr("MAX_THREADS") = py::int_(qnsim::kThreadsRange.high);
    bind_enums(m);
    bind_params(m);
    bind_primitives(m);
    bind_bell_diagonal(m);
    py::class_<Network> c(m, "NativeNetwork",
                          "Native event-driven network (nodes, heralded links, repeater protocols). Use qnsim.Network, "
                          "which converts SI units and hardware models into these integer-picosecond parameters.");
    c.def(py::init([](const std::string &formalism, std::optional<Seed> seed) {
              return std::make_unique<Network>(qnsim::parse_formalism(formalism), qnsim::seed_or_entropy(plain(seed)));
          }),
          py::arg("formalism") = "density_matrix", py::arg("seed") = py::none());
    c.def("add_node", &Network::add_node, py::arg("params"), "Validates and adds a node; returns its index.");
    c.def("add_link", &Network::add_link, py::arg("params"), "Validates and adds a link; returns its index.");
    c.def("add_request", &Network::add_request, py::arg("params"), "Validates and adds a request; returns its index.");
    c.def(
        "add_chain",
        [](Network &n, const qnsim::NodeParams &node, const qnsim::LinkParams &link, const StateRanged &count) {
            if (count.beyond || count.value < 0 || count.value > std::numeric_limits<uint32_t>::max()) {
                link.validate();  // the range depends on its channels
                throw qnsim::ParameterError("count", "must be in " + n.chain_count_range(link) + ", got " + count.text);
            }
            return n.add_chain(node, link, static_cast<uint32_t>(count.value));
        },
        py::arg("node"), py::arg("link"), py::arg("count"),
          "Adds `count` nodes like `node` (named node.name + index) in a line, joined by links like `link`; returns "
          "the first node's index (the chain's nodes are consecutive). The bulk path for very long chains.");
    c.def_property(
        "max_records", &Network::max_records,
        [](Network &n, InRange<qnsim::kMaxRecordsRange> limit) { n.set_max_records(limit); },
        "Delivery records kept (aggregates in request_stats continue beyond it); at most 10^8.");
    c.def_property_readonly("num_requests", &Network::num_requests);
    c.def("request_stats", [](const Network &n, const StateRanged &r) { return n.request_stats(checked_request(n, r)); },
          py::arg("request"), py::return_value_policy::copy,
          "Status and aggregates of a request.");
    c.def(
        "run",
        [](Network &n, CoreChecked until_ps, Flag hand_over) {
            // Ctrl-C stops a long run between two events; the GIL is held throughout (Python
            // protocols run inside), so the check is a flag read.
            const InterruptCheckScope<Network> interruptible(n, raise_pending_signals);
            try {
                n.run(until_ps, hand_over);
            } catch (const qnsim::RunInterrupted &e) {
                // A Ctrl-C deferred to the end of its event (request_interrupt): the same exception
                // as one raised between events by the check.
                PyErr_SetString(PyExc_KeyboardInterrupt, e.what());
                throw py::error_already_set();
            }
        },
        py::arg("until_ps"), py::arg("hand_over") = true,
        "Runs every event up to until_ps (now_ps is then until_ps). hand_over=False skips bringing kept pairs up "
        "to date (for intermediate chunks of one run; results do not depend on the chunks). Ctrl-C stops it between "
        "two events; a later run continues it as if uninterrupted.");
    c.def(
        "run_seeds",
        [](const Network &n, const Seeds &seeds, NonNegative<int64_t> until_ps, InRange<qnsim::kThreadsRange> threads,
           const std::optional<py::function> &check) {
            std::vector<std::unique_ptr<Network>> out;
            {
                py::gil_scoped_release release;  // native threads; no Python runs in between
                // While the workers run, this thread only waits: it takes the GIL every ~20 ms to let
                // Ctrl-C (or any signal handler that raises) stop the batch, and the caller's check
                // (a sweep's hold on its out): a sweep taken over while its batch ran found out only
                // when the batch's call returned, and ran every seed of it for nothing.
                out = n.run_seeds(seeds, until_ps, threads, [&check] {
                    py::gil_scoped_acquire gil;
                    raise_pending_signals();
                    if (check) (*check)();
                });
            }
            return out;
        },
        py::arg("seeds"), py::arg("until_ps"), py::arg("threads") = 0, py::arg("check") = py::none(),
        "For each seed, a copy of this (not yet run) network with that seed, run to until_ps on native threads "
        "(0: all cores); result i equals a network built with seeds[i] and run alone. check() (None: none) is "
        "called with the GIL about every 20 ms of wall time while the threads run; what it raises stops every run "
        "at its next check point and is raised from here, as Ctrl-C is.");
    // As StabilizerSimulator.seed: a network made with seed=None drew its seed from entropy and kept it to itself.
    c.def_property_readonly("seed", &Network::seed,
                            "The seed of every random stream: the one given, or the one drawn when seed=None "
                            "(NativeNetwork(formalism, seed=net.seed) with the same description repeats its run).");
    c.def_property_readonly("now_ps", &Network::now_ps);
    c.def_property_readonly("running", &Network::running,
                            "True while run() handles an event (a protocol hook): the description cannot change.");
    c.def_property_readonly("in_hook", &Network::in_hook, "True while a protocol hook runs.");
    c.def_property_readonly(
        "hook_failed_ps", [](const Network &n) -> std::optional<int64_t> {
            if (n.hook_failed_ps() < 0) return std::nullopt;
            return n.hook_failed_ps();
        },
        "Time (ps) of the event inside which a protocol hook raised (None: never); run() refuses to go on from it.");
    c.def_property_readonly("events_pending", &Network::events_pending, "Events scheduled and not yet run.");
    c.def("request_interrupt", &Network::request_interrupt,
          "Stops the current run() with KeyboardInterrupt once the event being handled is done.");
    c.def_property_readonly("events_processed", &Network::events_processed,
                            "Events handled so far (not counting timeouts_voided).");
    c.def_property_readonly("timeouts_voided", &Network::timeouts_voided,
                            "Cutoffs of link pairs whose two qubits were both gone before them (swapped, delivered "
                            "or discarded): taken out of the event queue unhandled, not counted in events_processed.");
    c.def_property_readonly("num_nodes", &Network::num_nodes);
    c.def_property_readonly("num_links", &Network::num_links);
    c.def_property_readonly("num_slots", &Network::num_slots,
                            "Memory slots of every node: a slot index is in [0, num_slots).");
    c.def("occupied_slots", &Network::occupied_slots);
    c.def_property_readonly("live_qubits", &Network::live_qubits,
                            "Live qubits of the network's states (two per pair in the bell_diagonal formalism).");
    c.def_property_readonly("formalism", [](const Network &n) { return qnsim::formalism_name(n.formalism()); });
    c.def("delivered", [](const Network &n, const StateRanged &r) { return n.delivered(checked_request(n, r)); },
          py::arg("request"));
    c.def(
        "deliveries",
        [](const Network &n) {
            using D = qnsim::Delivery;
            const auto &d = n.deliveries();
            py::dict out;
            out["request"] = column(d, [](const D &r) { return r.request; });
            out["time_ps"] = column(d, [](const D &r) { return r.time_ps; });
            out["oldest_emission_ps"] = column(d, [](const D &r) { return r.oldest_emission_ps; });
            out["fidelity"] = column(d, [](const D &r) { return r.fidelity; });
            out["concurrence"] = column(d, [](const D &r) { return r.concurrence; });
            py::array_t<double> bell({d.size(), size_t{4}});
            double *b = bell.mutable_data();  // C order, freshly allocated: row i starts at 4 i
            for (size_t i = 0; i < d.size(); i++) {
                for (size_t k = 0; k < 4; k++) b[4 * i + k] = d[i].bell_diagonal[k];
            }
            out["bell_diagonal"] = bell;
            out["qubit_src"] = column(d, [](const D &r) { return r.qubit_src; });
            out["qubit_dst"] = column(d, [](const D &r) { return r.qubit_dst; });
            return out;
        },
        "Delivered pairs as a dict of numpy arrays (concurrence -1 where the formalism has none per pair; "
        "bell_diagonal: n x 4, <B|rho|B> for B = Phi+, Psi+, Psi-, Phi-).");
    c.def(
        "set_trace", [](Network &n, InRange<qnsim::kTraceLimitRange> limit) { n.set_trace(limit); }, py::arg("limit"),
        "Records protocol steps, keeping the first `limit` records (0: off, the default).");
    c.def_property_readonly(
        "trace_omitted", [](const Network &n) -> uint64_t { return n.trace() ? n.trace()->omitted() : 0; },
        "Trace records not kept because the limit was reached.");
    c.def_property_readonly(
        "trace_limit", [](const Network &n) -> uint64_t { return n.trace() ? n.trace()->limit() : 0; },
        "The trace's record limit (0: not tracing).");
    c.def(
        "trace", [](const Network &n) { return trace_arrays(n, n.trace() ? n.trace()->records() : no_records()); },
        "The trace's records held (all those kept, unless take_trace took some) as a dict of numpy arrays (kind: "
        "TraceKind values), plus `omitted` (records past the limit) and `limit`.");
    c.def(
        "take_trace", [](Network &n) { return trace_arrays(n, n.take_trace()); },
        "As trace(), and the network holds the records no more (a trace streamed to a file takes them as the run "
        "goes, from the trace sink); the limit still counts them.");
    c.def(
        "set_trace_sink",
        [](Network &n, std::optional<py::function> sink) {
            if (n.running()) throw qnsim::QnsimError("set_trace_sink: the network is running; set it before run()");
            if (!sink) return n.set_trace_sink(nullptr);
            // Called by run() between two events with the GIL held (runs hold it throughout).
            n.set_trace_sink([f = *sink] { f(); });
        },
        py::arg("sink"),
        "sink() is called between two events every 16384 events of a run while the trace holds records (to take "
        "them with take_trace); None: never. What it raises stops the run between two events, as Ctrl-C does.");
    c.def("counters", &Network::counters, py::return_value_policy::copy);
    c.def("release_pair", &Network::release_pair, py::arg("qubit_src"), py::arg("qubit_dst"));
    c.def_property_readonly("registry", &Network::registry, py::return_value_policy::reference_internal);
    c.def("set_protocol_hook", [](Network &n, py::function f) {
        n.set_protocol_hook(
            [f](qnsim::HookKind kind, uint32_t node, uint32_t slot, uint64_t extra) { f(kind, node, slot, extra); });
    });
    c.def(
        "swap_slots",
        [](Network &n, const StateRanged &node, const StateRanged &slot_a, const StateRanged &slot_b) {
            // Checked in order (a call's arguments are evaluated in no set order): the first bad one is named.
            const uint32_t at = checked_node(n, node), a = checked_slot(n, slot_a, "slot_a");
            return n.swap_slots(at, a, checked_slot(n, slot_b, "slot_b"));
        },
        py::arg("node"), py::arg("slot_a"), py::arg("slot_b"));
    c.def(
        "deliver_slots",
        [](Network &n, const StateRanged &request, const StateRanged &slot_src, const StateRanged &slot_dst) {
            const uint32_t r = checked_request(n, request), src = checked_slot(n, slot_src, "slot_src");
            n.deliver_slots(r, src, checked_slot(n, slot_dst, "slot_dst"));
        },
        py::arg("request"), py::arg("slot_src"), py::arg("slot_dst"));
    c.def(
        "discard_slot_pair", [](Network &n, const StateRanged &slot) { n.discard_slot_pair(checked_slot(n, slot)); },
        py::arg("slot"));
    c.def(
        "deliver_end_slot",
        [](Network &n, const StateRanged &request, const StateRanged &slot) {
            const uint32_t r = checked_request(n, request);
            n.deliver_end_slot(r, checked_slot(n, slot));
        },
        py::arg("request"), py::arg("slot"),
        "One end of the request's end-to-end pair uses its qubit now; the second end's call books the delivery.");
    c.def(
        "send_message",
        [](Network &n, const StateRanged &from_node, const StateRanged &to_node, uint64_t message_id) {
            const uint32_t from = checked_node(n, from_node, "from_node");
            return n.send_message(from, checked_node(n, to_node, "to_node"), message_id);
        },
        py::arg("from_node"), py::arg("to_node"), py::arg("message_id"));
    c.def(
        "schedule_timer",
        [](Network &n, NonNegative<int64_t> delay_ps, const StateRanged &node, uint64_t timer_id) {
            n.schedule_timer(delay_ps, checked_node(n, node), timer_id);
        },
        py::arg("delay_ps"), py::arg("node"), py::arg("timer_id"));
    c.def("slot_node", slot_checked(&Network::slot_node), py::arg("slot"));
    c.def("slot_partner", slot_checked(&Network::slot_partner), py::arg("slot"));
    c.def("slot_link", slot_checked(&Network::slot_link), py::arg("slot"));
    c.def("slot_qubit", slot_checked(&Network::slot_qubit), py::arg("slot"));
    c.def("slot_emission_ps", slot_checked(&Network::slot_emission_ps), py::arg("slot"),
          "Emission time (ps) of the slot's qubit: when its link-level pair was emitted.");
    c.def("slot_generation", slot_checked(&Network::slot_generation), py::arg("slot"),
          "The slot's generation: advances whenever its qubit leaves it, so (slot, generation) names one "
          "stored qubit.");
    c.def("slot_pair_fidelity", slot_checked(&Network::slot_pair_fidelity), py::arg("slot"),
          "Fidelity of the slot's pair now, computed without changing the network (stabilizer: the "
          "expectation over the decay not yet drawn).");
    c.def(
        "classical_latency",
        [](Network &n, const StateRanged &a, const StateRanged &b) {
            const uint32_t first = checked_node(n, a, "a");
            return n.classical_latency(first, checked_node(n, b, "b"));
        },
        py::arg("a"), py::arg("b"));
}

}  // namespace qnsim_bindings
