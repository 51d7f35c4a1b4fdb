#ifndef QNSIM_STABILIZER_BIT_KERNELS_H
#define QNSIM_STABILIZER_BIT_KERNELS_H

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace qnsim::bit_kernels {

/// The word loops of the stabilizer tableau, one instantiation per word width, chosen at run time.
///
/// Every kernel is written once (bit_kernels.inl) over a word of L 64-bit lanes and compiled
/// several times: "generic64" (plain uint64_t, any CPU), "generic128" (SSE2 / NEON, baseline on
/// x86-64 and aarch64), and on x86-64 "avx2" and "avx512" from files built with -mavx2 /
/// -mavx512f (see CMakeLists.txt). The wheel itself is built for the baseline CPU; the widest
/// variant the CPU and OS support is chosen once, at load time, unless the environment variable
/// QNSIM_BIT_KERNEL names another one. Results never depend on the variant: lanes are consecutive
/// 64-bit words, the kernels are exact bit arithmetic, and no kernel draws random numbers, so a
/// seed reproduces the same measurement record bit for bit on every CPU (tests force each variant).
///
/// Shapes: row lengths `words` are 1, 2, 4 or a multiple of 8 (Tableau::words_for), so a variant
/// uses its full width, or the widest that divides `words`.
struct Table {
    const char *name;
    size_t lanes;  ///< 64-bit lanes per word of this instantiation

    /// In place (dx, dz) <- (dx, dz) * (sx, sz) as Pauli strings, ignoring signs; returns e in 0..3
    /// such that the operator product is i^e times the string now in (dx, dz). The four ranges must
    /// not overlap.
    unsigned (*row_mul)(uint64_t *dx, uint64_t *dz, const uint64_t *sx, const uint64_t *sz, size_t words);

    /// Exchanges two non-overlapping ranges of `words` words.
    void (*swap)(uint64_t *a, uint64_t *b, size_t words);

    /// Transposes in place the four square bit tables of a record table: 64 * words records of
    /// 4 * words words; part p of record r (words at base + 4 r words + p words) is row r of table p
    /// (bit c of word j of a row is entry (r, 64 j + c)).
    void (*transpose)(uint64_t *base, size_t words);

    /// Column elimination of a collapse in the transposed layout: record k (at base + k * stride)
    /// holds, for input qubit k, the X and Z columns of both tableau halves ([X0 | Z0 | X1 | Z1], each
    /// `words` words, bit r = output row r), and signs holds the sign bits of the two halves
    /// ([S0 | S1]). For each k in targets, conjugates every row by CX(pivot, k).
    void (*eliminate)(uint64_t *base, size_t stride, size_t words, uint64_t *signs, size_t pivot,
                      const uint32_t *targets, size_t count);

    /// The whole collapse of one random Z outcome in the row layout (see Tableau::collapse_z): records
    /// r < num_rows at base + r * stride hold rows [X0 | Z0 | X1 | Z1]; every row R of both halves
    /// becomes V^-1 R V for V = CX(pivot, k) over the set bits k of `mask`, then S^-1 on the pivot if
    /// need_s, then H, then X if flip.
    void (*row_pass)(uint64_t *base, size_t stride, size_t words, size_t num_rows, uint64_t *signs,
                     const uint64_t *mask, size_t pivot, bool need_s, bool flip);
};

/// The kernels of the active variant for rows of `words` words (1, 2, 4 or a multiple of 8).
const Table &for_words(size_t words);

/// Name of the active variant ("generic64", "generic128", "avx2" or "avx512").
const char *active();

/// Variants this CPU can run, narrowest first (the last one is the default).
std::vector<std::string> available();

/// Makes `name` the active variant for tableaus created from now on ("auto" picks the default).
/// Returns false, changing nothing, when the name is unknown or the CPU cannot run it.
bool select(const std::string &name);

}  // namespace qnsim::bit_kernels

#endif
