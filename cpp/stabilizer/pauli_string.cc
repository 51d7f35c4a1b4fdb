#include "stabilizer/pauli_string.h"

#include <stdexcept>

#include "core/errors.h"

namespace qnsim {

PauliString::PauliString(size_t n) : num_qubits(n), xs((n + 63) / 64, 0), zs((n + 63) / 64, 0) {}

PauliString PauliString::from_text(const std::string &text) {
    size_t start = 0;
    bool negative = false;
    if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
        negative = text[0] == '-';
        start = 1;
    }
    PauliString p(text.size() - start);
    p.sign = negative;
    for (size_t i = start; i < text.size(); ++i) {
        const size_t q = i - start;
        switch (text[i]) {
            case 'I': case 'i': case '_': break;
            case 'X': case 'x': pauli_kernels::flip_bit(p.xs.data(), q); break;
            case 'Z': case 'z': pauli_kernels::flip_bit(p.zs.data(), q); break;
            case 'Y': case 'y':
                pauli_kernels::flip_bit(p.xs.data(), q);
                pauli_kernels::flip_bit(p.zs.data(), q);
                break;
            default:
                throw std::invalid_argument(msg("invalid Pauli character '", text[i], "' at position ", i,
                                                " of '", text, "'; use I or _, X, Y, Z after an optional sign"));
        }
    }
    return p;
}

std::string PauliString::str() const {
    std::string out(1, sign ? '-' : '+');
    for (size_t q = 0; q < num_qubits; ++q) {
        const bool x = pauli_kernels::get_bit(xs.data(), q), z = pauli_kernels::get_bit(zs.data(), q);
        out += x ? (z ? 'Y' : 'X') : (z ? 'Z' : '_');
    }
    return out;
}

}  // namespace qnsim
