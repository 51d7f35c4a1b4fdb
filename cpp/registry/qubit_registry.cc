#include "registry/qubit_registry.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <tuple>

#include "core/errors.h"
#include "core/portable_math.h"
#include "stabilizer/group_tableau.h"

namespace qnsim {

Formalism parse_formalism(const std::string &name) {
    if (name == "density_matrix") return Formalism::DensityMatrix;
    if (name == "stabilizer") return Formalism::Stabilizer;
    if (name == "bell_diagonal") return Formalism::BellDiagonal;
    throw std::invalid_argument(
        msg("unknown formalism '", name, "'; expected 'density_matrix', 'stabilizer' or 'bell_diagonal'"));
}

const char *formalism_name(Formalism f) {
    switch (f) {
        case Formalism::DensityMatrix:
            return "density_matrix";
        case Formalism::Stabilizer:
            return "stabilizer";
        case Formalism::BellDiagonal:
            break;
    }
    return "bell_diagonal";
}

namespace {

void check_probability(const char *what, double p) {
    if (!(p >= 0.0 && p <= 1.0)) throw std::invalid_argument(msg(what, " must be a probability in [0, 1], got ", p));
}

// ---- Per-formalism group state operations ----

struct StabilizerGroups {
    using State = GroupTableau;
    static constexpr Formalism kFormalism = Formalism::Stabilizer;
    static constexpr unsigned kHardMaxQubits = GroupTableau::kMaxQubits;
    static constexpr unsigned kDefaultMaxQubits = GroupTableau::kMaxQubits;

    static State fresh() { return GroupTableau(1); }
    static State bell() { return GroupTableau::bell_pair(); }
    static State tensor(const State &a, const State &b) { return GroupTableau::tensor(a, b); }
    static unsigned size(const State &s) { return s.num_qubits(); }

    static void x_error(State &s, unsigned q, double p, Rng &rng) {
        if (p > 0 && rng.bernoulli(p)) s.x(q);
    }
    static void y_error(State &s, unsigned q, double p, Rng &rng) {
        if (p > 0 && rng.bernoulli(p)) s.y(q);
    }
    static void z_error(State &s, unsigned q, double p, Rng &rng) {
        if (p > 0 && rng.bernoulli(p)) s.z(q);
    }
    static void pauli_channel_1(State &s, unsigned q, double px, double py, double pz, Rng &rng) {
        if (px + py + pz <= 0) return;
        const double u = rng.uniform();
        if (u < px) {
            s.x(q);
        } else if (u < px + py) {
            s.y(q);
        } else if (u < px + py + pz) {
            s.z(q);
        }
    }
    static void depolarize2(State &s, unsigned a, unsigned b, double p, Rng &rng) {
        if (p <= 0 || !rng.bernoulli(p)) return;
        // One of the 15 non-identity Paulis: index 1..15, two bits per qubit (x, z).
        const unsigned k = 1 + static_cast<unsigned>(rng.below(15));
        s.pauli(a, (k >> 3) & 1, (k >> 2) & 1);
        s.pauli(b, (k >> 1) & 1, k & 1);
    }
    // Pauli twirl of amplitude damping: pX = pY = gamma/4, pZ = (1 - gamma/2 - sqrt(1-gamma))/2.
    static void amplitude_damp(State &s, unsigned q, double gamma, Rng &rng) {
        const double pxy = gamma / 4;
        pauli_channel_1(s, q, pxy, pxy, std::max(0.0, (1 - gamma / 2 - std::sqrt(1 - gamma)) / 2), rng);
    }
    // Pauli twirl of phase damping (coherence factor sqrt(1-lam)): pZ = (1 - sqrt(1-lam))/2.
    static void phase_damp(State &s, unsigned q, double lam, Rng &rng) {
        pauli_channel_1(s, q, 0, 0, (1 - std::sqrt(1 - lam)) / 2, rng);
    }

    static State pair_with_state(const std::complex<double> *) {
        throw QnsimError(
            "pair_with_state needs the density_matrix formalism; stabilizer pairs are made from Bell-diagonal "
            "coefficients (bell_diagonal_pair)");
    }
    static int twirl_werner(State &s, unsigned a, unsigned b, Rng &rng) {
        const unsigned pauli = static_cast<unsigned>(rng.below(4));  // I, X, Y, Z on both (P (x) P*)
        if (pauli) {
            s.pauli(a, pauli != 3, pauli >= 2);
            s.pauli(b, pauli != 3, pauli >= 2);
        }
        // C = H S^dag maps X->Y->Z->X; on b its conjugate C* = H S.
        const unsigned cycles = static_cast<unsigned>(rng.below(3));
        for (unsigned k = cycles; k; k--) {
            s.s_dag(a);
            s.h(a);
            s.s(b);
            s.h(b);
        }
        return static_cast<int>(3 * pauli + cycles);
    }

    static void apply_unitary(State &, const std::complex<double> *, const std::vector<size_t> &) {
        throw QnsimError(
            "apply_unitary needs the density_matrix formalism; the stabilizer formalism runs Clifford gates only");
    }

