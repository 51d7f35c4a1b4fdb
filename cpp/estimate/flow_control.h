#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/errors.h"

namespace qnsim::estimate {

/// Throughput (Hz) of `shares` customers cycling through one exponential server of rate `rate_hz` (Hz) and a
/// delay of mean `delay_s` (s): the machine-repairman law (1 - ErlangB(shares, rate_hz * delay_s)) * rate_hz, by
/// the stable recursion 1 / E(n) = 1 + n / a / E(n - 1). The exact law behind the estimator's flow-controlled
/// rates (python/qnsim/estimate/links.py, `_repairman_rate`, which keeps the bound used beyond 2^16 shares).
///
/// The operations are the Python loop's, one by one and in its order (no operation here can be contracted into
/// an FMA), so the result is the same double bit for bit: moved here only because the loop runs up to 2^16 times
/// per call, ~1 s of an estimate at 10^5 channels.
///
/// The shares' range: beyond 2^53 a count would not convert to a double exactly.
constexpr IntegerRange<int64_t> kRepairmanSharesRange{0, int64_t{1} << 53, ""};

/// Any doubles, as the Python loop takes them (a zero delay gives rate_hz, 0 shares 0 Hz); throws ParameterError
/// for shares outside kRepairmanSharesRange.
double repairman_rate_hz(double rate_hz, int64_t shares, double delay_s);

/// sum a[i] * b[i] over i = 0..n-1, added one by one in that order: the same double on every CPU. numpy.dot
/// calls OpenBLAS's ddot, whose kernel (chosen at run time for the CPU, or by OPENBLAS_CORETYPE) splits the
/// sum into as many partial sums as its vector width, so the estimator's figures moved in their last bits from
/// one machine to another. The file is compiled in ISO C++ mode (no GNU extensions), where GCC and Clang do
/// not contract a * b + c into an FMA, so each product is rounded before it is added, on every target.
double ordered_dot(const double *a, const double *b, size_t n);

/// The levels' probabilities pi[0..b-1] of the estimator's finite-buffer chain (python/qnsim/estimate/
/// estimator.py, `_buffer_chain`) from `tail` (tail[m] = P(A >= m), m = 0..b+1: b + 2 values) and a0 = P(A = 0)
/// (> 0): pi[0] = 1, pi[j + 1] = (sum over k = 0..j of pi[k] tail[j + 2 - k], k ascending) / a0, the whole
/// vector divided by a level that passes 1e250 (to stay finite), and last divided by its sum (summed in index
/// order). Every sum in one fixed order, so the same doubles on every CPU (see ordered_dot). Throws
/// ParameterError for fewer than 3 tail values or a0 not > 0.
std::vector<double> buffer_chain_levels(const double *tail, size_t n_tail, double a0);

}  // namespace qnsim::estimate
