#include "density/density_matrix.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "core/errors.h"
#include "core/text.h"

namespace qnsim {

namespace {

using cplx = DensityMatrix::cplx;

// std::complex operator* checks for NaN/inf (a libgcc call without -ffast-math); the
// kernels below only ever see finite values, so they multiply by hand.
inline cplx cmul(cplx a, cplx b) {
    return {a.real() * b.real() - a.imag() * b.imag(), a.real() * b.imag() + a.imag() * b.real()};
}
inline cplx cmul_conj(cplx a, cplx b) {  // a * conj(b)
    return {a.real() * b.real() + a.imag() * b.imag(), a.imag() * b.real() - a.real() * b.imag()};
}

// Calls f(r0, r1, c) for every pair of rows (r0 has bit m clear, r1 = r0 | m) and every column
// c with bit m clear: the four entries of the 2x2 block of one qubit are r0[c], r0[c + m],
// r1[c], r1[c + m]. Rows are streamed in order, so this is memory friendly for large n.
template <typename F>
inline void for_each_block1(cplx *d, size_t dim, size_t m, F f) {
    for (size_t rhi = 0; rhi < dim; rhi += 2 * m) {
        for (size_t rlo = 0; rlo < m; ++rlo) {
            cplx *r0 = d + (rhi + rlo) * dim;
            cplx *r1 = r0 + m * dim;
            for (size_t chi = 0; chi < dim; chi += 2 * m) {
                for (size_t clo = 0; clo < m; ++clo) {
                    const size_t c = chi + clo;
                    f(r0[c], r0[c + m], r1[c], r1[c + m]);
                }
            }
        }
    }
}

// Calls f(base) for every index in [0, dim) with bits m1 and m2 (distinct powers of 2) clear.
template <typename F>
inline void for_each_base2(size_t dim, size_t m1, size_t m2, F f) {
    const size_t hi = std::max(m1, m2), lo = std::min(m1, m2);
    for (size_t a = 0; a < dim; a += 2 * hi)
        for (size_t b = 0; b < hi; b += 2 * lo)
            for (size_t c = 0; c < lo; ++c) f(a + b + c);
}

inline void swap_rows(cplx *d, size_t dim, size_t r0, size_t r1) {
    std::swap_ranges(d + r0 * dim, d + r0 * dim + dim, d + r1 * dim);
}

// Shortest text that reads back as x (like Python's repr): "0.1", not "0.10000000000000001".
std::string num(double x) { return shortest_g(x); }

void check_probability(double p, const char *what) {
    if (!(p >= 0.0 && p <= 1.0)) {
        throw std::invalid_argument(msg(what, "=", num(p), " is outside [0, 1]"));
    }
}

#if defined(__GNUC__)
// One complex number per 16-byte vector (SSE2 on x86-64, NEON on aarch64): a complex
// multiply-add is two vector multiplies, one add and a swap instead of eight scalar flops.
typedef double v2d __attribute__((vector_size(16)));
typedef long long v2i __attribute__((vector_size(16)));
inline v2d swap_halves(v2d x) {
#if defined(__clang__)
    return __builtin_shufflevector(x, x, 1, 0);
#else
    return __builtin_shuffle(x, v2i{1, 0});
#endif
}
#define QNSIM_HAVE_V2D 1
#endif

// Generic kernel: v is a vector of 2^total_bits amplitudes; m (2^K x 2^K, row-major) acts on
// bit positions pos[0..K), pos[0] being the most significant bit of m's index.
template <size_t K>
void apply_flat_k(cplx *v, size_t total_bits, const cplx *m, const size_t *pos) {
    constexpr size_t D = size_t{1} << K;
    size_t off[D];
    for (size_t a = 0; a < D; ++a) {
        size_t o = 0;
        for (size_t j = 0; j < K; ++j)
            if ((a >> (K - 1 - j)) & 1) o |= size_t{1} << pos[j];
        off[a] = o;
    }
    size_t sp[K];
    std::copy(pos, pos + K, sp);
    std::sort(sp, sp + K);
    const size_t count = (size_t{1} << total_bits) >> K;
#if defined(QNSIM_HAVE_V2D)
    if constexpr (K <= 4) {
        // Small matrices live on the stack as (re, re) and (-im, im) pairs, so the compiler
        // knows the writes to v cannot alias them.
        v2d mr[D * D], mi[D * D];
        for (size_t i = 0; i < D * D; ++i) {
            mr[i] = v2d{m[i].real(), m[i].real()};
            mi[i] = v2d{-m[i].imag(), m[i].imag()};
        }
        v2d in[D], sw[D];
        for (size_t i = 0; i < count; ++i) {
            size_t base = i;
            for (size_t j = 0; j < K; ++j)
                base = ((base >> sp[j]) << (sp[j] + 1)) | (base & ((size_t{1} << sp[j]) - 1));
            double *p = reinterpret_cast<double *>(v + base);
            for (size_t a = 0; a < D; ++a) {
                std::memcpy(&in[a], p + 2 * off[a], sizeof(v2d));
                sw[a] = swap_halves(in[a]);
            }
            for (size_t a = 0; a < D; ++a) {
                v2d acc = mr[a * D] * in[0] + mi[a * D] * sw[0];
                for (size_t b = 1; b < D; ++b) acc += mr[a * D + b] * in[b] + mi[a * D + b] * sw[b];
                std::memcpy(p + 2 * off[a], &acc, sizeof(v2d));
            }
        }
        return;
    }
#endif
    double ire[D], iim[D];
    for (size_t i = 0; i < count; ++i) {
        size_t base = i;
        for (size_t j = 0; j < K; ++j) base = ((base >> sp[j]) << (sp[j] + 1)) | (base & ((size_t{1} << sp[j]) - 1));
        cplx *p = v + base;
        for (size_t a = 0; a < D; ++a) {
            ire[a] = p[off[a]].real();
            iim[a] = p[off[a]].imag();
        }
        for (size_t a = 0; a < D; ++a) {
            const cplx *row = m + a * D;
            double re = 0, im = 0;
            for (size_t b = 0; b < D; ++b) {
                re += row[b].real() * ire[b] - row[b].imag() * iim[b];
                im += row[b].real() * iim[b] + row[b].imag() * ire[b];
            }
            p[off[a]] = {re, im};
        }
    }
}

std::string format_bytes(size_t n) {
    // 16 * 4^n bytes; exact below 2^64, otherwise as a power of two, its exponent 4 + 2n in 128 bits: in 64 it
    // wrapped past n = 2^63 - 3 (DensityMatrixSimulator(2**63 - 1) "would need 2^2 bytes").
    if (n < 30) return msg(uint64_t{16} << (2 * n), " bytes");
    unsigned __int128 exponent = 4 + 2 * static_cast<unsigned __int128>(n);
    std::string digits;
    do {
        digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(exponent % 10)));
        exponent /= 10;
    } while (exponent != 0);
    return msg("2^", digits, " bytes");
}

