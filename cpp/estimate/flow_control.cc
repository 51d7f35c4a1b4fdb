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

double ordered_dot(const double *a, const double *b, size_t n) {
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        const double product = a[i] * b[i];
        sum += product;
    }
    return sum;
}

std::vector<double> buffer_chain_levels(const double *tail, size_t n_tail, double a0) {
    if (n_tail < 3) {
        throw ParameterError("tail", msg("needs at least 3 values (a buffer of b >= 1 pairs gives b + 2), got ", n_tail));
    }
    if (!(a0 > 0.0)) throw ParameterError("a0", msg("must be > 0 (the chance of no arrival), got ", a0));
    const size_t b = n_tail - 2;
    std::vector<double> pi(b, 0.0);
    pi[0] = 1.0;
    for (size_t j = 0; j + 1 < b; ++j) {
        // Flow up across the cut {<= j} | {> j} equals flow down from j + 1 (no arrival): from level k <= j the
        // next level is above j iff A >= j - k + 2.
        double up = 0.0;
        for (size_t k = 0; k <= j; ++k) {
            const double product = pi[k] * tail[j + 2 - k];
            up += product;
        }
        const double level = up / a0;
        pi[j + 1] = level;
        if (level > 1e250) {
            for (double &p : pi) p /= level;
        }
    }
    double total = 0.0;
    for (double p : pi) total += p;
    for (double &p : pi) p /= total;
    return pi;
}

}  // namespace qnsim::estimate
