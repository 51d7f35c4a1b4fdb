#ifndef QNSIM_NETWORK_TRACE_H
#define QNSIM_NETWORK_TRACE_H

#include <cstdint>
#include <vector>

namespace qnsim {

/// What a trace record reports.
enum class TraceKind : uint32_t {
    LinkPair,         ///< a link heralded a pair: nodes (a, b), slots, value = delivered fidelity
    Swap,             ///< a node swapped: node, its two slots, value = outcomes 2 m1 + m2
    PurificationKept, ///< a purification round kept its pair (its outcome known): the two end nodes and slots
    PurificationFailed,
    Cutoff,           ///< the cutoff discarded a stored qubit (and its partner): node, slot
    Delivery,         ///< a pair was delivered: source and destination nodes, value = fidelity
    Rejected,         ///< a delivered pair fell below min_fidelity and was discarded
    Served,           ///< the request was served
    Dropped,          ///< the request was dropped (its reason is in the request's stats)
    /// A purification round ran, at the instant its gates act: the end nodes (A, B) and slots of the pair it
    /// keeps if its outcomes agree; value = its scheme (PurifyScheme: 1 BBPSSW, 2 DEJMPS). Always followed, at
    /// the same instant, by the PurificationMeasured record of the pair it measured.
    Purification,
    /// The pair that round measured: the end nodes (A, B) and slots; value = the reported outcomes 2 m_A + m_B,
    /// or -1 in the bell_diagonal formalism, which draws only whether they agree (PurificationKept or Failed).
    PurificationMeasured,
    /// Stabilizer formalism, BBPSSW only: the Werner-twirl rotation a round drew for one of its pairs, right after
    /// its PurificationMeasured record (same instant), the kept pair's then the measured pair's: the end nodes
    /// (A, B) and slots; value = 3 P + k, the rotation U = C^k P at A and U* at B (P: 0 I, 1 X, 2 Y, 3 Z; C = H S^dag,
    /// X->Y->Z->X). The other formalisms apply the exact twirl channel and draw nothing (no record).
    PurificationTwirl,
};

/// One event of a traced run. Memory slots are reused: (slot, generation) names one occupancy
/// of a slot, so two records concern the same pair end only when both numbers agree.
struct TraceRecord {
    int64_t time_ps;
    TraceKind kind;
    uint32_t request;  ///< UINT32_MAX when the slot had no request
    uint32_t node, other_node;
    uint32_t slot, other_slot;
    uint32_t generation, other_generation;
    double value;
};

/// A bounded trace: the first `limit` records are kept and the rest only counted, so a long run
/// cannot exhaust memory. A network without a trace pays one null check per traced step.
/// The records held can be taken out while the run goes on (take(), for a trace streamed to a
/// file); the limit counts every record kept since tracing began, taken or not.
class Trace {
   public:
    explicit Trace(uint64_t limit) : limit_(limit) {}
    void record(const TraceRecord &r) {
        if (kept_ < limit_) {
            records_.push_back(r);
            kept_++;
        } else {
            omitted_++;
        }
    }
    /// True when the next record would only be counted (callers then skip building it).
    bool full() const { return kept_ >= limit_; }
    void count_omitted() { omitted_++; }
    /// The records held (those kept and not yet taken).
    const std::vector<TraceRecord> &records() const { return records_; }
    /// Hands the records held to the caller and holds none.
    std::vector<TraceRecord> take() {
        std::vector<TraceRecord> out;
        out.swap(records_);
        return out;
    }
    uint64_t kept() const { return kept_; }
    uint64_t omitted() const { return omitted_; }
    uint64_t limit() const { return limit_; }

   private:
    uint64_t limit_;
    uint64_t kept_ = 0;
    uint64_t omitted_ = 0;
    std::vector<TraceRecord> records_;
};

}  // namespace qnsim

#endif
