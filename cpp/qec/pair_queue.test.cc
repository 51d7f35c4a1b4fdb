#include "qec/pair_queue.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <stdexcept>
#include <vector>

#include "core/testing.h"

namespace qnsim::qec {
namespace {

std::vector<double> evenly(size_t count, double gap_s) {
    std::vector<double> times(count);
    for (size_t i = 0; i < count; ++i) times[i] = static_cast<double>(i) * gap_s;
    return times;
}

/// A schedule slower than the rounds (N tau > c): every round starts on its N-th pair and waits N tau - c, and the
/// k-th pair of a round is stored (N - 1 - k) tau (the periodic closed form, python/qnsim/qec/link.py).
TEST(TraceQueue, SlowScheduleWaitsForEveryBatch) {
    const double tau = 1e-6, cycle = 2.5e-6;
    const uint32_t pairs = 4;
    const std::vector<double> times = evenly(400, tau);
    const TraceQueueRounds rounds =
        run_trace_queue(times.data(), times.size(), pairs, pairs, cycle, -0.5e-6, 400 * tau);
    ASSERT_GT(rounds.waits_s.size(), 50u);
    ASSERT_EQ(rounds.stored_s.size(), rounds.waits_s.size() * pairs);
    for (double wait : rounds.waits_s) EXPECT_NEAR(wait, pairs * tau - cycle, 1e-15);
    for (size_t i = 0; i < rounds.stored_s.size(); ++i) {
        EXPECT_NEAR(rounds.stored_s[i], static_cast<double>(pairs - 1 - i % pairs) * tau, 1e-15);
    }
}

/// A schedule faster than the rounds: no round waits, and a buffer of one round's pairs drops the rest.
TEST(TraceQueue, FastScheduleNeverWaits) {
    const std::vector<double> times = evenly(1000, 0.1e-6);
    const TraceQueueRounds rounds = run_trace_queue(times.data(), times.size(), 3, 3, 1e-6, -0.3e-6, 1000 * 0.1e-6);
    ASSERT_GT(rounds.waits_s.size(), 50u);
    for (double wait : rounds.waits_s) EXPECT_EQ(wait, 0.0);
    for (double stored : rounds.stored_s) {
        EXPECT_GE(stored, 0.0);
        EXPECT_LT(stored, 1e-6);  // a pair kept for a round is at most a cycle old: the rest were not kept
    }
}

/// Bursts of two pairs every tau, repeated after whole bursts (K tau): the copy continues the schedule, so a
/// round starts on a burst and waits 2 tau - cycle for the next two (a repeat of span plus the mean gap, about
/// tau / 2 here, brought the copy's first burst early: the first counted round waited 0).
TEST(TraceQueue, BurstsRepeatedAfterTheirPeriodKeepTheSchedule) {
    const double tau = 1e-6, cycle = 1.5e-6;
    const uint32_t pairs = 4;  // two bursts a round: every round starts on its second burst, 2 tau after the last
    std::vector<double> times;
    for (int k = 0; k < 200; ++k) times.insert(times.end(), 2, k * tau);
    const TraceQueueRounds rounds =
        run_trace_queue(times.data(), times.size(), pairs, pairs, cycle, -0.5e-6, 200 * tau);
    ASSERT_GT(rounds.waits_s.size(), 50u);
    for (double wait : rounds.waits_s) EXPECT_NEAR(wait, 0.5e-6, 1e-15);  // 2 tau - 1.5 tau: every round alike
}

TEST(TraceQueue, RefusesBadInputs) {
    const std::vector<double> times = evenly(10, 1e-6);
    QNSIM_EXPECT_THROW_MSG(run_trace_queue(times.data(), 1, 2, 2, 1e-6, 0.0, 1e-3), std::invalid_argument,
                           "at least two");
    QNSIM_EXPECT_THROW_MSG(run_trace_queue(times.data(), times.size(), 0, 2, 1e-6, 0.0, 1e-3), ParameterError,
                           "pairs must be in [1, 2**32 - 1] (pairs per round), got 0");
    QNSIM_EXPECT_THROW_MSG(run_trace_queue(times.data(), times.size(), 1, 0, 1e-6, 0.0, 1e-3), ParameterError,
                           "buffer must be in [1, 2**32 - 1] (memories, at least pairs), got 0");
    QNSIM_EXPECT_THROW_MSG(run_trace_queue(times.data(), times.size(), 3, 2, 1e-6, 0.0, 1e-3), ParameterError,
                           "buffer must be >= pairs (3: a round takes them at once), got 2");
    QNSIM_EXPECT_THROW_MSG(run_trace_queue(times.data(), times.size(), 2, 2, 0.0, 0.0, 1e-3), std::invalid_argument,
                           "cycle_s must be a positive finite time (s), got 0");
    const std::vector<double> unsorted = {2e-6, 1e-6, 3e-6};
    QNSIM_EXPECT_THROW_MSG(run_trace_queue(unsorted.data(), unsorted.size(), 1, 1, 1e-6, 0.0, 1e-3),
                           std::invalid_argument, "sorted");
    QNSIM_EXPECT_THROW_MSG(run_trace_queue(times.data(), times.size(), 2, 2, 1e-6, 0.0, 8e-6),
                           std::invalid_argument, "repeat_s must be a finite time >= the trace's span");
    const std::vector<double> same = {1e-6, 1e-6};
    QNSIM_EXPECT_THROW_MSG(run_trace_queue(same.data(), same.size(), 1, 1, 1e-6, 0.0, 1e-3), std::invalid_argument,
                           "one time");
}

}  // namespace
}  // namespace qnsim::qec
