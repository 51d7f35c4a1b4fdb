// AVX-512 variant of the bit kernels (512-bit words; AVX-512F only, plus POPCNT). CMakeLists.txt builds
// this file alone with -mavx512f -mpopcnt; it is only called after bit_kernels.cc has checked that the
// CPU and OS support AVX-512F.
#if defined(__x86_64__) && defined(__GNUC__)
#if !defined(__AVX512F__) || !defined(__POPCNT__)
// A build that cannot pass per-file flags (e.g. one compiler call for several architectures) still
// links: the variant is then correct but no faster than the baseline.
#warning "bit_kernels_avx512.cc is meant to be compiled with -mavx512f -mpopcnt"
#endif
#include "stabilizer/bit_kernels.inl"

namespace qnsim::bit_kernels::detail {

const Table &avx512(size_t words) {
    using bitword::u64x2;
    using bitword::u64x4;
    using bitword::u64x8;
    // Rows of 1, 2 or 4 words still transpose 512 bits at a time where they can: one word spans
    // several parts.
    static constexpr Table t8 = make_table<u64x8, u64x8, 8>("avx512"), t4 = make_table<u64x4, u64x8, 4>("avx512"),
                           t2 = make_table<u64x2, u64x8, 2>("avx512"), t1 = make_table<uint64_t, u64x4, 1>("avx512");
    return words % 8 == 0 ? t8 : words == 4 ? t4 : words == 2 ? t2 : t1;
}

}  // namespace qnsim::bit_kernels::detail
#endif
