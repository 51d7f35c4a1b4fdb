#include "stabilizer/bit_kernels.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace qnsim::bit_kernels {

namespace detail {
// One entry point per variant, each defined in its own file (built for its own target).
const Table &generic64(size_t words);
const Table &generic128(size_t words);
#if defined(__x86_64__) && defined(__GNUC__)
#define QNSIM_X86_KERNELS 1
const Table &avx2(size_t words);
const Table &avx512(size_t words);
#endif
}  // namespace detail

namespace {

struct Variant {
    const char *name;
    const Table &(*table)(size_t words);
};

constexpr Variant kVariants[] = {
    {"generic64", &detail::generic64},
    {"generic128", &detail::generic128},
#if defined(QNSIM_X86_KERNELS)
    {"avx2", &detail::avx2},
    {"avx512", &detail::avx512},
#endif
};
constexpr int kNumVariants = static_cast<int>(sizeof(kVariants) / sizeof(kVariants[0]));

bool cpu_runs(int v) {
#if defined(QNSIM_X86_KERNELS)
    // __builtin_cpu_supports reports a feature only when the OS also saves its registers (XGETBV),
    // so a kernel is never picked on a CPU or VM that would fault on it.
    __builtin_cpu_init();
    if (std::strcmp(kVariants[v].name, "avx2") == 0) {
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
    }
    if (std::strcmp(kVariants[v].name, "avx512") == 0) {
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("popcnt");
    }
#endif
    return v >= 0 && v < kNumVariants;
}

int widest_supported() {
    int best = 0;
    for (int v = 0; v < kNumVariants; ++v) {
        if (cpu_runs(v)) best = v;
    }
    return best;
}

int find(const char *name) {
    for (int v = 0; v < kNumVariants; ++v) {
        if (std::strcmp(kVariants[v].name, name) == 0) return v;
    }
    return -1;
}

// Chosen once at load time. An unknown or unsupported QNSIM_BIT_KERNEL falls back to the default:
// the variant changes speed only, never results.
int initial_variant() {
    const char *env = std::getenv("QNSIM_BIT_KERNEL");
    if (env && *env) {
        const int v = find(env);
        if (v >= 0 && cpu_runs(v)) return v;
    }
    return widest_supported();
}

std::atomic<int> g_variant{initial_variant()};

}  // namespace

const Table &for_words(size_t words) { return kVariants[g_variant.load(std::memory_order_relaxed)].table(words); }

const char *active() { return kVariants[g_variant.load(std::memory_order_relaxed)].name; }

std::vector<std::string> available() {
    std::vector<std::string> out;
    for (int v = 0; v < kNumVariants; ++v) {
        if (cpu_runs(v)) out.emplace_back(kVariants[v].name);
    }
    return out;
}

bool select(const std::string &name) {
    const int v = name == "auto" ? widest_supported() : find(name.c_str());
    if (v < 0 || !cpu_runs(v)) return false;
    g_variant.store(v, std::memory_order_relaxed);
    return true;
}

}  // namespace qnsim::bit_kernels