    static void rotate_to_z(State &s, unsigned q, char basis) {
        if (basis == 'X') s.h(q);
        if (basis == 'Y') s.h_yz(q);
    }
    static int measure(State &s, unsigned q, char basis, Rng &rng) {
        rotate_to_z(s, q, basis);
        const int m = s.measure_z(q, rng);
        rotate_to_z(s, q, basis);  // both rotations are their own inverse
        return m;
    }
    // Drops q, which is in an eigenstate of `basis` (just measured in it).
    static void remove_eigenqubit(State &s, unsigned q, char basis) {
        rotate_to_z(s, q, basis);
        s.remove_z_eigenqubit(q);
    }
    static void trace_out(State &s, unsigned q, Rng &rng) {
        // Tracing out equals measuring in Z and forgetting the outcome; a trajectory samples it.
        s.measure_z(q, rng);
        s.remove_z_eigenqubit(q);
    }
    static double expectation(const State &s, const std::vector<std::pair<unsigned, char>> &factors) {
        uint64_t xm = 0, zm = 0;
        for (auto [pos, p] : factors) {
            if (p == 'X' || p == 'Y') xm |= uint64_t{1} << pos;
            if (p == 'Z' || p == 'Y') zm |= uint64_t{1} << pos;
        }
        return s.expectation(xm, zm);
    }
    static DensityMatrix reduced(const State &s, const std::vector<size_t> &positions) {
        DensityMatrix full(s.num_qubits());
        full.set_state(s.density_matrix().data());
        return full.partial_trace(positions);
    }
};

struct DensityGroups {
    using State = DensityMatrix;
    static constexpr Formalism kFormalism = Formalism::DensityMatrix;
    static constexpr unsigned kHardMaxQubits = DensityMatrix::kMaxQubits;
    static constexpr unsigned kDefaultMaxQubits = 10;

    static State fresh() { return DensityMatrix(1); }
    static State bell() {
        DensityMatrix d(2);
        d.h(0);
        d.cx(0, 1);
        return d;
    }
    static State tensor(const State &a, const State &b) { return DensityMatrix::tensor(a, b); }
    static unsigned size(const State &s) { return static_cast<unsigned>(s.num_qubits()); }

    static void x_error(State &s, unsigned q, double p, Rng &) { s.x_error(q, p); }
    static void y_error(State &s, unsigned q, double p, Rng &) { s.y_error(q, p); }
    static void z_error(State &s, unsigned q, double p, Rng &) { s.z_error(q, p); }
    static void pauli_channel_1(State &s, unsigned q, double px, double py, double pz, Rng &) {
        s.pauli_channel_1(q, px, py, pz);
    }
    static void depolarize2(State &s, unsigned a, unsigned b, double p, Rng &) { s.depolarize2(a, b, p); }
    static void amplitude_damp(State &s, unsigned q, double gamma, Rng &) { s.amplitude_damp(q, gamma); }
    static void phase_damp(State &s, unsigned q, double lam, Rng &) { s.phase_damp(q, lam); }

    static void apply_unitary(State &s, const std::complex<double> *u, const std::vector<size_t> &positions) {
        s.apply_unitary(u, positions);
    }
    static State pair_with_state(const std::complex<double> *rho) {
        DensityMatrix d(2);
        d.set_state(rho);
        return d;
    }
    static int twirl_werner(State &s, unsigned a, unsigned b, Rng &) {
        static const std::vector<std::complex<double>> kraus = werner_twirl_kraus();
        s.apply_kraus(kraus.data(), 12, {a, b}, false);
        return -1;  // the exact channel: no rotation drawn
    }
    // The 12 Kraus operators (1/sqrt12) (U (x) U*) of the Werner twirl, U = C^k P.
    static std::vector<std::complex<double>> werner_twirl_kraus() {
        using c = std::complex<double>;
        const double r = M_SQRT1_2;
        const c paulis[4][4] = {{1, 0, 0, 1}, {0, 1, 1, 0}, {0, c(0, -1), c(0, 1), 0}, {1, 0, 0, -1}};
        // C = H S^dag = (1/sqrt2) [[1, -i], [1, i]].
        const c cyc[4] = {r, c(0, -r), r, c(0, r)};
        auto mul = [](const c *x, const c *y, c *out) {
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) out[2 * i + j] = x[2 * i] * y[j] + x[2 * i + 1] * y[2 + j];
        };
        std::vector<c> ops;
        const double norm = 1.0 / std::sqrt(12.0);
        for (int k = 0; k < 3; k++) {
            for (const auto &p : paulis) {
                c u[4] = {p[0], p[1], p[2], p[3]};
                for (int j = 0; j < k; j++) {
                    c t[4];
                    mul(cyc, u, t);
                    std::copy(t, t + 4, u);
                }
                for (int i = 0; i < 4; i++) {
                    for (int j = 0; j < 4; j++) {
                        ops.push_back(norm * u[(i >> 1) * 2 + (j >> 1)] * std::conj(u[(i & 1) * 2 + (j & 1)]));
                    }
                }
            }
        }
        return ops;
    }

