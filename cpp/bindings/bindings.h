#ifndef QNSIM_BINDINGS_BINDINGS_H
#define QNSIM_BINDINGS_BINDINGS_H

#include "bindings/arguments.h"  // the shared number casters, before any other pybind11 use

#include <pybind11/pybind11.h>

namespace qnsim_bindings {

// One function per area; module.cc calls them in layer order.
void bind_stabilizer(pybind11::module_ &m);
void bind_density(pybind11::module_ &m);
void bind_registry(pybind11::module_ &m);
void bind_sim(pybind11::module_ &m);
void bind_network(pybind11::module_ &m);
void bind_estimate(pybind11::module_ &m);
// Last: gives every function and method a readable TypeError for arguments it cannot take.
void add_readable_argument_errors(pybind11::module_ &m);

}  // namespace qnsim_bindings

#endif
