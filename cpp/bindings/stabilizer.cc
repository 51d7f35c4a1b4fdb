#include "bindings/bindings.h"

namespace qnsim_bindings {

void bind_stabilizer(pybind11::module_ &) {}

}  // namespace qnsim_bindings
