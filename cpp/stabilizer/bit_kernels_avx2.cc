// AVX2 variant of the bit kernels. CMakeLists.txt builds this file alone with -mavx2 -mpopcnt; it is
// only called after bit_kernels.cc has checked that the CPU and OS support AVX2.
#if defined(__x86_64__) && defined(__GNUC__)
#if !defined(__AVX2__) || !defined(__POPCNT__)
// A build that cannot pass per-file flags (e.g. one compiler call for several architectures) still
// links: the variant is then correct but no faster than the baseline.
#warning "bit_kernels_avx2.cc is meant to be compiled with -mavx2 -mpopcnt"
#endif
#include "stabilizer/bit_kernels.inl"

namespace qnsim::bit_kernels::detail {

const Table &avx2(size_t words) {
    using bitword::u64x2;
    using bitword::u64x4;
    // Rows of 1 or 2 words still transpose 256 bits at a time: one word spans several parts.
    static constexpr Table t4 = make_table<u64x4, u64x4, 4>("avx2"), t2 = make_table<u64x2, u64x4, 2>("avx2"),
                           t1 = make_table<uint64_t, u64x4, 1>("avx2");
    return words % 4 == 0 ? t4 : words == 2 ? t2 : t1;
}

}  // namespace qnsim::bit_kernels::detail
#endif
