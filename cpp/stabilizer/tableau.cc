#include "stabilizer/tableau.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <new>
#include <sstream>
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
    // 64-byte alignment: a row of 8 words is one cache line and one AVX-512 word.
    const size_t padded = (bytes + 63) / 64 * 64;
    ptr_ = static_cast<uint64_t *>(std::aligned_alloc(64, padded));
    if (!ptr_) throw std::bad_alloc();
    std::memset(ptr_, 0, padded);
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
    const size_t w = (n + 63) / 64;
    if (w > 4) return (w + 7) / 8 * 8;
    return w == 3 ? 4 : w;
}

Tableau::Tableau(size_t n) : n_(n), w_(words_for(n)), rows_(64 * words_for(n)), stride_(4 * words_for(n)) {
    if (n > kMaxQubits && n >= (size_t{1} << 31)) {
        // bytes_needed wraps in 64 bits far above the limit (2**63 - 1 qubits "would need 2305843009213693952
        // bytes", 2^61 where it is 2^125): the figure in floating point, as the words it takes.
        const double words = std::ceil(static_cast<double>(n) / 64);
        std::ostringstream bytes;
        bytes << std::setprecision(6) << 2048 * words * words;
        throw StateTooLargeError(msg("a stabilizer tableau of ", n, " qubits would need about ", bytes.str(),
                                     " bytes; the limit is ", kMaxQubits, " qubits and ", kMaxBytes, " bytes"));
    }
    if (n > kMaxQubits || bytes_needed(n) > kMaxBytes) {  // exact below 2^31 qubits (2^61 bytes)
        throw StateTooLargeError(msg("a stabilizer tableau of ", n, " qubits would need ", bytes_needed(n),
                                     " bytes; the limit is ", kMaxQubits, " qubits and ", kMaxBytes, " bytes"));
    }
    k_ = &bit_kernels::for_words(w_);
    data_ = WordBuffer(rows_ * stride_);
    signs_.assign(2 * w_, 0);
    x_half_.assign(n_, 0);
    for (size_t k = 0; k < n_; ++k) {
        flip_bit(x_bits(k, 0), k);  // xs[k] = X_k in half 0
        flip_bit(z_bits(k, 1), k);  // zs[k] = Z_k in half 1
    }
}

// Derivations: for a gate U, new xs[k] = C^-1 (U^-1 X_k U) C, i.e. the old rows combined the way
// U^-1 X_k U combines X and Z (C^-1 . C is a homomorphism, phases included). H swaps xs[q] and zs[q]
// (H X H = Z), which only relabels the halves (prepend_h in the header).

void Tableau::prepend_s(size_t q) {
    // S^-1 X S = -Y = -i X Z; Z unchanged.
    mul_rows(q, x_half(q), q, z_half(q), 3);
}

void Tableau::prepend_s_dag(size_t q) {
    // S X S^-1 = Y = i X Z.
    mul_rows(q, x_half(q), q, z_half(q), 1);
}

void Tableau::prepend_cx(size_t c, size_t t) {
    // CX: X_c -> X_c X_t, Z_t -> Z_c Z_t (commuting factors, so no extra phase).
    mul_rows(c, x_half(c), t, x_half(t), 0);
    mul_rows(t, z_half(t), c, z_half(c), 0);
}

void Tableau::prepend_cz(size_t a, size_t b) {
    // CZ: X_a -> X_a Z_b, X_b -> X_b Z_a.
    mul_rows(a, x_half(a), b, z_half(b), 0);
    mul_rows(b, x_half(b), a, z_half(a), 0);
}

void Tableau::prepend_swap(size_t a, size_t b) {
    k_->swap(record(a), record(b), stride_);
    std::swap(x_half_[a], x_half_[b]);
    for (unsigned h = 0; h < 2; ++h) {
        const bool sa = get_bit(signs(h), a), sb = get_bit(signs(h), b);
        set_bit(signs(h), a, sb);
        set_bit(signs(h), b, sa);
    }
}

int Tableau::expectation(const PauliString &p) const {
    // <0| C^-1 P C |0>: multiply the images of P's factors; the result is nonzero iff it has no X part.
    std::vector<uint64_t> ax(w_, 0), az(w_, 0);
    unsigned e = p.sign ? 2 : 0;
    for (size_t q = 0; q < p.num_qubits; ++q) {
        const bool x = get_bit(p.xs.data(), q), z = get_bit(p.zs.data(), q);
        const unsigned hx = x_half(q), hz = z_half(q);
        if (x) e += mul_log_i(ax.data(), az.data(), x_bits(q, hx), z_bits(q, hx), w_) + 2u * get_bit(signs(hx), q);
        if (z) e += mul_log_i(ax.data(), az.data(), x_bits(q, hz), z_bits(q, hz), w_) + 2u * get_bit(signs(hz), q);
        if (x && z) e += 1;  // Y = i X Z
    }
    if (any_bit(ax.data(), w_)) return 0;
    return (e & 3) == 0 ? 1 : -1;
}

void Tableau::transpose() {
    // Part p of every record, taken alone, is a square bit table of rows_ rows: transposing the four
    // in place swaps rows (output qubits) and columns (inputs).
    k_->transpose(data_.data(), w_);
    transposed_ = !transposed_;
}

// Column operations: every row R (both halves) becomes V^-1 R V for a gate V on input qubit q. In
// the transposed layout record q holds input q's columns of both halves, and the sign words line up
// with them bit for bit; a row's half does not matter.

