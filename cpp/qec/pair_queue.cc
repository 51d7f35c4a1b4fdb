#include "qec/pair_queue.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

namespace qnsim::qec {

namespace {

void check_inputs(const double *arrivals_s, size_t count, uint32_t pairs, uint32_t buffer, double cycle_s,
                  double first_start_s, double repeat_s) {
    if (count < 2) {
        throw std::invalid_argument("arrival times: a trace needs at least two, got " + std::to_string(count));
    }
    for (size_t i = 0; i < count; ++i) {
        if (!std::isfinite(arrivals_s[i])) {
            throw std::invalid_argument("arrival times must be finite (s), got " + std::to_string(arrivals_s[i]) +
                                        " at index " + std::to_string(i));
        }
        if (i > 0 && arrivals_s[i] < arrivals_s[i - 1]) {
            throw std::invalid_argument("arrival times must be sorted: index " + std::to_string(i) +
                                        " comes before index " + std::to_string(i - 1));
        }
    }
    if (!(arrivals_s[count - 1] > arrivals_s[0])) {
        throw std::invalid_argument("arrival times: all at one time give no rate");
    }
    if (!kTracePairsRange.contains(pairs)) {
        throw ParameterError("pairs", msg(kTracePairsRange.requirement(), ", got ", pairs));
    }
    if (!kTraceBufferRange.contains(buffer)) {
        throw ParameterError("buffer", msg(kTraceBufferRange.requirement(), ", got ", buffer));
    }
    if (buffer < pairs) {
        throw ParameterError("buffer", msg("must be >= pairs (", pairs, ": a round takes them at once), got ", buffer));
    }
    if (!(cycle_s > 0.0) || !std::isfinite(cycle_s)) {
        throw std::invalid_argument(msg("cycle_s must be a positive finite time (s), got ", cycle_s));
    }
    if (!std::isfinite(first_start_s)) {
        throw std::invalid_argument(msg("first_start_s must be finite (s), got ", first_start_s));
    }
    const double span = arrivals_s[count - 1] - arrivals_s[0];
    if (!std::isfinite(repeat_s) || !(repeat_s >= span)) {
        throw std::invalid_argument(msg("repeat_s must be a finite time >= the trace's span ", span,
                                        " s (its copy would overlap it), got ", repeat_s));
    }
}

}  // namespace

TraceQueueRounds run_trace_queue(const double *arrivals_s, size_t count, uint32_t pairs, uint32_t buffer,
                                 double cycle_s, double first_start_s, double repeat_s) {
    check_inputs(arrivals_s, count, pairs, buffer, cycle_s, first_start_s, repeat_s);
    // The trace and its copy, each arrival plus the repeat.
    const double repeat = repeat_s;
    const double second = arrivals_s[0] + repeat;
    std::vector<double> times(2 * count);
    std::copy(arrivals_s, arrivals_s + count, times.begin());
    for (size_t i = 0; i < count; ++i) times[count + i] = arrivals_s[i] + repeat;
    const size_t total = times.size();

    std::vector<double> kept;  // the kept arrivals in order; the held ones are kept[used:]
    kept.reserve(total);
    size_t used = 0, scanned = 0;
    // Arrivals at or before t from index `from` on: Python's bisect_right(times, t, from). The answer is a few
    // arrivals past `from` (a round's worth), so the range is first bracketed by doubling steps from there, and
    // the binary search runs within it: a few cache lines a round, not log2 of the whole doubled trace.
    auto arrived_by = [&](double t, size_t from) {
        size_t step = 1;
        while (from + step < total && times[from + step - 1] <= t) step *= 2;
        const auto first = times.begin() + static_cast<std::ptrdiff_t>(from);
        const auto last = times.begin() + static_cast<std::ptrdiff_t>(std::min(from + step, total));
        return static_cast<size_t>(std::upper_bound(first, last, t) - times.begin());
    };
    auto keep = [&](size_t from, size_t n) {
        kept.insert(kept.end(), times.begin() + static_cast<std::ptrdiff_t>(from),
                    times.begin() + static_cast<std::ptrdiff_t>(from + n));
    };

    double start = first_start_s;
    const size_t clock_rounds = (static_cast<size_t>(buffer) + pairs - 1) / pairs;
    for (size_t round = 0; round < clock_rounds; ++round) {  // the start, on the clock
        start += cycle_s;
        const size_t arrived = arrived_by(start, scanned);
        const size_t room = static_cast<size_t>(buffer) - (kept.size() - used);
        keep(scanned, std::min(arrived - scanned, room));
        scanned = arrived;
        used += std::min(static_cast<size_t>(pairs), kept.size() - used);
    }

    TraceQueueRounds out;
    for (;;) {
        const double ready = start + cycle_s;
        const size_t arrived = arrived_by(ready, scanned);
        const size_t room = std::min(arrived - scanned, static_cast<size_t>(buffer) - (kept.size() - used));
        keep(scanned, room);
        scanned = arrived;
        const size_t held = kept.size() - used;
        if (held < pairs) {  // the round waits for its batch: the buffer has room for it
            const size_t missing = pairs - held;
            if (scanned + missing > total) break;  // the trace ends before this round's batch does
            keep(scanned, missing);
            scanned += missing;
        }
        // Python's max(ready, last): ready unless the batch's last pair comes later.
        const double last = kept[used + pairs - 1];
        const double begins = last > ready ? last : ready;
        if (begins >= second) {  // starts never go back (begins >= ready >= start): the counted rounds are the last
            out.waits_s.push_back(begins - ready);
            for (size_t k = 0; k < pairs; ++k) out.stored_s.push_back(begins - kept[used + k]);
        }
        used += pairs;
        start = begins;
    }
    return out;
}

}  // namespace qnsim::qec
