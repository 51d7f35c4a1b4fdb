#include "estimate/flow_control.h"

#include <stdexcept>
#include <string>

namespace qnsim::estimate {

double repairman_rate_hz(double rate_hz, int64_t shares, double delay_s) {
    if (!kRepairmanSharesRange.contains(shares)) {
        throw ParameterError("shares", msg(kRepairmanSharesRange.requirement(), ", got ", shares));
    }
    const double a = rate_hz * delay_s;
    double inverse = 1.0;
    double excess = 0.0;  // inverse - 1, kept apart: where a dwarfs the shares, 1 - 1 / inverse rounds to 0
    for (int64_t n = 1; n <= shares; ++n) {
        // Python's `inverse * n / a`: the product first, then the quotient (n <= 2^53 converts exactly).
        const double product = inverse * static_cast<double>(n);
        excess = product / a;
        inverse = 1.0 + excess;
        if (inverse > 1e300) return rate_hz;
    }
    // The delay bounds it (about shares / delay_s): 1 - 1 / inverse rounds to 0 there.
    if (excess < 1e-8) return rate_hz * excess / inverse;
    return rate_hz * (1.0 - 1.0 / inverse);
}

}  // namespace qnsim::estimate
