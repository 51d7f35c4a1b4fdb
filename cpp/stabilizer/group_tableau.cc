#include "stabilizer/group_tableau.h"

#include <stdexcept>

#include "core/errors.h"

namespace qnsim {
namespace {

inline uint64_t bit(unsigned i) { return uint64_t{1} << i; }
inline unsigned lowest_bit(uint64_t w) { return static_cast<unsigned>(__builtin_ctzll(w)); }
inline int popcount(uint64_t w) {
#ifdef __POPCNT__
    return __builtin_popcountll(w);
#else
    // Without -mpopcnt the builtin is a library call; this inlines to a dozen ALU operations.
    w = w - ((w >> 1) & 0x5555555555555555ULL);
    w = (w & 0x3333333333333333ULL) + ((w >> 2) & 0x3333333333333333ULL);
    w = (w + (w >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return static_cast<int>((w * 0x0101010101010101ULL) >> 56);
#endif
}

// Drops bit p of w, moving the bits above it down by one.
inline uint64_t drop_bit(uint64_t w, unsigned p) {
    const uint64_t low = bit(p) - 1;
    return (w & low) | ((w >> 1) & ~low);
}

// Exponent of i (mod 4) picked up by the product P(x1,z1) * P(x2,z2) of Pauli strings given as
// qubit masks (both bits set = Y), summed over qubits (Aaronson-Gottesman's g function).
inline int product_phase(uint64_t x1, uint64_t z1, uint64_t x2, uint64_t z2) {
    const uint64_t y1 = x1 & z1, xo = x1 & ~z1, zo = ~x1 & z1;
    const int plus = popcount(y1 & z2 & ~x2) + popcount(xo & x2 & z2) + popcount(zo & x2 & ~z2);
    const int minus = popcount(y1 & x2 & ~z2) + popcount(xo & z2 & ~x2) + popcount(zo & x2 & z2);
    return (plus - minus) & 3;
}

}  // namespace

GroupTableau::GroupTableau(unsigned num_qubits) : n_(num_qubits), cols_(4 * num_qubits) {
    if (num_qubits > kMaxQubits) {
        throw std::invalid_argument(msg("a stabilizer group holds at most ", kMaxQubits, " qubits, asked for ", num_qubits));
    }
    for (unsigned q = 0; q < n_; q++) {
        sz(q) = bit(q);
        dx(q) = bit(q);
    }
}

GroupTableau GroupTableau::bell_pair() {
    // H(0) then CX(0,1) on |00>: stabilizers XX, ZZ; destabilizers Z_0, X_1.
    GroupTableau t(2);
    t.sx(0) = bit(0);
    t.sx(1) = bit(0);
    t.sz(0) = bit(1);
    t.sz(1) = bit(1);
    t.dx(0) = 0;
    t.dz(0) = bit(0);
    t.dx(1) = bit(1);
    t.dz(1) = 0;
    return t;
}

GroupTableau GroupTableau::tensor(const GroupTableau &a, const GroupTableau &b) {
    const unsigned n = a.n_ + b.n_;
    if (n > kMaxQubits) {
        throw StateTooLargeError(msg("merging stabilizer groups of ", a.n_, " and ", b.n_, " qubits gives ", n,
                                     " qubits; a group holds at most ", kMaxQubits));
    }
    GroupTableau t;
    t.n_ = n;
    t.cols_.resize(4 * n);
    std::copy(a.cols_.data(), a.cols_.data() + a.cols_.size(), t.cols_.data());
    for (unsigned k = 0; k < 4 * b.n_; k++) t.cols_[4 * a.n_ + k] = b.cols_[k] << a.n_;
    // A 64-qubit a leaves room only for an empty b, and shifting by 64 is undefined behaviour.
    t.ssign_ = a.ssign_ | (b.n_ ? b.ssign_ << a.n_ : 0);
    return t;
}

void GroupTableau::h(unsigned q) {
    uint64_t *c = &cols_[4 * q];
    ssign_ ^= c[0] & c[1];
    std::swap(c[0], c[1]);
    std::swap(c[2], c[3]);
}

void GroupTableau::s(unsigned q) {
    uint64_t *c = &cols_[4 * q];
    ssign_ ^= c[0] & c[1];
    c[1] ^= c[0];
    c[3] ^= c[2];
}

void GroupTableau::s_dag(unsigned q) {
    uint64_t *c = &cols_[4 * q];
    c[1] ^= c[0];
    c[3] ^= c[2];
    ssign_ ^= c[0] & c[1];
}

void GroupTableau::h_yz(unsigned q) {
    // Y <-> Z, X -> -X: x ^= z, and the sign flips where the Pauli was X (x & !z before).
    uint64_t *c = &cols_[4 * q];
    ssign_ ^= c[0] & ~c[1];
    c[0] ^= c[1];
    c[2] ^= c[3];
    // Y -> Z and Z -> Y carry no sign; checked against the 2x2 matrices in tests.
}

void GroupTableau::cx(unsigned c, unsigned t) {
    uint64_t *a = &cols_[4 * c];
    uint64_t *b = &cols_[4 * t];
    ssign_ ^= a[0] & b[1] & ~(b[0] ^ a[1]);
    b[0] ^= a[0];
    a[1] ^= b[1];
    b[2] ^= a[2];
    a[3] ^= b[3];
}

void GroupTableau::cz(unsigned qa, unsigned qb) {
    uint64_t *a = &cols_[4 * qa];
    uint64_t *b = &cols_[4 * qb];
    ssign_ ^= a[0] & b[0] & (a[1] ^ b[1]);
    a[1] ^= b[0];
    b[1] ^= a[0];
    a[3] ^= b[2];
    b[3] ^= a[2];
}

void GroupTableau::swap(unsigned a, unsigned b) {
    for (unsigned k = 0; k < 4; k++) std::swap(cols_[4 * a + k], cols_[4 * b + k]);
}

void GroupTableau::multiply_stabilizer_into(unsigned p, uint64_t rows) {
    if (!rows) return;
    uint64_t lo = 0, hi = 0;  // per-row phase counter mod 4, as two bit planes
    for (unsigned j = 0; j < n_; j++) {
        uint64_t &xs = sx(j);
        uint64_t &zs = sz(j);
        const bool xp = (xs >> p) & 1, zp = (zs >> p) & 1;
        if (!xp && !zp) continue;
        uint64_t plus, minus;
        if (xp && zp) {
            plus = zs & ~xs;
            minus = xs & ~zs;
        } else if (xp) {
            plus = zs & xs;
            minus = zs & ~xs;
        } else {
            plus = xs & ~zs;
            minus = xs & zs;
        }
        plus &= rows;
        minus &= rows;
        hi ^= lo & plus;
        lo ^= plus;
        hi ^= ~lo & minus;
        lo ^= minus;
        if (xp) xs ^= rows;
        if (zp) zs ^= rows;
    }
    const uint64_t sign_p = ((ssign_ >> p) & 1) ? ~uint64_t{0} : 0;
    ssign_ ^= rows & (hi ^ sign_p);
}

void GroupTableau::multiply_stabilizer_into_destabilizers(unsigned p, uint64_t rows) {
    if (!rows) return;
    for (unsigned j = 0; j < n_; j++) {
        if ((sx(j) >> p) & 1) dx(j) ^= rows;
        if ((sz(j) >> p) & 1) dz(j) ^= rows;
    }
}

void GroupTableau::multiply_destabilizer_into_destabilizers(unsigned p, uint64_t rows) {
    if (!rows) return;
    for (unsigned j = 0; j < n_; j++) {
        if ((dx(j) >> p) & 1) dx(j) ^= rows;
        if ((dz(j) >> p) & 1) dz(j) ^= rows;
    }
}

void GroupTableau::stabilizer_row(unsigned i, uint64_t &x, uint64_t &z) const {
    x = 0;
    z = 0;
    for (unsigned j = 0; j < n_; j++) {
        x |= ((sx(j) >> i) & 1) << j;
        z |= ((sz(j) >> i) & 1) << j;
    }
}

int GroupTableau::product_sign_exponent(uint64_t rows) const {
    uint64_t acc_x = 0, acc_z = 0;
    int phase = 0;
    for (; rows; rows &= rows - 1) {
        const unsigned i = lowest_bit(rows);
        uint64_t x, z;
        stabilizer_row(i, x, z);
        phase += product_phase(acc_x, acc_z, x, z) + 2 * static_cast<int>((ssign_ >> i) & 1);
        acc_x ^= x;
        acc_z ^= z;
    }
    return phase & 3;
}

int GroupTableau::deterministic_z_outcome(unsigned q) const {
    // Z_q = +-(product of the stabilizers whose destabilizer anticommutes with Z_q).
    return product_sign_exponent(dx(q)) == 2 ? 1 : 0;
}

int GroupTableau::measure_z(unsigned q, Rng &rng) {
    const uint64_t anticommuting = sx(q);
    if (!anticommuting) return deterministic_z_outcome(q);
    const unsigned p = lowest_bit(anticommuting);
    multiply_stabilizer_into(p, anticommuting & ~bit(p));
    multiply_stabilizer_into_destabilizers(p, dx(q) & ~bit(p));
    const int outcome = static_cast<int>(rng.next_u64() >> 63);
    for (unsigned j = 0; j < n_; j++) {
        // Destabilizer p becomes the old stabilizer p; stabilizer p becomes +-Z_q.
        dx(j) = (dx(j) & ~bit(p)) | (sx(j) & bit(p));
        dz(j) = (dz(j) & ~bit(p)) | (sz(j) & bit(p));
        sx(j) &= ~bit(p);
        sz(j) &= ~bit(p);
    }
    sz(q) |= bit(p);
    ssign_ = (ssign_ & ~bit(p)) | (static_cast<uint64_t>(outcome) << p);
    return outcome;
}

void GroupTableau::remove_z_eigenqubit(unsigned q) {
    if (sx(q)) throw std::logic_error("remove_z_eigenqubit: qubit is not in a Z eigenstate");
    const uint64_t anticommuting = dx(q);
    const unsigned p = lowest_bit(anticommuting);
    // Make stabilizer p exactly +-Z_q: it is the product of the stabilizers in `anticommuting`,
    // which contains p, so replacing row p keeps the generated group.
    const int outcome = deterministic_z_outcome(q);
    for (unsigned j = 0; j < n_; j++) {
        sx(j) &= ~bit(p);
        sz(j) &= ~bit(p);
    }
    sz(q) |= bit(p);
    ssign_ = (ssign_ & ~bit(p)) | (static_cast<uint64_t>(outcome) << p);
    // Destabilizers other than p that anticommuted with Z_q take a factor of destabilizer p,
    // which keeps every commutation relation with the new generators.
    multiply_destabilizer_into_destabilizers(p, anticommuting & ~bit(p));
    isolate_and_drop(q, p);
}

void GroupTableau::isolate_and_drop(unsigned q, unsigned p) {
    // Stabilizers with Z on q absorb +-Z_q; destabilizers simply lose it (their sign is free).
    const uint64_t others = sz(q) & ~bit(p);
    if ((ssign_ >> p) & 1) ssign_ ^= others;
    sz(q) &= bit(p);
    dz(q) &= bit(p);
    for (unsigned j = 0; j < n_; j++) {
        dx(j) &= ~bit(p);
        dz(j) &= ~bit(p);
    }
    cols_.erase(4 * q, 4);
    n_--;
    for (auto &w : cols_) w = drop_bit(w, p);
    ssign_ = drop_bit(ssign_, p);
}

int GroupTableau::expectation(uint64_t x_mask, uint64_t z_mask) const {
    uint64_t anticommuting_stabilizers = 0, anticommuting_destabilizers = 0;
    for (unsigned j = 0; j < n_; j++) {
        if ((x_mask >> j) & 1) {
            anticommuting_stabilizers ^= sz(j);
            anticommuting_destabilizers ^= dz(j);
        }
        if ((z_mask >> j) & 1) {
            anticommuting_stabilizers ^= sx(j);
            anticommuting_destabilizers ^= dx(j);
        }
    }
    if (anticommuting_stabilizers) return 0;
    return product_sign_exponent(anticommuting_destabilizers) == 0 ? 1 : -1;
}

std::vector<std::complex<double>> GroupTableau::density_matrix() const {
    if (n_ > 12) {
        throw StateTooLargeError(msg("the density matrix of a ", n_, "-qubit stabilizer group takes ",
                                     16.0 * double(uint64_t{1} << n_) * double(uint64_t{1} << n_),
                                     " bytes; limit is 12 qubits"));
    }
    const size_t dim = size_t{1} << n_;
    std::vector<std::complex<double>> rho(dim * dim);
    std::vector<uint64_t> gx(n_), gz(n_);
    for (unsigned i = 0; i < n_; i++) stabilizer_row(i, gx[i], gz[i]);
    // Qubit j is index bit (n-1-j).
    auto to_index_bits = [&](uint64_t mask) {
        uint64_t out = 0;
        for (unsigned j = 0; j < n_; j++) out |= ((mask >> j) & 1) << (n_ - 1 - j);
        return out;
    };
    // rho = 2^-n sum over all 2^n stabilizer group elements; walk them in Gray-code order.
    uint64_t ex = 0, ez = 0;
    int ephase = 0;  // element = i^ephase * P(ex, ez) with Y for x&z
    const double norm = 1.0 / static_cast<double>(dim);
    static const std::complex<double> i_pow[4] = {{1, 0}, {0, 1}, {-1, 0}, {0, -1}};
    for (uint64_t k = 0; k < dim; k++) {
        if (k) {
            const unsigned g = lowest_bit(k);
            ephase = (ephase + product_phase(ex, ez, gx[g], gz[g]) + 2 * static_cast<int>((ssign_ >> g) & 1)) & 3;
            ex ^= gx[g];
            ez ^= gz[g];
        }
        const uint64_t xb = to_index_bits(ex), zb = to_index_bits(ez);
        const int num_y = popcount(ex & ez);
        for (uint64_t b = 0; b < dim; b++) {
            const int minus = popcount(b & zb) & 1;
            rho[(b ^ xb) * dim + b] += norm * i_pow[(ephase + num_y + 2 * minus) & 3];
        }
    }
    return rho;
}

}  // namespace qnsim