    static int measure(State &s, unsigned q, char basis, Rng &rng) { return s.measure(q, rng, basis); }
    static void remove_eigenqubit(State &s, unsigned q, char) { s.trace_out(q); }
    static void trace_out(State &s, unsigned q, Rng &) { s.trace_out(q); }
    static double expectation(const State &s, const std::vector<std::pair<unsigned, char>> &factors) {
        std::string full(s.num_qubits(), 'I');
        for (auto [pos, p] : factors) full[pos] = p;
        return s.expectation(full);
    }
    static DensityMatrix reduced(const State &s, const std::vector<size_t> &positions) {
        return s.partial_trace(positions);
    }
};

// ---- The registry, generic over the group state ----

template <typename Groups>
class RegistryImpl final : public QubitRegistry {
    using State = typename Groups::State;
    static constexpr uint32_t kNone = std::numeric_limits<uint32_t>::max();

    struct Slot {
        uint32_t generation = 1;
        uint32_t group = kNone;  // kNone: free slot
        uint32_t position = 0;
    };
    struct Group {
        State state;
        std::vector<uint32_t> members;  // slot indices in tensor-factor order
    };

   public:
    RegistryImpl(uint64_t seed, unsigned max_group_qubits) : rng_(seed), stream_(&rng_) {
        set_max_group_qubits(max_group_qubits);
    }

    Formalism formalism() const override { return Groups::kFormalism; }
    unsigned max_group_qubits() const override { return max_group_; }
    void set_max_group_qubits(unsigned max_group_qubits) override {
        if (max_group_qubits > Groups::kHardMaxQubits) {
            // "max_group_qubits 15 exceeds the density_matrix limit of 14", where -1 was told "[0, 2**32 - 1]".
            throw ParameterError("max_group_qubits", msg("must be in ", max_group_qubits_range(Groups::kFormalism),
                                                         ", got ", max_group_qubits));
        }
        const unsigned limit = max_group_qubits == 0 ? Groups::kDefaultMaxQubits : max_group_qubits;
        size_t largest = 0;
        for (const Group &g : groups_) largest = std::max(largest, g.members.size());
        if (limit < largest) {
            throw ParameterError("max_group_qubits", msg("must be at least ", largest, ", the largest group the ",
                                                         owner_name(), " holds now, got ", max_group_qubits));
        }
        max_group_ = limit;
    }
    Rng &rng() override { return *stream_; }
    Rng *set_stream(Rng *stream) override {
        Rng *previous = stream_;
        stream_ = stream ? stream : &rng_;
        return previous == &rng_ ? nullptr : previous;
    }

    QubitHandle alloc() override {
        const uint32_t g = new_group(Groups::fresh());
        return attach_new_slot(g, 0);
    }

    std::pair<QubitHandle, QubitHandle> bell_pair() override {
        const uint32_t g = new_group(Groups::bell());
        const QubitHandle a = attach_new_slot(g, 0);
        const QubitHandle b = attach_new_slot(g, 1);
        return {a, b};
    }

    std::pair<QubitHandle, QubitHandle> pair_with_state(const std::complex<double> *rho) override {
        const uint32_t g = new_group(Groups::pair_with_state(rho));
        const QubitHandle a = attach_new_slot(g, 0);
        const QubitHandle b = attach_new_slot(g, 1);
        return {a, b};
    }

    int twirl_werner(QubitHandle a, QubitHandle b) override {
        int drawn = -1;
        two(a, b, "twirl_werner",
            [&](State &s, unsigned pa, unsigned pb) { drawn = Groups::twirl_werner(s, pa, pb, *stream_); });
        return drawn;
    }

    void discard(QubitHandle q) override {
        const uint32_t slot = lookup(q);
        const uint32_t g = slots_[slot].group;
        Group &group = groups_[g];
        if (group.members.size() == 1) {
            free_group(g);
        } else {
            const uint32_t pos = slots_[slot].position;
            Groups::trace_out(group.state, pos, *stream_);
            erase_member(g, pos);
        }
        release_slot(slot);
    }

    bool is_alive(QubitHandle q) const override {
        const uint32_t slot = static_cast<uint32_t>(q);
        return slot < slots_.size() && slots_[slot].generation == static_cast<uint32_t>(q >> 32) &&
               slots_[slot].group != kNone;
    }

    std::vector<QubitHandle> group_of(QubitHandle q) const override {
        const Group &group = groups_[slots_[lookup(q)].group];
        std::vector<QubitHandle> out;
        out.reserve(group.members.size());
        for (uint32_t m : group.members) out.push_back(handle_of(m));
        return out;
    }

    size_t num_qubits() const override { return num_live_; }
    size_t num_groups() const override { return groups_.size() - free_groups_.size(); }

