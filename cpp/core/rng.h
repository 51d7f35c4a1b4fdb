#ifndef QNSIM_CORE_RNG_H
#define QNSIM_CORE_RNG_H

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>

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

// The network's attempt restart draws once per event from inside a large handler, where GCC left
// the draw out of line: asked for, as QNSIM_HOT_INLINE does for the event queue.
#if defined(__GNUC__) || defined(__clang__)
#define QNSIM_RNG_INLINE inline __attribute__((always_inline))
#else
#define QNSIM_RNG_INLINE inline
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
    QNSIM_RNG_INLINE int64_t geometric_log(double log1p_minus_p) {
        // log(1 - U) <= 0 and log1p(-p) < 0: the quotient is >= 0 (or -0.0), where the conversion's
        // truncation is floor's value, so floor (~12 instructions inline without SSE4.1) is not called.
        const double k = std::log(1.0 - uniform()) / log1p_minus_p;
        return k < 9.0e18 ? 1 + static_cast<int64_t>(k) : std::numeric_limits<int64_t>::max();
    }

    /// Draws an exponential waiting time with the given mean (any unit).
    double exponential(double mean);

    using result_type = uint64_t;
    static constexpr uint64_t min() { return 0; }
    static constexpr uint64_t max() { return ~uint64_t{0}; }

   private:
    static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
    uint64_t s_[4];
};

}  // namespace qnsim

#endif
