#ifndef QNSIM_CORE_RNG_H
#define QNSIM_CORE_RNG_H

#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>

#include "core/portable_math.h"

namespace qnsim {

/// splitmix64 step: a bijective mixer, used to derive independent stream seeds.
inline uint64_t splitmix64(uint64_t &state) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

/// Mixes a (seed, stream id) pair into a 64-bit seed. Stable across platforms and versions of
/// qnsim within a major version, so a node keyed by a stable id always gets the same stream.
uint64_t derive_seed(uint64_t seed, uint64_t stream_id);

/// Returns the seed, or a fresh nondeterministic one when none was given.
uint64_t seed_or_entropy(std::optional<uint64_t> seed);

namespace detail {

// ln(x) for x in [1, 2), at compile time, to long double precision: 2 atanh(z) with z = (x - 1) / (x + 1)
// <= 1/3, whose series has shrunk below 1e-38 after 40 terms.
constexpr long double ln_1_to_2(long double x) {
    const long double z = (x - 1) / (x + 1), z2 = z * z;
    long double power = z, sum = 0;
    for (int k = 1; k < 80; k += 2) {
        sum += power / k;
        power *= z2;
    }
    return 2 * sum;
}

// The table of Rng::geometric_of's estimate of ln(u): the mantissa's top kLogStepBits bits pick a step
// c = 1 + (i + 1/2) / 64 of [1, 2); inv is 1 / c rounded to a double and log_inv = ln(1 / inv), so that
// ln(m) = log_inv + ln(m inv) exactly, with m inv within 1/128 of 1.
constexpr int kLogStepBits = 6;
struct LogSteps {
    std::array<double, 1 << kLogStepBits> inv{}, log_inv{};
};
constexpr LogSteps make_log_steps() {
    LogSteps t;
    for (int i = 0; i < (1 << kLogStepBits); i++) {
        const double c = 1.0 + (i + 0.5) / (1 << kLogStepBits);
        t.inv[i] = static_cast<double>(1.0L / c);
        t.log_inv[i] = static_cast<double>(ln_1_to_2(1.0L / t.inv[i]));
    }
    return t;
}
inline constexpr LogSteps kLogSteps = make_log_steps();

}  // namespace detail

// The network's attempt restart draws once per event from inside a large handler, where GCC left
// the draw out of line: asked for, as QNSIM_HOT_INLINE does for the event queue.
#if defined(__GNUC__) || defined(__clang__)
#define QNSIM_RNG_INLINE inline __attribute__((always_inline))
#define QNSIM_RNG_COLD __attribute__((noinline, cold))
#else
#define QNSIM_RNG_INLINE inline
#define QNSIM_RNG_COLD
#endif

/// xoshiro256** generator. Fast, 256-bit state, passes BigCrush; draws are defined in terms of
/// 64-bit outputs only, so results never depend on SIMD width or platform.
class Rng {
   public:
    explicit Rng(uint64_t seed = 0) { reseed(seed); }
    Rng(uint64_t seed, uint64_t stream_id) { reseed(derive_seed(seed, stream_id)); }

    void reseed(uint64_t seed) {
        uint64_t sm = seed;
        for (auto &w : s_) w = splitmix64(sm);
    }

    QNSIM_RNG_INLINE uint64_t next_u64() {
        const uint64_t result = rotl(s_[1] * 5, 7) * 9;
        const uint64_t t = s_[1] << 17;
        s_[2] ^= s_[0];
        s_[3] ^= s_[1];
        s_[1] ^= s_[2];
        s_[0] ^= s_[3];
        s_[2] ^= t;
        s_[3] = rotl(s_[3], 45);
        return result;
    }
    uint64_t operator()() { return next_u64(); }

    /// Uniform double in [0, 1) with 53 random bits.
    QNSIM_RNG_INLINE double uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

    /// True with probability p (p in [0, 1], checked by callers).
    bool bernoulli(double p) { return uniform() < p; }

    /// Uniform integer in [0, n), n > 0 (Lemire's nearly divisionless method, unbiased).
    uint64_t below(uint64_t n);

    /// Number of independent trials up to and including the first success, each succeeding
    /// with probability p in (0, 1]: P(k) = (1-p)^(k-1) p, k >= 1. Saturates at INT64_MAX.
    int64_t geometric(double p);
    /// The same draw (same stream use, same value) with log1p(-p) computed once by the caller,
    /// for p in (0, 1): a heralded link draws one per attempt series with a fixed p.
    QNSIM_RNG_INLINE int64_t geometric_log(double log1p_minus_p) { return geometric_of(1.0 - uniform(), log1p_minus_p); }

