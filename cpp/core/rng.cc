#include "core/rng.h"

#include <cmath>
#include <limits>
#include <random>

namespace qnsim {

uint64_t derive_seed(uint64_t seed, uint64_t stream_id) {
    uint64_t a = seed;
    uint64_t first = splitmix64(a);
    uint64_t b = first ^ (stream_id * 0xD1B54A32D192ED03ULL);
    splitmix64(b);
    return splitmix64(b);
}

uint64_t seed_or_entropy(std::optional<uint64_t> seed) {
    if (seed) return *seed;
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
}

uint64_t Rng::below(uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next_u64()) * n;
    uint64_t low = static_cast<uint64_t>(m);
    if (low < n) {
        const uint64_t threshold = (0 - n) % n;
        while (low < threshold) {
            m = static_cast<unsigned __int128>(next_u64()) * n;
            low = static_cast<uint64_t>(m);
        }
    }
    return static_cast<uint64_t>(m >> 64);
}

int64_t Rng::geometric(double p) {
    if (p >= 1.0) return 1;
    // Inverse transform: k = 1 + floor(log(U) / log(1 - p)) with U in (0, 1].
    const double u = 1.0 - uniform();
    const double k = std::floor(portable::log(u) / portable::log1p(-p));
    if (!(k < 9.0e18)) return std::numeric_limits<int64_t>::max();
    return 1 + static_cast<int64_t>(k);
}

double Rng::exponential(double mean) { return -mean * portable::log(1.0 - uniform()); }

}  // namespace qnsim
