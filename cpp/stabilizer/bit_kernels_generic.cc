// Baseline variants of the bit kernels: built with the toolchain's default target (no -m flags), so
// they run on every CPU the wheel supports.
#include "stabilizer/bit_kernels.inl"

namespace qnsim::bit_kernels::detail {

const Table &generic64(size_t) {
    static constexpr Table t = make_table<uint64_t, uint64_t, 1>("generic64");
    return t;
}

const Table &generic128(size_t words) {
#if defined(QNSIM_HAVE_VECTOR_WORDS)
    using bitword::u64x2;
    static constexpr Table t2 = make_table<u64x2, u64x2, 2>("generic128"),
                           t1 = make_table<uint64_t, u64x2, 1>("generic128");
    return words % 2 == 0 ? t2 : t1;
#else
    return generic64(words);
#endif
}

}  // namespace qnsim::bit_kernels::detail
