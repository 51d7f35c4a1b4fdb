#pragma once

#include <cstddef>

namespace qnsim {

// Linear algebra whose every sum runs in one fixed order, so the same doubles on every CPU. numpy's `@`,
// numpy.linalg.solve and numpy.linalg.eigvalsh call OpenBLAS / LAPACK, whose kernels are chosen at run time for
// the CPU (or by $OPENBLAS_CORETYPE): they split sums into as many partial sums as the vector width, and some fuse
// a * b + c into one FMA, so a figure computed with them moved in its last bits from one machine to another (a
// 2 x 2 matrix product already does). These files are compiled in ISO C++ mode (no GNU extensions), where GCC and
// Clang do not contract a * b + c into an FMA: each product is rounded, then added, on every target.

/// out[i][j] = sum over l = 0..k-1 of a[i][l] * b[l][j], added one by one from 0.0 in that order (row-major
/// arrays: a is n x k, b is k x m, out is n x m and is overwritten). Vectorising across j keeps each sum's order.
void ordered_matmul(const double *a, const double *b, double *out, size_t n, size_t k, size_t m);

/// The same for complex matrices, stored as (real, imaginary) pairs: each product (ar br - ai bi) + i (ar bi +
/// ai br), each of its four products rounded, then the real and imaginary sums added over l in that order.
void ordered_matmul_complex(const double *a, const double *b, double *out, size_t n, size_t k, size_t m);

/// Solves a x = b in place (a: n x n row-major, destroyed; b: n values, overwritten with x) by Gaussian
/// elimination with partial pivoting: at column c the pivot is the first row at or below c of largest |a[r][c]|;
/// each row operation and the back substitution run in index order. Returns false (a and b then undefined) when
/// a pivot is 0 or not finite (a singular matrix, or one with NaN/inf).
bool ordered_solve(double *a, double *b, size_t n);

}  // namespace qnsim
