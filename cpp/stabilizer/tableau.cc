#include "stabilizer/tableau.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "core/errors.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace qnsim {

using namespace pauli_kernels;

WordBuffer::WordBuffer(size_t words) : size_(words) {
    if (words == 0) return;
    const size_t bytes = words * sizeof(uint64_t);
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (bytes >= (size_t{2} << 20)) {
        // Fresh anonymous pages are already zero: no memset, and no first-touch cost twice.
        void *p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) throw std::bad_alloc();
        madvise(p, bytes, MADV_HUGEPAGE);
        ptr_ = static_cast<uint64_t *>(p);
        mapped_ = true;
        return;
    }
#endif
    // calloc hands out already-zero pages lazily for mid-size buffers.
    ptr_ = static_cast<uint64_t *>(std::calloc(words, sizeof(uint64_t)));
    if (!ptr_) throw std::bad_alloc();
}

WordBuffer::WordBuffer(const WordBuffer &other) : WordBuffer(other.size_) {
    if (size_) std::memcpy(ptr_, other.ptr_, size_ * sizeof(uint64_t));
}

WordBuffer &WordBuffer::operator=(const WordBuffer &other) {
    if (this != &other) *this = WordBuffer(other);
    return *this;
}

WordBuffer::WordBuffer(WordBuffer &&other) noexcept : ptr_(other.ptr_), size_(other.size_), mapped_(other.mapped_) {
    other.ptr_ = nullptr;
    other.size_ = 0;
    other.mapped_ = false;
}

WordBuffer &WordBuffer::operator=(WordBuffer &&other) noexcept {
    std::swap(ptr_, other.ptr_);
    std::swap(size_, other.size_);
    std::swap(mapped_, other.mapped_);
    return *this;
}

WordBuffer::~WordBuffer() {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    if (mapped_) {
        munmap(ptr_, size_ * sizeof(uint64_t));
        return;
    }
#endif
    std::free(ptr_);
}

uint64_t Tableau::bytes_needed(size_t n) {
    const uint64_t w = words_for(n);
    return 4 * (64 * w) * w * 8 + 2 * w * 8;
}

size_t Tableau::words_for(size_t n) {
    // From 8 words up, rows are padded to whole 64-byte cache lines, so a row never straddles a
    // line and 8 x 8 block tiles of the transpose line up with the cache.
    const size_t w = (n + 63) / 64;
    return w >= 8 ? (w + 7) / 8 * 8 : w;
}

Tableau::Tableau(size_t n) : n_(n), w_(words_for(n)), rows_(64 * words_for(n)) {
    if (n > kMaxQubits || bytes_needed(n) > kMaxBytes) {
        throw StateTooLargeError(msg("a stabilizer tableau of ", n, " qubits would need ", bytes_needed(n),
                                     " bytes; the limit is ", kMaxQubits, " qubits and ", kMaxBytes, " bytes"));
    }
    data_ = WordBuffer(4 * rows_ * w_);
    signs_.assign(2 * w_, 0);
    for (size_t k = 0; k < n_; ++k) {
        flip_bit(row(XX, k), k);
        flip_bit(row(ZZ, k), k);
    }
}

void Tableau::mul_rows(Part dx, Part dz, uint64_t *dsigns, size_t d, Part sx, Part sz, const uint64_t *ssigns,
                       size_t s, unsigned extra) {
    const unsigned e = mul_log_i(row(dx, d), row(dz, d), row(sx, s), row(sz, s), w_) + extra +
                       2u * get_bit(dsigns, d) + 2u * get_bit(ssigns, s);
    // e is even for a Hermitian product; its half is the new sign.
    set_bit(dsigns, d, (e >> 1) & 1);
}

// Derivations: for a gate U, new xs[k] = C^-1 (U^-1 X_k U) C, i.e. the old rows combined the way
// U^-1 X_k U combines X and Z (C^-1 . C is a homomorphism, phases included).

