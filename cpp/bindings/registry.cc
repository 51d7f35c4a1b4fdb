#include "bindings/bindings.h"

namespace qnsim_bindings {

void bind_registry(pybind11::module_ &) {}

}  // namespace qnsim_bindings