void Tableau::append_h_t(size_t q) {
    for (unsigned h = 0; h < 2; ++h) {
        uint64_t *__restrict x = x_bits(q, h);
        uint64_t *__restrict z = z_bits(q, h);
        uint64_t *__restrict s = signs(h);
        for (size_t i = 0; i < w_; ++i) {
            const uint64_t a = x[i], b = z[i];
            s[i] ^= a & b;
            x[i] = b;
            z[i] = a;
        }
    }
}

void Tableau::append_s_dag_t(size_t q) {
    // S^-1 R S: X -> -Y, Y -> X, Z -> Z.
    for (unsigned h = 0; h < 2; ++h) {
        uint64_t *__restrict x = x_bits(q, h);
        uint64_t *__restrict z = z_bits(q, h);
        uint64_t *__restrict s = signs(h);
        for (size_t i = 0; i < w_; ++i) {
            s[i] ^= x[i] & ~z[i];
            z[i] ^= x[i];
        }
    }
}

void Tableau::append_x_t(size_t q) {
    for (unsigned h = 0; h < 2; ++h) {
        const uint64_t *__restrict z = z_bits(q, h);
        uint64_t *__restrict s = signs(h);
        for (size_t i = 0; i < w_; ++i) s[i] ^= z[i];
    }
}

void Tableau::collapse_z_batch(const uint32_t *qs, size_t count, Rng &rng) {
    // Chunks bound the pending supports (chunk * W words) to a fraction of the tableau; chunking only
    // adds transposes, the operations and draws are those of one outcome after the other.
    constexpr size_t kBatchChunk = 2048;
    for (size_t start = 0; start < count; start += kBatchChunk) {
        collapse_chunk(qs + start, std::min(kBatchChunk, count - start), rng);
    }
}

void Tableau::collapse_chunk(const uint32_t *qs, size_t count, Rng &rng) {
    // zs[q] = C^-1 Z_q C has X part on the inputs K. Appending CX(p, k) (which fixes |0...0>) for the
    // other k in K leaves X only on the pivot p = min K; S (if it is Y_p) makes it X_p. Measuring
    // X_p Z_rest on |0...0> is a fair coin; the post-measurement state is C H_p X_p^b |0...0>, which
    // appends H then X^b on p and leaves zs[q] = +-Z_p Z_rest, deterministic.
    //
    // In this layout K is one bit in each of n records, a cache miss each. Instead, each pending
    // outcome j keeps K_j as a row (masks_, copied before the transpose, when it was contiguous) and
    // the row is kept current: a collapse with pivot p and targets T = K \ {p} changes X columns only
    // by x_t ^= x_p for t in T (so K_j ^= T when the pivot's X column has bit q_j) and by the H on p
    // (bit p of K_j becomes the pivot's new X bit q_j). Rows touched by nothing else stay exact.
    masks_.resize(count * w_);
    for (size_t j = 0; j < count; ++j) {
        const uint64_t *x = x_bits(qs[j], z_half(qs[j]));
        std::copy(x, x + w_, masks_.data() + j * w_);
    }
    transpose();
    std::vector<uint64_t> pivot_x(2 * w_);
    for (size_t j = 0; j < count; ++j) {
        const size_t q = qs[j];
        uint64_t *kj = masks_.data() + j * w_;
        scratch_.clear();
        for (size_t i = 0; i < w_; ++i) {
            for (uint64_t v = kj[i]; v; v &= v - 1) scratch_.push_back(static_cast<uint32_t>(i * 64 + __builtin_ctzll(v)));
        }
        if (scratch_.empty()) continue;  // deterministic
        const size_t pivot = scratch_[0];
        flip_bit(kj, pivot);  // kj = T from here on
        uint64_t *pr = record(pivot);
        std::copy(pr, pr + w_, pivot_x.data());                    // X column, half 0
        std::copy(pr + 2 * w_, pr + 3 * w_, pivot_x.data() + w_);  // X column, half 1
        k_->eliminate(data_.data(), stride_, w_, signs_.data(), pivot, scratch_.data() + 1, scratch_.size() - 1);
        const size_t zo = (2 * z_half(q) + 1) * w_;
        if (get_bit(pr + zo, q)) append_s_dag_t(pivot);
        append_h_t(pivot);
        if (rng.next_u64() & 1) append_x_t(pivot);
        for (size_t i = j + 1; i < count; ++i) {
            const size_t qi = qs[i];
            const unsigned h = z_half(qi);
            uint64_t *ki = masks_.data() + i * w_;
            if (get_bit(pivot_x.data() + h * w_, qi)) {
                for (size_t u = 0; u < w_; ++u) ki[u] ^= kj[u];
            }
            set_bit(ki, pivot, get_bit(pr + 2 * h * w_, qi));
        }
    }
    transpose();
}

bool Tableau::collapse_z(size_t q, Rng &rng) {
    // Same elimination as collapse_z_transposed (append CX(p, k) for every other k in K, S if the
    // pivot is Y, H, X^b), applied to each row in one pass in the row layout (bit_kernels row_pass).
    const unsigned hz = z_half(q);
    const uint64_t *zq_x = x_bits(q, hz);
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
    // After the CXs, the pivot of zs[q] is Y (needs S) iff its z_p bit, updated by the CXs, is 1.
    bool need_s = get_bit(z_bits(q, hz), pivot);
    {
        uint64_t par = 0;
        const uint64_t *z = z_bits(q, hz);
        for (size_t w = 0; w < w_; ++w) par ^= z[w] & mask[w];
        need_s ^= popcount64(par) & 1;
    }
    const bool flip = rng.next_u64() & 1;
    k_->row_pass(data_.data(), stride_, w_, n_, signs_.data(), mask.data(), pivot, need_s, flip);
    return true;
}

}  // namespace qnsim