void Tableau::prepend_h(size_t q) {
    // H X H = Z: swap xs[q] and zs[q].
    std::swap_ranges(row(XX, q), row(XX, q) + w_, row(ZX, q));
    std::swap_ranges(row(XZ, q), row(XZ, q) + w_, row(ZZ, q));
    const bool sx = get_bit(x_signs(), q), sz = get_bit(z_signs(), q);
    set_bit(x_signs(), q, sz);
    set_bit(z_signs(), q, sx);
}

void Tableau::prepend_s(size_t q) {
    // S^-1 X S = -Y = -i X Z; Z unchanged.
    mul_rows(XX, XZ, x_signs(), q, ZX, ZZ, z_signs(), q, 3);
}

void Tableau::prepend_s_dag(size_t q) {
    // S X S^-1 = Y = i X Z.
    mul_rows(XX, XZ, x_signs(), q, ZX, ZZ, z_signs(), q, 1);
}

void Tableau::prepend_x(size_t q) { flip_bit(z_signs(), q); }
void Tableau::prepend_z(size_t q) { flip_bit(x_signs(), q); }
void Tableau::prepend_y(size_t q) {
    flip_bit(x_signs(), q);
    flip_bit(z_signs(), q);
}

void Tableau::prepend_cx(size_t c, size_t t) {
    // CX: X_c -> X_c X_t, Z_t -> Z_c Z_t (commuting factors, so no extra phase).
    mul_rows(XX, XZ, x_signs(), c, XX, XZ, x_signs(), t, 0);
    mul_rows(ZX, ZZ, z_signs(), t, ZX, ZZ, z_signs(), c, 0);
}

void Tableau::prepend_cz(size_t a, size_t b) {
    // CZ: X_a -> X_a Z_b, X_b -> X_b Z_a.
    mul_rows(XX, XZ, x_signs(), a, ZX, ZZ, z_signs(), b, 0);
    mul_rows(XX, XZ, x_signs(), b, ZX, ZZ, z_signs(), a, 0);
}

void Tableau::prepend_swap(size_t a, size_t b) {
    for (Part p : {XX, XZ, ZX, ZZ}) std::swap_ranges(row(p, a), row(p, a) + w_, row(p, b));
    for (uint64_t *s : {x_signs(), z_signs()}) {
        const bool sa = get_bit(s, a), sb = get_bit(s, b);
        set_bit(s, a, sb);
        set_bit(s, b, sa);
    }
}

int Tableau::expectation(const PauliString &p) const {
    // <0| C^-1 P C |0>: multiply the images of P's factors; the result is nonzero iff it has no X part.
    std::vector<uint64_t> ax(w_, 0), az(w_, 0);
    unsigned e = p.sign ? 2 : 0;
    for (size_t q = 0; q < p.num_qubits; ++q) {
        const bool x = get_bit(p.xs.data(), q), z = get_bit(p.zs.data(), q);
        if (x) e += mul_log_i(ax.data(), az.data(), row(XX, q), row(XZ, q), w_) + 2u * get_bit(x_signs(), q);
        if (z) e += mul_log_i(ax.data(), az.data(), row(ZX, q), row(ZZ, q), w_) + 2u * get_bit(z_signs(), q);
        if (x && z) e += 1;  // Y = i X Z
    }
    if (any_bit(ax.data(), w_)) return 0;
    return (e & 3) == 0 ? 1 : -1;
}

