#pragma once

// exp, expm1, log and log1p from IEEE-754 additions, multiplications and divisions alone, so the same doubles on
// every CPU and C library. The platform's libm gives different last bits on different machines: glibc picks an
// FMA build of exp, log, expm1 and log1p at load time on CPUs that have FMA (Haswell and later, Zen), so the
// same wheel gave other memory decays on a CPU without it (1 in ~1,400 exp values of random arguments moved by
// an ulp; a 2 s run of examples/transducer_repeater.toml changed pair fidelities in their last bits), and macOS,
// musl and Windows have libms of their own. The network, the registry and the random draws call these instead:
// a run's results are then a function of its inputs and seed alone, as docs/concepts.md promises. Accuracy:
// within 1 ulp of the exact value over the double range (tests/test_portable_math.py measures it against exact
// decimal arithmetic); none of them is correctly rounded, but each is the same function everywhere.
//
// Determinism needs every product rounded before it is added: the library is compiled with -ffp-contract=off
// (CMakeLists.txt), so no compiler fuses a * b + c into an FMA on a target that has one.

#include <cstdint>
#include <cstring>
#include <limits>

#include "core/portable_math_tables.h"

namespace qnsim::portable {

namespace detail {

inline uint64_t bits_of(double x) {
    uint64_t b;
    std::memcpy(&b, &x, sizeof b);
    return b;
}
inline double double_of(uint64_t b) {
    double x;
    std::memcpy(&x, &b, sizeof x);
    return x;
}
/// 2^k for a normal result, -1022 <= k <= 1023, built from its bits.
inline double power_of_two(int64_t k) { return double_of(static_cast<uint64_t>(k + 1023) << 52); }

/// The reduction shared by exp and expm1: x = (k 2^7 + j) ln2 / 2^7 + r with |r| <= ~ln2 / 2^8, and
/// expm1(r) by its Taylor series to r^6 (the next term is below 2^-60 of r for |r| <= 0.0028).
struct ExpReduced {
    int64_t k;   // power of two
    int j;       // table index, 0 .. 127
    double p;    // expm1(r)
};
inline ExpReduced reduce_exp(double x) {
    using namespace portable_math_detail;
    // Rounds x 2^7/ln2 to an integer n by the add-and-subtract of 1.5 2^52 (exact for |n| < 2^51).
    constexpr double kShift = 0x1.8p52;
    const double shifted = x * kExpInvStep + kShift;
    const int64_t n = static_cast<int64_t>(bits_of(shifted) - bits_of(kShift));
    const double nd = shifted - kShift;
    // n kExpStepHi is exact (32-bit constant, |n| < 2^18) and close to x, so x - n kExpStepHi is exact too.
    const double r = (x - nd * kExpStepHi) - nd * kExpStepLo;
    const double p = r + r * r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720)))));
    // Arithmetic shift: floor(n / 2^7) for negative n as well.
    return {n >> kExpTableBits, static_cast<int>(n & ((1 << kExpTableBits) - 1)), p};
}

}  // namespace detail

/// e^x. NaN gives NaN, exp(-inf) = 0, exp(+inf) = +inf; below -745.2 the result is 0, above 709.79 +inf.
inline double exp(double x) {
    using namespace portable_math_detail;
    if (!(x > -745.2)) return x != x ? x : 0.0;  // NaN, -inf and arguments whose e^x rounds to 0
    if (x > 709.79) return std::numeric_limits<double>::infinity();
    const detail::ExpReduced e = detail::reduce_exp(x);
    const double t_hi = kExp2Table[2 * e.j], t_lo = kExp2Table[2 * e.j + 1];
    const double y = t_hi + (t_lo + t_hi * e.p);  // 2^(j/128) e^r, in [~0.997, ~2.003)
    if (e.k >= -1021 && e.k <= 1022) return y * detail::power_of_two(e.k);
    // Near the ends of the range, 2^k in two steps: the first exact, the second rounds once (to a subnormal
    // result, or to infinity just above the largest double).
    if (e.k > 0) return y * detail::power_of_two(e.k - 1) * 2.0;
    return y * detail::power_of_two(e.k + 1000) * 0x1p-1000;
}

/// e^x - 1, accurate near 0 (where exp(x) - 1 loses every digit). NaN gives NaN, expm1(-inf) = -1.
inline double expm1(double x) {
    using namespace portable_math_detail;
    if (x != x) return x;
    if (x > 709.79) return std::numeric_limits<double>::infinity();
    if (x < -40.0) return -1.0;  // e^x < 2^-57: -1 + e^x rounds to -1
    const double ax = x < 0 ? -x : x;
    if (ax < 0x1p-54) return x;  // x + x^2 / 2 rounds to x (and keeps -0.0)
    if (ax < 0x1p-5) {
        // The Taylor series to x^10 (the next term is below 2^-66 of x): around x, which is exact, every other
        // term's rounding is scaled down by its size. The table's path below cancels here (2^(j/128) - 1 against
        // an r of the other sign): 1.7 ulp at 0.0027 where this stays within 0.52.
        return x + x * x * (1.0 / 2 + x * (1.0 / 6 + x * (1.0 / 24 + x * (1.0 / 120 + x * (1.0 / 720 + x * (1.0 / 5040
               + x * (1.0 / 40320 + x * (1.0 / 362880 + x * (1.0 / 3628800)))))))));
    }
    const detail::ExpReduced e = detail::reduce_exp(x);
    const double t_hi = kExp2Table[2 * e.j], t_lo = kExp2Table[2 * e.j + 1];
    if (e.k > 1000) return exp(x) - 1.0;  // e^x > 2^1000: the -1 is far below its last bit
    // e^x - 1 = (S - 1) + (2^k t_lo + S p), S = 2^k t_hi: S - 1 is exact for S in [0.5, 2] (the arguments near
    // 0, where the -1 cancels), and otherwise |e^x - 1| >= ~0.5 and its rounding costs half an ulp.
    const double scale = detail::power_of_two(e.k);
    const double s = t_hi * scale;
    return (s - 1.0) + (t_lo * scale + s * e.p);
}

