#ifndef QNSIM_NETWORK_NETWORK_INTERNAL_H
#define QNSIM_NETWORK_NETWORK_INTERNAL_H

// Shared by the files that implement Network, one per protocol step (slot table, generation,
// swapping, purification, delivery); not part of the API.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <tuple>

#include "core/errors.h"
#include "registry/qubit_registry.h"

namespace qnsim {
namespace network_internal {

constexpr uint32_t kNoSlot = UINT32_MAX;
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

/// a + b for a time and a delay in picoseconds (both >= 0), kNever when the sum is past the int64
/// range: a step that ends beyond it never happens within a run. Every time advanced by a delay
/// goes through here; a plain sum wrapped (a 100-day setup delay after day 100 became a negative
/// time, and the run stopped with a SchedulingError). Sums within the range are unchanged.
inline int64_t later(int64_t a, int64_t b) {
    int64_t sum;
    return __builtin_add_overflow(a, b, &sum) ? kNever : sum;  // an add and a select on the hot path
}

inline double seconds(int64_t ps) { return static_cast<double>(ps) / 1e12; }  // division prints 10^7 ps as 1e-05, not 9.999999999999999e-06

// Lends a node's or link's random stream to the registry for one operation, so that each draws
// from its own stream (adding a node does not change the others' draws).
class LentStream {
   public:
    LentStream(QubitRegistry &registry, Rng &stream) : registry_(registry), previous_(registry.set_stream(&stream)) {}
    ~LentStream() { registry_.set_stream(previous_); }
    LentStream(const LentStream &) = delete;
    LentStream &operator=(const LentStream &) = delete;

   private:
    QubitRegistry &registry_;
    Rng *previous_;
};

}  // namespace network_internal
}  // namespace qnsim

#endif
