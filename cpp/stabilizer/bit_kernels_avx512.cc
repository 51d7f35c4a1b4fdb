// AVX-512 variant of the bit kernels (512-bit words; AVX-512F only, plus POPCNT). CMakeLists.txt builds
// this file alone with -mavx512f -mpopcnt; it is only called after bit_kernels.cc has checked that the
// CPU and OS support AVX-512F.
#if defined(__x86_64__) && defined(__GNUC__)
#if !defined(__AVX512F__) || !defined(__POPCNT__)
#error "bit_kernels_avx512.cc must be compiled with -mavx512f -mpopcnt"
#endif
#include "stabilizer/bit_kernels.inl"

namespace qnsim::bit_kernels::detail {

const Table &avx512(size_t words) {
    static constexpr Table t8 = make_table<bitword::u64x8>("avx512"), t4 = make_table<bitword::u64x4>("avx512"),
                           t2 = make_table<bitword::u64x2>("avx512"), t1 = make_table<uint64_t>("avx512");
    return words % 8 == 0 ? t8 : words % 4 == 0 ? t4 : words % 2 == 0 ? t2 : t1;
}

}  // namespace qnsim::bit_kernels::detail
#endif
