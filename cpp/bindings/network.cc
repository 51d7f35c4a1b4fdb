#include "bindings/bindings.h"

namespace qnsim_bindings {

void bind_network(pybind11::module_ &) {}

}  // namespace qnsim_bindings
