#ifndef QNSIM_DENSITY_ENTANGLEMENT_H
#define QNSIM_DENSITY_ENTANGLEMENT_H

#include <array>
#include <complex>

namespace qnsim {

/// Eigenvalues, ascending, of a 4x4 Hermitian matrix given row-major (the upper triangle is
/// read as given; the matrix is assumed Hermitian).
std::array<double, 4> hermitian_eigenvalues_4x4(const std::complex<double> *m);

/// Wootters concurrence C(rho) = max(0, l1 - l2 - l3 - l4) of a two-qubit density matrix
/// (4x4 row-major), l_i the decreasing square roots of the eigenvalues of
/// sqrt(rho) (Y x Y) rho* (Y x Y) sqrt(rho). C = 0 exactly for separable states, 1 for Bell
/// states (Wootters, PRL 80, 2245 (1998)). Square roots of rounding noise limit the accuracy to
/// about 1e-8 on rank-deficient states, so values below kConcurrenceZero are reported as 0.
constexpr double kConcurrenceZero = 1e-7;
double concurrence(const std::complex<double> *rho);

}  // namespace qnsim

#endif