    void h(QubitHandle q) override { one(q, [](State &s, unsigned p) { s.h(p); }); }
    void s(QubitHandle q) override { one(q, [](State &s, unsigned p) { s.s(p); }); }
    void s_dag(QubitHandle q) override { one(q, [](State &s, unsigned p) { s.s_dag(p); }); }
    void x(QubitHandle q) override { one(q, [](State &s, unsigned p) { s.x(p); }); }
    void y(QubitHandle q) override { one(q, [](State &s, unsigned p) { s.y(p); }); }
    void z(QubitHandle q) override { one(q, [](State &s, unsigned p) { s.z(p); }); }
    void cx(QubitHandle a, QubitHandle b) override { two(a, b, "cx", [](State &s, unsigned p, unsigned t) { s.cx(p, t); }); }
    void cz(QubitHandle a, QubitHandle b) override { two(a, b, "cz", [](State &s, unsigned p, unsigned t) { s.cz(p, t); }); }
    void swap(QubitHandle a, QubitHandle b) override {
        // A swap only relabels: exchange the two handles' slots instead of touching any state.
        const uint32_t sa = lookup(a), sb = lookup(b);
        if (sa == sb) throw std::invalid_argument(msg("qubit ", a, " used twice in swap"));
        Slot &x = slots_[sa];
        Slot &y = slots_[sb];
        groups_[x.group].members[x.position] = sb;
        groups_[y.group].members[y.position] = sa;
        std::swap(x.group, y.group);
        std::swap(x.position, y.position);
    }

    void apply_unitary(const std::complex<double> *u, const std::vector<QubitHandle> &qubits) override {
        if (qubits.empty()) throw std::invalid_argument("apply_unitary needs at least one qubit");
        std::vector<uint32_t> slots;
        for (QubitHandle q : qubits) {
            const uint32_t s = lookup(q);
            if (std::find(slots.begin(), slots.end(), s) != slots.end()) {
                throw std::invalid_argument(msg("qubit ", q, " used twice in apply_unitary"));
            }
            slots.push_back(s);
        }
        for (size_t i = 1; i < slots.size(); i++) {
            if (slots_[slots[i]].group != slots_[slots[0]].group) merge(slots_[slots[0]].group, slots_[slots[i]].group);
        }
        std::vector<size_t> positions;
        for (uint32_t s : slots) positions.push_back(slots_[s].position);
        Groups::apply_unitary(groups_[slots_[slots[0]].group].state, u, positions);
    }

    void x_error(QubitHandle q, double p) override {
        check_probability("x_error p", p);
        one(q, [&](State &s, unsigned pos) { Groups::x_error(s, pos, p, *stream_); });
    }
    void y_error(QubitHandle q, double p) override {
        check_probability("y_error p", p);
        one(q, [&](State &s, unsigned pos) { Groups::y_error(s, pos, p, *stream_); });
    }
    void z_error(QubitHandle q, double p) override {
        check_probability("z_error p", p);
        one(q, [&](State &s, unsigned pos) { Groups::z_error(s, pos, p, *stream_); });
    }
    void depolarize1(QubitHandle q, double p) override {
        check_probability("depolarize1 p", p);
        one(q, [&](State &s, unsigned pos) { Groups::pauli_channel_1(s, pos, p / 3, p / 3, p / 3, *stream_); });
    }
    void depolarize2(QubitHandle a, QubitHandle b, double p) override {
        check_probability("depolarize2 p", p);
        two(a, b, "depolarize2", [&](State &s, unsigned pa, unsigned pb) { Groups::depolarize2(s, pa, pb, p, *stream_); });
    }
    void pauli_channel_1(QubitHandle q, double px, double py, double pz) override {
        check_probability("pauli_channel_1 px", px);
        check_probability("pauli_channel_1 py", py);
        check_probability("pauli_channel_1 pz", pz);
        if (px + py + pz > 1 + kDisjointSumTolerance) {
            throw std::invalid_argument(msg("pauli_channel_1 probabilities sum to ", px + py + pz, " > 1"));
        }
        one(q, [&](State &s, unsigned pos) { Groups::pauli_channel_1(s, pos, px, py, pz, *stream_); });
    }
    void amplitude_damp(QubitHandle q, double gamma) override {
        check_probability("amplitude_damp gamma", gamma);
        one(q, [&](State &s, unsigned pos) { Groups::amplitude_damp(s, pos, gamma, *stream_); });
    }
    void phase_damp(QubitHandle q, double lam) override {
        check_probability("phase_damp lam", lam);
        one(q, [&](State &s, unsigned pos) { Groups::phase_damp(s, pos, lam, *stream_); });
    }

    static char normalize_basis(char basis) {
        if (basis >= 'a') basis = static_cast<char>(basis - 'a' + 'A');
        if (basis != 'Z' && basis != 'X' && basis != 'Y') {
            throw std::invalid_argument(msg("measurement basis must be 'X', 'Y' or 'Z', got '", basis, "'"));
        }
        return basis;
    }

    int measure(QubitHandle q, char basis) override {
        basis = normalize_basis(basis);
        const uint32_t slot = lookup(q);
        bool alone;
        const int m = measure_out(slot, basis, alone);
        if (!alone) {
            State single = Groups::fresh();
            if (m) single.x(0);
            if (basis == 'X') single.h(0);
            if (basis == 'Y') {
                single.h(0);
                single.s(0);
            }
            const uint32_t ng = new_group(std::move(single));
            groups_[ng].members.push_back(slot);
            slots_[slot].group = ng;
            slots_[slot].position = 0;
        }
        return m;
    }

