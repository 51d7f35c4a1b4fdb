#ifndef QNSIM_BINDINGS_BINDINGS_H
#define QNSIM_BINDINGS_BINDINGS_H

#include "bindings/arguments.h"  // the shared number casters, before any other pybind11 use

#include <pybind11/pybind11.h>

#include <functional>
#include <utility>

namespace qnsim_bindings {

/// Ctrl-C (or any signal handler that raises) during a long native call: runs Python's pending
/// signal handlers and throws what they raise. The caller holds the GIL.
inline void raise_pending_signals() {
    if (PyErr_CheckSignals() != 0) throw pybind11::error_already_set();
}

/// The same from native code running without the GIL: takes it just for the check.
inline void raise_pending_signals_without_gil() {
    pybind11::gil_scoped_acquire gil;
    raise_pending_signals();
}

/// Gives an engine (anything with set_interrupt_check) a check for the duration of one call,
/// however the call ends.
template <class Engine>
class InterruptCheckScope {
   public:
    InterruptCheckScope(Engine &engine, std::function<void()> check) : engine_(engine) {
        engine_.set_interrupt_check(std::move(check));
    }
    ~InterruptCheckScope() { engine_.set_interrupt_check(nullptr); }
    InterruptCheckScope(const InterruptCheckScope &) = delete;
    InterruptCheckScope &operator=(const InterruptCheckScope &) = delete;

   private:
    Engine &engine_;
};

// Written at build time by cmake/source_digest.cmake: the SHA-256 of the native sources, and the
// compiler and flags (see CMakeLists.txt).
const char *source_digest();
const char *build_config();

// One function per area; module.cc calls them in layer order.
void bind_stabilizer(pybind11::module_ &m);
void bind_density(pybind11::module_ &m);
void bind_registry(pybind11::module_ &m);
void bind_sim(pybind11::module_ &m);
void bind_network(pybind11::module_ &m);
void bind_estimate(pybind11::module_ &m);
void bind_qec(pybind11::module_ &m);
// Last: gives every function and method a readable TypeError for arguments it cannot take.
void add_readable_argument_errors(pybind11::module_ &m);

}  // namespace qnsim_bindings

#endif
