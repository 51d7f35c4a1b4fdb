"""Trust gaps of the distributed-workload estimator closed in the nineteenth round: each test states the old answer."""

from qnsim.estimate import QPU, Link, simulate_execution


def _relay_route(relay=2):
    """QPUs 0 and 1 through node ``relay``: two 10 kHz hops (F = 0.975, 100 us latency, 0.3 s memories)."""
    kw = {"rate_hz": 1e4, "fidelity": 0.975, "latency_s": 1e-4, "memory_t1_s": 0.3, "memory_t2_s": 0.3}
    return [Link((0, relay), **kw), Link((relay, 1), **kw)]


def test_a_relay_route_given_its_end_buffer_is_simulated_with_the_rounds_priced_for_it():
    """300 remote CX, a pair per ms of local work, over a two-hop route whose pairs wait in its 64-pair end buffer:
    their rounds are priced for that wait (3). Old behaviour: simulate_execution given the route's end buffer
    (buffer_pairs={(0, 1): 64}, the very default) ran the 2 rounds that reach F = 0.98 when made, unless handed
    operated_purification_rounds(report): 1,717 raw pairs, pairs used at F = 0.823 against the 0.98 asked for, where
    the same route without the mapping ran 3 rounds (2,813 raw pairs, F = 0.997). Now the end buffer given is priced
    as given (one semantics): the same rounds whichever way the buffer is handed over."""
    text = "REPEAT 300 {\nCX 0 1\nH 0\n}"
    qpus = [QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0, t_1q_s=1e-3)] * 2

    def run(buffer_pairs):
        return simulate_execution(text, qpus, _relay_route(), placement=[0, 1], target_fidelity=0.98, seed=1,
                                  buffer_pairs=buffer_pairs)

    default, mapped = run(64), run({(0, 1): 64})
    assert mapped.raw_pairs_generated == default.raw_pairs_generated
    assert mapped.mean_fidelity_at_use[(0, 1)] >= 0.98 and not mapped.notes
    # The rounds run are the estimate's for that route as given: raw pairs per pair of 3 rounds (2 give ~5.7).
    assert mapped.raw_pairs_generated[(0, 1)] / mapped.pairs_consumed[(0, 1)] > 8


def test_pairs_left_out_of_purification_rounds_run_the_rounds_the_estimate_prices():
    """purification_rounds given for some QPU pairs leaves the others "as for None": the rounds the estimate prices
    for the links as given. Old behaviour: once any pair was given, the others ran the rounds reaching the target
    when made: the relay route 0-3-1 above ran 2 rounds (1,717 raw pairs, pairs used at F = 0.823 < 0.98) when only
    the direct link 1-2 was given its round, 3 (2,813, F = 0.997) when nothing was given."""
    links = [*_relay_route(relay=3), Link((1, 2), rate_hz=1e5, fidelity=0.975)]
    text = "REPEAT 300 {\nCX 0 1\nH 0\nCX 1 2\n}"
    qpus = [QPU(num_qubits=1, e_1q=0, e_2q=0, e_meas=0, t_1q_s=1e-3)] * 3
    kw = {"placement": [0, 1, 2], "target_fidelity": 0.98, "seed": 1}
    plain = simulate_execution(text, qpus, links, **kw)
    partly = simulate_execution(text, qpus, links, purification_rounds={(1, 2): 1}, **kw)
    assert partly.raw_pairs_generated == plain.raw_pairs_generated
    assert partly.mean_fidelity_at_use[(0, 1)] >= 0.98 and not partly.notes