    /// geometric_log's value for the uniform draw u = 1 - U: 1 + trunc(log(u) / log1p_minus_p), with
    /// portable::log, saturated at INT64_MAX (the same function of u, whichever way it is computed). For normal u in
    /// (0, 1] (1 - U is at least 2^-53); a subnormal u would misread the estimate's exponent.
    static QNSIM_RNG_INLINE int64_t geometric_of(double u, double log1p_minus_p) {
        // Only the quotient's integer part is the draw, so the full log (a call, ~50 instructions, and the
        // spills around it in the network's handlers) is needed only when the quotient is near an
        // integer. An estimate of ln(u) within 9.5e-10 of it, widened by kLogMargin, brackets portable::log(u)
        // (within 2e-13 of ln(u) for normal u): if both ends of [estimate -+ kLogMargin] / log1p_minus_p truncate to one
        // integer, so does the log's quotient, as a division by a constant and truncation are monotone. Else
        // (about 2 kLogMargin / |log1p(-p)| of the draws: 8e-8 of them at p = 0.1) portable::log decides.
        uint64_t bits;
        std::memcpy(&bits, &u, sizeof bits);
        const int64_t exponent = static_cast<int64_t>(bits >> 52) - 1023;  // u > 0: no sign bit
        const uint64_t mantissa_bits = bits - (static_cast<uint64_t>(exponent) << 52);  // u / 2^exponent in [1, 2)
        double m;
        std::memcpy(&m, &mantissa_bits, sizeof m);
        const size_t i = static_cast<size_t>(bits >> (52 - detail::kLogStepBits)) & ((size_t{1} << detail::kLogStepBits) - 1);
        // ln(m inv) = ln(1 + r), |r| < 1/128 (m inv rounds to a double within 2^-53 of it; the subtraction is
        // exact), to third order: the fourth-order term bounds the estimate's error, below 9.5e-10.
        const double r = m * detail::kLogSteps.inv[i] - 1.0;
        const double estimate = static_cast<double>(exponent) * kLn2 + (detail::kLogSteps.log_inv[i] + (r + r * r * (r * (1.0 / 3) - 0.5)));
        // log1p(-p) < 0: the estimate's larger end gives the smaller quotient. The low end is compared as a
        // double with the high end's integer part (exact: below 2^53 an integer is a double, and above it the
        // high end is one), never converted: for u near 1 and a tiny p it can be below INT64_MIN while the
        // high end is in range. (low >= k with k = trunc(high) puts the log's quotient in [k, k + 1).)
        const double low = (estimate + kLogMargin) / log1p_minus_p, high = (estimate - kLogMargin) / log1p_minus_p;
        if (__builtin_expect(high < 9.0e18, 1)) {
            const int64_t k = static_cast<int64_t>(high);
            if (__builtin_expect(low >= static_cast<double>(k), 1)) return 1 + k;
        }
        return geometric_of_log(u, log1p_minus_p);
    }
    /// The same from portable::log (the draws near an integer quotient).
    static QNSIM_RNG_COLD int64_t geometric_of_log(double u, double log1p_minus_p) {
        // log(u) <= 0 and log1p(-p) < 0: the quotient is >= 0 (or -0.0), where the conversion's
        // truncation is floor's value, so floor (~12 instructions inline without SSE4.1) is not called.
        const double k = portable::log(u) / log1p_minus_p;
        return k < 9.0e18 ? 1 + static_cast<int64_t>(k) : std::numeric_limits<int64_t>::max();
    }

    /// Draws an exponential waiting time with the given mean (any unit).
    double exponential(double mean);

    using result_type = uint64_t;
    static constexpr uint64_t min() { return 0; }
    static constexpr uint64_t max() { return ~uint64_t{0}; }

   private:
    static constexpr double kLn2 = 0x1.62e42fefa39efp-1;  // ln 2 rounded to a double (an error of 2e-17)
    // geometric_of's bracket of portable::log(u) around its estimate: twice the estimate's error bound (9.5e-10,
    // with the roundings of the sums and the log's own error (1.05 ulp), each below 2e-13 for normal u).
    static constexpr double kLogMargin = 2e-9;
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

}  // namespace qnsim

#endif
