#include "core/portable_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/rng.h"

namespace qnsim {
namespace {

// Distance in ulps between two finite doubles of one sign.
double ulps_apart(double a, double b) {
    if (a == b) return 0;
    return std::fabs(a - b) / std::fabs(std::nextafter(b, a) - b);
}

// The platform's libm is within ~0.5-1 ulp of exact; ours within 1.05 (tests/test_portable_math.py measures it
// against exact decimal arithmetic): the two may not stray 2.5 ulps apart anywhere.
constexpr double kUlps = 2.5;

TEST(PortableMath, AgreesWithLibmWithinItsAccuracyOverTheRange) {
    Rng rng(2026, 12);
    for (int i = 0; i < 200000; ++i) {
        const double u = rng.uniform();
        const double x = -745 + 1454.7 * u;
        ASSERT_LE(ulps_apart(portable::exp(x), std::exp(x)), kUlps) << "exp(" << x << ")";
        const double small = (u - 0.5) * std::ldexp(1.0, -static_cast<int>(rng() % 60));
        ASSERT_LE(ulps_apart(portable::expm1(small), std::expm1(small)), kUlps) << "expm1(" << small << ")";
        const double y = -40 + 90 * u;
        ASSERT_LE(ulps_apart(portable::expm1(y), std::expm1(y)), kUlps) << "expm1(" << y << ")";
        const double positive = std::ldexp(0.5 + u, static_cast<int>(rng() % 2100) - 1074);
        ASSERT_LE(ulps_apart(portable::log(positive), std::log(positive)), kUlps) << "log(" << positive << ")";
        ASSERT_LE(ulps_apart(portable::log1p(small), std::log1p(small)), kUlps) << "log1p(" << small << ")";
        const double above = -1 + std::ldexp(u, -static_cast<int>(rng() % 50));
        if (above > -1) {
            ASSERT_LE(ulps_apart(portable::log1p(above), std::log1p(above)), kUlps) << "log1p(" << above << ")";
        }
    }
}

TEST(PortableMath, SpecialValues) {
    const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
    EXPECT_EQ(portable::exp(0.0), 1.0);
    EXPECT_EQ(portable::exp(-inf), 0.0);
    EXPECT_EQ(portable::exp(inf), inf);
    EXPECT_TRUE(std::isnan(portable::exp(nan)));
    EXPECT_GT(portable::exp(-745.0), 0.0);  // a subnormal
    EXPECT_EQ(portable::expm1(-inf), -1.0);
    EXPECT_TRUE(std::signbit(portable::expm1(-0.0)));
    EXPECT_EQ(portable::log(1.0), 0.0);
    EXPECT_EQ(portable::log(0.0), -inf);
    EXPECT_TRUE(std::isnan(portable::log(-1e-300)));
    EXPECT_EQ(portable::log(inf), inf);
    EXPECT_EQ(portable::log1p(-1.0), -inf);
    EXPECT_TRUE(std::isnan(portable::log1p(-1.0 - 1e-15)));
    EXPECT_TRUE(std::signbit(portable::log1p(-0.0)));
    EXPECT_EQ(portable::exp10(3.0), 1000.0);
    EXPECT_EQ(portable::exp10(-400.0), 0.0);
    EXPECT_EQ(portable::exp10(400.0), inf);
}

}  // namespace
}  // namespace qnsim