namespace {

// One round of the in-place 64x64 bit-block transpose (bit c of word r is entry (r, c)): swaps the
// off-diagonal J x J quadrants of every 2J x 2J diagonal sub-block. M selects the columns whose
// bit J is clear. J is a compile-time constant so each round unrolls into straight-line code
// that the compiler vectorizes over consecutive rows.
template <unsigned J, uint64_t M>
inline void transpose_round(uint64_t *a) {
    for (unsigned base = 0; base < 64; base += 2 * J) {
        for (unsigned k = base; k < base + J; ++k) {
            const uint64_t t = ((a[k] >> J) ^ a[k + J]) & M;
            a[k] ^= t << J;
            a[k + J] ^= t;
        }
    }
}

#if defined(__GNUC__)
// Two rows per register: GCC/Clang vector extensions lower to SSE2 on x86-64 and NEON on aarch64
// (both baseline), so no -march flag is needed.
typedef uint64_t Pair __attribute__((vector_size(16)));

template <unsigned J, uint64_t M>
inline void transpose_round_pairs(uint64_t *a) {
    static_assert(J >= 2, "pairs of consecutive rows must sit on the same side of the swap");
    const Pair m = {M, M};
    for (unsigned base = 0; base < 64; base += 2 * J) {
        for (unsigned k = base; k < base + J; k += 2) {
            Pair lo, hi;
            std::memcpy(&lo, a + k, sizeof(Pair));
            std::memcpy(&hi, a + k + J, sizeof(Pair));
            const Pair t = ((lo >> J) ^ hi) & m;
            lo ^= t << J;
            hi ^= t;
            std::memcpy(a + k, &lo, sizeof(Pair));
            std::memcpy(a + k + J, &hi, sizeof(Pair));
        }
    }
}

inline void transpose_block(uint64_t *a) {
    transpose_round_pairs<32, 0x00000000FFFFFFFFULL>(a);
    transpose_round_pairs<16, 0x0000FFFF0000FFFFULL>(a);
    transpose_round_pairs<8, 0x00FF00FF00FF00FFULL>(a);
    transpose_round_pairs<4, 0x0F0F0F0F0F0F0F0FULL>(a);
    transpose_round_pairs<2, 0x3333333333333333ULL>(a);
    transpose_round<1, 0x5555555555555555ULL>(a);
}
#else
inline void transpose_block(uint64_t *a) {
    transpose_round<32, 0x00000000FFFFFFFFULL>(a);
    transpose_round<16, 0x0000FFFF0000FFFFULL>(a);
    transpose_round<8, 0x00FF00FF00FF00FFULL>(a);
    transpose_round<4, 0x0F0F0F0F0F0F0F0FULL>(a);
    transpose_round<2, 0x3333333333333333ULL>(a);
    transpose_round<1, 0x5555555555555555ULL>(a);
}
#endif

}  // namespace

void Tableau::transpose() {
    const size_t blocks = w_;
    uint64_t tmp[64];
    for (int part = 0; part < 4; ++part) {
        uint64_t *t = data_.data() + static_cast<size_t>(part) * rows_ * w_;
        constexpr size_t kTile = 8;
        // Tiles of 8 x 8 blocks: a tile's row segments are whole 64-byte cache lines, so each line
        // is fully used while it is in cache instead of being refetched for each of its 8 words.
        for (size_t ti = 0; ti < blocks; ti += kTile)
        for (size_t tj = ti; tj < blocks; tj += kTile)
        for (size_t bi = ti; bi < std::min(ti + kTile, blocks); ++bi) {
            for (size_t bj = std::max(bi, tj); bj < std::min(tj + kTile, blocks); ++bj) {
                uint64_t *a = t + (bi * 64) * w_ + bj;
                if (bi == bj) {
                    // Gather into a contiguous buffer: the strided block transposes faster there.
                    for (int r = 0; r < 64; ++r) tmp[r] = a[r * w_];
                    transpose_block(tmp);
                    for (int r = 0; r < 64; ++r) a[r * w_] = tmp[r];
                    continue;
                }
                uint64_t *b = t + (bj * 64) * w_ + bi;
                uint64_t tb[64];
                for (int r = 0; r < 64; ++r) {
                    tmp[r] = a[r * w_];
                    tb[r] = b[r * w_];
                }
                transpose_block(tmp);
                transpose_block(tb);
                for (int r = 0; r < 64; ++r) {
                    a[r * w_] = tb[r];
                    b[r * w_] = tmp[r];
                }
            }
        }
    }
    transposed_ = !transposed_;
}

// Column operations: every row R (xs and zs halves) becomes V^-1 R V for a gate V on input qubits.
// In the transposed layout the input-qubit columns are contiguous words over all rows, and the
// sign words line up with them bit for bit.

