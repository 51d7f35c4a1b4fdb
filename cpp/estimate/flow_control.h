#pragma once

#include <cstdint>

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

}  // namespace qnsim::estimate
