#ifndef QNSIM_CORE_BIT_WORD_H
#define QNSIM_CORE_BIT_WORD_H

#include <cstddef>
#include <cstdint>
#include <cstring>

/// Bit words of 64, 128, 256 and 512 bits for kernels written once and instantiated per width.
///
/// A word of L lanes is L consecutive uint64_t of a bit array (lane l = uint64_t l), so a kernel
/// that loads words from a row sees exactly the bits a 64-bit kernel would, and its results do not
/// depend on L. The wide words are GCC/Clang vector extensions: &, |, ^, ~ and shifts by a constant
/// act lane-wise and compile to whatever the translation unit's target allows (SSE2/NEON by default,
/// AVX2 or AVX-512 in the files built with those flags; see bit_kernels.h). Nothing here may be used
/// in an interface between translation units built for different targets: every helper is inline
/// and internal to the kernel file that includes it.
///
/// Everything below has internal linkage (anonymous namespace) on purpose: an out-of-line copy of a
/// helper compiled with -mavx2 must never be merged by the linker with the baseline copy another
/// file uses, or a baseline CPU could end up running AVX2 instructions.
namespace qnsim::bitword {
namespace {

#if defined(__GNUC__)
typedef uint64_t u64x2 __attribute__((vector_size(16)));
typedef uint64_t u64x4 __attribute__((vector_size(32)));
typedef uint64_t u64x8 __attribute__((vector_size(64)));
#define QNSIM_HAVE_VECTOR_WORDS 1
#endif

template <class W>
constexpr size_t lanes() {
    return sizeof(W) / sizeof(uint64_t);
}

template <class W>
inline W load(const uint64_t *p) {
    W w;
    std::memcpy(&w, p, sizeof(W));  // unaligned-safe, alias-safe; one vector load at -O2
    return w;
}

template <class W>
inline void store(uint64_t *p, const W &w) {
    std::memcpy(p, &w, sizeof(W));
}

/// All lanes equal to v.
template <class W>
inline W splat(uint64_t v) {
    return W{} + v;
}

inline uint64_t lane(uint64_t w, size_t) { return w; }
#if defined(QNSIM_HAVE_VECTOR_WORDS)
template <class W>
inline uint64_t lane(const W &w, size_t i) {
    return w[i];
}
#endif

inline bool any(uint64_t w) { return w != 0; }
#if defined(QNSIM_HAVE_VECTOR_WORDS)
template <class W>
inline bool any(const W &w) {
    uint64_t acc = 0;
    for (size_t i = 0; i < lanes<W>(); ++i) acc |= w[i];
    return acc != 0;
}
#endif

/// Population count. Kernel files built for AVX2 / AVX-512 also enable POPCNT (every such CPU has
/// it), where this is one instruction; the baseline build uses the SWAR form instead of a libgcc call.
inline unsigned popcount(uint64_t v) {
#if defined(__POPCNT__) || defined(__ARM_NEON)
    return static_cast<unsigned>(__builtin_popcountll(v));
#else
    v = v - ((v >> 1) & 0x5555555555555555ULL);
    v = (v & 0x3333333333333333ULL) + ((v >> 2) & 0x3333333333333333ULL);
    v = (v + (v >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
    return static_cast<unsigned>((v * 0x0101010101010101ULL) >> 56);
#endif
}

#if defined(QNSIM_HAVE_VECTOR_WORDS)
#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 12)
#define QNSIM_SHUFFLE(a, b, ...) __builtin_shufflevector(a, b, __VA_ARGS__)
#else
#define QNSIM_SHUFFLE(a, b, ...) __builtin_shuffle(a, b, decltype(a){__VA_ARGS__})
#endif

// One exchange round on the pair (a, b): within every aligned group of 2D lanes, the upper D lanes of
// a trade places with the lower D lanes of b.
template <unsigned D>
inline void exchange(u64x2 &a, u64x2 &b) {
    static_assert(D == 1, "lane distance");
    const u64x2 lo = QNSIM_SHUFFLE(a, b, 0, 2), hi = QNSIM_SHUFFLE(a, b, 1, 3);
    a = lo;
    b = hi;
}
template <unsigned D>
inline void exchange(u64x4 &a, u64x4 &b) {
    static_assert(D == 1 || D == 2, "lane distance");
    u64x4 lo, hi;
    if (D == 2) {
        lo = QNSIM_SHUFFLE(a, b, 0, 1, 4, 5);
        hi = QNSIM_SHUFFLE(a, b, 2, 3, 6, 7);
    } else {
        lo = QNSIM_SHUFFLE(a, b, 0, 4, 2, 6);
        hi = QNSIM_SHUFFLE(a, b, 1, 5, 3, 7);
    }
    a = lo;
    b = hi;
}
template <unsigned D>
inline void exchange(u64x8 &a, u64x8 &b) {
    static_assert(D == 1 || D == 2 || D == 4, "lane distance");
    u64x8 lo, hi;
    if (D == 4) {
        lo = QNSIM_SHUFFLE(a, b, 0, 1, 2, 3, 8, 9, 10, 11);
        hi = QNSIM_SHUFFLE(a, b, 4, 5, 6, 7, 12, 13, 14, 15);
    } else if (D == 2) {
        lo = QNSIM_SHUFFLE(a, b, 0, 1, 8, 9, 4, 5, 12, 13);
        hi = QNSIM_SHUFFLE(a, b, 2, 3, 10, 11, 6, 7, 14, 15);
    } else {
        lo = QNSIM_SHUFFLE(a, b, 0, 8, 2, 10, 4, 12, 6, 14);
        hi = QNSIM_SHUFFLE(a, b, 1, 9, 3, 11, 5, 13, 7, 15);
    }
    a = lo;
    b = hi;
}
#endif

/// Transposes G x G matrices of 64-bit lanes held in G words v[0..G): within every aligned group of
/// G lanes, lane j of v[i] becomes what lane i of v[j] was. G = lanes<W>() transposes whole words;
/// a smaller G transposes each group of G lanes on its own (used when one word spans several
/// independent tables). Rounds of pairwise exchanges at lane distances G/2, ..., 1.
template <size_t G, class W>
inline void transpose_lanes(W *v) {
    static_assert(G == 1 || G == 2 || G == 4 || G == 8, "lane group");
#if defined(QNSIM_HAVE_VECTOR_WORDS)
    if constexpr (G >= 8) {
        for (size_t i = 0; i < 4; ++i) exchange<4>(v[i], v[i + 4]);
    }
    if constexpr (G >= 4) {
        for (size_t i = 0; i < G; i += 4) {
            exchange<2>(v[i], v[i + 2]);
            exchange<2>(v[i + 1], v[i + 3]);
        }
    }
    if constexpr (G >= 2) {
        for (size_t i = 0; i < G; i += 2) exchange<1>(v[i], v[i + 1]);
    }
#else
    (void)v;
#endif
}

#if defined(QNSIM_HAVE_VECTOR_WORDS)
#undef QNSIM_SHUFFLE
#endif

}  // namespace
}  // namespace qnsim::bitword

#endif