    int measure_and_discard(QubitHandle q, char basis) override {
        basis = normalize_basis(basis);
        const uint32_t slot = lookup(q);
        bool alone;
        const int m = measure_out(slot, basis, alone);
        if (alone) free_group(slots_[slot].group);
        release_slot(slot);
        return m;
    }

    void reset(QubitHandle q) override {
        const uint32_t slot = lookup(q);
        const uint32_t g = slots_[slot].group;
        if (groups_[g].members.size() > 1) {
            Groups::trace_out(groups_[g].state, slots_[slot].position, *stream_);
            erase_member(g, slots_[slot].position);
            const uint32_t ng = new_group(Groups::fresh());
            groups_[ng].members.push_back(slot);
            slots_[slot].group = ng;
            slots_[slot].position = 0;
        } else {
            groups_[g].state = Groups::fresh();
        }
    }

    DensityMatrix state(const std::vector<QubitHandle> &qubits) const override {
        std::vector<uint32_t> slots;
        for (QubitHandle q : qubits) {
            const uint32_t s = lookup(q);
            if (std::find(slots.begin(), slots.end(), s) != slots.end()) {
                throw std::invalid_argument(msg("qubit ", q, " listed twice in state()"));
            }
            slots.push_back(s);
        }
        // Reduced state of each group over its requested qubits, in order of first appearance;
        // the tensor product of those, then swaps bring the factors into the requested order.
        std::vector<uint32_t> order;  // slots in the order of the tensor product built below
        DensityMatrix result(0);
        std::vector<bool> done(slots.size(), false);
        for (size_t i = 0; i < slots.size(); i++) {
            if (done[i]) continue;
            const uint32_t g = slots_[slots[i]].group;
            std::vector<size_t> positions;
            for (size_t j = i; j < slots.size(); j++) {
                if (!done[j] && slots_[slots[j]].group == g) {
                    done[j] = true;
                    positions.push_back(slots_[slots[j]].position);
                    order.push_back(slots[j]);
                }
            }
            result = DensityMatrix::tensor(result, Groups::reduced(groups_[g].state, positions));
        }
        for (size_t i = 0; i < slots.size(); i++) {
            if (order[i] == slots[i]) continue;
            const size_t j = static_cast<size_t>(std::find(order.begin() + i, order.end(), slots[i]) - order.begin());
            result.swap(i, j);
            std::swap(order[i], order[j]);
        }
        return result;
    }

    double expectation(const std::vector<QubitHandle> &qubits, const std::string &paulis) const override {
        size_t offset = 0;
        double sign = 1;
        if (!paulis.empty() && (paulis[0] == '+' || paulis[0] == '-')) {
            sign = paulis[0] == '-' ? -1 : 1;
            offset = 1;
        }
        if (paulis.size() - offset != qubits.size()) {
            throw std::invalid_argument(msg("expectation over ", qubits.size(), " qubits but the Pauli string '", paulis,
                                            "' has ", paulis.size() - offset));
        }
        // A product over groups: the state is a tensor product of its groups.
        std::vector<uint32_t> groups;
        std::vector<std::vector<std::pair<unsigned, char>>> factors;
        std::vector<uint32_t> seen;
        for (size_t i = 0; i < qubits.size(); i++) {
            char p = paulis[offset + i];
            if (p >= 'a') p = static_cast<char>(p - 'a' + 'A');
            if (p != 'I' && p != '_' && p != 'X' && p != 'Y' && p != 'Z') {
                throw std::invalid_argument(msg("Pauli string '", paulis, "' has character '", paulis[offset + i],
                                                "'; use I _ X Y Z"));
            }
            const uint32_t slot = lookup(qubits[i]);
            if (std::find(seen.begin(), seen.end(), slot) != seen.end()) {
                throw std::invalid_argument(msg("qubit ", qubits[i], " listed twice in expectation()"));
            }
            seen.push_back(slot);
            if (p == 'I' || p == '_') continue;
            const uint32_t g = slots_[slot].group;
            size_t k = std::find(groups.begin(), groups.end(), g) - groups.begin();
            if (k == groups.size()) {
                groups.push_back(g);
                factors.emplace_back();
            }
            factors[k].push_back({slots_[slot].position, p});
        }
        double value = sign;
        for (size_t k = 0; k < groups.size() && value != 0; k++) {
            value *= Groups::expectation(groups_[groups[k]].state, factors[k]);
        }
        return value;
    }

   private:
    // Measures the qubit in `slot`; when it shares its group, the measured qubit leaves it (the
    // slot then has no group, `alone` is false). A qubit alone stays collapsed in its group.
    int measure_out(uint32_t slot, char basis, bool &alone) {
        const uint32_t g = slots_[slot].group;
        const unsigned pos = slots_[slot].position;
        const int m = Groups::measure(groups_[g].state, pos, basis, *stream_);
        alone = groups_[g].members.size() == 1;
        if (!alone) {
            Groups::remove_eigenqubit(groups_[g].state, pos, basis);
            erase_member(g, pos);
            slots_[slot].group = kNone;
        }
        return m;
    }

