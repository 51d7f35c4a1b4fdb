// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "bindings/bindings.h"
#include "core/errors.h"
#include "sim/scheduler.h"

namespace py = pybind11;

namespace qnsim_bindings {

namespace {

/// A scheduler whose events are Python callables. The core stays pybind-free: Python callbacks
/// are one more registered handler kind, and the (callable, args) pairs live here, indexed by the
/// core's slot number (unique among pending events), so no second free list is needed.
class PyScheduler final : public qnsim::EventHandler {
   public:
    PyScheduler() { kind_ = core_.register_handler(this); }

    uint64_t schedule(CoreChecked time_ps, py::object callback, py::tuple args, int32_t priority) {
        check_callable(callback);
        const qnsim::EventHandle h = core_.schedule(time_ps, qnsim::EventPayload{kind_}, priority);
        store(h, std::move(callback), std::move(args));
        return h.packed();
    }

    uint64_t schedule_after(CoreChecked delay_ps, py::object callback, py::tuple args, int32_t priority) {
        check_callable(callback);
        const qnsim::EventHandle h = core_.schedule_after(delay_ps, qnsim::EventPayload{kind_}, priority);
        store(h, std::move(callback), std::move(args));
        return h.packed();
    }

    bool cancel(uint64_t packed) {
        const qnsim::EventHandle h = qnsim::EventHandle::unpack(packed);
        if (!core_.cancel(h)) return false;
        calls_[h.slot] = Call();  // Release the references now, not when the slot is reused.
        return true;
    }

    bool is_pending(uint64_t packed) const { return core_.is_pending(qnsim::EventHandle::unpack(packed)); }

    uint64_t run(std::optional<CoreChecked> until_ps) {
        return until_ps ? core_.run(*until_ps) : core_.run_until_empty();
    }

    qnsim::Scheduler &core() { return core_; }
    const qnsim::Scheduler &core() const { return core_; }

    void on_event(qnsim::Scheduler &, const qnsim::Event &event) override {
        // Move the call out first: the callback may schedule, which may grow calls_.
        Call call = std::move(calls_[event.handle.slot]);
        if (!call.callback) {
            throw std::runtime_error("event callback was released by the garbage collector (the scheduler was in an "
                                     "unreachable reference cycle)");
        }
        PyObject *result = PyObject_Call(call.callback.ptr(), call.args.ptr(), nullptr);
        if (result == nullptr) throw py::error_already_set();
        const py::object returned = py::reinterpret_steal<py::object>(result);
        // Counted after the callback ran, so the event is whole and a run() again continues (and stops again
        // at once unless the limit is raised): callbacks rescheduling themselves with no delay never let time
        // advance, and run(until) spun until killed.
        if (event.time_ps != instant_ps_) {
            instant_ps_ = event.time_ps;
            at_instant_ = 0;
        }
        ++at_instant_;
        if (!returned.is_none()) {
            // A value returned was dropped without a word: a coroutine or generator (async def, a stray yield) is a
            // callback whose body never ran. Refused by the rule every qnsim callback follows (one place, in Python:
            // qnsim.events.refuse_returned), after the event ran, so the loop can be run again.
            py::module_::import("qnsim.events").attr("_refuse_event_return")(call.callback, returned);
            throw std::logic_error("qnsim.events._refuse_event_return returned instead of raising");
        }
        if (at_instant_ > max_per_instant_ && max_per_instant_ != 0) {
            throw qnsim::SchedulingError(qnsim::msg(
                "more than ", max_per_instant_, " events ran at t=", event.time_ps,
                " ps without the simulated time advancing: callbacks that schedule each other with no delay "
                "(schedule_in(0, ...)) never let the run reach its end; raise EventLoop.max_events_per_instant "
                "(None: no limit) if so many events at one instant are meant"));
        }
    }

    /// Events at one instant beyond which a run stops (SchedulingError); 0: no limit.
    uint64_t max_per_instant() const { return max_per_instant_; }
    void set_max_per_instant(uint64_t limit) { max_per_instant_ = limit; }

    /// Garbage-collector support: callbacks often refer back to the loop (a protocol object holds
    /// the loop and schedules its own methods), so the table must be visible to the cycle collector.
    int traverse(visitproc visit, void *arg) const {
        for (const Call &call : calls_) {
            Py_VISIT(call.callback.ptr());
            Py_VISIT(call.args.ptr());
        }
        return 0;
    }
    void clear() {
        std::vector<Call> doomed;
        doomed.swap(calls_);  // Decref after the table is consistent: a finalizer may re-enter.
    }

   private:
    struct Call {
        py::object callback;
        py::object args;  // A tuple; py::object so that an empty Call holds no reference.
    };

    static void check_callable(const py::object &callback) {
        if (!PyCallable_Check(callback.ptr())) {
            throw py::type_error(qnsim::msg("callback must be callable, got ",
                                            py::str(py::repr(callback)).cast<std::string>(),
                                            " (pass the function itself, not its name)"));
        }
    }