// Cyclic Jacobi on a real symmetric N x N matrix a (row-major, destroyed). Eigenvalues go to w
// (unsorted, matching the columns of v when v is given).
void jacobi_symmetric(std::vector<double> &a, size_t N, std::vector<double> &w, std::vector<double> *v) {
    if (v) {
        v->assign(N * N, 0.0);
        for (size_t i = 0; i < N; ++i) (*v)[i * N + i] = 1.0;
    }
    double total = 0;
    for (double x : a) total += x * x;
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0;
        for (size_t p = 0; p < N; ++p)
            for (size_t q = p + 1; q < N; ++q) off += a[p * N + q] * a[p * N + q];
        if (off <= 1e-30 * total || off == 0) break;
        for (size_t p = 0; p < N; ++p) {
            for (size_t q = p + 1; q < N; ++q) {
                const double apq = a[p * N + q];
                if (std::abs(apq) < 1e-300) continue;
                const double theta = (a[q * N + q] - a[p * N + p]) / (2 * apq);
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (size_t k = 0; k < N; ++k) {
                    const double akp = a[k * N + p], akq = a[k * N + q];
                    a[k * N + p] = c * akp - s * akq;
                    a[k * N + q] = s * akp + c * akq;
                }
                for (size_t k = 0; k < N; ++k) {
                    const double apk = a[p * N + k], aqk = a[q * N + k];
                    a[p * N + k] = c * apk - s * aqk;
                    a[q * N + k] = s * apk + c * aqk;
                }
                if (v) {
                    auto &V = *v;
                    for (size_t k = 0; k < N; ++k) {
                        const double vkp = V[k * N + p], vkq = V[k * N + q];
                        V[k * N + p] = c * vkp - s * vkq;
                        V[k * N + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
    }
    w.resize(N);
    for (size_t i = 0; i < N; ++i) w[i] = a[i * N + i];
}

// Real 2d x 2d embedding [[A, -B], [B, A]] of the Hermitian matrix A + iB: same eigenvalues,
// each doubled.
std::vector<double> real_embedding(const cplx *m, size_t d) {
    const size_t N = 2 * d;
    std::vector<double> a(N * N);
    for (size_t r = 0; r < d; ++r) {
        for (size_t c = 0; c < d; ++c) {
            const cplx x = m[r * d + c];
            a[r * N + c] = x.real();
            a[(r + d) * N + (c + d)] = x.real();
            a[r * N + (c + d)] = -x.imag();
            a[(r + d) * N + c] = x.imag();
        }
    }
    return a;
}

// max(a, b) that keeps a NaN (std::max drops it: max(0, NaN) is 0), so that a matrix with a NaN
// entry fails every "deviation <= tolerance" check instead of passing it.
double max_keeping_nan(double a, double b) { return (std::isnan(a) || a >= b) ? a : b; }

// How far a matrix that validate_state accepted is from a state: what decides whether it is clipped.
struct StateDeviations {
    double skew = 0;         // max |m - m^dag|
    double trace_error = 0;  // |tr m - 1|
    double least = 0;        // least eigenvalue where it is computed (up to 6 qubits), else 0
};

// Throws std::invalid_argument unless m (d x d) is Hermitian, has trace 1 and is PSD, all within
// DensityMatrix::kTolerance. `what` names the matrix in messages.
StateDeviations validate_state(const cplx *m, size_t d, const char *what) {
    StateDeviations dev;
    const double tol = DensityMatrix::kTolerance;
    double herm = 0;
    cplx tr = 0;
    for (size_t r = 0; r < d; ++r) {
        tr += m[r * d + r];
        for (size_t c = 0; c < d; ++c) herm = max_keeping_nan(herm, std::abs(m[r * d + c] - std::conj(m[c * d + r])));
    }
    if (!(herm <= tol)) {
        throw std::invalid_argument(msg(what, " is not Hermitian: max |m - m^dag| = ", num(herm), " > ", num(tol)));
    }
    if (!(std::abs(tr - 1.0) <= tol)) {
        throw std::invalid_argument(msg(what, " has trace ", num(tr.real()), " (must be 1 within ", num(tol), ")"));
    }
    dev.skew = herm;
    dev.trace_error = std::abs(tr - 1.0);
    if (d <= 64) {
        auto w = DensityMatrix::hermitian_eigenvalues(m, d);
        if (w.front() < -tol) {
            throw std::invalid_argument(
                msg(what, " is not positive semidefinite: minimum eigenvalue ", num(w.front()), " < -", num(tol)));
        }
        dev.least = w.front();
    } else if (d <= 1024) {
        // Cholesky of m + tol * I (lower triangle, in a copy) succeeds iff min eigenvalue > -tol.
        std::vector<cplx> L(m, m + d * d);
        for (size_t i = 0; i < d; ++i) L[i * d + i] += tol;
        for (size_t j = 0; j < d; ++j) {
            double diag = L[j * d + j].real();
            for (size_t k = 0; k < j; ++k) diag -= std::norm(L[j * d + k]);
            if (!(diag > 0)) {
                throw std::invalid_argument(msg(what, " is not positive semidefinite (Cholesky of m + ", num(tol),
                                                " I fails at pivot ", j, ")"));
            }
            const double ljj = std::sqrt(diag);
            L[j * d + j] = ljj;
            for (size_t i = j + 1; i < d; ++i) {
                cplx s = L[i * d + j];
                for (size_t k = 0; k < j; ++k) s -= cmul_conj(L[i * d + k], L[j * d + k]);
                L[i * d + j] = s / ljj;
            }
        }
    }
    return dev;
}

// Clips a matrix that validate_state accepted into a state, as clip_bell_diagonal clips coefficients: where it is a
// state up to rounding (each deviation within 64 ulps of 1 per row) it is kept exactly as given, so that a run
// reproduces bit for bit; otherwise it becomes its Hermitian part with the eigenvalues below 0 set to 0 (up to 6
// qubits, where they are computed; larger matrices are not PSD-checked by eigenvalues), divided by its trace. A
// matrix with an eigenvalue of -5e-10 was held as it was: a "state" with a negative probability.
void clip_state(cplx *m, size_t d, const StateDeviations &dev) {
    const double slack = 64 * std::numeric_limits<double>::epsilon() * static_cast<double>(d);  // rounding_slack
    if (dev.skew <= slack && dev.trace_error <= slack && dev.least >= -slack) return;
    for (size_t r = 0; r < d; ++r) {
        m[r * d + r] = m[r * d + r].real();
        for (size_t c = 0; c < r; ++c) {
            const cplx mean = 0.5 * (m[r * d + c] + std::conj(m[c * d + r]));
            m[r * d + c] = mean;
            m[c * d + r] = std::conj(mean);
        }
    }
    if (d <= 64 && dev.least < 0) {
        // max(m, 0) from the eigen-decomposition of the real embedding (as fidelity_with_density_matrix's sqrt).
        const size_t N = 2 * d;
        auto a = real_embedding(m, d);
        std::vector<double> w, V;
        jacobi_symmetric(a, N, w, &V);
        for (double &x : w) x = std::max(x, 0.0);
        for (size_t r = 0; r < d; ++r) {
            for (size_t c = 0; c <= r; ++c) {
                double re = 0, im = 0;
                for (size_t j = 0; j < N; ++j) {
                    re += V[r * N + j] * w[j] * V[c * N + j];
                    im += V[(r + d) * N + j] * w[j] * V[c * N + j];
                }
                m[r * d + c] = {re, r == c ? 0.0 : im};
                m[c * d + r] = {re, r == c ? 0.0 : -im};
            }
        }
    }
    double trace = 0;
    for (size_t r = 0; r < d; ++r) trace += m[r * d + r].real();
    for (size_t i = 0; i < d * d; ++i) m[i] /= trace;
}

// Rounding under which a matrix checked within kTolerance (a state, a unitary, a Kraus set) is kept exactly as given.
double rounding_slack(size_t d) { return 64 * std::numeric_limits<double>::epsilon() * static_cast<double>(d); }

// ops (num_ops d x d Kraus operators, accepted within kTolerance) made trace preserving: K_i (I - E/2) with
// E = sum K^dag K - I, which is K_i S^(-1/2) to second order in E (|E| <= 1e-9: beyond rounding). A set off by
// 5e-10 was applied as it was, and each application moved the trace by as much.
std::vector<cplx> trace_preserving(const cplx *ops, size_t num_ops, size_t d) {
    std::vector<cplx> half(d * d);  // I - E/2
    for (size_t a = 0; a < d; ++a)
        for (size_t b = 0; b < d; ++b) {
            cplx s = 0;
            for (size_t i = 0; i < num_ops; ++i) {
                const cplx *K = ops + i * d * d;
                for (size_t k = 0; k < d; ++k) s += cmul_conj(K[k * d + b], K[k * d + a]);  // (K^dag K)[a][b]
            }
            half[a * d + b] = (a == b ? 1.5 : 0.0) - 0.5 * s;
        }
    std::vector<cplx> out(num_ops * d * d, cplx(0));
    for (size_t i = 0; i < num_ops; ++i) {
        const cplx *K = ops + i * d * d;
        cplx *J = out.data() + i * d * d;
        for (size_t r = 0; r < d; ++r)
            for (size_t c = 0; c < d; ++c)
                for (size_t k = 0; k < d; ++k) J[r * d + c] += K[r * d + k] * half[k * d + c];
    }
    return out;
}

// The squared norm of psi, which must be 1 within kTolerance (else std::invalid_argument); the callers divide by it
// where it is off 1 beyond rounding, as a state matrix's trace is (a vector of squared norm 1 + 5e-10 made a state of
// trace 1 + 5e-10, and a fidelity with it read 5e-10 high).
double check_norm(const cplx *psi, size_t d) {
    double norm = 0;
    for (size_t i = 0; i < d; ++i) norm += std::norm(psi[i]);
    if (!(std::abs(norm - 1.0) <= DensityMatrix::kTolerance)) {
        throw std::invalid_argument(
            msg("state vector has squared norm ", num(norm), "; it must be 1 within ", num(DensityMatrix::kTolerance)));
    }
    return std::abs(norm - 1.0) <= rounding_slack(d) ? 1.0 : norm;
}

}  // namespace

DensityMatrix::DensityMatrix(size_t num_qubits) : n_(num_qubits), dim_(0) {
    if (num_qubits > kMaxQubits) {
        throw StateTooLargeError(msg("a ", num_qubits, "-qubit density matrix would need ", format_bytes(num_qubits),
                                     " (16 * 4^n); the limit is ", kMaxQubits, " qubits (", format_bytes(kMaxQubits),
                                     " = 4 GiB)"));
    }
    dim_ = size_t{1} << n_;
    rho_.assign(dim_ * dim_, cplx(0));
    rho_[0] = 1;
}

size_t DensityMatrix::check_qubit(size_t q) const {
    if (q >= n_) {
        throw std::out_of_range(msg("qubit ", q, " is out of range for a density matrix with num_qubits=", n_));
    }
    return q;
}

void DensityMatrix::check_distinct(const std::vector<size_t> &targets) const {
    for (size_t i = 0; i < targets.size(); ++i) {
        check_qubit(targets[i]);
        for (size_t j = 0; j < i; ++j) {
            if (targets[i] == targets[j]) {
                throw std::invalid_argument(msg("qubit ", targets[i], " appears twice in the targets"));
            }
        }
    }
}

void DensityMatrix::check_pair(size_t a, size_t b) const {
    check_qubit(a);
    check_qubit(b);
    if (a == b) throw std::invalid_argument(msg("qubit ", a, " appears twice in the targets"));
}

void DensityMatrix::set_state(const cplx *m) {
    const StateDeviations dev = validate_state(m, dim_, "density matrix");
    std::copy(m, m + dim_ * dim_, rho_.begin());
    clip_state(rho_.data(), dim_, dev);
}

void DensityMatrix::set_pure_state(const cplx *psi) {
    const double norm = check_norm(psi, dim_);
    for (size_t r = 0; r < dim_; ++r)
        for (size_t c = 0; c < dim_; ++c) rho_[r * dim_ + c] = cmul_conj(psi[r], psi[c]);
    if (norm != 1.0) {
        for (cplx &x : rho_) x /= norm;
    }
}

// ---------------------------------------------------------------------------------------------
// Gates.

void DensityMatrix::h(size_t q) {
    check_qubit(q);
    for_each_block1(rho_.data(), dim_, col_bit(q), [](cplx &a00, cplx &a01, cplx &a10, cplx &a11) {
        const cplx s0 = a00 + a01, d0 = a00 - a01, s1 = a10 + a11, d1 = a10 - a11;
        a00 = 0.5 * (s0 + s1);
        a01 = 0.5 * (d0 + d1);
        a10 = 0.5 * (s0 - s1);
        a11 = 0.5 * (d0 - d1);
    });
}

void DensityMatrix::s(size_t q) {
    check_qubit(q);
    // S rho S^dag: the (0,1) entry gains conj(i) = -i, the (1,0) entry gains i.
    for_each_block1(rho_.data(), dim_, col_bit(q), [](cplx &, cplx &a01, cplx &a10, cplx &) {
        a01 = {a01.imag(), -a01.real()};
        a10 = {-a10.imag(), a10.real()};
    });
}

void DensityMatrix::s_dag(size_t q) {
    check_qubit(q);
    for_each_block1(rho_.data(), dim_, col_bit(q), [](cplx &, cplx &a01, cplx &a10, cplx &) {
        a01 = {-a01.imag(), a01.real()};
        a10 = {a10.imag(), -a10.real()};
    });
}

void DensityMatrix::x(size_t q) {
    check_qubit(q);
    for_each_block1(rho_.data(), dim_, col_bit(q), [](cplx &a00, cplx &a01, cplx &a10, cplx &a11) {
        std::swap(a00, a11);
        std::swap(a01, a10);
    });
}

void DensityMatrix::y(size_t q) {
    check_qubit(q);
    // Y rho Y = X rho X with the off-diagonal entries of the block negated.
    for_each_block1(rho_.data(), dim_, col_bit(q), [](cplx &a00, cplx &a01, cplx &a10, cplx &a11) {
        std::swap(a00, a11);
        const cplx t = a01;
        a01 = -a10;
        a10 = -t;
    });
}

void DensityMatrix::z(size_t q) {
    check_qubit(q);
    for_each_block1(rho_.data(), dim_, col_bit(q), [](cplx &, cplx &a01, cplx &a10, cplx &) {
        a01 = -a01;
        a10 = -a10;
    });
}

void DensityMatrix::cx(size_t control, size_t target) {
    check_pair(control, target);
    const size_t cm = col_bit(control), tm = col_bit(target);
    const unsigned cb = static_cast<unsigned>(n_ - 1 - control), tb = static_cast<unsigned>(n_ - 1 - target);
    cplx *d = rho_.data();
    // Entry (r, c) goes to (f(r), f(c)) with f(x) = x ^ (target bit if control bit). One pass,
    // each entry moved at most once (3/4 of them move).
    for_each_base2(dim_, cm, tm, [&](size_t rb) {
        // Rows with control 0 keep their place; only their columns permute.
        for (size_t r : {rb, rb | tm}) {
            cplx *row = d + r * dim_;
            for_each_base2(dim_, cm, tm, [&](size_t b) { std::swap(row[b | cm], row[b | cm | tm]); });
        }
        // Rows with control 1 swap with each other, columns permuted on the way.
        cplx *row0 = d + (rb | cm) * dim_, *row1 = d + (rb | cm | tm) * dim_;
        for (size_t c = 0; c < dim_; ++c) std::swap(row0[c], row1[c ^ (((c >> cb) & 1) << tb)]);
    });
}

void DensityMatrix::cy(size_t control, size_t target) {
    check_pair(control, target);
    // CY = (I (x) S) CX (I (x) S^dag).
    s_dag(target);
    cx(control, target);
    s(target);
}

void DensityMatrix::cz(size_t a, size_t b) {
    check_pair(a, b);
    const size_t am = col_bit(a), bm = col_bit(b), both = am | bm;
    cplx *d = rho_.data();
    // Entry (r, c) flips sign iff exactly one of r, c has both bits set.
    for (size_t r = 0; r < dim_; ++r) {
        cplx *row = d + r * dim_;
        if ((r & both) == both) {
            for (size_t c = 0; c < dim_; ++c) row[c] = -row[c];
        }
        for_each_base2(dim_, am, bm, [&](size_t base) { row[base | both] = -row[base | both]; });
    }
}

void DensityMatrix::swap(size_t a, size_t b) {
    check_pair(a, b);
    const size_t am = col_bit(a), bm = col_bit(b), both = am | bm;
    cplx *d = rho_.data();
    // Entry (r, c) goes to (f(r), f(c)), f exchanging bits a and b; one pass.
    for_each_base2(dim_, am, bm, [&](size_t rb) {
        for (size_t r : {rb, rb | both}) {
            cplx *row = d + r * dim_;
            for_each_base2(dim_, am, bm, [&](size_t cb) { std::swap(row[cb | am], row[cb | bm]); });
        }
        cplx *row_a = d + (rb | am) * dim_, *row_b = d + (rb | bm) * dim_;
        for (size_t c = 0; c < dim_; ++c) {
            const size_t x = c & both;
            std::swap(row_a[c], row_b[(x == am || x == bm) ? c ^ both : c]);
        }
    });
}

void DensityMatrix::apply_flat(const cplx *m, const size_t *pos, size_t k) {
    cplx *v = rho_.data();
    const size_t bits = 2 * n_;
    switch (k) {
        case 1:
            return apply_flat_k<1>(v, bits, m, pos);
        case 2:
            return apply_flat_k<2>(v, bits, m, pos);
        case 3:
            return apply_flat_k<3>(v, bits, m, pos);
        case 4:
            return apply_flat_k<4>(v, bits, m, pos);
        case 5:
            return apply_flat_k<5>(v, bits, m, pos);
        case 6:
            return apply_flat_k<6>(v, bits, m, pos);
        case 7:
            return apply_flat_k<7>(v, bits, m, pos);
        case 8:
            return apply_flat_k<8>(v, bits, m, pos);
        default:
            throw std::logic_error("apply_flat: unsupported width");
    }
}

void DensityMatrix::apply_unitary(const cplx *u, const std::vector<size_t> &targets, bool check) {
    const size_t k = targets.size();
    if (k < 1 || k > 8) {
        throw std::invalid_argument(msg("apply_unitary takes 1 to 8 targets, got ", k));
    }
    check_distinct(targets);
    const size_t d = size_t{1} << k;
    std::vector<cplx> clipped;
    if (check) {
        const double dev = unitarity_deviation(u, d);
        if (!(dev <= kTolerance)) {
            throw std::invalid_argument(
                msg("matrix is not unitary: max |U U^dag - I| = ", num(dev), " > ", num(kTolerance)));
        }
        if (dev > rounding_slack(d)) {  // a unitary within the tolerance is made one, as a one-operator Kraus set
            clipped = trace_preserving(u, 1, d);
            u = clipped.data();
        }
    }
    if (k == 1) {
        // One pass with the 4x4 superoperator U (x) conj(U) on (row bit, column bit).
        cplx sop[16];
        for (size_t a = 0; a < 2; ++a)
            for (size_t b = 0; b < 2; ++b)
                for (size_t a2 = 0; a2 < 2; ++a2)
                    for (size_t b2 = 0; b2 < 2; ++b2)
                        sop[(a * 2 + b) * 4 + a2 * 2 + b2] = cmul_conj(u[a * 2 + a2], u[b * 2 + b2]);
        const size_t pos[2] = {2 * n_ - 1 - targets[0], n_ - 1 - targets[0]};
        apply_flat(sop, pos, 2);
        return;
    }
    // U on the row bits, then conj(U) on the column bits: 2 * d multiplications per entry
    // instead of d^2 for the superoperator.
    size_t pos[8];
    for (size_t j = 0; j < k; ++j) pos[j] = 2 * n_ - 1 - targets[j];
    apply_flat(u, pos, k);
    if (scratch_.buf.size() < d * d) scratch_.buf.resize(d * d);
    for (size_t i = 0; i < d * d; ++i) scratch_.buf[i] = std::conj(u[i]);
    for (size_t j = 0; j < k; ++j) pos[j] = n_ - 1 - targets[j];
    apply_flat(scratch_.buf.data(), pos, k);
}

// ---------------------------------------------------------------------------------------------
// Channels.

void DensityMatrix::pauli_channel_unchecked(size_t q, double px, double py, double pz) {
    const double pi = 1.0 - px - py - pz;
    const double keep_diag = pi + pz, flip_diag = px + py, keep_off = pi - pz, flip_off = px - py;
    for_each_block1(rho_.data(), dim_, col_bit(q), [=](cplx &a00, cplx &a01, cplx &a10, cplx &a11) {
        const cplx b00 = a00, b01 = a01, b10 = a10, b11 = a11;
        a00 = keep_diag * b00 + flip_diag * b11;
        a11 = keep_diag * b11 + flip_diag * b00;
        a01 = keep_off * b01 + flip_off * b10;
        a10 = keep_off * b10 + flip_off * b01;
    });
}

void DensityMatrix::x_error(size_t q, double p) {
    check_qubit(q);
    check_probability(p, "p");
    pauli_channel_unchecked(q, p, 0, 0);
}

void DensityMatrix::y_error(size_t q, double p) {
    check_qubit(q);
    check_probability(p, "p");
    pauli_channel_unchecked(q, 0, p, 0);
}

void DensityMatrix::z_error(size_t q, double p) {
    check_qubit(q);
    check_probability(p, "p");
    pauli_channel_unchecked(q, 0, 0, p);
}

void DensityMatrix::depolarize1(size_t q, double p) {
    check_qubit(q);
    check_probability(p, "p");
    pauli_channel_unchecked(q, p / 3, p / 3, p / 3);
}

void DensityMatrix::pauli_channel_1(size_t q, double px, double py, double pz) {
    check_qubit(q);
    check_probability(px, "px");
    check_probability(py, "py");
    check_probability(pz, "pz");
    const double sum = px + py + pz;
    if (sum > 1.0 + kDisjointSumTolerance) {
        throw std::invalid_argument(msg("px + py + pz = ", num(sum), " exceeds 1"));
    }
    // A sum within the tolerance is 1 rounded: as it is, the identity's weight 1 - sum < 0 made the map not
    // positive (eigenvalues below 0 by up to the excess).
    const double scale = sum > 1.0 ? 1.0 / sum : 1.0;
    pauli_channel_unchecked(q, px * scale, py * scale, pz * scale);
}

void DensityMatrix::depolarize2(size_t a, size_t b, double p) {
    check_pair(a, b);
    check_probability(p, "p");
    // sum over all 16 Paulis P rho P = 16 * (I/4 (x) Tr_ab rho), so
    // rho -> (1 - lam) rho + lam (I/4 (x) Tr_ab rho) with lam = 16 p / 15.
    const double lam = 16.0 * p / 15.0, keep = 1.0 - lam, mix = lam / 4.0;
    const size_t am = col_bit(a), bm = col_bit(b);
    const size_t sub[4] = {0, bm, am, am | bm};
    cplx *d = rho_.data();
    for_each_base2(dim_, am, bm, [&](size_t rb) {
        for_each_base2(dim_, am, bm, [&](size_t cb) {
            cplx t = 0;
            for (size_t x = 0; x < 4; ++x) t += d[(rb | sub[x]) * dim_ + (cb | sub[x])];
            for (size_t i = 0; i < 4; ++i) {
                cplx *row = d + (rb | sub[i]) * dim_ + cb;
                for (size_t j = 0; j < 4; ++j) row[sub[j]] *= keep;
                row[sub[i]] += mix * t;
            }
        });
    });
}

void DensityMatrix::amplitude_damp(size_t q, double gamma) {
    check_qubit(q);
    check_probability(gamma, "gamma");
    const double s = std::sqrt(1.0 - gamma), keep = 1.0 - gamma;
    for_each_block1(rho_.data(), dim_, col_bit(q), [=](cplx &a00, cplx &a01, cplx &a10, cplx &a11) {
        a00 += gamma * a11;
        a11 *= keep;
        a01 *= s;
        a10 *= s;
    });
}

void DensityMatrix::phase_damp(size_t q, double lam) {
    check_qubit(q);
    check_probability(lam, "lam");
    const double s = std::sqrt(1.0 - lam);
    for_each_block1(rho_.data(), dim_, col_bit(q), [=](cplx &, cplx &a01, cplx &a10, cplx &) {
        a01 *= s;
        a10 *= s;
    });
}

void DensityMatrix::apply_kraus(const cplx *ops, size_t num_ops, const std::vector<size_t> &targets, bool check) {
    const size_t k = targets.size();
    if (k < 1 || k > 4) {
        throw std::invalid_argument(msg("apply_kraus takes 1 to 4 targets, got ", k));
    }
    if (num_ops == 0) throw std::invalid_argument("apply_kraus needs at least one Kraus operator, got 0");
    check_distinct(targets);
    const size_t d = size_t{1} << k;
    std::vector<cplx> clipped;
    if (check) {
        const double dev = trace_preservation_deviation(ops, num_ops, d);
        if (!(dev <= kTolerance)) {
            throw std::invalid_argument(msg("Kraus operators are not trace preserving: max |sum K^dag K - I| = ",
                                            num(dev), " > ", num(kTolerance)));
        }
        if (dev > rounding_slack(d)) {
            clipped = trace_preserving(ops, num_ops, d);
            ops = clipped.data();
        }
    }
    if (k == 1) {
        cplx sop[16] = {};
        for (size_t i = 0; i < num_ops; ++i) {
            const cplx *K = ops + 4 * i;
            for (size_t a = 0; a < 2; ++a)
                for (size_t b = 0; b < 2; ++b)
                    for (size_t a2 = 0; a2 < 2; ++a2)
                        for (size_t b2 = 0; b2 < 2; ++b2)
                            sop[(a * 2 + b) * 4 + a2 * 2 + b2] += cmul_conj(K[a * 2 + a2], K[b * 2 + b2]);
        }
        const size_t pos[2] = {2 * n_ - 1 - targets[0], n_ - 1 - targets[0]};
        apply_flat(sop, pos, 2);
        return;
    }
    // Superoperator S = sum_i K_i (x) conj(K_i) on (row bits, column bits), applied in one pass.
    const size_t D = d * d;
    if (scratch_.buf.size() < D * D) scratch_.buf.resize(D * D);
    cplx *S = scratch_.buf.data();
    std::fill(S, S + D * D, cplx(0));
    for (size_t i = 0; i < num_ops; ++i) {
        const cplx *K = ops + i * d * d;
        for (size_t a = 0; a < d; ++a)
            for (size_t b = 0; b < d; ++b)
                for (size_t a2 = 0; a2 < d; ++a2)
                    for (size_t b2 = 0; b2 < d; ++b2)
                        S[(a * d + b) * D + a2 * d + b2] += cmul_conj(K[a * d + a2], K[b * d + b2]);
    }
    size_t pos[8];
    for (size_t j = 0; j < k; ++j) {
        pos[j] = 2 * n_ - 1 - targets[j];
        pos[k + j] = n_ - 1 - targets[j];
    }
    apply_flat(S, pos, 2 * k);
}

// ---------------------------------------------------------------------------------------------
// Measurement.

double DensityMatrix::probability_of_one(size_t q) const {
    check_qubit(q);
    const size_t m = col_bit(q);
    double p = 0;
    for (size_t r = 0; r < dim_; ++r)
        if (r & m) p += rho_[r * dim_ + r].real();
    return std::min(1.0, std::max(0.0, p));
}

char DensityMatrix::rotate_to_z(size_t q, char basis) {
    check_qubit(q);
    if (basis >= 'a' && basis <= 'z') basis = static_cast<char>(basis - 'a' + 'A');
    if (basis != 'Z' && basis != 'X' && basis != 'Y') {
        throw std::invalid_argument(msg("measurement basis '", basis, "' is not one of 'X', 'Y', 'Z'"));
    }
    // X eigenstates are H|0>, H|1>; Y eigenstates are S H|0>, S H|1>.
    if (basis == 'X') h(q);
    if (basis == 'Y') {
        s_dag(q);
        h(q);
    }
    return basis;
}

int DensityMatrix::measure(size_t q, Rng &rng, char basis) {
    basis = rotate_to_z(q, basis);
    const double p1 = probability_of_one(q);
    const int outcome = rng.uniform() < p1 ? 1 : 0;
    const double scale = 1.0 / (outcome ? p1 : 1.0 - p1);
    for_each_block1(rho_.data(), dim_, col_bit(q), [=](cplx &a00, cplx &a01, cplx &a10, cplx &a11) {
        a01 = 0;
        a10 = 0;
        if (outcome) {
            a00 = 0;
            a11 *= scale;
        } else {
            a00 *= scale;
            a11 = 0;
        }
    });
    if (basis == 'X') h(q);
    if (basis == 'Y') {
        h(q);
        s(q);
    }
    return outcome;
}

int DensityMatrix::measure_and_trace_out(size_t q, Rng &rng, char basis) {
    rotate_to_z(q, basis);
    const double p1 = probability_of_one(q);
    const int outcome = rng.uniform() < p1 ? 1 : 0;
    const double scale = 1.0 / (outcome ? p1 : 1.0 - p1);
    // Keep the (outcome, outcome) block, renormalized; same in-place compaction as trace_out.
    const size_t p = n_ - 1 - q, m = size_t{1} << p, low = m - 1, sel = outcome ? m : 0;
    const size_t nd = dim_ / 2;
    cplx *d = rho_.data();
    for (size_t r = 0; r < nd; ++r) {
        const cplx *row = d + ((((r >> p) << (p + 1)) | (r & low)) | sel) * dim_;
        cplx *out = d + r * nd;
        for (size_t c = 0; c < nd; ++c) out[c] = scale * row[(((c >> p) << (p + 1)) | (c & low)) | sel];
    }
    n_ -= 1;
    dim_ = nd;
    rho_.resize(nd * nd);
    return outcome;
}

double DensityMatrix::project(size_t q, int outcome) {
    check_qubit(q);
    if (outcome != 0 && outcome != 1) {
        throw std::invalid_argument(msg("outcome ", outcome, " is not 0 or 1"));
    }
    const double p1 = probability_of_one(q);
    const double p = outcome ? p1 : 1.0 - p1;
    if (!(p >= 1e-12)) {
        throw std::invalid_argument(msg("cannot project qubit ", q, " onto |", outcome,
                                        ">: that outcome has probability ", num(p), " (< 1e-12)"));
    }
    const double scale = 1.0 / p;
    for_each_block1(rho_.data(), dim_, col_bit(q), [=](cplx &a00, cplx &a01, cplx &a10, cplx &a11) {
        a01 = 0;
        a10 = 0;
        if (outcome) {
            a00 = 0;
            a11 *= scale;
        } else {
            a00 *= scale;
            a11 = 0;
        }
    });
    return p;
}

void DensityMatrix::reset(size_t q) {
    check_qubit(q);
    for_each_block1(rho_.data(), dim_, col_bit(q), [](cplx &a00, cplx &a01, cplx &a10, cplx &a11) {
        a00 += a11;
        a01 = 0;
        a10 = 0;
        a11 = 0;
    });
}

// ---------------------------------------------------------------------------------------------
// Composition and observables.

DensityMatrix DensityMatrix::tensor(const DensityMatrix &a, const DensityMatrix &b) {
    DensityMatrix out(a.n_ + b.n_);
    const size_t da = a.dim_, db = b.dim_, D = out.dim_;
    cplx *o = out.rho_.data();
    for (size_t ra = 0; ra < da; ++ra)
        for (size_t rb = 0; rb < db; ++rb) {
            cplx *row = o + (ra * db + rb) * D;
            const cplx *brow = b.rho_.data() + rb * db;
            for (size_t ca = 0; ca < da; ++ca) {
                const cplx x = a.rho_[ra * da + ca];
                for (size_t cb = 0; cb < db; ++cb) row[ca * db + cb] = cmul(x, brow[cb]);
            }
        }
    return out;
}

void DensityMatrix::trace_out(size_t q) {
    check_qubit(q);
    const size_t p = n_ - 1 - q, m = size_t{1} << p, low = m - 1;
    const size_t nd = dim_ / 2;
    cplx *d = rho_.data();
    // Every write position r'*nd + c' is <= every position still to be read, so this is safe
    // in place.
    for (size_t r = 0; r < nd; ++r) {
        const size_t r0 = ((r >> p) << (p + 1)) | (r & low);
        const cplx *row0 = d + r0 * dim_;
        const cplx *row1 = d + (r0 | m) * dim_;
        cplx *out = d + r * nd;
        for (size_t c = 0; c < nd; ++c) {
            const size_t c0 = ((c >> p) << (p + 1)) | (c & low);
            out[c] = row0[c0] + row1[c0 | m];
        }
    }
    n_ -= 1;
    dim_ = nd;
    rho_.resize(nd * nd);
}

DensityMatrix DensityMatrix::partial_trace(const std::vector<size_t> &keep) const {
    check_distinct(keep);
    const size_t k = keep.size();
    DensityMatrix out(k);
    out.rho_[0] = 0;
    std::vector<size_t> traced;
    for (size_t q = 0; q < n_; ++q)
        if (std::find(keep.begin(), keep.end(), q) == keep.end()) traced.push_back(q);
    auto spread = [&](const std::vector<size_t> &qs) {
        std::vector<size_t> s(size_t{1} << qs.size(), 0);
        for (size_t x = 0; x < s.size(); ++x)
            for (size_t j = 0; j < qs.size(); ++j)
                if ((x >> (qs.size() - 1 - j)) & 1) s[x] |= col_bit(qs[j]);
        return s;
    };
    const auto sk = spread(keep), st = spread(traced);
    const size_t K = out.dim_;
    for (size_t t : st)
        for (size_t kr = 0; kr < K; ++kr) {
            const cplx *row = rho_.data() + (t | sk[kr]) * dim_ + t;
            cplx *orow = out.rho_.data() + kr * K;
            for (size_t kc = 0; kc < K; ++kc) orow[kc] += row[sk[kc]];
        }
    return out;
}

double DensityMatrix::expectation(const std::string &pauli) const {
    size_t start = 0;
    double sign = 1;
    if (!pauli.empty() && (pauli[0] == '+' || pauli[0] == '-')) {
        sign = pauli[0] == '-' ? -1 : 1;
        start = 1;
    }
    if (pauli.size() - start != n_) {
        throw std::invalid_argument(msg("Pauli string '", pauli, "' has ", pauli.size() - start,
                                        " qubit terms but the density matrix has num_qubits=", n_));
    }
    size_t xmask = 0, zmask = 0, ny = 0;
    for (size_t q = 0; q < n_; ++q) {
        const char c = pauli[start + q];
        const size_t m = col_bit(q);
        switch (c) {
            case 'I':
            case 'i':
            case '_':
                break;
            case 'X':
            case 'x':
                xmask |= m;
                break;
            case 'Z':
            case 'z':
                zmask |= m;
                break;
            case 'Y':
            case 'y':
                xmask |= m;
                zmask |= m;
                ++ny;
                break;
            default:
                throw std::invalid_argument(msg("Pauli string '", pauli, "' has invalid character '", c,
                                                "' at position ", start + q, "; use I, _, X, Y or Z"));
        }
    }
    // P|r> = i^ny (-1)^popcount(r & zmask) |r ^ xmask>, so Tr(P rho) = sum_r phase(r) rho[r][r ^ xmask].
    cplx sum = 0;
    for (size_t r = 0; r < dim_; ++r) {
        const cplx v = rho_[r * dim_ + (r ^ xmask)];
        if (__builtin_popcountll(r & zmask) & 1)
            sum -= v;
        else
            sum += v;
    }
    static const cplx ipow[4] = {1, {0, 1}, -1, {0, -1}};
    return sign * cmul(ipow[ny % 4], sum).real();
}

double DensityMatrix::fidelity_with_state(const cplx *psi, const std::vector<size_t> &qubits) const {
    check_distinct(qubits);
    const size_t d = size_t{1} << qubits.size();
    const double norm = check_norm(psi, d);
    bool identity = qubits.size() == n_;
    for (size_t i = 0; identity && i < n_; ++i) identity = qubits[i] == i;
    DensityMatrix reduced(0);
    const DensityMatrix &r = identity ? *this : (reduced = partial_trace(qubits));
    double f = 0;
    for (size_t a = 0; a < d; ++a) {
        cplx row = 0;
        for (size_t b = 0; b < d; ++b) row += cmul(r.rho_[a * d + b], psi[b]);
        f += (std::conj(psi[a]) * row).real();
    }
    return norm == 1.0 ? f : f / norm;
}

double DensityMatrix::fidelity_with_density_matrix(const cplx *sigma, const std::vector<size_t> &qubits) const {
    check_distinct(qubits);
    if (qubits.size() > 6) {
        throw std::invalid_argument(
            msg("fidelity with a mixed target is limited to 6 qubits (Jacobi eigensolver), got ", qubits.size(),
                "; pass a state vector for a pure target"));
    }
    const size_t d = size_t{1} << qubits.size(), N = 2 * d;
    // The target as set_state reads a state: within the tolerance, clipped.
    std::vector<cplx> clipped(sigma, sigma + d * d);
    clip_state(clipped.data(), d, validate_state(sigma, d, "target density matrix"));
    sigma = clipped.data();
    const DensityMatrix red = partial_trace(qubits);
    // sqrt(sigma) from the eigen-decomposition of its real embedding; the embedding of
    // f(sigma) is f(embedding), and its top-left / bottom-left blocks are Re / Im of f(sigma).
    auto a = real_embedding(sigma, d);
    std::vector<double> w, V;
    jacobi_symmetric(a, N, w, &V);
    // A pure target (eigenvalue 1) is the common case: <psi|rho|psi> directly, which avoids
    // square roots of eigenvalues that are zero up to rounding (they would cost ~1e-8).
    const size_t top = static_cast<size_t>(std::max_element(w.begin(), w.end()) - w.begin());
    if (w[top] >= 1.0 - kTolerance) {
        std::vector<cplx> psi(d);
        for (size_t r = 0; r < d; ++r) psi[r] = {V[r * N + top], V[(r + d) * N + top]};
        double f = 0;
        for (size_t i = 0; i < d; ++i) {
            cplx row = 0;
            for (size_t j = 0; j < d; ++j) row += cmul(red.rho_[i * d + j], psi[j]);
            f += (std::conj(psi[i]) * row).real();
        }
        return f;
    }
    // Eigenvalues below this are rounding noise; their square roots would dominate the error.
    const double noise = 1e-15 * static_cast<double>(d);
    for (double &x : w)
        if (x < noise) x = 0;
    std::vector<cplx> root(d * d);
    for (size_t r = 0; r < d; ++r)
        for (size_t c = 0; c < d; ++c) {
            double re = 0, im = 0;
            for (size_t j = 0; j < N; ++j) {
                const double sw = std::sqrt(std::max(w[j], 0.0));
                re += V[r * N + j] * sw * V[c * N + j];
                im += V[(r + d) * N + j] * sw * V[c * N + j];
            }
            root[r * d + c] = {re, im};
        }
    // M = root * rho * root.
    std::vector<cplx> tmp(d * d, 0), M(d * d, 0);
    for (size_t i = 0; i < d; ++i)
        for (size_t j = 0; j < d; ++j)
            for (size_t l = 0; l < d; ++l) tmp[i * d + j] += cmul(root[i * d + l], red.rho_[l * d + j]);
    for (size_t i = 0; i < d; ++i)
        for (size_t j = 0; j < d; ++j)
            for (size_t l = 0; l < d; ++l) M[i * d + j] += cmul(tmp[i * d + l], root[l * d + j]);
    for (size_t i = 0; i < d; ++i)
        for (size_t j = 0; j < i; ++j) {  // symmetrize rounding so Jacobi sees an exact Hermitian
            const cplx avg = 0.5 * (M[i * d + j] + std::conj(M[j * d + i]));
            M[i * d + j] = avg;
            M[j * d + i] = std::conj(avg);
        }
    const auto lam = hermitian_eigenvalues(M.data(), d);
    double s = 0;
    for (double x : lam) s += x < noise ? 0.0 : std::sqrt(x);
    return s * s;
}

double DensityMatrix::trace() const {
    double t = 0;
    for (size_t r = 0; r < dim_; ++r) t += rho_[r * dim_ + r].real();
    return t;
}

double DensityMatrix::unitarity_deviation(const cplx *u, size_t d) {
    double dev = 0;
    for (size_t i = 0; i < d; ++i)
        for (size_t j = 0; j < d; ++j) {
            cplx s = 0;
            for (size_t k = 0; k < d; ++k) s += cmul_conj(u[i * d + k], u[j * d + k]);
            dev = max_keeping_nan(dev, std::abs(s - (i == j ? 1.0 : 0.0)));
        }
    return dev;
}

double DensityMatrix::trace_preservation_deviation(const cplx *ops, size_t num_ops, size_t d) {
    double dev = 0;
    for (size_t a = 0; a < d; ++a)
        for (size_t b = 0; b < d; ++b) {
            cplx s = 0;
            for (size_t i = 0; i < num_ops; ++i) {
                const cplx *K = ops + i * d * d;
                for (size_t k = 0; k < d; ++k) s += cmul_conj(K[k * d + b], K[k * d + a]);
            }
            dev = max_keeping_nan(dev, std::abs(s - (a == b ? 1.0 : 0.0)));
        }
    return dev;
}

std::vector<double> DensityMatrix::hermitian_eigenvalues(const cplx *m, size_t d) {
    auto a = real_embedding(m, d);
    std::vector<double> w;
    jacobi_symmetric(a, 2 * d, w, nullptr);
    std::sort(w.begin(), w.end());
    // Every eigenvalue appears twice in the embedding.
    std::vector<double> out(d);
    for (size_t i = 0; i < d; ++i) out[i] = 0.5 * (w[2 * i] + w[2 * i + 1]);
    return out;
}

}  // namespace qnsim