    void release_slot(uint32_t slot) {
        Slot &s = slots_[slot];
        s.group = kNone;
        s.generation++;
        free_slots_.push_back(slot);
        num_live_--;
    }

    QubitHandle handle_of(uint32_t slot) const {
        return (static_cast<QubitHandle>(slots_[slot].generation) << 32) | slot;
    }

    uint32_t lookup(QubitHandle q) const {
        const uint32_t slot = static_cast<uint32_t>(q);
        const uint32_t generation = static_cast<uint32_t>(q >> 32);
        if (slot >= slots_.size() || generation == 0 || generation > slots_[slot].generation) {
            throw UnknownQubitError(msg("qubit ", q, " was never allocated by this registry"));
        }
        if (slots_[slot].generation != generation || slots_[slot].group == kNone) {
            throw UnknownQubitError(msg("qubit ", q, " was discarded"));
        }
        return slot;
    }

    uint32_t new_group(State &&state) {
        uint32_t g;
        if (!free_groups_.empty()) {
            g = free_groups_.back();
            free_groups_.pop_back();
            groups_[g].state = std::move(state);
            groups_[g].members.clear();
        } else {
            g = static_cast<uint32_t>(groups_.size());
            groups_.push_back(Group{std::move(state), {}});
        }
        return g;
    }

    void free_group(uint32_t g) {
        groups_[g].members.clear();
        groups_[g].state = State(0);  // release the state's memory
        free_groups_.push_back(g);
    }

    QubitHandle attach_new_slot(uint32_t g, uint32_t position) {
        uint32_t slot;
        if (!free_slots_.empty()) {
            slot = free_slots_.back();
            free_slots_.pop_back();
        } else {
            slot = static_cast<uint32_t>(slots_.size());
            slots_.push_back(Slot{});
        }
        slots_[slot].group = g;
        slots_[slot].position = position;
        groups_[g].members.push_back(slot);
        num_live_++;
        return handle_of(slot);
    }

    void erase_member(uint32_t g, uint32_t pos) {
        auto &members = groups_[g].members;
        members.erase(members.begin() + pos);
        for (uint32_t i = pos; i < members.size(); i++) slots_[members[i]].position = i;
    }

    template <typename Op>
    void one(QubitHandle q, Op &&op) {
        const Slot &s = slots_[lookup(q)];
        op(groups_[s.group].state, s.position);
    }

    template <typename Op>
    void two(QubitHandle a, QubitHandle b, const char *name, Op &&op) {
        const uint32_t sa = lookup(a), sb = lookup(b);
        if (sa == sb) throw std::invalid_argument(msg("qubit ", a, " used twice in ", name));
        if (slots_[sa].group != slots_[sb].group) merge(slots_[sa].group, slots_[sb].group);
        op(groups_[slots_[sa].group].state, slots_[sa].position, slots_[sb].position);
    }

    /// What the registry's user can change, named as they reach it (owner_name()): the limit while below the
    /// formalism's most, else fewer qubits entangled at once or, for density matrices, the stabilizer formalism.
    std::string limit_way_out() const {
        if (max_group_ < Groups::kHardMaxQubits) {
            return msg(": raise ", owner_name(), ".max_group_qubits (at most ", Groups::kHardMaxQubits, " for ",
                       formalism_name(Groups::kFormalism), ")");
        }
        if (Groups::kFormalism == Formalism::DensityMatrix) {
            return msg(", the most a density_matrix group holds: entangle fewer qubits at once, or use the stabilizer "
                       "formalism (groups of up to ", StabilizerGroups::kHardMaxQubits, " qubits)");
        }
        return msg(", the most a ", formalism_name(Groups::kFormalism), " group holds: entangle fewer qubits at once");
    }

    void merge(uint32_t ga, uint32_t gb) {
        const size_t total = groups_[ga].members.size() + groups_[gb].members.size();
        if (total > max_group_) {
            throw StateTooLargeError(msg("merging groups of ", groups_[ga].members.size(), " and ",
                                         groups_[gb].members.size(), " qubits would make a ", total,
                                         "-qubit ", formalism_name(Groups::kFormalism), " group; the limit is ", max_group_,
                                         limit_way_out()));
        }
        groups_[ga].state = Groups::tensor(groups_[ga].state, groups_[gb].state);
        const uint32_t offset = static_cast<uint32_t>(groups_[ga].members.size());
        for (uint32_t i = 0; i < groups_[gb].members.size(); i++) {
            const uint32_t slot = groups_[gb].members[i];
            groups_[ga].members.push_back(slot);
            slots_[slot].group = ga;
            slots_[slot].position = offset + i;
        }
        free_group(gb);
    }

    Rng rng_;
    Rng *stream_;  // where noise and measurement draws come from (rng_ unless a caller lends one)
    unsigned max_group_;
    std::vector<Slot> slots_;
    std::vector<uint32_t> free_slots_;
    std::vector<Group> groups_;
    std::vector<uint32_t> free_groups_;
    size_t num_live_ = 0;
};

}  // namespace

