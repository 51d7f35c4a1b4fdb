#include "density/entanglement.h"

#include <algorithm>
#include <cmath>

namespace qnsim {
namespace {

using cplx = std::complex<double>;
constexpr int kN = 8;  // a complex 4x4 Hermitian H as the real symmetric [[Re H, -Im H], [Im H, Re H]]

using Real8 = std::array<std::array<double, kN>, kN>;

Real8 embed(const cplx *h) {
    Real8 r{};
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) {
            const cplx v = h[i * 4 + j];
            r[i][j] = r[i + 4][j + 4] = v.real();
            r[i][j + 4] = -v.imag();
            r[i + 4][j] = v.imag();
        }
    }
    return r;
}

// Cyclic Jacobi rotations: a ← Vᵀ a V until a is diagonal; v collects the eigenvectors as columns.
// The embedding doubles every eigenvalue, which Jacobi handles without special cases.
void jacobi(Real8 &a, Real8 &v) {
    for (int i = 0; i < kN; i++) {
        for (int j = 0; j < kN; j++) v[i][j] = i == j;
    }
    for (int sweep = 0; sweep < 64; sweep++) {
        double off = 0;
        for (int p = 0; p < kN; p++) {
            for (int q = p + 1; q < kN; q++) off += a[p][q] * a[p][q];
        }
        if (off < 1e-32) return;
        for (int p = 0; p < kN; p++) {
            for (int q = p + 1; q < kN; q++) {
                if (a[p][q] == 0) continue;
                const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (int k = 0; k < kN; k++) {
                    const double akp = a[k][p], akq = a[k][q];
                    a[k][p] = c * akp - s * akq;
                    a[k][q] = s * akp + c * akq;
                }
                for (int k = 0; k < kN; k++) {
                    const double apk = a[p][k], aqk = a[q][k];
                    a[p][k] = c * apk - s * aqk;
                    a[q][k] = s * apk + c * aqk;
                }
                for (int k = 0; k < kN; k++) {
                    const double vkp = v[k][p], vkq = v[k][q];
                    v[k][p] = c * vkp - s * vkq;
                    v[k][q] = s * vkp + c * vkq;
                }
            }
        }
    }
}

// Every eigenvalue of the embedding appears twice: keep one of each pair.
std::array<double, 4> halve(std::array<double, kN> values) {
    std::sort(values.begin(), values.end());
    return {values[0], values[2], values[4], values[6]};
}

Real8 multiply(const Real8 &x, const Real8 &y) {
    Real8 r{};
    for (int i = 0; i < kN; i++) {
        for (int k = 0; k < kN; k++) {
            for (int j = 0; j < kN; j++) r[i][j] += x[i][k] * y[k][j];
        }
    }
    return r;
}

}  // namespace

std::array<double, 4> hermitian_eigenvalues_4x4(const cplx *m) {
    Real8 a = embed(m), v;
    jacobi(a, v);
    std::array<double, kN> d;
    for (int i = 0; i < kN; i++) d[i] = a[i][i];
    return halve(d);
}

double concurrence(const cplx *rho) {
    // sqrt(rho) through the real embedding: functions of a Hermitian matrix commute with it.
    Real8 a = embed(rho), v;
    jacobi(a, v);
    Real8 root{};
    for (int i = 0; i < kN; i++) {
        for (int j = 0; j < kN; j++) {
            double sum = 0;
            for (int k = 0; k < kN; k++) sum += v[i][k] * std::sqrt(std::max(a[k][k], 0.0)) * v[j][k];
            root[i][j] = sum;
        }
    }
    // rho~ = (Y x Y) rho* (Y x Y): (Y x Y)_{ij} = -1, 1, 1, -1 on the anti-diagonal.
    cplx tilde[16];
    const double sign[4] = {-1, 1, 1, -1};
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) tilde[i * 4 + j] = sign[i] * sign[j] * std::conj(rho[(3 - i) * 4 + (3 - j)]);
    }
    Real8 m = multiply(multiply(root, embed(tilde)), root);
    for (int i = 0; i < kN; i++) {
        for (int j = i + 1; j < kN; j++) m[i][j] = m[j][i] = 0.5 * (m[i][j] + m[j][i]);
    }
    jacobi(m, v);
    std::array<double, kN> d;
    for (int i = 0; i < kN; i++) d[i] = m[i][i];
    const std::array<double, 4> mu = halve(d);
    double l[4];
    for (int i = 0; i < 4; i++) l[i] = std::sqrt(std::max(mu[3 - i], 0.0));
    const double c = l[0] - l[1] - l[2] - l[3];
    return c > kConcurrenceZero ? std::min(c, 1.0) : 0.0;
}

}  // namespace qnsim
