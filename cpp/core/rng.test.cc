#include "core/rng.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "core/errors.h"
#include "core/text.h"

namespace qnsim {
namespace {

TEST(SplitMix64, MatchesTheReferenceSequence) {
    // Reference outputs of Vigna's splitmix64.c from state 0.
    uint64_t state = 0;
    EXPECT_EQ(splitmix64(state), 0xE220A8397B1DCDAFull);
    EXPECT_EQ(splitmix64(state), 0x6E789E6AA1B965F4ull);
    EXPECT_EQ(splitmix64(state), 0x06C45D188009454Full);
}

TEST(Rng, StreamsArePureFunctionsOfSeedAndStreamId) {
    Rng a(42, 7), b(42, 7), c(42, 8), d(43, 7);
    std::vector<uint64_t> xa, xb, xc, xd;
    for (int k = 0; k < 8; ++k) xa.push_back(a()), xb.push_back(b()), xc.push_back(c()), xd.push_back(d());
    EXPECT_EQ(xa, xb);
    EXPECT_NE(xa, xc);
    EXPECT_NE(xa, xd);
    EXPECT_NE(derive_seed(1, 2), derive_seed(2, 1));  // seed and stream id are not interchangeable
    // Many stream ids of one seed give distinct seeds (no collisions among neighbours).
    std::set<uint64_t> seeds;
    for (uint64_t id = 0; id < 10000; ++id) seeds.insert(derive_seed(5, id));
    EXPECT_EQ(seeds.size(), 10000u);
    EXPECT_EQ(seed_or_entropy(123), 123u);
}

TEST(Rng, UniformIsInTheHalfOpenUnitIntervalWithTheRightMean) {
    Rng rng(1);
    const int n = 200000;
    double sum = 0;
    for (int k = 0; k < n; ++k) {
        const double u = rng.uniform();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        sum += u;
    }
    EXPECT_NEAR(sum / n, 0.5, 5 * std::sqrt(1.0 / 12 / n));
}

TEST(Rng, BelowIsUnbiasedAndInRange) {
    Rng rng(2);
    // n = 3 is the worst case for a plain modulo of a power of two; Lemire's method is exact.
    const int n = 300000;
    int counts[3] = {0, 0, 0};
    for (int k = 0; k < n; ++k) ++counts[rng.below(3)];
    for (int c : counts) EXPECT_NEAR(c / double(n), 1.0 / 3, 5 * std::sqrt(2.0 / 9 / n));
    EXPECT_EQ(rng.below(1), 0u);
    const uint64_t big = (uint64_t{1} << 63) + 12345;
    for (int k = 0; k < 1000; ++k) ASSERT_LT(rng.below(big), big);
}

TEST(Rng, GeometricHasMeanOneOverP) {
    Rng rng(3);
    for (double p : {0.5, 0.1, 0.001}) {
        const int n = 100000;
        double sum = 0;
        for (int k = 0; k < n; ++k) {
            const int64_t g = rng.geometric(p);
            ASSERT_GE(g, 1);
            sum += static_cast<double>(g);
        }
        // Geometric: mean 1/p, standard deviation sqrt(1-p)/p.
        EXPECT_NEAR(sum / n, 1 / p, 5 * std::sqrt(1 - p) / p / std::sqrt(n)) << "p=" << p;
    }
    EXPECT_EQ(rng.geometric(1.0), 1);
    // So small a p that the draw exceeds int64: saturates instead of overflowing.
    int64_t smallest = std::numeric_limits<int64_t>::max();
    for (int k = 0; k < 100; ++k) smallest = std::min(smallest, rng.geometric(1e-300));
    EXPECT_EQ(smallest, std::numeric_limits<int64_t>::max());
}

TEST(Rng, GeometricLogIsGeometricsDraw) {
    // geometric_log(log1p(-p)) is documented as geometric(p)'s draw: the same value from the same stream
    // use. It converts the quotient by truncation where geometric takes floor (equal for a quotient
    // >= 0, which p in (0, 1) gives): compared here over the whole range, the saturation included.
    for (double p : {1.0 - 0x1.0p-53, 0.9, 0.5, 0.1, 1e-3, 1e-9, 1e-300}) {
        Rng a(11), b(11);
        const double log1m = portable::log1p(-p);
        for (int k = 0; k < 20000; ++k) ASSERT_EQ(a.geometric(p), b.geometric_log(log1m)) << "p=" << p << " draw " << k;
        ASSERT_EQ(a.next_u64(), b.next_u64()) << "p=" << p;  // the same stream use
    }
}

// The draw as it was computed before geometric_of's estimate: the full log for every u.
int64_t geometric_by_log(double u, double log1m) {
    const double k = portable::log(u) / log1m;
    return k < 9.0e18 ? 1 + static_cast<int64_t>(k) : std::numeric_limits<int64_t>::max();
}

TEST(Rng, GeometricOfIsLibmsDrawAtEveryIntegerBoundary) {
    // geometric_of decides the draw from an estimate of ln(u) and calls the full log only when the quotient is
    // near an integer. Where it is nearest, u = exp(n log1p(-p)) +- 64 doubles (the estimate's error,
    // ~1e-9, spans millions of doubles there), it must still be the full log's draw: with the estimate's margin
    // too small (kLogMargin below the estimate's error) these draws go the other way half the time.
    int64_t checked = 0;
    for (double p : {0.9, 0.5, 0.1, 1e-2, 1e-3, 1e-6}) {
        const double log1m = portable::log1p(-p);
        for (int n = 0; n < 400; n++) {
            const double x = std::exp(n * log1m);
            if (x < 0x1.0p-53) break;  // below the least u = 1 - U
            double u = x;
            for (int j = 0; j < 64 && u > 0x1.0p-53; j++) u = std::nextafter(u, 0.0);
            for (int j = 0; j <= 128 && u <= 1.0; j++, u = std::nextafter(u, 2.0)) {
                ASSERT_EQ(Rng::geometric_of(u, log1m), geometric_by_log(u, log1m)) << "p=" << p << " u=" << u;
                checked++;
            }
        }
    }
    EXPECT_GT(checked, 100000);
    // Over the whole range of u (every exponent of 1 - U) and the saturation (p = 1e-300).
    Rng rng(21);
    for (double p : {1.0 - 0x1.0p-53, 0.5, 0.1, 1e-4, 1e-300}) {
        const double log1m = portable::log1p(-p);
        for (int k = 0; k < 20000; k++) {
            const double u = std::ldexp(1.0 - rng.uniform(), -(k % 54));
            if (u < 0x1.0p-53) continue;
            ASSERT_EQ(Rng::geometric_of(u, log1m), geometric_by_log(u, log1m)) << "p=" << p << " u=" << u;
        }
    }
    EXPECT_EQ(Rng::geometric_of(1.0, portable::log1p(-0.1)), 1);  // U = 0: log(1) / log1p(-p) is -0.0
    // u = 1 and p ~ 1e-28: the estimate's bracket spans [-2.4e19, 8.9e18] (the log's quotient is -0.0): its low
    // end is out of int64's range, where a conversion would be undefined.
    EXPECT_EQ(Rng::geometric_of(1.0, -1.2265e-28), 1);
    EXPECT_EQ(Rng::geometric_of(1.0 - 0x1.0p-53, -1.2265e-28), geometric_by_log(1.0 - 0x1.0p-53, -1.2265e-28));
}

TEST(Rng, ExponentialHasItsMean) {
    Rng rng(4);
    const int n = 100000;
    double sum = 0;
    for (int k = 0; k < n; ++k) sum += rng.exponential(2.5);
    EXPECT_NEAR(sum / n, 2.5, 5 * 2.5 / std::sqrt(n));
}

TEST(Messages, FloatsPrintLikePythonRepr) {
    EXPECT_EQ(msg("p=", 0.1), "p=0.1");
    EXPECT_EQ(msg(2.0), "2.0");
    EXPECT_EQ(msg(1e20), "1e+20");
    EXPECT_EQ(msg(-0.25f), "-0.25");
    EXPECT_EQ(msg(std::numeric_limits<double>::infinity()), "inf");
    EXPECT_EQ(msg(std::nan("")), "nan");
    EXPECT_EQ(msg("qubit ", 17, " of ", std::string("H")), "qubit 17 of H");
}

TEST(Text, EditDistanceForDidYouMean) {
    EXPECT_EQ(edit_distance("CNT", "CNOT"), 1u);
    EXPECT_EQ(edit_distance("", "abc"), 3u);
    EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
    EXPECT_EQ(edit_distance("same", "same"), 0u);
}

}  // namespace
}  // namespace qnsim
