// The bit kernels of bit_kernels.h, written once over a word type W of L = lanes<W>() 64-bit lanes.
// Included by exactly one .cc per target (bit_kernels_generic.cc, bit_kernels_avx2.cc,
// bit_kernels_avx512.cc); everything is in an anonymous namespace so each file's instantiations,
// compiled for its own target, stay private to it.
//
// Every loop reads and writes lanes at the same word offsets a 64-bit loop would, and the only
// cross-lane steps (counter folds, lane transposes) are exact, so each kernel returns the same bits
// for every W.

#include "core/bit_word.h"
#include "stabilizer/bit_kernels.h"

namespace qnsim::bit_kernels {
namespace {

using bitword::lanes;
using bitword::load;
using bitword::splat;
using bitword::store;

inline bool bit_of(const uint64_t *v, size_t k) { return (v[k >> 6] >> (k & 63)) & 1; }
inline void put_bit(uint64_t *v, size_t k, bool b) {
    const uint64_t m = uint64_t{1} << (k & 63);
    v[k >> 6] = b ? (v[k >> 6] | m) : (v[k >> 6] & ~m);
}

// Adds the L lane-wise 2-bit counters (c1 low bit, c2 high bit, per bit position) into one pair of
// 64-bit counters, then counts: the sum of all counters mod 4.
template <class W>
unsigned sum_mod4(const W &c1, const W &c2) {
    uint64_t t1 = bitword::lane(c1, 0), t2 = bitword::lane(c2, 0);
    for (size_t l = 1; l < lanes<W>(); ++l) {
        const uint64_t a1 = bitword::lane(c1, l), a2 = bitword::lane(c2, l);
        t2 ^= a2 ^ (t1 & a1);
        t1 ^= a1;
    }
    return (bitword::popcount(t1) + 2 * bitword::popcount(t2)) & 3u;
}

template <class W>
unsigned parity(const W &v) {
    uint64_t t = 0;
    for (size_t l = 0; l < lanes<W>(); ++l) t ^= bitword::lane(v, l);
    return bitword::popcount(t) & 1;
}

template <class W>
unsigned row_mul(uint64_t *__restrict dx, uint64_t *__restrict dz, const uint64_t *__restrict sx,
                 const uint64_t *__restrict sz, size_t words) {
    // Per qubit, the product of two single-qubit Paulis contributes i^+1 for the cyclic order (XY, YZ,
    // ZX), i^-1 = i^3 for the reverse, nothing when they commute. Bit-sliced 2-bit counters (c1 low,
    // c2 high) add these up mod 4 for every bit position at once; they are summed once at the end.
    W c1{}, c2{};
    for (size_t i = 0; i < words; i += lanes<W>()) {
        const W x1 = load<W>(dx + i), z1 = load<W>(dz + i), x2 = load<W>(sx + i), z2 = load<W>(sz + i);
        const W anti = (x1 & z2) ^ (z1 & x2);
        const W plus = (x1 & (z1 ^ x2)) | (~x1 & ~z2);  // when anti: the cyclic order, +1
        c2 ^= (c1 & anti) ^ (anti & ~plus);             // adding 1 carries c1; adding 3 carries ~c1
        c1 ^= anti;
        store(dx + i, x1 ^ x2);
        store(dz + i, z1 ^ z2);
    }
    return sum_mod4(c1, c2);
}

template <class W>
void swap_words(uint64_t *__restrict a, uint64_t *__restrict b, size_t words) {
    for (size_t i = 0; i < words; i += lanes<W>()) {
        const W x = load<W>(a + i), y = load<W>(b + i);
        store(a + i, y);
        store(b + i, x);
    }
}

// One round of the 64 x 64 bit-block transpose on 8 rows r[0..8) that are J rows apart in the
// block (so their pairs (m, m + J / step) sit on either side of the swap): swaps the off-diagonal
// J x J quadrants. M selects the columns whose bit J is clear. Lane-wise: each lane is its own block.
template <class W, unsigned J, uint64_t M, size_t D>
inline void transpose_round8(W *r) {
    const W m = splat<W>(M);
    for (size_t i = 0; i < 8; ++i) {
        if (i & D) continue;
        const W t = ((r[i] >> J) ^ r[i + D]) & m;
        r[i] ^= t << J;
        r[i + D] ^= t;
    }
}

// Transposes, in place, the L side-by-side 64 x 64 blocks held by 64 rows of one word each. The six
// rounds split into two passes of eight 8-row groups that each fit in registers: rows k, k + 8, ...,
// k + 56 for the rounds at distances 32, 16, 8, then rows 8 g, ..., 8 g + 7 for 4, 2, 1.
template <class W>
void transpose_strip(uint64_t *p, size_t stride) {
    W a[64];
    for (size_t k = 0; k < 8; ++k) {
        W r[8];
        for (size_t m = 0; m < 8; ++m) r[m] = load<W>(p + (k + 8 * m) * stride);
        transpose_round8<W, 32, 0x00000000FFFFFFFFULL, 4>(r);
        transpose_round8<W, 16, 0x0000FFFF0000FFFFULL, 2>(r);
        transpose_round8<W, 8, 0x00FF00FF00FF00FFULL, 1>(r);
        for (size_t m = 0; m < 8; ++m) a[k + 8 * m] = r[m];
    }
    for (size_t g = 0; g < 8; ++g) {
        W *r = a + 8 * g;
        transpose_round8<W, 4, 0x0F0F0F0F0F0F0F0FULL, 4>(r);
        transpose_round8<W, 2, 0x3333333333333333ULL, 2>(r);
        transpose_round8<W, 1, 0x5555555555555555ULL, 1>(r);
        for (size_t m = 0; m < 8; ++m) store(p + (8 * g + m) * stride, r[m]);
    }
}

// Transposes the tile pair (a, b) of one square table (a == b on the diagonal): tiles of G x G
// blocks, 64 G rows, G lanes of a word per row. Tile (I, J) goes to (J, I), block (i, j) inside it
// to (j, i), and each block is bit-transposed. Per row offset r, the G words of a tile at rows
// 64 i + r form a G x G lane matrix; transposing it (transpose_lanes) moves every block to its
// mirrored place with full-width loads and stores. Then each 64-row strip of the destination holds
// G blocks side by side, which transpose_strip flips lane-wise. When G < L, a word spans L / G
// tables side by side (records of 1, 2 or 4 words per part) and all of them are done at once.
template <class W, size_t G>
void transpose_tile_pair(uint64_t *a, uint64_t *b, size_t stride) {
    const bool diagonal = a == b;
    for (size_t r = 0; r < 64; ++r) {
        W va[G], vb[G];
        for (size_t i = 0; i < G; ++i) va[i] = load<W>(a + (i * 64 + r) * stride);
        bitword::transpose_lanes<G>(va);
        if (diagonal) {
            for (size_t i = 0; i < G; ++i) store(a + (i * 64 + r) * stride, va[i]);
            continue;
        }
        for (size_t i = 0; i < G; ++i) vb[i] = load<W>(b + (i * 64 + r) * stride);
        bitword::transpose_lanes<G>(vb);
        for (size_t i = 0; i < G; ++i) {
            store(b + (i * 64 + r) * stride, va[i]);
            store(a + (i * 64 + r) * stride, vb[i]);
        }
    }
    for (size_t i = 0; i < G; ++i) {
        transpose_strip<W>(a + i * 64 * stride, stride);
        if (!diagonal) transpose_strip<W>(b + i * 64 * stride, stride);
    }
}

// Transposes the four square tables (parts) of a record table in place: 64 * words records of
// 4 * words words, part p of record r at base + r * 4 words + p * words. G = min(L, words).
template <class W, size_t G>
void transpose_parts(uint64_t *base, size_t words) {
    constexpr size_t L = lanes<W>();
    const size_t stride = 4 * words;
    if (G < L) {
        // words == G: one tile per part, L / G parts per word.
        for (size_t p = 0; p < 4; p += L / G) transpose_tile_pair<W, G>(base + p * words, base + p * words, stride);
        return;
    }
    const size_t tiles = words / G;
    for (size_t p = 0; p < 4; ++p) {
        uint64_t *t = base + p * words;
        // A tile pair (64 KB at G = 8) stays in L1/L2 between its two steps.
        for (size_t ti = 0; ti < tiles; ++ti) {
            for (size_t tj = ti; tj < tiles; ++tj) {
                transpose_tile_pair<W, G>(t + ti * G * 64 * stride + tj * G, t + tj * G * 64 * stride + ti * G, stride);
            }
        }
    }
}

template <class W>
void eliminate(uint64_t *base, size_t stride, size_t words, uint64_t *signs, size_t pivot, const uint32_t *targets,
               size_t count) {
    // Conjugating a row by CX(c, t) (Aaronson-Gottesman): sign ^= x_c z_t (x_t ^ z_c ^ 1), x_t ^= x_c,
    // z_c ^= z_t, for all rows of a half at once (one bit per row). The pivot's columns and the signs
    // stay in L1 across targets.
    uint64_t *c = base + pivot * stride;
    for (size_t n = 0; n < count; ++n) {
        uint64_t *t = base + static_cast<size_t>(targets[n]) * stride;
        for (size_t h = 0; h < 2; ++h) {
            uint64_t *__restrict xc = c + 2 * h * words, *__restrict zc = xc + words;
            uint64_t *__restrict xt = t + 2 * h * words, *__restrict zt = xt + words;
            uint64_t *__restrict s = signs + h * words;
            for (size_t i = 0; i < words; i += lanes<W>()) {
                const W a = load<W>(xc + i), b = load<W>(zt + i), x2 = load<W>(xt + i), z1 = load<W>(zc + i);
                store(s + i, load<W>(s + i) ^ (a & b & ~(x2 ^ z1)));
                store(xt + i, x2 ^ a);
                store(zc + i, z1 ^ b);
            }
        }
    }
}

template <class W>
void row_pass(uint64_t *base, size_t stride, size_t words, size_t num_rows, uint64_t *signs, const uint64_t *mask,
              size_t pivot, bool need_s, bool flip) {
    // The CX(p, k) for k in K' = mask share the control p, so on a row they flip the X part by K' when
    // x_p = 1 and z_p by parity(z & K'). Their sign flips, applied in sequence, add up to
    // x_p * XOR_k z_k (1 + x_k + z_p + P_k), P_k the parity of z over the targets before k:
    // XOR_k z_k P_k counts pairs of targets with z = 1, i.e. bit 1 of c = popcount(z & K'); the rest is
    // parity(z & ~x & K') when z_p = 0 and parity(z & x & K') when z_p = 1.
    const size_t pw = pivot >> 6;
    const unsigned pb = pivot & 63;
    for (size_t h = 0; h < 2; ++h) {
        uint64_t *sg = signs + h * words;
        for (size_t r = 0; r < num_rows; ++r) {
            uint64_t *__restrict x = base + r * stride + 2 * h * words;
            uint64_t *__restrict z = x + words;
            W c1{}, c2{}, both{};
            for (size_t i = 0; i < words; i += lanes<W>()) {
                const W a = load<W>(z + i) & load<W>(mask + i);
                c2 ^= c1 & a;
                c1 ^= a;
                both ^= a & load<W>(x + i);
            }
            const unsigned cnt = sum_mod4(c1, c2);
            const bool par_zk = cnt & 1, pairs = (cnt >> 1) & 1, par_both = parity(both);
            bool xp = (x[pw] >> pb) & 1;
            bool zp = (z[pw] >> pb) & 1;
            bool s = bit_of(sg, r);
            if (xp) {
                s ^= (zp ? par_both : (par_zk ^ par_both)) ^ pairs;
                for (size_t i = 0; i < words; i += lanes<W>()) store(x + i, load<W>(x + i) ^ load<W>(mask + i));
            }
            zp ^= par_zk;
            if (need_s) {  // S^-1 R S on the pivot: X -> -Y, Y -> X
                s ^= xp & !zp;
                zp ^= xp;
            }
            s ^= xp & zp;  // H on the pivot: Y -> -Y, X <-> Z
            const bool t = xp;
            xp = zp;
            zp = t;
            if (flip) s ^= zp;  // X on the pivot: Z -> -Z, Y -> -Y
            put_bit(x, pivot, xp);
            put_bit(z, pivot, zp);
            put_bit(sg, r, s);
        }
    }
}

// Row kernels on words of type W; transposes on words of type T with lane groups of G (see
// transpose_parts).
template <class W, class T, size_t G>
constexpr Table make_table(const char *name) {
    return Table{name, lanes<W>(), &row_mul<W>, &swap_words<W>, &transpose_parts<T, G>, &eliminate<W>, &row_pass<W>};
}

}  // namespace
}  // namespace qnsim::bit_kernels