std::string QubitRegistry::max_group_qubits_range(Formalism formalism) {
    const bool stabilizer = formalism == Formalism::Stabilizer;
    const unsigned most = stabilizer ? StabilizerGroups::kHardMaxQubits : DensityGroups::kHardMaxQubits;
    const unsigned usual = stabilizer ? StabilizerGroups::kDefaultMaxQubits : DensityGroups::kDefaultMaxQubits;
    return msg("[0, ", most, "] for ", formalism_name(formalism), " (0: the default, ", usual, ")");
}

std::unique_ptr<QubitRegistry> QubitRegistry::create(Formalism formalism, uint64_t seed, unsigned max_group_qubits) {
    if (formalism == Formalism::BellDiagonal) {
        throw QnsimError(
            "the bell_diagonal formalism keeps each pair as four Bell coefficients, not qubits: a QubitRegistry needs "
            "'density_matrix' or 'stabilizer'");
    }
    std::unique_ptr<QubitRegistry> out;
    if (formalism == Formalism::Stabilizer) {
        out = std::make_unique<RegistryImpl<StabilizerGroups>>(seed, max_group_qubits);
    } else {
        out = std::make_unique<RegistryImpl<DensityGroups>>(seed, max_group_qubits);
    }
    out->seed_ = seed;
    return out;
}

std::pair<double, double> QubitRegistry::memory_decay_parameters(double seconds, double t1_s, double t2_s) {
    if (!(seconds >= 0) || std::isinf(seconds)) {
        throw std::invalid_argument(msg("memory_decay waiting time must be finite and >= 0 s, got ", seconds));
    }
    if (!(t1_s > 0) || !(t2_s > 0)) {
        throw std::invalid_argument(msg("memory T1 and T2 must be > 0 s, got T1=", t1_s, " T2=", t2_s));
    }
    if (t2_s > 2 * t1_s) throw std::invalid_argument(msg("memory T2=", t2_s, " s exceeds 2*T1=", 2 * t1_s, " s"));
    if (seconds == 0) return {0.0, 0.0};
    const double gamma = std::isinf(t1_s) ? 0.0 : -portable::expm1(-seconds / t1_s);
    // Amplitude damping leaves coherences at exp(-t/2T1); dephasing supplies the rest of exp(-t/T2).
    const double rest = std::isinf(t2_s) ? 0.0 : seconds / t2_s - (std::isinf(t1_s) ? 0.0 : seconds / (2 * t1_s));
    const double lam = std::min(1.0, std::max(0.0, -portable::expm1(-2 * rest)));
    return {gamma, lam};
}

void QubitRegistry::memory_decay(QubitHandle q, double seconds, double t1_s, double t2_s) {
    const auto [gamma, lam] = memory_decay_parameters(seconds, t1_s, t2_s);
    if (gamma > 0) amplitude_damp(q, gamma);
    if (lam > 0) phase_damp(q, lam);
}

QubitRegistry::MemoryChannel QubitRegistry::memory_channel(double seconds, double t1_s, double t2_s,
                                                           double depolarizing_time_s) {
    if (!(depolarizing_time_s > 0)) {
        throw std::invalid_argument(msg("memory depolarizing time must be > 0 s, got ", depolarizing_time_s));
    }
    MemoryChannel c;
    std::tie(c.gamma, c.lam) = memory_decay_parameters(seconds, t1_s, t2_s);
    if (seconds == 0 || std::isinf(depolarizing_time_s)) return c;
    if (std::isinf(t1_s)) {  // dephasing and depolarizing commute: one after the other is the joint channel
        c.p = -0.75 * portable::expm1(-seconds / depolarizing_time_s);
        return c;
    }
    // Bloch picture of the joint evolution: x, y scale by exp(-t/T2 - v); z -> a z + b with a = exp(-(u + v)),
    // b = u / (u + v) (1 - a), u = t/T1, v = t/T. Damping gamma, dephasing, then depolarizing (a factor s on
    // x, y, z) give z -> s (1 - gamma) z + s gamma and x -> s sqrt(1 - gamma) sqrt(1 - lam) x: s = a + b,
    // gamma = b / s, and 1 - lam = exp(-2t/T2 - 2v) / (s a) <= 1 because T2 <= 2 T1.
    const double u = seconds / t1_s, v = seconds / depolarizing_time_s;
    const double one_minus_a = -portable::expm1(-(u + v));
    const double b = u / (u + v) * one_minus_a;
    const double one_minus_s = v / (u + v) * one_minus_a;
    const double s = 1 - one_minus_s;
    if (!(s > 0)) {
        // Stored for so many depolarizing times that s (at most u / (u + v) + a) is below rounding: the qubit is
        // fully depolarized, whatever damping and dephasing did before. b / s was inf (T = 1e-30 s against T1 =
        // 0.1 ms), refused by amplitude_damp mid-run.
        c.gamma = 0, c.lam = 0, c.p = 0.75;
        return c;
    }
    // s = 1 - one_minus_s carries the rounding of one_minus_s, relative eps / s: once a = exp(-(u + v)) is below it,
    // b / s can pass 1 by that much (T = 1e-13 s against T1 = 0.1 ms: gamma = 1.000000027, refused by
    // amplitude_damp mid-run). The state reads s gamma = b and s (1 - gamma) = a, both within eps of the exact
    // ones either way, so the clip to 1 loses nothing, and leaves every gamma <= 1 as it was, bit for bit.
    c.gamma = std::min(1.0, b / s);
    c.p = 0.75 * one_minus_s;
    const double excess = (std::isinf(t2_s) ? 0.0 : 2 * seconds / t2_s) - u;  // dephasing beyond the damping's
    c.lam = std::min(1.0, std::max(0.0, -portable::expm1(-excess - v - portable::log1p(-one_minus_s))));
    return c;
}

