#include "core/errors.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace {

// The core states a bound as the Python layer's argument_checks.bound_text does (tests/test_bad_input_round24.py
// reads the Python side): a declared range of [0, 2**53] was "[0, 9007199254740992]" from the core.
TEST(IntegerBoundText, ReadsAsThePythonLayersRule) {
    using qnsim::integer_bound_text;
    EXPECT_EQ(integer_bound_text(int64_t{4096}), "4096");
    EXPECT_EQ(integer_bound_text(int64_t{2147483646}), "2147483646");  // below 2**31 - 1: digits
    EXPECT_EQ(integer_bound_text(int64_t{2147483647}), "2**31 - 1");
    EXPECT_EQ(integer_bound_text(int64_t{1} << 53), "2**53");
    EXPECT_EQ(integer_bound_text((int64_t{1} << 40) + 3), "2**40 + 3");
    EXPECT_EQ(integer_bound_text(int64_t{1000000000000}), "10**12");
    EXPECT_EQ(integer_bound_text(int64_t{43980465111}), "43980465111");  // no power within 2**20
    EXPECT_EQ(integer_bound_text(-(int64_t{1} << 53)), "-2**53");
    EXPECT_EQ(integer_bound_text(-(int64_t{2147483647})), "-2**31 + 1");
    EXPECT_EQ(integer_bound_text(int64_t{-5}), "-5");
    // A type's extremes, as before.
    EXPECT_EQ(integer_bound_text(std::numeric_limits<uint64_t>::max()), "2**64 - 1");
    EXPECT_EQ(integer_bound_text(std::numeric_limits<int64_t>::min()), "-2**63");
    EXPECT_EQ(integer_bound_text(std::numeric_limits<uint16_t>::max()), "2**16 - 1");
    EXPECT_EQ(integer_bound_text(std::numeric_limits<uint64_t>::max() - 15), "2**64 - 16");
}

}  // namespace
