#include "stabilizer/pauli_string.h"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "core/rng.h"
#include "core/testing.h"

namespace qnsim {
namespace {

TEST(PauliString, TextRoundTripsWithSignAndIdentityAsUnderscore) {
    EXPECT_EQ(PauliString::from_text("+XZ_Y").str(), "+XZ_Y");
    EXPECT_EQ(PauliString::from_text("-XZIY").str(), "-XZ_Y");
    EXPECT_EQ(PauliString::from_text("xyz").str(), "+XYZ");
    EXPECT_EQ(PauliString::from_text("").str(), "+");
    const PauliString p = PauliString::from_text("-Y");
    EXPECT_TRUE(p.sign);
    EXPECT_EQ(p.num_qubits, 1u);
    EXPECT_TRUE(pauli_kernels::get_bit(p.xs.data(), 0));
    EXPECT_TRUE(pauli_kernels::get_bit(p.zs.data(), 0));
}

TEST(PauliString, LongStringsSpanSeveralWords) {
    std::string text(130, '_');
    text[0] = 'X', text[63] = 'Y', text[64] = 'Z', text[129] = 'X';
    const PauliString p = PauliString::from_text(text);
    ASSERT_EQ(p.xs.size(), 3u);
    EXPECT_EQ(p.str(), "+" + text);
    EXPECT_TRUE(pauli_kernels::get_bit(p.zs.data(), 64));
    EXPECT_FALSE(pauli_kernels::get_bit(p.xs.data(), 64));
}

TEST(PauliString, BadCharacterIsNamedWithItsPosition) {
    QNSIM_EXPECT_THROW_MSG(PauliString::from_text("+XQZ"), std::invalid_argument,
                           "invalid Pauli character 'Q' at position 2 of '+XQZ'");
    QNSIM_EXPECT_THROW_MSG(PauliString::from_text("X+"), std::invalid_argument, "'+' at position 1");
}

/// One-qubit product table: P1 * P2 = i^e P3 (X = 1, Y = 3, Z = 2 as (x, z) bits).
int single_qubit_log_i(int p1, int p2) {
    static const int table[4][4] = {
        // I  X  Z  Y   (index = x | z << 1)
        {0, 0, 0, 0},  // I
        {0, 0, 3, 1},  // X: X*Z = -iY, X*Y = iZ
        {0, 1, 0, 3},  // Z: Z*X = iY, Z*Y = -iX
        {0, 3, 1, 0},  // Y: Y*X = -iZ, Y*Z = iX
    };
    return table[p1][p2];
}

TEST(PauliKernels, ProductPhaseMatchesTheSingleQubitTableOnEveryWordWidth) {
    Rng rng(5);
    for (size_t n : {1, 7, 63, 64, 65, 200, 257}) {
        const size_t words = (n + 63) / 64;
        for (int trial = 0; trial < 20; ++trial) {
            std::vector<uint64_t> dx(words), dz(words), sx(words), sz(words);
            int expected = 0;
            for (size_t q = 0; q < n; ++q) {
                const int a = static_cast<int>(rng.below(4)), b = static_cast<int>(rng.below(4));
                pauli_kernels::set_bit(dx.data(), q, a & 1);
                pauli_kernels::set_bit(dz.data(), q, a & 2);
                pauli_kernels::set_bit(sx.data(), q, b & 1);
                pauli_kernels::set_bit(sz.data(), q, b & 2);
                expected += single_qubit_log_i(a, b);
            }
            const std::vector<uint64_t> x_before = dx, z_before = dz;
            const unsigned e = pauli_kernels::mul_log_i(dx.data(), dz.data(), sx.data(), sz.data(), words);
            EXPECT_EQ(e, static_cast<unsigned>(expected & 3)) << "n=" << n << " trial=" << trial;
            for (size_t w = 0; w < words; ++w) {
                EXPECT_EQ(dx[w], x_before[w] ^ sx[w]);
                EXPECT_EQ(dz[w], z_before[w] ^ sz[w]);
            }
        }
    }
}

TEST(PauliKernels, PopcountAndBitHelpers) {
    EXPECT_EQ(pauli_kernels::popcount64(0), 0u);
    EXPECT_EQ(pauli_kernels::popcount64(~uint64_t{0}), 64u);
    EXPECT_EQ(pauli_kernels::popcount64(0x8000000000000001ull), 2u);
    std::vector<uint64_t> v(2, 0);
    EXPECT_FALSE(pauli_kernels::any_bit(v.data(), 2));
    pauli_kernels::flip_bit(v.data(), 127);
    EXPECT_TRUE(pauli_kernels::any_bit(v.data(), 2));
    EXPECT_EQ(v[1], uint64_t{1} << 63);
    pauli_kernels::set_bit(v.data(), 127, false);
    EXPECT_FALSE(pauli_kernels::any_bit(v.data(), 2));
}

}  // namespace
}  // namespace qnsim
