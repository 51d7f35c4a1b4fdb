#include "core/ordered_sums.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace qnsim {

namespace {

/// Columns of b (and out) taken together: a block of b of k rows stays in the cache while every row of a uses it
/// (at 256 x 9,600 the whole of b, 20 MB, was read again for each row). Blocking changes no sum's order.
constexpr size_t kColumnBlock = 128;

}  // namespace

void ordered_matmul(const double *a, const double *b, double *out, size_t n, size_t k, size_t m) {
    // A zero a[i][l] adds 0 * b[l][j] = +-0 to a sum that is never -0 (it starts at +0.0, and x + (-x) is +0):
    // the same sum, so it is skipped, unless row l of b holds an inf or NaN (0 * inf is NaN, which must show).
    std::vector<char> finite_row(k);
    for (size_t l = 0; l < k; ++l) {
        bool finite = true;
        for (size_t j = 0; j < m; ++j) finite = finite && std::isfinite(b[l * m + j]);
        finite_row[l] = finite;
    }
    for (size_t j0 = 0; j0 < m; j0 += kColumnBlock) {
        const size_t j1 = std::min(m, j0 + kColumnBlock);
        for (size_t i = 0; i < n; ++i) {
            double *row = out + i * m;
            for (size_t j = j0; j < j1; ++j) row[j] = 0.0;
            for (size_t l = 0; l < k; ++l) {
                const double factor = a[i * k + l];
                if (factor == 0.0 && finite_row[l]) continue;
                const double *b_row = b + l * m;
                for (size_t j = j0; j < j1; ++j) {
                    const double product = factor * b_row[j];
                    row[j] += product;
                }
            }
        }
    }
}

void ordered_matmul_complex(const double *a, const double *b, double *out, size_t n, size_t k, size_t m) {
    for (size_t i = 0; i < n; ++i) {
        double *row = out + 2 * i * m;
        for (size_t j = 0; j < 2 * m; ++j) row[j] = 0.0;
        for (size_t l = 0; l < k; ++l) {
            const double ar = a[2 * (i * k + l)];
            const double ai = a[2 * (i * k + l) + 1];
            const double *b_row = b + 2 * l * m;
            for (size_t j = 0; j < m; ++j) {
                const double br = b_row[2 * j];
                const double bi = b_row[2 * j + 1];
                const double rr = ar * br;
                const double ii = ai * bi;
                const double ri = ar * bi;
                const double ir = ai * br;
                const double real = rr - ii;
                const double imag = ri + ir;
                row[2 * j] += real;
                row[2 * j + 1] += imag;
            }
        }
    }
}

bool ordered_solve(double *a, double *b, size_t n) {
    for (size_t c = 0; c < n; ++c) {
        size_t pivot = c;
        for (size_t r = c + 1; r < n; ++r) {
            if (std::fabs(a[r * n + c]) > std::fabs(a[pivot * n + c])) pivot = r;
        }
        const double p = a[pivot * n + c];
        if (p == 0.0 || !std::isfinite(p)) return false;
        if (pivot != c) {
            for (size_t j = 0; j < n; ++j) std::swap(a[c * n + j], a[pivot * n + j]);
            std::swap(b[c], b[pivot]);
        }
        for (size_t r = c + 1; r < n; ++r) {
            const double factor = a[r * n + c] / p;
            a[r * n + c] = 0.0;
            for (size_t j = c + 1; j < n; ++j) {
                const double product = factor * a[c * n + j];
                a[r * n + j] -= product;
            }
            const double product = factor * b[c];
            b[r] -= product;
        }
    }
    for (size_t i = n; i-- > 0;) {
        double rest = b[i];
        for (size_t j = i + 1; j < n; ++j) {
            const double product = a[i * n + j] * b[j];
            rest -= product;
        }
        b[i] = rest / a[i * n + i];
    }
    return true;
}

}  // namespace qnsim