void QubitRegistry::memory_decay(QubitHandle q, double seconds, double t1_s, double t2_s, double depolarizing_time_s) {
    if (formalism() == Formalism::DensityMatrix) {
        const MemoryChannel c = memory_channel(seconds, t1_s, t2_s, depolarizing_time_s);
        if (c.gamma > 0) amplitude_damp(q, c.gamma);
        if (c.lam > 0) phase_damp(q, c.lam);
        if (c.p > 0) depolarize1(q, c.p);
        return;
    }
    // Twirled: damping and dephasing, then depolarizing, is already the twirl of the joint channel (the
    // twirled damping composes over time), drawn as before.
    if (std::isfinite(t1_s) || std::isfinite(t2_s)) memory_decay(q, seconds, t1_s, t2_s);
    if (std::isfinite(depolarizing_time_s)) depolarize1(q, -0.75 * portable::expm1(-seconds / depolarizing_time_s));
}

std::pair<QubitHandle, QubitHandle> QubitRegistry::bell_diagonal_pair(const double given[4]) {
    // The one check of Bell coefficients (core/errors.h), as a link's: within the tolerance, clipped.
    if (const std::string problem = bell_diagonal_problem(given); !problem.empty()) {
        throw std::invalid_argument("Bell-diagonal " + problem);
    }
    double c[4] = {given[0], given[1], given[2], given[3]};
    clip_bell_diagonal(c);
    double total = 0;
    for (int i = 0; i < 4; i++) total += c[i];
    auto pair = bell_pair();
    // X on b turns Phi+ into Psi+, Y into Psi- (up to phase), Z into Phi-.
    if (c[0] < 1) pauli_channel_1(pair.second, c[1] / total, c[2] / total, c[3] / total);
    return pair;
}

std::pair<int, int> QubitRegistry::bell_measure(QubitHandle a, QubitHandle b) {
    // Named here: the CX inside read "used twice in cx", an operation the caller did not call.
    if (a == b) throw std::invalid_argument(msg("qubit ", a, " used twice in bell_measure"));
    cx(a, b);
    h(a);
    const int ma = measure(a, 'Z');
    const int mb = measure(b, 'Z');
    return {ma, mb};
}

double QubitRegistry::bell_fidelity(QubitHandle a, QubitHandle b, const std::string &bell_state) const {
    // |B><B| = (II + sx XX + sz ZZ + sy YY)/4 with the signs of the Bell state's stabilizers.
    // Names are read without case, as qnsim.fidelity and the link models read them ("PHI+" was refused here only).
    std::string name = bell_state;
    for (char &ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    int sx, sz;
    if (name == "phi+") {
        sx = 1, sz = 1;
    } else if (name == "phi-") {
        sx = -1, sz = 1;
    } else if (name == "psi+") {
        sx = 1, sz = -1;
    } else if (name == "psi-") {
        sx = -1, sz = -1;
    } else {
        throw std::invalid_argument(
            msg("unknown target state '", bell_state, "'; use 'phi+', 'phi-', 'psi+', 'psi-' or an array"));
    }
    const int sy = -sx * sz;  // YY = -(XX)(ZZ)
    const std::vector<QubitHandle> pair = {a, b};
    return (1 + sx * expectation(pair, "XX") + sz * expectation(pair, "ZZ") + sy * expectation(pair, "YY")) / 4;
}

std::array<double, 4> QubitRegistry::bell_diagonal(QubitHandle a, QubitHandle b) const {
    const std::vector<QubitHandle> pair = {a, b};
    const double xx = expectation(pair, "XX"), zz = expectation(pair, "ZZ"), yy = expectation(pair, "YY");
    // Signs (sx, sz) of each Bell state's stabilizers XX and ZZ, sy = -sx sz; the same expression
    // as bell_fidelity, so that entry 0 is its value bit for bit.
    static constexpr int kSigns[4][2] = {{1, 1}, {1, -1}, {-1, -1}, {-1, 1}};
    std::array<double, 4> out;
    for (int k = 0; k < 4; k++) {
        const int sx = kSigns[k][0], sz = kSigns[k][1], sy = -sx * sz;
        out[k] = (1 + sx * xx + sz * zz + sy * yy) / 4;
    }
    return out;
}

}  // namespace qnsim
