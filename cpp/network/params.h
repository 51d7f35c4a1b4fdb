#ifndef QNSIM_NETWORK_PARAMS_H
#define QNSIM_NETWORK_PARAMS_H

#include <array>
#include <complex>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "core/errors.h"
#include "network/primitives.h"

namespace qnsim {

/// The parameters of a node, a link and a request, as they cross from Python. Each struct's
/// `validate()` is the only place their values are range-checked, upper bounds included: sizes
/// that would exhaust memory are refused here, before anything is allocated. A failed check
/// throws ParameterError whose `field` is the Python-side name (SI seconds for the `_ps`
/// fields: `cutoff_ps` is reported as `cutoff_s`) and whose message starts with that name.
///
/// Relations between specs (unknown nodes, memories left at a node, a path without a link)
/// are checked by Network::add_link / add_request, which own the relations.

/// Upper bounds. A slot is about 120 bytes, so kMaxSlots bounds the memory table to ~4 GB.
constexpr uint32_t kMaxMemoriesPerNode = 1u << 24;
constexpr uint32_t kMaxChannelsPerLink = 1u << 20;
constexpr uint64_t kMaxSlots = uint64_t{1} << 25;
constexpr uint32_t kMaxPurificationRounds = 16;
/// A delivery record is 56 bytes: 10^8 of them is 5.6 GB.
constexpr uint64_t kMaxRecords = 100'000'000;

/// The ranges of the integer fields below and of a record limit, each declared once: validate() (and
/// validate_max_records, Network::set_trace) refuse a value outside it, and the bindings' setters state the same range
/// for a value the field's type cannot hold ("channels must be in [1, 1048576], got -1" from either). A field not
/// listed (a node index) takes its type's range and is checked against the network by add_link / add_request.
constexpr IntegerRange<uint32_t> kNumMemoriesRange{1, kMaxMemoriesPerNode};
constexpr IntegerRange<uint32_t> kChannelsRange{1, kMaxChannelsPerLink};
constexpr IntegerRange<uint64_t> kNumPairsRange{1, std::numeric_limits<uint64_t>::max(), " (None: until the run ends)"};
constexpr IntegerRange<uint32_t> kPurificationRoundsRange{0, kMaxPurificationRounds};
constexpr IntegerRange<uint32_t> kMemoriesPerLinkRange{1, kMaxChannelsPerLink};
constexpr IntegerRange<int64_t> kRecordLimitRange{0, static_cast<int64_t>(kMaxRecords)};
/// The record limits, each with what its special value means.
constexpr IntegerRange<int64_t> kMaxRecordsRange{0, static_cast<int64_t>(kMaxRecords), " (None: 10^6, the default)"};
constexpr IntegerRange<int64_t> kTraceLimitRange{0, static_cast<int64_t>(kMaxRecords), " (0: off)"};
/// Native threads of one run_seeds batch (0: every core); Network.run_seeds takes [1, 4096] (None: every core).
constexpr IntegerRange<uint32_t> kThreadsRange{0, 4096, " (0: every core)"};

/// Noise and timing of one node (QPU, repeater or QNU). Errors follow Stim's meaning:
/// gate1_error is depolarize1 p after each single-qubit gate, gate2_error depolarize2 p after
/// each two-qubit gate, measure_error the probability that a reported outcome is flipped.
struct NodeParams {
    std::string name;
    /// Memory qubits; nullopt: as many as the channels of the node's links (grows with them).
    std::optional<uint32_t> num_memories;
    double t1_s = std::numeric_limits<double>::infinity();  ///< amplitude damping time (inf: none)
    double t2_s = std::numeric_limits<double>::infinity();  ///< total coherence time, <= 2 T1
    /// Extra depolarizing memory noise: depolarize1 p = 3/4 (1 - exp(-t/T)) for t seconds of
    /// storage (inf: none), acting together with T1 and T2 (QubitRegistry::memory_channel). Peers
    /// such as SeQUeNCe's Bell-diagonal mode model memory this way.
    double depolarizing_time_s = std::numeric_limits<double>::infinity();
    double gate1_error = 0, gate2_error = 0, measure_error = 0;
    int64_t gate1_ps = 0, gate2_ps = 0, measure_ps = 0;  ///< gate and measurement durations