    void store(qnsim::EventHandle h, py::object callback, py::tuple args) {
        if (h.slot >= calls_.size()) calls_.resize(h.slot + 1);
        calls_[h.slot] = Call{std::move(callback), std::move(args)};
    }

    qnsim::Scheduler core_;
    uint32_t kind_ = 0;
    std::vector<Call> calls_;
    uint64_t max_per_instant_ = 1'000'000;
    int64_t instant_ps_ = -1;  // the time of the events counted in at_instant_
    uint64_t at_instant_ = 0;
};

}  // namespace

void bind_sim(py::module_ &m) {
    auto gc_support = py::custom_type_setup([](PyHeapTypeObject *heap_type) {
        PyTypeObject *type = &heap_type->ht_type;
        type->tp_flags |= Py_TPFLAGS_HAVE_GC;
        type->tp_traverse = [](PyObject *self, visitproc visit, void *arg) -> int {
            Py_VISIT(Py_TYPE(self));
            if (!py::detail::is_holder_constructed(self)) return 0;
            return py::cast<const PyScheduler &>(py::handle(self)).traverse(visit, arg);
        };
        type->tp_clear = [](PyObject *self) -> int {
            if (py::detail::is_holder_constructed(self)) py::cast<PyScheduler &>(py::handle(self)).clear();
            return 0;
        };
    });
    py::class_<PyScheduler> cls(m, "Scheduler", gc_support, R"doc(
Native discrete-event scheduler with Python callbacks (low level; see qnsim.EventLoop).

Time is integer picoseconds from 0. Events run in order of (time_ps, priority, insertion
order); lower priority first, ties FIFO. Handles are opaque ints, safe to cancel at any time.
)doc");

    cls.def(py::init<>());
    cls.def("schedule", &PyScheduler::schedule, py::arg("time_ps"), py::arg("callback"), py::arg("args") = py::tuple(),
            py::arg("priority") = 0,
            "Schedules callback(*args) at absolute time_ps >= now_ps; returns a handle. Raises "
            "SchedulingError for a time in the past.");
    cls.def("schedule_after", &PyScheduler::schedule_after, py::arg("delay_ps"), py::arg("callback"),
            py::arg("args") = py::tuple(), py::arg("priority") = 0,
            "Schedules callback(*args) at now_ps + delay_ps (delay_ps >= 0); returns a handle.");
    cls.def("cancel", &PyScheduler::cancel, py::arg("handle"),
            "Cancels a pending event; False if it already ran, was cancelled, or is unknown.");
    cls.def("is_pending", &PyScheduler::is_pending, py::arg("handle"));
    cls.def("run", &PyScheduler::run, py::arg("until_ps") = py::none(),
            "Runs events with time <= until_ps (then now_ps = until_ps), or all events when None. "
            "Returns the number run. Exceptions raised by callbacks propagate; the loop can resume.");
    cls.def("step", [](PyScheduler &s) { return s.core().step(); }, "Runs one event; False if none was pending.");
    cls.def("stop", [](PyScheduler &s) { s.core().stop(); }, "Makes the current run() return after this event.");
    cls.def_property("max_events_per_instant", &PyScheduler::max_per_instant, &PyScheduler::set_max_per_instant,
                     "Events at one simulated instant beyond which run() stops with SchedulingError (0: no limit).");
    cls.def_property_readonly("now_ps", [](const PyScheduler &s) { return s.core().now(); });
    cls.def_property_readonly("pending", [](const PyScheduler &s) { return s.core().pending(); });
    cls.def_property_readonly("events_processed", [](const PyScheduler &s) { return s.core().events_processed(); });
    cls.def_property_readonly("slot_capacity", [](const PyScheduler &s) { return s.core().slot_capacity(); },
                              "Peak number of simultaneously pending events (memory is proportional to it).");
    cls.def_property_readonly("queue_entries", [](const PyScheduler &s) { return s.core().queue_entries(); });
    cls.def("check_invariants", [](const PyScheduler &s) { s.core().check_invariants(); },
            "Debug check of the queue; raises RuntimeError describing the first violation.");
    cls.def("_debug_set_next_sequence", [](PyScheduler &s, uint64_t seq) { s.core().debug_set_next_sequence(seq); });
    cls.def_static(
        "benchmark_chain",
        [](uint64_t num_pending, uint64_t num_events, Seed seed) {
            qnsim::ChainResult r;
            {
                py::gil_scoped_release release;
                r = qnsim::Scheduler::benchmark_chain(num_pending, num_events, seed);
            }
            return py::make_tuple(r.events_processed, r.final_time_ps, r.checksum);
        },
        py::arg("num_pending"), py::arg("num_events"), py::arg("seed"),
        "Native perf loop: num_pending self-rescheduling events (delays uniform in [1, 1e6] ps) run "
        "until num_events are dispatched. Returns (events_processed, final_time_ps, checksum).");
}

}  // namespace qnsim_bindings
