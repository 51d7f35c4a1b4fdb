#ifndef QNSIM_QEC_PAIR_QUEUE_H
#define QNSIM_QEC_PAIR_QUEUE_H

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/errors.h"

namespace qnsim::qec {

/// The ranges of run_trace_queue's counts, declared once: its check and the binding's refusal of a value beyond 32
/// bits state them alike. A round takes at least one pair, and the buffer holds at least one round's pairs (the
/// relation buffer >= pairs is checked with the values): below 0 both were told the type's [0, 2**32 - 1].
constexpr IntegerRange<uint32_t> kTracePairsRange{1, std::numeric_limits<uint32_t>::max(), " (pairs per round)"};
constexpr IntegerRange<uint32_t> kTraceBufferRange{1, std::numeric_limits<uint32_t>::max(),
                                                   " (memories, at least pairs)"};

/// The rounds a trace's queue counted (run_trace_queue): one wait per round, `pairs` storage times per round.
struct TraceQueueRounds {
    /// Each counted round's wait beyond the cycle for its batch of pairs, s, in round order.
    std::vector<double> waits_s;
    /// Each of those rounds' pairs' time in memory, from its arrival to its round's start, s: round by round,
    /// the round's pairs oldest first (`pairs` entries per round).
    std::vector<double> stored_s;
};

/// The Bell-pair queue of a seam over given arrival times (s, sorted, at least two, the last after the first),
/// round by round: `buffer` memories (a pair arriving while all are full is not kept); round k + 1 starts at the
/// later of round k's start plus `cycle_s` and the moment `pairs` pairs are held, and takes the oldest `pairs`.
///
/// The trace is one period of a repeating pattern, repeated `repeat_s` after its first arrival (at least its
/// span: the caller chooses it, python/qnsim/qec/link.py's trace_period), and the queue runs over it twice: the
/// first pass brings it from its start to its steady state, the rounds starting in the second pass are counted
/// while the trace completes their batches. The first ceil(buffer / pairs) rounds run on the rounds' clock from
/// `first_start_s`, each taking what is held and waiting for none (an empty start that made the first round wait
/// would lock the rounds' phase to the trace's). Given the repeat round 12's Python queue used (span + span /
/// (count - 1)), the arithmetic is that queue's, operation for operation, so the figures are the same to the last
/// bit; it costs a binary search and a few copies per round instead of Python's ~5 us.
///
/// Throws std::invalid_argument for fewer than two arrivals, times that are not finite or not sorted, all at one
/// time, a cycle that is not a positive finite time, or a repeat that is not finite or shorter than the trace's
/// span; ParameterError for pairs or a buffer outside their ranges above, or a buffer below `pairs`.
TraceQueueRounds run_trace_queue(const double *arrivals_s, size_t count, uint32_t pairs, uint32_t buffer,
                                 double cycle_s, double first_start_s, double repeat_s);

}  // namespace qnsim::qec

#endif