void Tableau::append_h_t(size_t q) {
    const size_t w = w_;
    for (int half = 0; half < 2; ++half) {
        uint64_t *__restrict x = row(half ? ZX : XX, q);
        uint64_t *__restrict z = row(half ? ZZ : XZ, q);
        uint64_t *__restrict s = half ? z_signs() : x_signs();
        for (size_t i = 0; i < w; ++i) {
            const uint64_t a = x[i], b = z[i];
            s[i] ^= a & b;
            x[i] = b;
            z[i] = a;
        }
    }
}

void Tableau::append_s_dag_t(size_t q) {
    // S^-1 R S: X -> -Y, Y -> X, Z -> Z.
    const size_t w = w_;
    for (int half = 0; half < 2; ++half) {
        uint64_t *__restrict x = row(half ? ZX : XX, q);
        uint64_t *__restrict z = row(half ? ZZ : XZ, q);
        uint64_t *__restrict s = half ? z_signs() : x_signs();
        for (size_t i = 0; i < w; ++i) {
            s[i] ^= x[i] & ~z[i];
            z[i] ^= x[i];
        }
    }
}

void Tableau::append_x_t(size_t q) {
    const size_t w = w_;
    for (int half = 0; half < 2; ++half) {
        const uint64_t *__restrict z = row(half ? ZZ : XZ, q);
        uint64_t *__restrict s = half ? z_signs() : x_signs();
        for (size_t i = 0; i < w; ++i) s[i] ^= z[i];
    }
}

bool Tableau::collapse_z_transposed(size_t q, Rng &rng) {
    // zs[q] = C^-1 Z_q C has X part on inputs K. Appending CX(p, k) (which fixes |0...0>) for the
    // other k in K leaves X only on the pivot p; S (if it is Y_p) makes it X_p. Measuring X_p Z_rest
    // on |0...0> is a fair coin; the post-measurement state is C H_p X_p^b |0...0>, which appends
    // H then X^b on p and leaves zs[q] = +-Z_p Z_rest, deterministic.
    const size_t word = q >> 6;
    const unsigned bit = q & 63;
    size_t pivot = n_;
    for (size_t k = 0; k < n_; ++k) {
        if ((row(ZX, k)[word] >> bit) & 1) {
            pivot = k;
            break;
        }
    }
    if (pivot == n_) return false;
    // Conjugating by CX(c, t), for every row at once (Aaronson-Gottesman's rule):
    //   sign ^= x_c z_t (x_t ^ z_c ^ 1), x_t ^= x_c, z_c ^= z_t. Both halves, pivot kept hot in L1.
    const size_t w = w_;
    uint64_t *__restrict xc0 = row(XX, pivot), *__restrict zc0 = row(XZ, pivot), *__restrict s0 = x_signs();
    uint64_t *__restrict xc1 = row(ZX, pivot), *__restrict zc1 = row(ZZ, pivot), *__restrict s1 = z_signs();
    for (size_t k = pivot + 1; k < n_; ++k) {
        if (!((row(ZX, k)[word] >> bit) & 1)) continue;
        uint64_t *__restrict xt0 = row(XX, k), *__restrict zt0 = row(XZ, k);
        uint64_t *__restrict xt1 = row(ZX, k), *__restrict zt1 = row(ZZ, k);
        for (size_t i = 0; i < w; ++i) {
            const uint64_t a = xc0[i], b = zt0[i], x2 = xt0[i], z1 = zc0[i];
            s0[i] ^= a & b & ~(x2 ^ z1);
            xt0[i] = x2 ^ a;
            zc0[i] = z1 ^ b;
        }
        for (size_t i = 0; i < w; ++i) {
            const uint64_t a = xc1[i], b = zt1[i], x2 = xt1[i], z1 = zc1[i];
            s1[i] ^= a & b & ~(x2 ^ z1);
            xt1[i] = x2 ^ a;
            zc1[i] = z1 ^ b;
        }
    }
    if ((row(ZZ, pivot)[word] >> bit) & 1) append_s_dag_t(pivot);
    append_h_t(pivot);
    if (rng.next_u64() & 1) append_x_t(pivot);
    return true;
}

}  // namespace qnsim