/// 10^x: e^(x ln 10) with x ln 10 carried in two doubles (a rounded x ln 10 alone would cost up to ~|x ln 10| / 2
/// ulps: 370 at x = -320). NaN gives NaN; below -323.7 the result is 0, above 308.26 +inf.
inline double exp10(double x) {
    using namespace portable_math_detail;
    if (x != x) return x;
    if (x > 308.26) return std::numeric_limits<double>::infinity();
    if (x < -323.7) return 0.0;
    // Dekker's exact product x kLn10Hi = hi + lo (Veltkamp's split: each half has at most 26 bits, so each partial
    // product is exact), then kLn10Lo's share.
    constexpr double kSplit = 134217729.0;  // 2^27 + 1
    const double cx = kSplit * x, x_hi = cx - (cx - x), x_lo = x - x_hi;
    const double cl = kSplit * kLn10Hi, l_hi = cl - (cl - kLn10Hi), l_lo = kLn10Hi - l_hi;
    const double hi = x * kLn10Hi;
    const double lo = (((x_hi * l_hi - hi) + x_hi * l_lo) + x_lo * l_hi) + x_lo * l_lo + x * kLn10Lo;
    const double e = exp(hi);
    if (e == 0 || e == std::numeric_limits<double>::infinity()) return e;
    return e + e * lo;  // e^(hi + lo) = e^hi (1 + lo + ...), |lo| < 2^-40
}

/// ln x. NaN and x < 0 give NaN, log(0) = -inf, log(+inf) = +inf.
inline double log(double x) {
    using namespace portable_math_detail;
    uint64_t b = detail::bits_of(x);
    int64_t exponent_bias = 1023;
    if (!(x > 0)) return x == 0 ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
    if (b >= 0x7ff0000000000000ULL) return x;  // +inf
    if (b < 0x0010000000000000ULL) {           // subnormal: scale into the normal range first
        b = detail::bits_of(x * 0x1p54);
        exponent_bias += 54;
    }
    int64_t e = static_cast<int64_t>(b >> 52) - exponent_bias;
    uint64_t mantissa_bits = (b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL;  // m in [1, 2)
    // m in [sqrt(1/2), sqrt(2)): ln m is then near 0 exactly when x is near a power of two, and its
    // f = m - 1 (exact by Sterbenz's lemma) carries the small values without cancellation.
    if (mantissa_bits > 0x3ff6a09e667f3bcdULL) {
        mantissa_bits -= 0x0010000000000000ULL;  // m / 2
        e += 1;
    }
    const double f = detail::double_of(mantissa_bits) - 1.0;
    // ln(1 + f) = 2 atanh(s), s = f / (2 + f), = f - hf + s (hf + R(s^2)) with hf = f^2 / 2 and
    // R(z) = sum over n >= 1 of 2 z^n / (2n + 1): |s| <= 0.1716, z <= 0.0295, and the terms to z^12 leave an error
    // below 2^-62 of the result. Writing it around f (exact) keeps the rounding of the small terms small.
    const double s = f / (2.0 + f);
    const double z = s * s;
    const double r =
        z * (2.0 / 3 + z * (2.0 / 5 + z * (2.0 / 7 + z * (2.0 / 9 + z * (2.0 / 11 + z * (2.0 / 13 + z * (2.0 / 15
        + z * (2.0 / 17 + z * (2.0 / 19 + z * (2.0 / 21 + z * (2.0 / 23 + z * (2.0 / 25))))))))))));
    const double hf = 0.5 * f * f;
    const double ed = static_cast<double>(e);
    // e ln2_hi is exact (40-bit constant, |e| < 2^11).
    return ed * kLn2Hi - ((hf - (s * (hf + r) + ed * kLn2Lo)) - f);
}

/// ln(1 + x), accurate near 0. NaN and x < -1 give NaN, log1p(-1) = -inf.
inline double log1p(double x) {
    if (x != x) return x;
    const double ax = x < 0 ? -x : x;
    if (ax < 0x1p-54) return x;  // x - x^2 / 2 rounds to x (and keeps -0.0)
    if (!(x >= -1.0)) return std::numeric_limits<double>::quiet_NaN();
    if (x == -1.0) return -std::numeric_limits<double>::infinity();
    if (x == std::numeric_limits<double>::infinity()) return x;
    if (ax < 0x1p-10) {
        // The series to x^7 (the next term is below 2^-60 of x), around x itself: 1 + x would round away the bits
        // of a small x that the correction below restores only to within an ulp of ln u (1.4 ulp at -1.7e-16).
        return x - x * x * (1.0 / 2 - x * (1.0 / 3 - x * (1.0 / 4 - x * (1.0 / 5 - x * (1.0 / 6 - x * (1.0 / 7))))));
    }
    // u = 1 + x loses the bits of x below ulp(u); ln(1 + x) = ln u + ln(1 + (x - (u - 1)) / u), and the second term,
    // of the size of that lost part, is its first-order term (u - 1 and x - (u - 1) are exact).
    const double u = 1.0 + x;
    const double lost = x - (u - 1.0);
    return log(u) + lost / u;
}

}  // namespace qnsim::portable
