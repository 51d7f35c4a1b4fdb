#include <pybind11/functional.h>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <limits>
#include <optional>

#include "bindings/bindings.h"
#include "core/errors.h"
#include "network/network.h"
#include "network/protocols.h"

namespace py = pybind11;
using qnsim::Network;

namespace qnsim_bindings {
namespace {

qnsim::PurifyScheme parse_scheme(const std::string &s) {
    if (s == "none" || s.empty()) return qnsim::PurifyScheme::None;
    if (s == "bbpssw") return qnsim::PurifyScheme::BBPSSW;
    if (s == "dejmps") return qnsim::PurifyScheme::DEJMPS;
    throw std::invalid_argument("unknown purification scheme '" + s + "'; use 'bbpssw', 'dejmps' or 'none'");
}

}  // namespace

void bind_protocols(py::module_ &m) {
    auto noise = [](double g1, double g2, double me) {
        const char *names[3] = {"gate1_error", "gate2_error", "measure_error"};
        const double values[3] = {g1, g2, me};
        for (int i = 0; i < 3; i++) {
            if (!(values[i] >= 0 && values[i] <= 1)) {
                throw std::invalid_argument(qnsim::msg(names[i], " must be a probability in [0, 1], got ", values[i]));
            }
        }
        return qnsim::OperationNoise{g1, g2, me};
    };
    m.def(
        "entanglement_swap",
        [noise](qnsim::QubitRegistry &reg, uint64_t a, uint64_t b, uint64_t y, double g1, double g2, double me) {
            return qnsim::entanglement_swap(reg, noise(g1, g2, me), a, b, y);
        },
        py::arg("registry"), py::arg("a"), py::arg("b"), py::arg("y"), py::arg("gate1_error") = 0.0,
        py::arg("gate2_error") = 0.0, py::arg("measure_error") = 0.0);
    m.def(
        "purify_round",
        [noise](qnsim::QubitRegistry &reg, const std::string &scheme, uint64_t a1, uint64_t b1, uint64_t a2, uint64_t b2,
                double g1, double g2, double me) {
            const auto n = noise(g1, g2, me);
            return qnsim::purify_round(reg, parse_scheme(scheme), n, n, a1, b1, a2, b2);
        },
        py::arg("registry"), py::arg("scheme"), py::arg("a1"), py::arg("b1"), py::arg("a2"), py::arg("b2"),
        py::arg("gate1_error") = 0.0, py::arg("gate2_error") = 0.0, py::arg("measure_error") = 0.0);
    m.def(
        "teleport",
        [noise](qnsim::QubitRegistry &reg, uint64_t data, uint64_t a, uint64_t b, double g1, double g2, double me) {
            return qnsim::teleport(reg, noise(g1, g2, me), data, a, b);
        },
        py::arg("registry"), py::arg("data"), py::arg("a"), py::arg("b"), py::arg("gate1_error") = 0.0,
        py::arg("gate2_error") = 0.0, py::arg("measure_error") = 0.0);
    m.def(
        "remote_cnot",
        [noise](qnsim::QubitRegistry &reg, uint64_t control, uint64_t a, uint64_t b, uint64_t target, double g1, double g2,
                double me) {
            const auto n = noise(g1, g2, me);
            return qnsim::remote_cnot(reg, n, n, control, a, b, target);
        },
        py::arg("registry"), py::arg("control"), py::arg("a"), py::arg("b"), py::arg("target"),
        py::arg("gate1_error") = 0.0, py::arg("gate2_error") = 0.0, py::arg("measure_error") = 0.0);
}

void bind_network(py::module_ &m) {
    bind_protocols(m);
    py::class_<Network> c(m, "NativeNetwork",
                          "Native event-driven network (nodes, heralded links, repeater protocols). Use qnsim.Network, "
                          "which converts SI units and hardware models into these integer-picosecond parameters.");
    c.def(py::init([](const std::string &formalism, std::optional<uint64_t> seed) {
              return std::make_unique<Network>(qnsim::parse_formalism(formalism), qnsim::seed_or_entropy(seed));
          }),
          py::arg("formalism") = "density_matrix", py::arg("seed") = py::none());
    c.def(
        "add_node",
        [](Network &n, const std::string &name, uint32_t num_memories, double t1_s, double t2_s, double gate1_error,
           double gate2_error, double measure_error, int64_t gate1_ps, int64_t gate2_ps, int64_t measure_ps,
           double depolarizing_time_s) {
            qnsim::NodeParams p;
            p.name = name;
            p.num_memories = num_memories;
            p.t1_s = t1_s;
            p.t2_s = t2_s;
            p.gate1_error = gate1_error;
            p.gate2_error = gate2_error;
            p.measure_error = measure_error;
            p.gate1_ps = gate1_ps;
            p.gate2_ps = gate2_ps;
            p.measure_ps = measure_ps;
            p.depolarizing_time_s = depolarizing_time_s;
            return n.add_node(p);
        },
        py::arg("name"), py::arg("num_memories"), py::arg("t1_s"), py::arg("t2_s"), py::arg("gate1_error") = 0.0,
        py::arg("gate2_error") = 0.0, py::arg("measure_error") = 0.0, py::arg("gate1_ps") = 0, py::arg("gate2_ps") = 0,
        py::arg("measure_ps") = 0, py::arg("depolarizing_time_s") = std::numeric_limits<double>::infinity());
    c.def(
        "add_link",
        [](Network &n, uint32_t a, uint32_t b, uint32_t channels, double success_probability, int64_t attempt_period_ps,
           int64_t herald_delay_a_ps, int64_t herald_delay_b_ps, int64_t classical_delay_ps,
           std::array<double, 4> bell_diagonal, std::optional<py::array_t<std::complex<double>, py::array::c_style |
                                                                                        py::array::forcecast>> state,
           int64_t setup_delay_ps, bool fixed_channels) {
            qnsim::LinkParams p;
            p.node_a = a;
            p.node_b = b;
            p.channels = channels;
            p.success_probability = success_probability;
            p.attempt_period_ps = attempt_period_ps;
            p.herald_delay_a_ps = herald_delay_a_ps;
            p.herald_delay_b_ps = herald_delay_b_ps;
            p.classical_delay_ps = classical_delay_ps;
            p.bell_diagonal = bell_diagonal;
            p.setup_delay_ps = setup_delay_ps;
            p.fixed_channels = fixed_channels;
            if (state) {
                if (state->size() != 16) throw std::invalid_argument("link state must be a (4, 4) matrix");
                p.state.assign(state->data(), state->data() + 16);
            }
            return n.add_link(p);
        },
        py::arg("a"), py::arg("b"), py::arg("channels"), py::arg("success_probability"), py::arg("attempt_period_ps"),
        py::arg("herald_delay_a_ps"), py::arg("herald_delay_b_ps"), py::arg("classical_delay_ps"),
        py::arg("bell_diagonal"), py::arg("state") = py::none(), py::arg("setup_delay_ps") = 0, py::arg("fixed_channels") = false);
    c.def(
        "add_request",
        [](Network &n, std::vector<uint32_t> path, uint64_t num_pairs, int64_t start_ps, int64_t cutoff_ps,
           const std::string &purify, uint32_t purify_rounds, bool keep_pairs, bool python_protocol,
           uint32_t memories_per_link, int64_t deadline_ps, double min_fidelity, const std::string &schedule,
           uint32_t end_to_end_purify_rounds, bool swap_handshake) {
            qnsim::RequestParams p;
            p.path = std::move(path);
            p.num_pairs = num_pairs;
            p.start_ps = start_ps;
            p.cutoff_ps = cutoff_ps;
            p.purify = parse_scheme(purify);
            p.purify_rounds = purify_rounds;
            p.keep_pairs = keep_pairs;
            p.python_protocol = python_protocol;
            p.memories_per_link = memories_per_link;
            p.deadline_ps = deadline_ps;
            p.min_fidelity = min_fidelity;
            p.end_to_end_purify_rounds = end_to_end_purify_rounds;
            p.swap_handshake = swap_handshake;
            if (schedule == "asap") {
                p.schedule = qnsim::SwapSchedule::ASAP;
            } else if (schedule == "nested") {
                p.schedule = qnsim::SwapSchedule::Nested;
            } else {
                throw std::invalid_argument("unknown swap schedule '" + schedule + "'; use 'asap' or 'nested'");
            }
            return n.add_request(p);
        },
        py::arg("path"), py::arg("num_pairs") = 0, py::arg("start_ps") = 0, py::arg("cutoff_ps") = 0,
        py::arg("purify") = "none", py::arg("purify_rounds") = 0, py::arg("keep_pairs") = false,
        py::arg("python_protocol") = false, py::arg("memories_per_link") = 1, py::arg("deadline_ps") = 0,
        py::arg("min_fidelity") = 0.0, py::arg("schedule") = "asap", py::arg("end_to_end_purify_rounds") = 0, py::arg("swap_handshake") = false);
    c.def_property("max_records", &Network::max_records, &Network::set_max_records,
                   "Delivery records kept (aggregates in request_stats continue beyond it).");
    c.def_property_readonly("num_requests", &Network::num_requests);
    c.def(
        "request_stats",
        [](const Network &n, uint32_t r) {
            const qnsim::RequestStats &st = n.request_stats(r);
            static const char *names[] = {"pending", "waiting", "active", "served", "dropped"};
            py::dict out;
            out["status"] = names[static_cast<uint32_t>(st.status)];
            out["delivered"] = st.delivered;
            out["rejected_low_fidelity"] = st.rejected_low_fidelity;
            out["fidelity_sum"] = st.fidelity_sum;
            out["fidelity_sq_sum"] = st.fidelity_sq_sum;
            out["admitted_ps"] = st.admitted_ps;
            out["first_delivery_ps"] = st.first_delivery_ps;
            out["last_delivery_ps"] = st.last_delivery_ps;
            out["finished_ps"] = st.finished_ps;
            out["drop_reason"] = st.drop_reason;
            return out;
        },
        py::arg("request"), "Status and aggregates of a request (status: pending/waiting/active/served/dropped).");
    c.def("run", &Network::run, py::arg("until_ps"), "Runs until until_ps or until every bounded request is served.");
    c.def_property_readonly("now_ps", &Network::now_ps);
    c.def_property_readonly("events_processed", &Network::events_processed);
    c.def_property_readonly("num_nodes", &Network::num_nodes);
    c.def_property_readonly("num_links", &Network::num_links);
    c.def("occupied_slots", &Network::occupied_slots);
    c.def("delivered", &Network::delivered, py::arg("request"));
    c.def(
        "deliveries",
        [](const Network &n) {
            const auto &d = n.deliveries();
            py::array_t<uint32_t> request(d.size());
            py::array_t<int64_t> time_ps(d.size()), oldest(d.size());
            py::array_t<double> fidelity(d.size());
            py::array_t<uint64_t> qa(d.size()), qb(d.size());
            for (size_t i = 0; i < d.size(); i++) {
                request.mutable_at(i) = d[i].request;
                time_ps.mutable_at(i) = d[i].time_ps;
                oldest.mutable_at(i) = d[i].oldest_emission_ps;
                fidelity.mutable_at(i) = d[i].fidelity;
                qa.mutable_at(i) = d[i].qubit_src;
                qb.mutable_at(i) = d[i].qubit_dst;
            }
            py::dict out;
            out["request"] = request;
            out["time_ps"] = time_ps;
            out["oldest_emission_ps"] = oldest;
            out["fidelity"] = fidelity;
            out["qubit_src"] = qa;
            out["qubit_dst"] = qb;
            return out;
        },
        "Delivered pairs as a dict of numpy arrays.");
    c.def("counters", [](const Network &n) {
        const auto &k = n.counters();
        py::dict out;
        out["attempts"] = k.attempts;
        out["link_pairs"] = k.link_pairs;
        out["swaps"] = k.swaps;
        out["purifications"] = k.purifications;
        out["purification_failures"] = k.purification_failures;
        out["cutoff_discards"] = k.cutoff_discards;
        return out;
    });
    c.def("release_pair", &Network::release_pair, py::arg("qubit_src"), py::arg("qubit_dst"));
    c.def_property_readonly("registry", &Network::registry, py::return_value_policy::reference_internal);
    c.def("set_protocol_hook", [](Network &n, py::function f) {
        n.set_protocol_hook([f](qnsim::HookKind kind, uint32_t node, uint32_t slot, uint64_t extra) {
            f(static_cast<uint32_t>(kind), node, slot, extra);
        });
    });
    c.def("swap_slots", &Network::swap_slots, py::arg("node"), py::arg("slot_a"), py::arg("slot_b"));
    c.def("deliver_slots", &Network::deliver_slots, py::arg("request"), py::arg("slot_src"), py::arg("slot_dst"));
    c.def("discard_slot_pair", &Network::discard_slot_pair, py::arg("slot"));
    c.def("send_message", &Network::send_message, py::arg("from_node"), py::arg("to_node"), py::arg("message_id"));
    c.def("schedule_timer", &Network::schedule_timer, py::arg("delay_ps"), py::arg("node"), py::arg("timer_id"));
    c.def("slot_node", &Network::slot_node, py::arg("slot"));
    c.def("slot_partner", &Network::slot_partner, py::arg("slot"));
    c.def("slot_link", &Network::slot_link, py::arg("slot"));
    c.def("slot_qubit", &Network::slot_qubit, py::arg("slot"));
    c.def("slot_emission_ps", &Network::slot_emission_ps, py::arg("slot"),
          "Emission time (ps) of the slot's qubit: when its link-level pair was emitted.");
    c.def("slot_pair_fidelity", &Network::slot_pair_fidelity, py::arg("slot"));
    c.def("classical_latency", &Network::classical_latency, py::arg("a"), py::arg("b"));
}

}  // namespace qnsim_bindings