namespace qnsim {

bool Tableau::collapse_z(size_t q, Rng &rng) {
    // Same elimination as collapse_z_transposed (append CX(p, k) for every other k in K, S if the
    // pivot is Y, H, X^b), but applied to each row in one pass in the row layout:
    //  * The CX(p, k) all share the control p, so together they flip the X part of a row by the
    //    mask K' = K \ {p} when x_p = 1, and flip z_p by parity(z & K').
    //  * Their sign flips, applied in sequence, add up to x_p * XOR_i z_i (1 + x_i + z_p + P_i),
    //    where P_i is the parity of z over the targets before i. XOR_i z_i P_i counts pairs of
    //    targets with z = 1, i.e. C(c, 2) mod 2 = bit 1 of c = popcount(z & K'); the remaining terms
    //    are parity(z & ~x & K') when z_p = 0 and parity(z & x & K') when z_p = 1.
    // The row work is word-parallel over K', so no transposes are needed.
    uint64_t *zq_x = row(ZX, q);
    size_t pivot = n_;
    for (size_t w = 0; w < w_; ++w) {
        if (zq_x[w]) {
            pivot = w * 64 + static_cast<size_t>(__builtin_ctzll(zq_x[w]));
            break;
        }
    }
    if (pivot == n_) return false;
    std::vector<uint64_t> mask(zq_x, zq_x + w_);
    flip_bit(mask.data(), pivot);
    const size_t pw = pivot >> 6;
    const unsigned pb = pivot & 63;
    // After the CXs, the pivot of zs[q] is Y (needs S) iff its z_p bit, updated by the CXs, is 1.
    bool zq_zp = get_bit(row(ZZ, q), pivot);
    {
        uint64_t par = 0;
        const uint64_t *z = row(ZZ, q);
        for (size_t w = 0; w < w_; ++w) par ^= z[w] & mask[w];
        zq_zp ^= popcount64(par) & 1;
    }
    const bool need_s = zq_zp;
    const bool flip = rng.next_u64() & 1;
    const uint64_t *__restrict k = mask.data();
    const size_t words = w_;
    for (int half = 0; half < 2; ++half) {
        uint64_t *signs = half ? z_signs() : x_signs();
        for (size_t r = 0; r < n_; ++r) {
            uint64_t *__restrict x = row(half ? ZX : XX, r);
            const uint64_t *__restrict z = row(half ? ZZ : XZ, r);
            uint64_t c1 = 0, c2 = 0, both = 0;
            for (size_t w = 0; w < words; ++w) {
                const uint64_t a = z[w] & k[w];
                c2 ^= c1 & a;
                c1 ^= a;
                both ^= a & x[w];
            }
            const unsigned cnt = popcount64(c1) + 2 * popcount64(c2);
            const bool par_zk = cnt & 1, pairs = (cnt >> 1) & 1, par_both = popcount64(both) & 1;
            bool xp = (x[pw] >> pb) & 1;
            bool zp = (z[pw] >> pb) & 1;
            bool s = get_bit(signs, r);
            if (xp) {
                s ^= (zp ? par_both : (par_zk ^ par_both)) ^ pairs;
                for (size_t w = 0; w < words; ++w) x[w] ^= k[w];
            }
            zp ^= par_zk;
            if (need_s) {  // S^-1 R S on the pivot: X -> -Y, Y -> X
                s ^= xp & !zp;
                zp ^= xp;
            }
            s ^= xp & zp;  // H on the pivot
            std::swap(xp, zp);
            if (flip) s ^= zp;  // X^flip on the pivot
            set_bit(x, pivot, xp);
            set_bit(const_cast<uint64_t *>(z), pivot, zp);
            set_bit(signs, r, s);
        }
    }
    return true;
}

}  // namespace qnsim