    OperationNoise noise() const { return OperationNoise{gate1_error, gate2_error, measure_error}; }
    /// Bell measurement time of a swap: two-qubit gate, single-qubit gate, measurement.
    int64_t swap_ps() const { return gate2_ps + gate1_ps + measure_ps; }
    void validate() const;
};

/// A heralded link between two nodes through a midpoint station, as the Python link models
/// describe it: success probability per attempt, attempt period, and the delivered state.
struct LinkParams {
    uint32_t node_a = 0, node_b = 0;
    uint32_t channels = 1;           ///< memories reserved for this link at each end
    double success_probability = 1;  ///< per attempt, in (0, 1]
    int64_t attempt_period_ps = 1;   ///< > 0
    int64_t herald_delay_a_ps = 0;   ///< emission of the successful attempt -> node a knows
    int64_t herald_delay_b_ps = 0;
    /// When the successful attempt's qubit at node a (b) was emitted, after the pair's first emission,
    /// in [0, the shorter herald delay]: a station off the midpoint makes the end on the shorter arm emit
    /// later so that the photons meet, and that end's qubit decays only from its own emission. 0 (both):
    /// the ends emit together. The pair's age (Delivery::oldest_emission_ps, the cutoff) is the older qubit's.
    int64_t emission_lag_a_ps = 0;
    int64_t emission_lag_b_ps = 0;
    int64_t classical_delay_ps = 0;  ///< one-way message latency between a and b
    int64_t setup_delay_ps = 0;      ///< handshake before the first attempt on freed memories
    /// Two-round (Barrett-Kok) timing: an attempt whose first round heralds (probability
    /// first_round_probability) takes a second round of attempt_period_ps; one whose first round
    /// fails ends after it. 0: every attempt takes attempt_period_ps (single-round timing).
    double first_round_probability = 0;
    /// true: memory i at a only ever pairs with memory i at b (static channels); false: any free
    /// memory at a pairs with any free memory at b of the same request.
    bool fixed_channels = false;
    std::array<double, 4> bell_diagonal{{1, 0, 0, 0}};  ///< (Phi+, Psi+, Psi-, Phi-)
    std::vector<std::complex<double>> state;             ///< optional exact 4x4 state (density formalism)

    void validate() const;
};

enum class SwapSchedule : uint32_t { ASAP, Nested };

/// When a request's links make pairs. Continuous: a memory attempts again as soon as it is free.
/// OnDemand: a memory freed by a swap (its qubit went into a longer pair) waits before its link attempts
/// again, until a pair of its request is delivered (then every waiting memory of the request, on every link
/// of its path) or a pair is lost (then those on the links between the lost pair's ends), so idle links do
/// not regenerate while swap outcomes travel (a 10^6-node chain makes ~N link pairs per delivery instead of
/// ~N^2). With one memory per link one pair is in flight and that is the pair the memory fed; with several,
/// a delivery also restarts memories that fed another pair still under way. Memories freed any other way
/// (cutoff, purification, delivery at an end) attempt at once.
enum class GenerationPolicy : uint32_t { Continuous, OnDemand };

/// An end-to-end entanglement request along a fixed path of nodes.
///
/// Admission: when it starts, a request reserves `memories_per_link` memory slots at both ends
/// of every link on its path, all or nothing (so requests never deadlock); if that is not
/// possible it waits, first come first served, until other requests release theirs. It
/// releases them when served, dropped (deadline) or at the end of the run.
struct RequestParams {
    std::vector<uint32_t> path;        ///< src first, dst last; consecutive nodes share a link
    std::optional<uint64_t> num_pairs;  ///< stop after this many deliveries (nullopt: open-ended)
    int64_t start_ps = 0;
    std::optional<int64_t> cutoff_ps;    ///< a stored qubit older than this is discarded with its partner
    std::optional<int64_t> deadline_ps;  ///< dropped if not served by then (absolute time)
    PurifyScheme purification = PurifyScheme::None;
    uint32_t purification_rounds = 0;             ///< recurrence rounds on each link before swapping
    uint32_t end_to_end_purification_rounds = 0;  ///< recurrence rounds on end-to-end pairs
    bool keep_pairs = false;       ///< delivered pairs stay in memory for the caller (release_pair)
    bool python_protocol = false;  ///< pair-ready events go to the protocol hook, not the native schedule
    uint32_t memories_per_link = 1;  ///< slots reserved at each end of each link of the path
    double min_fidelity = 0;         ///< delivered pairs below this are discarded (not stabilizer)
    SwapSchedule swap_schedule = SwapSchedule::ASAP;
    /// Before swapping, a node confirms with both current partners (as SeQUeNCe's swapping
    /// protocol does): the swap happens one round trip to the farther partner later, with the
    /// two qubits held and decaying meanwhile.
    bool swap_handshake = false;
    /// Before each purification round, the pair's two ends confirm it (a request and its answer, as
    /// SeQUeNCe's resource managers exchange): the round runs one round trip later (across the link for
    /// link-level rounds, along the path for end-to-end ones), with the four qubits held and decaying
    /// meanwhile. Needs purification rounds.
    bool purification_handshake = false;
    GenerationPolicy generation = GenerationPolicy::Continuous;

    /// Recurrence rounds hold one pair per level while the next is made: fewer memories stall.
    uint32_t memories_needed() const { return purification_rounds + end_to_end_purification_rounds + 1; }
    void validate() const;
};

/// Checks a delivery-record cap (ParameterError naming `max_records`).
void validate_max_records(int64_t max_records);
/// Checks a trace's record limit (ParameterError naming `limit`, in the words of every other range: Network::set_trace
/// spelled its own, "must be a record limit in [0, 100000000] (0: off)").
void validate_trace_limit(int64_t limit);

}  // namespace qnsim

#endif
