#include "network/params.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/errors.h"
#include "density/density_matrix.h"
#include "network/network_internal.h"

namespace qnsim {
namespace {

using network_internal::seconds;

void probability(const char *field, double p) {
    if (!(p >= 0 && p <= 1)) throw ParameterError(field, msg("must be a probability in [0, 1], got ", p));
}

// A duration crossing as integer picoseconds, named and reported in seconds as Python gives it.
void duration(const char *field, int64_t ps) {
    if (ps < 0) throw ParameterError(field, msg("must be >= 0 s, got ", seconds(ps), " s"));
}

// An integer field within its declared range (params.h), stated as the bindings state it (with the range's note:
// what None or a special value means).
template <typename T>
void in_range(const char *field, const IntegerRange<T> &range, T value) {
    if (!range.contains(value)) throw ParameterError(field, msg(range.requirement(), ", got ", value));
}

// A time constant: > 0 s, infinity meaning "no such decay".
void time_constant(const char *field, double s) {
    if (!(s > 0)) throw ParameterError(field, msg("must be > 0 s (inf: none), got ", s, " s"));
}

}  // namespace

void NodeParams::validate() const {
    if (name.empty()) throw ParameterError("name", "must be a non-empty string");
    if (num_memories) in_range("num_memories", kNumMemoriesRange, *num_memories);
    time_constant("t1_s", t1_s);
    time_constant("t2_s", t2_s);
    if (t2_s > 2 * t1_s) {
        // A t1_s given alone met the default t2_s = inf here: say where the inf came from.
        const char *hint = std::isinf(t2_s) ? " (t2_s defaults to inf: give t2_s with t1_s)" : "";
        throw ParameterError("t2_s", msg("must be <= 2 * t1_s = ", 2 * t1_s, " s, got ", t2_s, " s", hint));
    }
    time_constant("depolarizing_time_s", depolarizing_time_s);
    probability("gate1_error", gate1_error);
    probability("gate2_error", gate2_error);
    probability("measure_error", measure_error);
    duration("gate1_duration_s", gate1_ps);
    duration("gate2_duration_s", gate2_ps);
    duration("measure_duration_s", measure_ps);
    if (gate1_ps > std::numeric_limits<int64_t>::max() - gate2_ps - measure_ps) {
        throw ParameterError("gate2_duration_s", "plus the other durations exceeds the int64 picosecond range");
    }
}

void LinkParams::validate() const {
    in_range("channels", kChannelsRange, channels);
    if (!(success_probability > 0 && success_probability <= 1)) {
        throw ParameterError("success_probability", msg("must be in (0, 1], got ", success_probability));
    }
    if (attempt_period_ps <= 0) {
        throw ParameterError("attempt_period_s", msg("must be > 0 s, got ", seconds(attempt_period_ps), " s"));
    }
    duration("herald_delay_a_s", herald_delay_a_ps);
    duration("herald_delay_b_s", herald_delay_b_ps);
    duration("emission_lag_a_s", emission_lag_a_ps);
    duration("emission_lag_b_s", emission_lag_b_ps);
    // A qubit emitted after the first herald would be handed to its memory before it exists.
    const int64_t first_herald = std::min(herald_delay_a_ps, herald_delay_b_ps);
    for (const auto &[name, lag] :
         {std::pair{"emission_lag_a_s", emission_lag_a_ps}, std::pair{"emission_lag_b_s", emission_lag_b_ps}}) {
        if (lag > first_herald) {
            throw ParameterError(name, msg("must be <= the shorter herald delay (", seconds(first_herald),
                                           " s): a qubit is emitted before either end hears of its pair, got ",
                                           seconds(lag), " s"));
        }
    }
    duration("classical_delay_s", classical_delay_ps);
    duration("setup_delay_s", setup_delay_ps);
    probability("first_round_probability", first_round_probability);
    if (first_round_probability > 0 && first_round_probability < success_probability) {
        throw ParameterError("first_round_probability",
                             msg("must be >= success_probability = ", success_probability,
                                 " (both rounds must herald for a success), got ", first_round_probability));
    }
    // The one check of Bell coefficients (core/errors.h); the network clips what it accepts (Network::add_link).
    if (const std::string problem = bell_diagonal_problem(bell_diagonal.data()); !problem.empty()) {
        throw ParameterError("bell_diagonal", problem);
    }
    if (!state.empty() && state.size() != 16) {
        throw ParameterError("state", msg("must be a 4x4 matrix (16 entries), got ", state.size(), " entries"));
    }
    if (!state.empty()) {
        // Checked where it is given, as the coefficients are: a matrix that is no state was taken here and refused
        // by the run's first delivery, far from the link that held it. The network clips it (Network::add_link).
        try {
            DensityMatrix(2).set_state(state.data());
        } catch (const std::invalid_argument &e) {
            throw ParameterError("state", msg("must be a two-qubit state: the ", e.what()));
        }
    }
}

void RequestParams::validate() const {
    if (path.size() < 2) throw ParameterError("path", msg("needs at least 2 nodes, got ", path.size()));
    if (num_pairs) in_range("num_pairs", kNumPairsRange, *num_pairs);
    duration("start_s", start_ps);
    if (cutoff_ps && *cutoff_ps <= 0) {
        throw ParameterError("cutoff_s", msg("must be > 0 s (None: no cutoff), got ", seconds(*cutoff_ps), " s"));
    }
    if (deadline_ps && *deadline_ps <= start_ps) {
        throw ParameterError("deadline_s", msg("must be after start_s = ", seconds(start_ps), " s (deadlines are absolute ",
                                               "simulated times), got ", seconds(*deadline_ps), " s"));
    }
    in_range("purification_rounds", kPurificationRoundsRange, purification_rounds);
    in_range("end_to_end_purification_rounds", kPurificationRoundsRange, end_to_end_purification_rounds);
    if ((purification_rounds > 0 || end_to_end_purification_rounds > 0) && purification == PurifyScheme::None) {
        throw ParameterError("purification", "must be 'bbpssw' or 'dejmps' when purification rounds are asked for");
    }
    if (purification != PurifyScheme::None && purification_rounds == 0 && end_to_end_purification_rounds == 0) {
        throw ParameterError("purification_rounds",
                             "must be >= 1 with a purification scheme (or give end_to_end_purification_rounds)");
    }
    if (purification_handshake && purification_rounds == 0 && end_to_end_purification_rounds == 0) {
        // Nothing to confirm: the flag would change nothing, and a user who set it expects a wait.
        throw ParameterError("purification_handshake",
                             "must be false without purification rounds (there is no round to confirm)");
    }
    in_range("memories_per_link", kMemoriesPerLinkRange, memories_per_link);
    if (memories_per_link < memories_needed()) {
        throw ParameterError("memories_per_link",
                             msg("must be >= ", memories_needed(), " for ", purification_rounds, " link and ",
                                 end_to_end_purification_rounds,
                                 " end-to-end purification rounds (they hold one pair per level), got ",
                                 memories_per_link));
    }
    probability("min_fidelity", min_fidelity);
    if (python_protocol && purification != PurifyScheme::None) {
        throw ParameterError("purification", "must be None for a request driven by a Python protocol (it purifies itself)");
    }
    if (python_protocol && swap_schedule != SwapSchedule::ASAP) {
        throw ParameterError("swap_schedule", "must be 'asap' for a request driven by a Python protocol (it chooses its swaps)");
    }
    if (python_protocol && swap_handshake) {
        // The handshake is the native swap's; a protocol's swaps ran at once and the flag was ignored.
        throw ParameterError("swap_handshake",
                             "must be false for a request driven by a Python protocol (it chooses when to swap: "
                             "send the confirmations itself)");
    }
}

void validate_max_records(int64_t max_records) {
    in_range("max_records", kMaxRecordsRange, max_records);
}

void validate_trace_limit(int64_t limit) { in_range("limit", kTraceLimitRange, limit); }

}  // namespace qnsim
