#include "bindings/bindings.h"

namespace qnsim_bindings {

void bind_sim(pybind11::module_ &) {}

}  // namespace qnsim_bindings
