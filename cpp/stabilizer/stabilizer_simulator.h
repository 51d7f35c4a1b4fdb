#ifndef QNSIM_STABILIZER_STABILIZER_SIMULATOR_H
#define QNSIM_STABILIZER_STABILIZER_SIMULATOR_H

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/rng.h"
#include "stabilizer/circuit.h"
#include "stabilizer/pauli_string.h"
#include "stabilizer/tableau.h"

namespace qnsim {

/// Stabilizer simulation of a fixed number of qubits with Stim's TableauSimulator conventions
/// (gate names, depolarizing-noise meaning, circuit text). All randomness comes from one seeded
/// xoshiro256** stream and is consumed in program order, one draw per random event, so a seed and
/// a circuit determine the measurement record bit for bit on every CPU.
///
/// Errors: qubit indices outside [0, num_qubits) throw std::out_of_range naming the qubit and
/// num_qubits; a qubit repeated in a two-qubit gate, an odd flat pair list, or a probability
/// outside [0, 1] throw std::invalid_argument; do_circuit throws CircuitParseError.
class StabilizerSimulator {
   public:
    using Targets = std::vector<int64_t>;
    enum class Basis { X, Y, Z };

    /// Throws std::invalid_argument for num_qubits < 0 and StateTooLargeError when the tableau
    /// would not fit (see Tableau).
    StabilizerSimulator(int64_t num_qubits, uint64_t seed);

    size_t num_qubits() const { return tableau_.num_qubits(); }
    Rng &rng() { return rng_; }
    /// The seed the random stream started from (given, or drawn by the caller when none was): reported so that an
    /// unseeded run names the seed that repeats it.
    uint64_t seed() const { return seed_; }
    /// Restarts the random stream from `seed` (and reports it as seed()).
    void reseed(uint64_t seed) {
        rng_ = Rng(seed);
        seed_ = seed;
    }

    // Gates on every target in order; pair gates take a flat list (a0, b0, a1, b1, ...).
    void h(const Targets &qs);
    void s(const Targets &qs);
    void s_dag(const Targets &qs);
    void x(const Targets &qs);
    void y(const Targets &qs);
    void z(const Targets &qs);
    void cx(const Targets &pairs);
    void cy(const Targets &pairs);
    void cz(const Targets &pairs);
    void swap(const Targets &pairs);

    /// Measures each target in the basis, in order, and returns the 0/1 outcomes. Random outcomes
    /// of one batch share one transposition of the tableau.
    std::vector<uint8_t> measure(const Targets &qs, Basis basis);
    /// Resets each target to the +1 eigenstate of the basis' Pauli (|0>, |+>, |+i>).
    void reset(const Targets &qs, Basis basis);

    // Pauli noise, each target (or pair) independently.
    void x_error(const Targets &qs, double p);
    void y_error(const Targets &qs, double p);
    void z_error(const Targets &qs, double p);
    void depolarize1(const Targets &qs, double p);
    void depolarize2(const Targets &pairs, double p);
    void pauli_channel_1(const Targets &qs, double px, double py, double pz);

    /// <psi|P|psi> for a Pauli string on qubits 0..len-1 (len <= num_qubits; the rest is identity):
    /// +1, -1 or 0. Throws std::invalid_argument when P is longer than num_qubits.
    int peek_observable_expectation(const PauliString &p) const;

    /// Parses (Circuit::parse) and runs circuit text; returns this call's measurement record. Refuses
    /// (CircuitParseError, before anything runs) a circuit of more than `max_operations` target operations
    /// with its REPEAT counts multiplied out (Circuit::check_operations, naming `setting` as the way to raise it).
    std::vector<uint8_t> do_circuit(const std::string &text, uint64_t max_operations = kDefaultMaxCircuitOperations,
                                    const std::string &setting = "max_operations");
    /// Runs a parsed circuit, appending measurement results to `record`.
    void run(const Circuit &circuit, std::vector<uint8_t> &record);
    /// Called every kInterruptPeriod instructions run by do_circuit/run (empty: never); it may throw
    /// to stop the run, e.g. on Ctrl-C (a REPEAT 10^12 block is valid input that runs for days).
    void set_interrupt_check(std::function<void()> check) { interrupt_check_ = std::move(check); }
    static constexpr uint64_t kInterruptPeriod = uint64_t{1} << 16;

    const Tableau &tableau() const { return tableau_; }

   private:
    size_t check_qubit(int64_t q) const;
    void check_pairs(const Targets &pairs) const;
    static void check_probability(double p, const char *name);
    void run_block(const Circuit &c, uint32_t block, std::vector<uint8_t> &record);
    // Measures Z of raw (already validated) qubits in a batch, appending outcomes.
    void measure_z_batch(const uint32_t *qs, size_t count, std::vector<uint8_t> &out);
    void measure_raw(const uint32_t *qs, size_t count, Basis basis, bool reset_after, double flip_p,
                     std::vector<uint8_t> &out);
    void apply_pauli(size_t q, unsigned pauli);  // 1 = X, 2 = Y, 3 = Z
    // MPP, SPP, SPP_DAG: each canonical Pauli product of `ins` in order (see Instruction).
    void run_products(const Instruction &ins, std::vector<uint8_t> &record);

    Tableau tableau_;
    Rng rng_;
    uint64_t seed_;
    std::vector<uint32_t> scratch_;
    std::function<void()> interrupt_check_;
    uint64_t instructions_run_ = 0;
    // Whether the current E / ELSE_CORRELATED_ERROR chain has applied its error (Stim's semantics).
    bool correlated_error_occurred_ = false;
};

}  // namespace qnsim

#endif
