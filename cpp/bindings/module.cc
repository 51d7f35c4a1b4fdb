// First: the number casters every binding shares (see arguments.h).
#include "bindings/arguments.h"

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "bindings/bindings.h"
#include "core/errors.h"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
    m.doc() = "qnsim native core (C++). Use the friendly API in the `qnsim` package.";
    m.attr("__version__") = QNSIM_VERSION;
    // A function, not an attribute: the type stub would carry the value and change with every source edit.
    m.def(
        "source_digest", [] { return std::string(qnsim_bindings::source_digest()); },
        "SHA-256 (hex) of the native sources this module was built from (see CMakeLists.txt): results can "
        "change from one commit to the next under one version number, so sweeps tell builds apart by it.");
    m.def(
        "build_config", [] { return std::string(qnsim_bindings::build_config()); },
        "The compiler, its version, the target processor, the build type and flags, and the network-checks and "
        "sanitizer options this module was built with (flags can change results too: sweeps tell builds apart by "
        "it).");

    // Each domain error is also a builtin of the right family, so `except ValueError` works.
    static py::exception<qnsim::QnsimError> base(m, "QnsimError", PyExc_Exception);
    auto derived = [&](const char *name, PyObject *builtin) {
        py::tuple bases = py::make_tuple(base, py::handle(builtin));
        return py::reinterpret_steal<py::object>(
            PyErr_NewException((std::string("qnsim._core.") + name).c_str(), bases.ptr(), nullptr));
    };
    static py::object circuit_error = derived("CircuitParseError", PyExc_ValueError);
    static py::object too_large_error = derived("StateTooLargeError", PyExc_MemoryError);
    static py::object unknown_qubit_error = derived("UnknownQubitError", PyExc_IndexError);
    static py::object scheduling_error = derived("SchedulingError", PyExc_ValueError);
    static py::object parameter_error = derived("ParameterError", PyExc_ValueError);
    parameter_error.attr("__doc__") =
        "A parameter outside its range or of the wrong type; `field` names it (its Python-side name), and the "
        "message starts with that name.";
    parameter_error.attr("field") = py::none();
    parameter_error.attr("detail") = py::none();
    m.attr("CircuitParseError") = circuit_error;
    m.attr("StateTooLargeError") = too_large_error;
    m.attr("UnknownQubitError") = unknown_qubit_error;
    m.attr("SchedulingError") = scheduling_error;
    m.attr("ParameterError") = parameter_error;

    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const qnsim::CircuitParseError &e) {
            PyErr_SetString(circuit_error.ptr(), e.what());
        } catch (const qnsim::StateTooLargeError &e) {
            PyErr_SetString(too_large_error.ptr(), e.what());
        } catch (const qnsim::UnknownQubitError &e) {
            PyErr_SetString(unknown_qubit_error.ptr(), e.what());
        } catch (const qnsim::SchedulingError &e) {
            PyErr_SetString(scheduling_error.ptr(), e.what());
        } catch (const qnsim::ParameterError &e) {
            py::object error = parameter_error(e.what());
            error.attr("field") = e.field;
            error.attr("detail") = e.what();
            PyErr_SetObject(parameter_error.ptr(), error.ptr());
        } catch (const qnsim::QnsimError &e) {
            PyErr_SetString(base.ptr(), e.what());
        }
    });

    qnsim_bindings::bind_stabilizer(m);
    qnsim_bindings::bind_density(m);
    qnsim_bindings::bind_registry(m);
    qnsim_bindings::bind_sim(m);
    qnsim_bindings::bind_network(m);
    qnsim_bindings::bind_estimate(m);
    qnsim_bindings::bind_qec(m);
    qnsim_bindings::add_readable_argument_errors(m);

    // pybind11 binds numpy's C API when it makes its first array (it imports numpy.lib and parses
    // numpy's version: ~0.35 ms): made here, that one-time cost is paid at import instead of by the
    // first result a user reads (the deliveries() of the first run in a process cost 0.36-0.42 ms
    // against 0.006 ms after it).
    py::array_t<double> first(0);
}
