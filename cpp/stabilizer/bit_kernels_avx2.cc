// AVX2 variant of the bit kernels. CMakeLists.txt builds this file alone with -mavx2 -mpopcnt; it is
// only called after bit_kernels.cc has checked that the CPU and OS support AVX2.
#if defined(__x86_64__) && defined(__GNUC__)
#if !defined(__AVX2__) || !defined(__POPCNT__)
#error "bit_kernels_avx2.cc must be compiled with -mavx2 -mpopcnt"
#endif
#include "stabilizer/bit_kernels.inl"

namespace qnsim::bit_kernels::detail {

const Table &avx2(size_t words) {
    static constexpr Table t4 = make_table<bitword::u64x4>("avx2"), t2 = make_table<bitword::u64x2>("avx2"),
                           t1 = make_table<uint64_t>("avx2");
    return words % 4 == 0 ? t4 : words % 2 == 0 ? t2 : t1;
}

}  // namespace qnsim::bit_kernels::detail
#endif
