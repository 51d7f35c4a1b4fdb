// Every bit-kernel variant this CPU runs (generic64, generic128, avx2, avx512) must produce exactly the
// bits of the portable 64-bit one, for every row length a tableau uses: a seed reproduces the same
// record on every CPU only if this holds.
#include "stabilizer/bit_kernels.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/rng.h"
#include "stabilizer/pauli_string.h"

namespace qnsim {
namespace {

using Words = std::vector<uint64_t>;

Words random_words(size_t count, Rng &rng) {
    Words v(count);
    for (uint64_t &x : v) x = rng.next_u64();
    return v;
}

constexpr size_t kRowWords[] = {1, 2, 4, 8, 16, 24};

/// Runs `body(table)` with each available variant selected, then restores the default.
template <class Body>
void for_each_variant(size_t words, Body body) {
    for (const std::string &name : bit_kernels::available()) {
        ASSERT_TRUE(bit_kernels::select(name));
        const bit_kernels::Table &t = bit_kernels::for_words(words);
        EXPECT_EQ(std::string(t.name), name);
        EXPECT_EQ(words % t.lanes, 0u) << name << " uses lanes that do not divide the row";
        SCOPED_TRACE(name + ", " + std::to_string(words) + " words");
        body(t);
    }
    ASSERT_TRUE(bit_kernels::select("auto"));
}

TEST(BitKernels, VariantsAreListedNarrowestFirstAndUnknownNamesAreRefused) {
    const std::vector<std::string> names = bit_kernels::available();
    ASSERT_GE(names.size(), 2u);
    EXPECT_EQ(names[0], "generic64");
    EXPECT_EQ(names[1], "generic128");
    EXPECT_FALSE(bit_kernels::select("avx1024"));
    EXPECT_TRUE(bit_kernels::select("auto"));
    EXPECT_EQ(std::string(bit_kernels::active()), names.back());
}

TEST(BitKernels, RowProductMatchesTheScalarReference) {
    Rng rng(1);
    for (size_t w : kRowWords) {
        for (int trial = 0; trial < 20; ++trial) {
            const Words dx = random_words(w, rng), dz = random_words(w, rng), sx = random_words(w, rng),
                        sz = random_words(w, rng);
            Words rx = dx, rz = dz;
            const unsigned want = pauli_kernels::mul_log_i(rx.data(), rz.data(), sx.data(), sz.data(), w);
            for_each_variant(w, [&](const bit_kernels::Table &t) {
                Words x = dx, z = dz;
                EXPECT_EQ(t.row_mul(x.data(), z.data(), sx.data(), sz.data(), w), want);
                EXPECT_EQ(x, rx);
                EXPECT_EQ(z, rz);
            });
        }
    }
}

TEST(BitKernels, TransposeIsTheBitTransposeOfEachPart) {
    Rng rng(2);
    for (size_t w : kRowWords) {
        const size_t rows = 64 * w, stride = 4 * w;
        const Words table = random_words(rows * stride, rng);
        Words want(table.size());
        for (size_t p = 0; p < 4; ++p) {
            for (size_t r = 0; r < rows; ++r) {
                for (size_t c = 0; c < rows; ++c) {
                    if (pauli_kernels::get_bit(table.data() + r * stride + p * w, c)) {
                        pauli_kernels::flip_bit(want.data() + c * stride + p * w, r);
                    }
                }
            }
        }
        for_each_variant(w, [&](const bit_kernels::Table &t) {
            Words got = table;
            t.transpose(got.data(), w);
            EXPECT_EQ(got, want);
            t.transpose(got.data(), w);
            EXPECT_EQ(got, table);
        });
    }
}

TEST(BitKernels, EliminationAndRowPassAgreeAcrossVariants) {
    Rng rng(3);
    for (size_t w : kRowWords) {
        const size_t rows = 64 * w, stride = 4 * w;
        for (int trial = 0; trial < 4; ++trial) {
            const Words table = random_words(rows * stride, rng), signs = random_words(2 * w, rng);
            const size_t pivot = rng.below(rows);
            std::vector<uint32_t> targets;
            for (size_t k = 0; k < rows; ++k) {
                if (k != pivot && rng.below(3) == 0) targets.push_back(static_cast<uint32_t>(k));
            }
            Words mask = random_words(w, rng);
            pauli_kernels::set_bit(mask.data(), pivot, false);  // the row pass's mask excludes the pivot
            const bool need_s = trial & 1, flip = trial & 2;
            ASSERT_TRUE(bit_kernels::select("generic64"));
            Words te = table, se = signs, tr = table, sr = signs;
            bit_kernels::for_words(w).eliminate(te.data(), stride, w, se.data(), pivot, targets.data(), targets.size());
            bit_kernels::for_words(w).row_pass(tr.data(), stride, w, rows, sr.data(), mask.data(), pivot, need_s, flip);
            ASSERT_TRUE(bit_kernels::select("auto"));
            EXPECT_NE(te, table);
            EXPECT_NE(tr, table);
            for_each_variant(w, [&](const bit_kernels::Table &t) {
                Words a = table, sa = signs, b = table, sb = signs;
                t.eliminate(a.data(), stride, w, sa.data(), pivot, targets.data(), targets.size());
                t.row_pass(b.data(), stride, w, rows, sb.data(), mask.data(), pivot, need_s, flip);
                EXPECT_EQ(a, te);
                EXPECT_EQ(sa, se);
                EXPECT_EQ(b, tr);
                EXPECT_EQ(sb, sr);
            });
        }
    }
}

TEST(BitKernels, SwapExchangesRanges) {
    Rng rng(4);
    for (size_t w : kRowWords) {
        const Words a0 = random_words(4 * w, rng), b0 = random_words(4 * w, rng);
        for_each_variant(w, [&](const bit_kernels::Table &t) {
            Words a = a0, b = b0;
            t.swap(a.data(), b.data(), 4 * w);
            EXPECT_EQ(a, b0);
            EXPECT_EQ(b, a0);
        });
    }
}

}  // namespace
}  // namespace qnsim
