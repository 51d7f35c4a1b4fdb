"""
qnsim native core (C++). Use the friendly API in the `qnsim` package.
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['CHUNK_BYTES_RANGE', 'CircuitParseError', 'DensityMatrixSimulator', 'GenerationPolicy', 'HookKind', 'LinkParams', 'MAX_CHUNK_BYTES', 'MAX_MEMORIES_PER_NODE', 'MAX_RECORDS', 'MAX_SLOTS', 'MAX_THREADS', 'MIN_CHUNK_BYTES', 'NativeNetwork', 'NetworkCounters', 'NodeParams', 'PROBABILITY_TOLERANCE', 'ParameterError', 'PurificationScheme', 'QnsimError', 'QubitRegistry', 'RECORD_LIMIT_RANGE', 'RequestParams', 'RequestStats', 'RequestStatus', 'Scheduler', 'SchedulingError', 'StabilizerSimulator', 'StateTooLargeError', 'SwapSchedule', 'THREADS_RANGE', 'TraceKind', 'UnknownQubitError', 'WorkloadProgram', 'bell_diagonal_purify', 'bell_diagonal_swap', 'buffer_chain_levels', 'build_config', 'canonical_gate_name', 'concurrence', 'entanglement_swap', 'gate_kinds', 'ordered_dot', 'ordered_matmul', 'ordered_solve', 'portable_exp', 'portable_exp10', 'portable_exp_array', 'portable_expm1', 'portable_expm1_array', 'portable_log', 'portable_log1p', 'portable_log1p_array', 'portable_log_array', 'purify_round', 'remote_cnot', 'repairman_rate_hz', 'source_digest', 'stim_gate_names', 'stream_count_file', 'teleport', 'trace_queue']
class QnsimError(Exception):
    pass
class CircuitParseError(QnsimError, ValueError):
    pass
class StateTooLargeError(QnsimError, MemoryError):
    pass
class UnknownQubitError(QnsimError, IndexError):
    pass
class SchedulingError(QnsimError, ValueError):
    pass
class ParameterError(QnsimError, ValueError):
    """
    A parameter outside its range or of the wrong type; `field` names it (its Python-side name), and the message starts with that name.
    """
    detail = None
    field = None
class StabilizerSimulator:
    """
    Bit-packed stabilizer (Clifford) simulator with Stim's TableauSimulator conventions.
    
    The state is Aaronson-Gottesman's tableau with destabilizers, kept inverted as Stim does: gates
    cost O(n/64) words, deterministic measurements O(n/64), random measurements O(n^2/64). Memory is
    about num_qubits**2 / 2 bytes (10,000 qubits: 50 MB).
    
    Args:
        num_qubits: number of qubits, all starting in |0>. Negative -> ValueError; more than 2**20
            qubits or a tableau above 16 GiB -> StateTooLargeError naming the bytes needed.
        seed: seed of the simulator's random stream; None draws one from entropy, reported by `seed`. The same
            seed and the same operations reproduce the same outcomes bit for bit on every platform.
    
    Qubit 0 is the first tensor factor. Out-of-range qubits raise IndexError, a qubit repeated in a
    two-qubit gate ValueError, probabilities outside [0, 1] ValueError.
    
    >>> import qnsim
    >>> sim = qnsim.StabilizerSimulator(2, seed=7)
    >>> sim.h(0); sim.cx(0, 1)
    >>> a, b = sim.measure_many(0, 1)
    >>> a == b
    True
    """
    def __copy__(self) -> StabilizerSimulator:
        ...
    def __deepcopy__(self, memo: dict) -> StabilizerSimulator:
        ...
    def __init__(self, num_qubits: int, seed: int | None = None) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def cnot(self, *args) -> None:
        """
        Alias of cx.
        """
    def copy(self, *, copy_rng: bool = False, seed: int | None = None) -> StabilizerSimulator:
        """
        Returns an independent copy of the state. By default the copy gets a random stream of its own: from `seed` if given, else from one draw of this simulator's stream, so a seeded run stays reproducible (Stim's copy draws entropy there); copy_rng=True continues this simulator's stream, so both make the same random choices (with a seed too: ValueError). copy.copy/deepcopy copy the stream.
        """
    def cx(self, *args) -> None:
        """
        CNOT on pairs (control, target): cx(0, 1) or cx(0, 1, 2, 3). Odd counts or a repeated qubit in a pair raise ValueError.
        """
    def cy(self, *args) -> None:
        """
        Controlled-Y on pairs (control, target).
        """
    def cz(self, *args) -> None:
        """
        Controlled-Z on pairs.
        """
    def depolarize1(self, *args, p: float) -> None:
        """
        Applies X, Y or Z to each target, each with probability p/3 (Stim's DEPOLARIZE1).
        """
    def depolarize2(self, *args, p: float) -> None:
        """
        Applies one of the 15 non-identity two-qubit Paulis to each pair, each with probability p/15 (Stim's DEPOLARIZE2): depolarize2(0, 1, 2, 3, p=0.01).
        """
    def do_circuit(self, circuit: typing.Any, *, max_operations: int = 1000000000) -> numpy.typing.NDArray[numpy.uint8]:
        """
        Runs Stim circuit text (or a stim.Circuit) natively and returns this call's measurement record as
        a numpy uint8 array (1 = -1 eigenvalue, inverted for `!q` targets).
        
        Every Stim instruction runs (names case-insensitive, aliases included), with Stim's semantics:
        Clifford gates (H S S_DAG X Y Z I, SQRT_X SQRT_Y and their _DAG, the H_*/C_* axis gates, CX CY CZ SWAP,
        XCX..YCZ, SQRT_XX..SQRT_ZZ and their _DAG, ISWAP(_DAG), CXSWAP SWAPCX CZSWAP, II, SPP SPP_DAG);
        Paulis controlled by a measurement record where Stim allows them (CX/CY/CZ rec[-k] q, XCZ/YCZ/CZ q rec[-k]);
        measurements M MX MY MR MRX MRY MXX MYY MZZ and MPP (one record per product, X0*Z1), all with '!'
        targets and an optional flip probability; MPAD; resets R RX RY; noise X_ERROR Y_ERROR Z_ERROR
        DEPOLARIZE1 DEPOLARIZE2 PAULI_CHANNEL_1 PAULI_CHANNEL_2, HERALDED_ERASE and HERALDED_PAULI_CHANNEL_1 (one
        herald record per target; the disjoint probabilities of these three channels may sum to 1 + 1e-7 at most,
        Stim's tolerance, a sum up to it read as 1), E / ELSE_CORRELATED_ERROR chains, I_ERROR II_ERROR (no-ops); TICK; REPEAT
        N { ... } (nested, executed iteration by iteration without unrolling); # comments; Stim's instruction
        tags (H[tag] 0), read and ignored as Stim's simulators ignore them. DETECTOR, OBSERVABLE_INCLUDE, QUBIT_COORDS and SHIFT_COORDS are checked
        as Stim's samplers check them (a rec[-k] names one of the measurements before it, within this call)
        and otherwise ignored. Sweep bits (sweep[k]) and qnsim's estimator extensions (T, CCZ, RZ(theta)) are
        refused by name. Problems raise CircuitParseError
        naming the line, e.g. "unknown gate 'CNT' on line 4; did you mean 'CNOT'?"; nothing runs then.
        
        max_operations (default 10**9, minutes of work) bounds the target operations the circuit executes with
        its REPEAT counts multiplied out (one per target of a gate, one per iteration of an empty loop): a
        circuit asking for more is refused with CircuitParseError before anything runs, naming its size, since
        `REPEAT 10**12 { M 0 }` would run for a day. To count such a workload without running it, use
        qnsim.estimate (REPEAT blocks counted analytically); to run it anyway, raise max_operations (Ctrl-C
        stops a long run).
        """
    def h(self, *args) -> None:
        """
        Hadamard on each target: h(0, 1, 2).
        """
    def measure(self, qubit: int, basis: str = 'Z') -> int:
        """
        Measures one qubit in basis 'X', 'Y' or 'Z' and returns 0 (+1 eigenvalue) or 1; the state collapses.
        """
    def measure_many(self, *args) -> list[int]:
        """
        Measures each target in Z, in order; returns a list of 0/1.
        """
    def mx(self, qubit: int) -> int:
        """
        measure(qubit, basis='X').
        """
    def my(self, qubit: int) -> int:
        """
        measure(qubit, basis='Y').
        """
    def pauli_channel_1(self, *args, px: float, py: float, pz: float) -> None:
        """
        Applies X, Y, Z with probabilities px, py, pz (sum <= 1 + 1e-7, Stim's tolerance) to each target.
        """
    def peek_observable_expectation(self, pauli: typing.Any) -> int:
        """
        Returns <psi|P|psi> (+1, -1 or 0) without changing the state.
        
        Args:
            pauli: a dense Pauli string such as "+XZ_Y" or "-XZIY" ('_' or 'I' is identity, optional sign),
                or a stim.PauliString. Character k acts on qubit k; the length must be <= num_qubits and
                missing qubits are identity. Longer strings or other characters raise ValueError.
        """
    def reset(self, *args) -> None:
        """
        Resets each target to |0>.
        """
    def reset_x(self, *args) -> None:
        """
        Resets each target to |+>.
        """
    def reset_y(self, *args) -> None:
        """
        Resets each target to |+i>.
        """
    def s(self, *args) -> None:
        """
        S = sqrt(Z) on each target.
        """
    def s_dag(self, *args) -> None:
        """
        S^dagger on each target.
        """
    def swap(self, *args) -> None:
        """
        SWAP on pairs.
        """
    def x(self, *args) -> None:
        """
        Pauli X on each target.
        """
    def x_error(self, *args, p: float) -> None:
        """
        Applies X to each target with probability p: x_error(0, 1, p=0.1).
        """
    def y(self, *args) -> None:
        """
        Pauli Y on each target.
        """
    def y_error(self, *args, p: float) -> None:
        """
        Applies Y to each target with probability p.
        """
    def z(self, *args) -> None:
        """
        Pauli Z on each target.
        """
    def z_error(self, *args, p: float) -> None:
        """
        Applies Z to each target with probability p.
        """
    @property
    def num_qubits(self) -> int:
        """
        Number of qubits (fixed).
        """
    @property
    def seed(self) -> int:
        """
        The seed this simulator's random stream started from: the one given, or the one drawn when seed=None (StabilizerSimulator(n, seed=sim.seed) repeats its outcomes). A copy has its own (copy(copy_rng=True): its original's, whose stream it continues).
        """
class DensityMatrixSimulator:
    """
    Exact density-matrix simulator (complex128, up to 14 qubits).
    
    Gate and noise methods follow Stim's TableauSimulator names and meanings: ``depolarize1(q, p=p)``
    applies X, Y or Z each with probability p/3, ``depolarize2`` one of the 15 non-identity
    two-qubit Paulis each with probability p/15, all as exact channels. Qubit 0 is the most
    significant bit of a matrix index. Memory is 16 * 4^n bytes (4 GiB at 14 qubits).
    
    Args:
        num_qubits: number of qubits, 0 to 14; more raises StateTooLargeError.
        seed: seed of the measurement random stream; None draws one from entropy, reported by `seed`.
    
    Example:
        >>> import qnsim
        >>> sim = qnsim.DensityMatrixSimulator(2, seed=5)
        >>> sim.h(0)
        >>> sim.cx(0, 1)
        >>> round(sim.fidelity([2 ** -0.5, 0, 0, 2 ** -0.5]), 12)
        1.0
        >>> sim.depolarize1(0, p=0.1)
        >>> round(sim.fidelity([2 ** -0.5, 0, 0, 2 ** -0.5]), 12)
        0.9
        >>> sim.measure(0) == sim.measure(1)
        True
    """
    def __copy__(self) -> DensityMatrixSimulator:
        ...
    def __deepcopy__(self, memo: dict) -> DensityMatrixSimulator:
        ...
    def __init__(self, num_qubits: int, seed: int | None = None) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def amplitude_damp(self, qubit: typing.Any, gamma: float) -> None:
        """
        Amplitude damping, K0 = [[1, 0], [0, sqrt(1-gamma)]], K1 = [[0, sqrt(gamma)], [0, 0]].
        
        For memory with relaxation time T1 over time t, gamma = 1 - exp(-t / T1).
        """
    def apply_kraus(self, kraus_ops: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], targets: typing.Any) -> None:
        """
        rho -> sum_i K_i rho K_i^dag for Kraus operators of shape (m, 2^k, 2^k) on k <= 4 targets.
        
        Raises ValueError if max |sum K^dag K - I| > 1e-9 (the channel must be trace preserving); a set off
        within that is made trace preserving (K_i (I - E/2), E = sum K^dag K - I) before it is applied.
        """
    def apply_unitary(self, matrix: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], targets: typing.Any) -> None:
        """
        rho -> U rho U^dag for a 2^k x 2^k unitary on k targets (targets[0] is the most
        significant bit of the matrix index). Raises ValueError if max |U U^dag - I| > 1e-9; a matrix off
        a unitary within that is made one (U (I - E/2), E = U^dag U - I) before it is applied.
        """
    def copy(self, *, copy_rng: bool = False, seed: int | None = None) -> DensityMatrixSimulator:
        """
        An independent copy of the state.
        
        As in Stim, the copy gets its own random stream unless copy_rng=True (then it draws exactly the
        outcomes this simulator would). The stream comes from `seed` if given, else from one draw of
        this simulator's stream, so a seeded run stays reproducible (copy_rng=True with a seed: ValueError).
        copy.copy/deepcopy copy the stream.
        """
    def cx(self, *args) -> None:
        """
        CNOT on each (control, target) pair: cx(0, 1, 2, 3) acts on (0, 1) then (2, 3).
        """
    def cy(self, *args) -> None:
        """
        Controlled-Y on each (control, target) pair.
        """
    def cz(self, *args) -> None:
        """
        Controlled-Z on each pair.
        """
    def density_matrix(self) -> numpy.typing.NDArray[numpy.complex128]:
        """
        A copy of the density matrix: complex128 ndarray of shape (2^n, 2^n).
        """
    def depolarize1(self, *args, p: float) -> None:
        """
        X, Y or Z each with probability p/3 on each qubit (Stim's DEPOLARIZE1, exact channel).
        """
    def depolarize2(self, *args, p: float) -> None:
        """
        One of the 15 non-identity Paulis, each with probability p/15, on each pair (exact channel).
        """
    def expectation(self, pauli: typing.Any) -> float:
        """
        Tr(P rho) for a dense Pauli string such as 'XZ_Y' or '-ZZ' (also accepts a stim.PauliString).
        """
    def fidelity(self, target: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], qubits: typing.Any = None) -> float:
        """
        Fidelity of the reduced state of `qubits` (default: all, in order) with a target.
        
        A 1-D target is a normalized state vector psi: returns <psi|rho|psi>. A 2-D target is a density
        matrix sigma (at most 6 qubits): returns the Uhlmann fidelity (Tr sqrt(sqrt(sigma) rho sqrt(sigma)))^2.
        """
    def h(self, *args) -> None:
        """
        Hadamard on each qubit.
        """
    def measure(self, qubit: typing.Any, basis: str = 'Z') -> int:
        """
        Measures one qubit in basis 'Z', 'X' or 'Y'; returns 0 or 1 (1 = -1 eigenvalue) and collapses.
        """
    def measure_and_trace_out(self, qubit: typing.Any, basis: str = 'Z') -> int:
        """
        measure(qubit, basis) then trace_out(qubit), in one pass; the qubits above it shift down by one.
        """
    def measure_many(self, *args) -> list[int]:
        """
        Measures each qubit in the Z basis, in order; returns a list of 0/1.
        """
    def mx(self, qubit: typing.Any) -> int:
        """
        Measures one qubit in the X basis; returns 0 (|+>) or 1 (|->).
        """
    def my(self, qubit: typing.Any) -> int:
        """
        Measures one qubit in the Y basis; returns 0 (|+i>) or 1 (|-i>).
        """
    def partial_trace(self, keep: typing.Any) -> numpy.typing.NDArray[numpy.complex128]:
        """
        Reduced density matrix of the qubits in `keep`, in that order (keep[0] is its qubit 0).
        """
    def pauli_channel_1(self, qubit: typing.Any, px: float, py: float, pz: float) -> None:
        """
        X with probability px, Y with py, Z with pz (each in [0, 1], sum <= 1 + 1e-7, Stim's tolerance: a sum above 1 within it is divided out).
        """
    def peek_observable_expectation(self, pauli: typing.Any) -> float:
        """
        Alias of expectation (Stim's name).
        """
    def phase_damp(self, qubit: typing.Any, lam: float) -> None:
        """
        Phase damping, K0 = [[1, 0], [0, sqrt(1-lam)]], K1 = [[0, 0], [0, sqrt(lam)]].
        
        Coherences scale by sqrt(1 - lam) (not 1 - lam); for a factor f use lam = 1 - f**2.
        """
    def probability_of_one(self, qubit: typing.Any) -> float:
        """
        Probability that a Z measurement of the qubit gives 1.
        """
    def project(self, qubit: typing.Any, outcome: int) -> float:
        """
        Post-selects the qubit on a Z outcome (0/1) and renormalizes; returns that outcome's prior probability. Raises ValueError if it is below 1e-12.
        """
    def reset(self, *args) -> None:
        """
        Resets each qubit to |0>.
        """
    def s(self, *args) -> None:
        """
        S = diag(1, i) on each qubit.
        """
    def s_dag(self, *args) -> None:
        """
        S^dag = diag(1, -i) on each qubit.
        """
    def set_density_matrix(self, rho: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128]) -> None:
        """
        Replaces the state; raises ValueError unless Hermitian, trace 1 and PSD (tolerance 1e-9). A matrix off a state within the tolerance is clipped into one (Hermitian part, negative eigenvalues 0, trace 1).
        """
    def set_state_vector(self, psi: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128]) -> None:
        """
        Replaces the state by |psi><psi|; raises ValueError unless psi has norm 1 (within 1e-9, and within it is divided by its norm).
        """
    def swap(self, *args) -> None:
        """
        SWAP on each pair.
        """
    def tensor(self, other: DensityMatrixSimulator) -> DensityMatrixSimulator:
        """
        A new simulator holding self (x) other: self's qubits first, then other's. Like copy(), its random stream is seeded by one draw of self's stream.
        """
    def trace_out(self, qubit: typing.Any) -> None:
        """
        Traces one qubit out in place; the qubits above it shift down by one.
        """
    def x(self, *args) -> None:
        """
        Pauli X on each qubit.
        """
    def x_error(self, *args, p: float) -> None:
        """
        X with probability p on each qubit (exact channel).
        """
    def y(self, *args) -> None:
        """
        Pauli Y on each qubit.
        """
    def y_error(self, *args, p: float) -> None:
        """
        Y with probability p on each qubit (exact channel).
        """
    def z(self, *args) -> None:
        """
        Pauli Z on each qubit.
        """
    def z_error(self, *args, p: float) -> None:
        """
        Z with probability p on each qubit (exact channel).
        """
    @property
    def num_qubits(self) -> int:
        """
        Number of qubits.
        """
    @property
    def seed(self) -> int:
        """
        The seed this simulator's random stream started from: the one given, or the one drawn when seed=None (DensityMatrixSimulator(n, seed=sim.seed) repeats its outcomes). A copy or a tensor product has its own (copy(copy_rng=True): its original's, whose stream it continues).
        """
class QubitRegistry:
    """
    Live qubits of a network, each in a small group state.
    
    ``QubitRegistry(formalism="density_matrix" | "stabilizer", seed=None, max_group_qubits=0)``
    
    ``alloc()`` returns the handle (an int) of a fresh |0> qubit. Two-qubit gates across groups
    merge them; ``measure``, ``reset`` and ``discard`` split the qubit out, so an operation costs
    what its group's size costs, not what the number of live qubits costs.
    
    Formalisms: ``density_matrix`` is exact (channels act exactly, fidelities are exact; groups
    of at most ``max_group_qubits`` qubits, default 10). ``stabilizer`` samples trajectories
    (groups of at most 64 qubits): Pauli channels are sampled, and a non-Pauli channel such as
    ``amplitude_damp`` or ``memory_decay`` with a finite T1 is applied as its Pauli twirl
    (``phase_damp`` is a Pauli channel already). Averages over seeds of a Bell pair's fidelity then
    agree with the exact formalism when one qubit of the pair is damped, but not when both are: the
    twirl drops damping's pull of both qubits towards |00>, so a Bell pair damped by gamma_a and
    gamma_b reads its fidelity lower by gamma_a gamma_b / 4 (0.0625 at gamma = 1/2 on each), and e.g.
    the bias of amplitude damping towards |0> is not reproduced. Use ``density_matrix`` for them.
    
    Raises ``qnsim.UnknownQubitError`` for a discarded or unknown handle, ``ValueError`` for a
    qubit used twice in one gate or a probability outside [0, 1], and
    ``qnsim.StateTooLargeError`` for a merge beyond ``max_group_qubits``.
    
    >>> import qnsim
    >>> reg = qnsim.QubitRegistry("density_matrix", seed=1)
    >>> a, b = reg.bell_pair()
    >>> c, d = reg.bell_pair()
    >>> reg.depolarize1(b, p=0.1)          # Werner pair of fidelity 0.9
    >>> m_b, m_c = reg.bell_measure(b, c)  # entanglement swap
    >>> if m_c: reg.x(d)
    >>> if m_b: reg.z(d)
    >>> round(reg.fidelity([a, d]), 6)
    0.9
    """
    def __init__(self, formalism: str = 'density_matrix', seed: int | None = None, max_group_qubits: typing.SupportsInt | typing.SupportsIndex = 0) -> None:
        ...
    def __repr__(self) -> str:
        ...
    def alloc(self) -> int:
        """
        A fresh qubit in |0>; returns its handle (int).
        """
    def amplitude_damp(self, qubit: typing.Any, gamma: float) -> None:
        """
        Amplitude damping with decay probability gamma (Pauli-twirled in the stabilizer formalism: a Bell pair damped at both ends then reads gamma_a gamma_b / 4 low; see the class docstring).
        """
    def apply_unitary(self, matrix: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128], qubits: collections.abc.Iterable) -> None:
        """
        U rho U^dag on the listed qubits (qubits[0] = most significant bit of U's index); density_matrix formalism only.
        """
    def bell_diagonal_pair(self, coefficients: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(4)"]) -> tuple[int, int]:
        """
        Two fresh qubits in a Bell-diagonal state, coefficients ordered (Phi+, Psi+, Psi-, Phi-).
        """
    def bell_measure(self, a: typing.Any, b: typing.Any) -> tuple[int, int]:
        """
        CNOT a->b, H on a, measure a then b; returns (m_a, m_b), (0, 0) for |Phi+>. To swap pairs (x, a) and (b, y), correct y with X^m_b then Z^m_a.
        """
    def bell_pair(self) -> tuple[int, int]:
        """
        Two fresh qubits in |Phi+> = (|00>+|11>)/sqrt2; returns (a, b).
        """
    def cx(self, *args) -> None:
        """
        CNOT on each (control, target) pair; merges their groups.
        """
    def cz(self, *args) -> None:
        """
        CZ on each pair; merges their groups.
        """
    def depolarize1(self, *args, p: float) -> None:
        """
        X, Y or Z each with probability p/3 (Stim's DEPOLARIZE1), on each qubit.
        """
    def depolarize2(self, *args, p: float) -> None:
        """
        One of the 15 non-identity two-qubit Paulis, each p/15, on each pair.
        """
    def discard(self, *args) -> None:
        """
        Traces each qubit out of its group and frees its handle.
        """
    def expectation(self, qubits: collections.abc.Iterable, paulis: str) -> float:
        """
        Expectation of a Pauli product, one of I _ X Y Z per listed qubit (optional leading sign), e.g. expectation([a, b], 'XX'). Exact in both formalisms.
        """
    def fidelity(self, qubits: collections.abc.Iterable, target: typing.Any = 'phi+') -> float:
        """
        Fidelity of the reduced state of `qubits` with a target: 'phi+', 'phi-', 'psi+', 'psi-' (any case; 2 qubits), a state vector or a density matrix. Exact for density matrices; for stabilizer trajectories the value for Bell-diagonal noise is 0 or 1, and averages over seeds estimate the fidelity.
        """
    def group_of(self, qubit: typing.Any) -> list[int]:
        """
        Handles of the qubit's group, in the order of the group state's tensor factors.
        """
    def h(self, *args) -> None:
        """
        Hadamard on each qubit.
        """
    def is_alive(self, qubit: typing.Any) -> bool:
        ...
    def measure(self, qubit: typing.Any, basis: str = 'Z') -> int:
        """
        Measures in basis 'Z', 'X' or 'Y'; returns 0/1. The qubit stays alive, split into its own group.
        """
    def memory_decay(self, qubit: typing.Any, seconds: float, t1_s: float, t2_s: float) -> None:
        """
        Decoherence for `seconds` of storage: amplitude damping gamma = 1 - exp(-t/T1), then dephasing so that coherences decay as exp(-t/T2) in total. T1/T2 in seconds (inf: no decay); T2 <= 2 T1.
        """
    def mx(self, qubit: typing.Any) -> int:
        ...
    def my(self, qubit: typing.Any) -> int:
        ...
    def pair_with_state(self, rho: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128]) -> tuple[int, int]:
        """
        Two fresh qubits in the 4x4 density matrix rho (density_matrix formalism only); rho is checked and clipped as set_density_matrix checks and clips a state (tolerance 1e-9).
        """
    def pauli_channel_1(self, qubit: typing.Any, px: float, py: float, pz: float) -> None:
        """
        X, Y, Z with probabilities px, py, pz.
        """
    def phase_damp(self, qubit: typing.Any, lam: float) -> None:
        """
        Phase damping: coherences scale by sqrt(1 - lam) (Pauli-twirled in the stabilizer formalism).
        """
    def reset(self, *args) -> None:
        """
        Resets each qubit to |0> in a group of its own.
        """
    def s(self, *args) -> None:
        """
        S on each qubit.
        """
    def s_dag(self, *args) -> None:
        """
        S^dagger on each qubit.
        """
    def state(self, qubits: collections.abc.Iterable) -> numpy.typing.NDArray[numpy.complex128]:
        """
        Reduced density matrix of `qubits` (qubits[0] = most significant index bit).
        """
    def swap(self, *args) -> None:
        """
        SWAP on each pair (relabels handles; no state is touched).
        """
    def twirl_werner(self, a: typing.Any, b: typing.Any) -> None:
        """
        Werner twirl of the pair: keeps the Phi+ fidelity, equalizes the other three Bell weights (exact channel for density matrices, one random bilateral rotation per stabilizer trajectory).
        """
    def x(self, *args) -> None:
        """
        Pauli X on each qubit.
        """
    def x_error(self, *args, p: float) -> None:
        """
        X with probability p on each qubit.
        """
    def y(self, *args) -> None:
        """
        Pauli Y on each qubit.
        """
    def y_error(self, *args, p: float) -> None:
        """
        Y with probability p on each qubit.
        """
    def z(self, *args) -> None:
        """
        Pauli Z on each qubit.
        """
    def z_error(self, *args, p: float) -> None:
        """
        Z with probability p on each qubit.
        """
    @property
    def formalism(self) -> str:
        """
        State formalism: "density_matrix" or "stabilizer".
        """
    @property
    def max_group_qubits(self) -> int:
        """
        Largest group state, in qubits (default 10 for density_matrix, 64 for stabilizer). Settable (0: the default), for a network's registry too (network.registry.max_group_qubits = 12), within the formalism's range and not below the largest group held now; a merge beyond it raises StateTooLargeError.
        """
    @max_group_qubits.setter
    def max_group_qubits(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def num_groups(self) -> int:
        """
        Number of group states.
        """
    @property
    def num_qubits(self) -> int:
        """
        Number of live qubits.
        """
    @property
    def seed(self) -> int:
        """
        The seed this registry's random stream started from: the one given, or the one drawn when seed=None (QubitRegistry(formalism, seed=reg.seed) repeats its outcomes).
        """
class Scheduler:
    """
    Native discrete-event scheduler with Python callbacks (low level; see qnsim.EventLoop).
    
    Time is integer picoseconds from 0. Events run in order of (time_ps, priority, insertion
    order); lower priority first, ties FIFO. Handles are opaque ints, safe to cancel at any time.
    """
    @staticmethod
    def benchmark_chain(num_pending: typing.SupportsInt | typing.SupportsIndex, num_events: typing.SupportsInt | typing.SupportsIndex, seed: int) -> tuple[int, int, int]:
        """
        Native perf loop: num_pending self-rescheduling events (delays uniform in [1, 1e6] ps) run until num_events are dispatched. Returns (events_processed, final_time_ps, checksum).
        """
    def __init__(self) -> None:
        ...
    def _debug_set_next_sequence(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def cancel(self, handle: typing.SupportsInt | typing.SupportsIndex) -> bool:
        """
        Cancels a pending event; False if it already ran, was cancelled, or is unknown.
        """
    def check_invariants(self) -> None:
        """
        Debug check of the queue; raises RuntimeError describing the first violation.
        """
    def is_pending(self, handle: typing.SupportsInt | typing.SupportsIndex) -> bool:
        ...
    def run(self, until_ps: int | None = None) -> int:
        """
        Runs events with time <= until_ps (then now_ps = until_ps), or all events when None. Returns the number run. Exceptions raised by callbacks propagate; the loop can resume.
        """
    def schedule(self, time_ps: int, callback: typing.Any, args: tuple = (), priority: typing.SupportsInt | typing.SupportsIndex = 0) -> int:
        """
        Schedules callback(*args) at absolute time_ps >= now_ps; returns a handle. Raises SchedulingError for a time in the past.
        """
    def schedule_after(self, delay_ps: int, callback: typing.Any, args: tuple = (), priority: typing.SupportsInt | typing.SupportsIndex = 0) -> int:
        """
        Schedules callback(*args) at now_ps + delay_ps (delay_ps >= 0); returns a handle.
        """
    def step(self) -> bool:
        """
        Runs one event; False if none was pending.
        """
    def stop(self) -> None:
        """
        Makes the current run() return after this event.
        """
    @property
    def events_processed(self) -> int:
        ...
    @property
    def max_events_per_instant(self) -> int:
        """
        Events at one simulated instant beyond which run() stops with SchedulingError (0: no limit).
        """
    @max_events_per_instant.setter
    def max_events_per_instant(self, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def now_ps(self) -> int:
        ...
    @property
    def pending(self) -> int:
        ...
    @property
    def queue_entries(self) -> int:
        ...
    @property
    def slot_capacity(self) -> int:
        """
        Peak number of simultaneously pending events (memory is proportional to it).
        """
class PurificationScheme:
    """
    Recurrence purification scheme of a request.
    
    Members:
    
      none
    
      bbpssw
    
      dejmps
    """
    __members__: typing.ClassVar[dict[str, PurificationScheme]]
    bbpssw: typing.ClassVar[PurificationScheme]
    dejmps: typing.ClassVar[PurificationScheme]
    none: typing.ClassVar[PurificationScheme]
    @typing.overload
    def __eq__(self, other: PurificationScheme) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: PurificationScheme) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class SwapSchedule:
    """
    Order in which a request's repeaters swap.
    
    Members:
    
      asap
    
      nested
    """
    __members__: typing.ClassVar[dict[str, SwapSchedule]]
    asap: typing.ClassVar[SwapSchedule]
    nested: typing.ClassVar[SwapSchedule]
    @typing.overload
    def __eq__(self, other: SwapSchedule) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: SwapSchedule) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class GenerationPolicy:
    """
    When a request's links make pairs: continuous (a free memory attempts at once) or on_demand (a memory freed by a swap waits until its pair is delivered or lost).
    
    Members:
    
      continuous
    
      on_demand
    """
    __members__: typing.ClassVar[dict[str, GenerationPolicy]]
    continuous: typing.ClassVar[GenerationPolicy]
    on_demand: typing.ClassVar[GenerationPolicy]
    @typing.overload
    def __eq__(self, other: GenerationPolicy) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: GenerationPolicy) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class RequestStatus:
    """
    Where a request stands.
    
    Members:
    
      pending
    
      waiting
    
      active
    
      served
    
      dropped
    """
    __members__: typing.ClassVar[dict[str, RequestStatus]]
    active: typing.ClassVar[RequestStatus]
    dropped: typing.ClassVar[RequestStatus]
    pending: typing.ClassVar[RequestStatus]
    served: typing.ClassVar[RequestStatus]
    waiting: typing.ClassVar[RequestStatus]
    @typing.overload
    def __eq__(self, other: RequestStatus) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: RequestStatus) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class TraceKind:
    """
    What a trace record reports.
    
    Members:
    
      link_pair
    
      swap
    
      purification_kept
    
      purification_failed
    
      cutoff
    
      delivery
    
      rejected
    
      served
    
      dropped
    
      purification
    
      purification_measured
    
      purification_twirl
    """
    __members__: typing.ClassVar[dict[str, TraceKind]]
    cutoff: typing.ClassVar[TraceKind]
    delivery: typing.ClassVar[TraceKind]
    dropped: typing.ClassVar[TraceKind]
    link_pair: typing.ClassVar[TraceKind]
    purification: typing.ClassVar[TraceKind]
    purification_failed: typing.ClassVar[TraceKind]
    purification_kept: typing.ClassVar[TraceKind]
    purification_measured: typing.ClassVar[TraceKind]
    purification_twirl: typing.ClassVar[TraceKind]
    rejected: typing.ClassVar[TraceKind]
    served: typing.ClassVar[TraceKind]
    swap: typing.ClassVar[TraceKind]
    @typing.overload
    def __eq__(self, other: TraceKind) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: TraceKind) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class HookKind:
    """
    What a Python protocol is told about.
    
    Members:
    
      pair_ready
    
      message
    
      timer
    
      pair_lost
    """
    __members__: typing.ClassVar[dict[str, HookKind]]
    message: typing.ClassVar[HookKind]
    pair_lost: typing.ClassVar[HookKind]
    pair_ready: typing.ClassVar[HookKind]
    timer: typing.ClassVar[HookKind]
    @typing.overload
    def __eq__(self, other: HookKind) -> bool:
        ...
    @typing.overload
    def __eq__(self, other: typing.Any) -> bool:
        ...
    def __getstate__(self) -> int:
        ...
    def __hash__(self) -> int:
        ...
    def __index__(self) -> int:
        ...
    def __init__(self, value: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __int__(self) -> int:
        ...
    @typing.overload
    def __ne__(self, other: HookKind) -> bool:
        ...
    @typing.overload
    def __ne__(self, other: typing.Any) -> bool:
        ...
    def __repr__(self) -> str:
        ...
    def __setstate__(self, state: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def __str__(self) -> str:
        ...
    @property
    def name(self) -> str:
        ...
    @property
    def value(self) -> int:
        ...
class NodeParams:
    """
    A node as the native network takes it (integer picosecond durations). Built by qnsim.Network.add_node from SI values.
    """
    fields: typing.ClassVar[tuple] = ('name', 'num_memories', 't1_s', 't2_s', 'depolarizing_time_s', 'gate1_error', 'gate2_error', 'measure_error', 'gate1_ps', 'gate2_ps', 'measure_ps')
    range_notes: typing.ClassVar[dict] = {'num_memories': ''}
    ranges: typing.ClassVar[dict] = {'num_memories': '[1, 16777216]'}
    gate1_ps: int
    gate2_ps: int
    measure_ps: int
    name: str
    def __init__(self, **kwargs) -> None:
        """
        Keyword construction; every keyword is a field (see `fields`). Values are range-checked by validate().
        """
    def validate(self) -> None:
        """
        Range checks; ParameterError naming the field.
        """
    @property
    def depolarizing_time_s(self) -> float:
        ...
    @depolarizing_time_s.setter
    def depolarizing_time_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def gate1_error(self) -> float:
        ...
    @gate1_error.setter
    def gate1_error(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def gate2_error(self) -> float:
        ...
    @gate2_error.setter
    def gate2_error(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def measure_error(self) -> float:
        ...
    @measure_error.setter
    def measure_error(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def num_memories(self) -> int | None:
        """
        memory qubits; None: as the links need
        """
    @num_memories.setter
    def num_memories(self, arg1: int | None) -> None:
        ...
    @property
    def t1_s(self) -> float:
        ...
    @t1_s.setter
    def t1_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def t2_s(self) -> float:
        ...
    @t2_s.setter
    def t2_s(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class LinkParams:
    """
    A heralded link as the native network takes it (integer picoseconds). Built by qnsim.Network.add_link from a link model.
    """
    fields: typing.ClassVar[tuple] = ('node_a', 'node_b', 'channels', 'success_probability', 'attempt_period_ps', 'herald_delay_a_ps', 'herald_delay_b_ps', 'emission_lag_a_ps', 'emission_lag_b_ps', 'classical_delay_ps', 'setup_delay_ps', 'first_round_probability', 'fixed_channels', 'bell_diagonal', 'state')
    range_notes: typing.ClassVar[dict] = {'channels': ''}
    ranges: typing.ClassVar[dict] = {'channels': '[1, 1048576]'}
    attempt_period_ps: int
    channels: int
    classical_delay_ps: int
    emission_lag_a_ps: int
    emission_lag_b_ps: int
    fixed_channels: bool
    herald_delay_a_ps: int
    herald_delay_b_ps: int
    setup_delay_ps: int
    def __init__(self, **kwargs) -> None:
        """
        Keyword construction; every keyword is a field (see `fields`). Values are range-checked by validate().
        """
    def validate(self) -> None:
        """
        Range checks; ParameterError naming the field.
        """
    @property
    def bell_diagonal(self) -> typing.Annotated[list[float], "FixedSize(4)"]:
        ...
    @bell_diagonal.setter
    def bell_diagonal(self, arg0: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(4)"]) -> None:
        ...
    @property
    def first_round_probability(self) -> float:
        ...
    @first_round_probability.setter
    def first_round_probability(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def node_a(self) -> int:
        ...
    @node_a.setter
    def node_a(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def node_b(self) -> int:
        ...
    @node_b.setter
    def node_b(self, arg0: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @property
    def state(self) -> typing.Any:
        """
        exact 4x4 delivered state (density formalism), or None
        """
    @state.setter
    def state(self, arg1: typing.Any) -> None:
        ...
    @property
    def success_probability(self) -> float:
        ...
    @success_probability.setter
    def success_probability(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
class RequestParams:
    """
    An end-to-end request as the native network takes it (integer picoseconds). Built by qnsim.Network.request.
    """
    fields: typing.ClassVar[tuple] = ('path', 'num_pairs', 'start_ps', 'cutoff_ps', 'deadline_ps', 'purification', 'purification_rounds', 'end_to_end_purification_rounds', 'keep_pairs', 'python_protocol', 'memories_per_link', 'min_fidelity', 'swap_schedule', 'swap_handshake', 'purification_handshake', 'generation')
    range_notes: typing.ClassVar[dict] = {'num_pairs': ' (None: until the run ends)', 'purification_rounds': '', 'end_to_end_purification_rounds': '', 'memories_per_link': ''}
    ranges: typing.ClassVar[dict] = {'num_pairs': '[1, 2**64 - 1]', 'purification_rounds': '[0, 16]', 'end_to_end_purification_rounds': '[0, 16]', 'memories_per_link': '[1, 1048576]'}
    cutoff_ps: int | None
    deadline_ps: int | None
    end_to_end_purification_rounds: int
    generation: GenerationPolicy
    keep_pairs: bool
    memories_per_link: int
    num_pairs: int | None
    purification: PurificationScheme
    purification_handshake: bool
    purification_rounds: int
    python_protocol: bool
    start_ps: int
    swap_handshake: bool
    swap_schedule: SwapSchedule
    def __init__(self, **kwargs) -> None:
        """
        Keyword construction; every keyword is a field (see `fields`). Values are range-checked by validate().
        """
    def validate(self) -> None:
        """
        Range checks; ParameterError naming the field.
        """
    @property
    def min_fidelity(self) -> float:
        ...
    @min_fidelity.setter
    def min_fidelity(self, arg0: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    @property
    def path(self) -> list[int]:
        ...
    @path.setter
    def path(self, arg0: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex]) -> None:
        ...
class RequestStats:
    """
    What became of a request (aggregates over every delivery).
    """
    @property
    def admitted_ps(self) -> int:
        ...
    @property
    def age_sum_ps(self) -> float:
        """
        Sum of the delivered pairs' ages in ps (delivery minus the older end's emission).
        """
    @property
    def bell_diagonal_sum(self) -> typing.Annotated[list[float], "FixedSize(4)"]:
        """
        Sum of the delivered pairs' <B|rho|B>, B = (Phi+, Psi+, Psi-, Phi-).
        """
    @property
    def concurrence_sum(self) -> float:
        ...
    @property
    def cutoff_discards(self) -> int:
        ...
    @property
    def delivered(self) -> int:
        ...
    @property
    def drop_reason(self) -> str:
        ...
    @property
    def fidelity_m2(self) -> float:
        """
        Sum of squared deviations of the delivered fidelities from their mean (Welford).
        """
    @property
    def fidelity_sq_sum(self) -> float:
        ...
    @property
    def fidelity_sum(self) -> float:
        ...
    @property
    def finished_ps(self) -> int:
        ...
    @property
    def first_delivery_ps(self) -> int:
        ...
    @property
    def last_delivery_ps(self) -> int:
        ...
    @property
    def purification_failures(self) -> int:
        ...
    @property
    def rejected_low_fidelity(self) -> int:
        ...
    @property
    def status(self) -> RequestStatus:
        ...
    @property
    def unentangled(self) -> int:
        ...
class NetworkCounters:
    """
    Whole-network event counts.
    """
    @property
    def attempts(self) -> int:
        ...
    @property
    def cutoff_discards(self) -> int:
        ...
    @property
    def link_pairs(self) -> int:
        ...
    @property
    def purification_failures(self) -> int:
        ...
    @property
    def purifications(self) -> int:
        ...
    @property
    def swaps(self) -> int:
        ...
class NativeNetwork:
    """
    Native event-driven network (nodes, heralded links, repeater protocols). Use qnsim.Network, which converts SI units and hardware models into these integer-picosecond parameters.
    """
    def __init__(self, formalism: str = 'density_matrix', seed: int | None = None) -> None:
        ...
    def add_chain(self, node: NodeParams, link: LinkParams, count: typing.SupportsInt | typing.SupportsIndex) -> int:
        """
        Adds `count` nodes like `node` (named node.name + index) in a line, joined by links like `link`; returns the first node's index (the chain's nodes are consecutive). The bulk path for very long chains.
        """
    def add_link(self, params: LinkParams) -> int:
        """
        Validates and adds a link; returns its index.
        """
    def add_node(self, params: NodeParams) -> int:
        """
        Validates and adds a node; returns its index.
        """
    def add_request(self, params: RequestParams) -> int:
        """
        Validates and adds a request; returns its index.
        """
    def classical_latency(self, a: typing.SupportsInt | typing.SupportsIndex, b: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def counters(self) -> NetworkCounters:
        ...
    def deliver_end_slot(self, request: typing.SupportsInt | typing.SupportsIndex, slot: typing.SupportsInt | typing.SupportsIndex) -> None:
        """
        One end of the request's end-to-end pair uses its qubit now; the second end's call books the delivery.
        """
    def deliver_slots(self, request: typing.SupportsInt | typing.SupportsIndex, slot_src: typing.SupportsInt | typing.SupportsIndex, slot_dst: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def delivered(self, request: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def deliveries(self) -> dict:
        """
        Delivered pairs as a dict of numpy arrays (concurrence -1 where the formalism has none per pair; bell_diagonal: n x 4, <B|rho|B> for B = Phi+, Psi+, Psi-, Phi-).
        """
    def discard_slot_pair(self, slot: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def occupied_slots(self) -> int:
        ...
    def release_pair(self, qubit_src: typing.SupportsInt | typing.SupportsIndex, qubit_dst: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def request_interrupt(self) -> None:
        """
        Stops the current run() with KeyboardInterrupt once the event being handled is done.
        """
    def request_stats(self, request: typing.SupportsInt | typing.SupportsIndex) -> RequestStats:
        """
        Status and aggregates of a request.
        """
    def run(self, until_ps: int, hand_over: bool = True) -> None:
        """
        Runs every event up to until_ps (now_ps is then until_ps). hand_over=False skips bringing kept pairs up to date (for intermediate chunks of one run; results do not depend on the chunks). Ctrl-C stops it between two events; a later run continues it as if uninterrupted.
        """
    def run_seeds(self, seeds: list[int], until_ps: int, threads: int = 0, check: collections.abc.Callable | None = None) -> list[NativeNetwork]:
        """
        For each seed, a copy of this (not yet run) network with that seed, run to until_ps on native threads (0: all cores); result i equals a network built with seeds[i] and run alone. check() (None: none) is called with the GIL about every 20 ms of wall time while the threads run; what it raises stops every run at its next check point and is raised from here, as Ctrl-C is.
        """
    def schedule_timer(self, delay_ps: int, node: typing.SupportsInt | typing.SupportsIndex, timer_id: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    def send_message(self, from_node: typing.SupportsInt | typing.SupportsIndex, to_node: typing.SupportsInt | typing.SupportsIndex, message_id: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def set_protocol_hook(self, arg0: collections.abc.Callable) -> None:
        ...
    def set_trace(self, limit: int) -> None:
        """
        Records protocol steps, keeping the first `limit` records (0: off, the default).
        """
    def set_trace_sink(self, sink: collections.abc.Callable | None) -> None:
        """
        sink() is called between two events every 16384 events of a run while the trace holds records (to take them with take_trace); None: never. What it raises stops the run between two events, as Ctrl-C does.
        """
    def slot_emission_ps(self, slot: typing.SupportsInt | typing.SupportsIndex) -> int:
        """
        Emission time (ps) of the slot's qubit: when its link-level pair was emitted.
        """
    def slot_generation(self, slot: typing.SupportsInt | typing.SupportsIndex) -> int:
        """
        The slot's generation: advances whenever its qubit leaves it, so (slot, generation) names one stored qubit.
        """
    def slot_link(self, slot: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def slot_node(self, slot: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def slot_pair_fidelity(self, slot: typing.SupportsInt | typing.SupportsIndex) -> float:
        """
        Fidelity of the slot's pair now, computed without changing the network (stabilizer: the expectation over the decay not yet drawn).
        """
    def slot_partner(self, slot: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def slot_qubit(self, slot: typing.SupportsInt | typing.SupportsIndex) -> int:
        ...
    def swap_slots(self, node: typing.SupportsInt | typing.SupportsIndex, slot_a: typing.SupportsInt | typing.SupportsIndex, slot_b: typing.SupportsInt | typing.SupportsIndex) -> tuple[int, int]:
        ...
    def take_trace(self) -> dict:
        """
        As trace(), and the network holds the records no more (a trace streamed to a file takes them as the run goes, from the trace sink); the limit still counts them.
        """
    def trace(self) -> dict:
        """
        The trace's records held (all those kept, unless take_trace took some) as a dict of numpy arrays (kind: TraceKind values), plus `omitted` (records past the limit) and `limit`.
        """
    @property
    def events_pending(self) -> int:
        """
        Events scheduled and not yet run.
        """
    @property
    def events_processed(self) -> int:
        """
        Events handled so far (not counting timeouts_voided).
        """
    @property
    def formalism(self) -> str:
        ...
    @property
    def hook_failed_ps(self) -> int | None:
        """
        Time (ps) of the event inside which a protocol hook raised (None: never); run() refuses to go on from it.
        """
    @property
    def in_hook(self) -> bool:
        """
        True while a protocol hook runs.
        """
    @property
    def live_qubits(self) -> int:
        """
        Live qubits of the network's states (two per pair in the bell_diagonal formalism).
        """
    @property
    def max_records(self) -> int:
        """
        Delivery records kept (aggregates in request_stats continue beyond it); at most 10^8.
        """
    @max_records.setter
    def max_records(self, arg1: int) -> None:
        ...
    @property
    def now_ps(self) -> int:
        ...
    @property
    def num_links(self) -> int:
        ...
    @property
    def num_nodes(self) -> int:
        ...
    @property
    def num_requests(self) -> int:
        ...
    @property
    def num_slots(self) -> int:
        """
        Memory slots of every node: a slot index is in [0, num_slots).
        """
    @property
    def registry(self) -> QubitRegistry:
        ...
    @property
    def running(self) -> bool:
        """
        True while run() handles an event (a protocol hook): the description cannot change.
        """
    @property
    def seed(self) -> int:
        """
        The seed of every random stream: the one given, or the one drawn when seed=None (NativeNetwork(formalism, seed=net.seed) with the same description repeats its run).
        """
    @property
    def timeouts_voided(self) -> int:
        """
        Cutoffs of link pairs whose two qubits were both gone before them (swapped, delivered or discarded): taken out of the event queue unhandled, not counted in events_processed.
        """
    @property
    def trace_limit(self) -> int:
        """
        The trace's record limit (0: not tracing).
        """
    @property
    def trace_omitted(self) -> int:
        """
        Trace records not kept because the limit was reached.
        """
class WorkloadProgram:
    """
    A parsed Stim circuit (REPEAT blocks kept symbolic) for workload estimation (low level; see
    qnsim.estimate.Workload). Parsing throws CircuitParseError naming the line.
    """
    def __init__(self, text: str, *, progress: typing.Any = None) -> None:
        """
        Parses; progress(done, total) in bytes of text, every 2^20 bytes (Ctrl-C stops it either way).
        """
    def counts(self, rotation_unroll_budget: typing.SupportsInt | typing.SupportsIndex = 134217728, *, progress: typing.Any = None) -> dict:
        """
        Symbolic counts: dict(per_gate, pair_a, pair_b, pair_weight, measurements, controlled (two-qubit applications with a record or sweep target), depth_bound, rotation_depth, num_qubits (1 + largest index used), used_qubits, product_measure_qubits (first qubit of each measurement of a Pauli product over two or more qubits)). rotation_unroll_budget: most target visits spent counting rotation layers by plain unrolling; beyond, REPEATs are extrapolated once periodic. progress(done, total): instructions and targets visited, every 2^20, in two phases (the symbolic pass, then the rotation layers; each starts from 0; total 0 = not known). Ctrl-C stops the count either way.
        """
    def pair_count(self, a: typing.SupportsInt | typing.SupportsIndex, b: typing.SupportsInt | typing.SupportsIndex) -> int:
        """
        Exact two-qubit interaction count of the unordered pair (a, b).
        """
    def placed(self, qpu_of: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], num_qpus: typing.SupportsInt | typing.SupportsIndex, t_1q: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], t_2q: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], t_meas: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], t_reset: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], t_remote: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], t_frame: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], schedule: bool = True, repeat_iteration_budget: typing.SupportsInt | typing.SupportsIndex = 4096, *, progress: typing.Any = None) -> dict:
        """
        Remote-aware counts for a placement; remote_gates, remote_pairs and cat_pairs are {(a, b): count} over the QPU pairs a < b that have any; t_remote and t_frame are flattened k*k lists. t_remote: time a remote gate occupies its qubits; t_frame: time from its start until its byproduct corrections are known. Corrections are deferred: only an operation whose choice depends on one waits for it (a T after a deferred S-type correction turned non-diagonal, RZ(theta) on a pending X, an X-basis measurement after a deferred S-type correction; FrameRule in workload_counter.h). schedule=False: counts only (critical_path_s is the static bound, cat_pairs equal remote_pairs), much faster on long loops. critical_path_exact is False when a REPEAT was still in a transient after repeat_iteration_budget iterations (its latest growth extrapolated). Raises ValueError for a used qubit placed on no QPU. progress(done, total): the static pass (instructions and targets, total known), then with schedule the stateful pass (total 0: not known); every 2^20. Ctrl-C stops it either way.
        """
    def unroll(self, max_ops: typing.SupportsInt | typing.SupportsIndex) -> list:
        """
        Unrolled applications [(gate, targets)] for small circuits; rec[-k] targets appear as -k. Raises StateTooLargeError beyond max_ops. Ctrl-C stops it.
        """
def _bit_kernels() -> tuple[str, list[str]]:
    """
    (active variant, variants this CPU runs) of the stabilizer's bit kernels.
    """
def _select_bit_kernel(name: str) -> None:
    """
    Makes `name` the bit-kernel variant of stabilizer simulators created from now on ('auto': the widest).
    """
def bell_diagonal_purify(pair1: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(4)"], pair2: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(4)"], scheme: PurificationScheme, gate1_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, gate2_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, measure_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, gate1_error_b: typing.SupportsFloat | typing.SupportsIndex | None = None, gate2_error_b: typing.SupportsFloat | typing.SupportsIndex | None = None, measure_error_b: typing.SupportsFloat | typing.SupportsIndex | None = None) -> tuple[float, typing.Annotated[list[float], "FixedSize(4)"]]:
    """
    Closed-form recurrence round on two Bell-diagonal pairs: (success probability, kept pair's coefficients given success). The bell_diagonal formalism's purification. gate1_error, gate2_error and measure_error are node A's noise; gate1_error_b, gate2_error_b and measure_error_b node B's (None: the same as node A's).
    """
def bell_diagonal_swap(left: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(4)"], right: typing.Annotated[collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex], "FixedSize(4)"], gate1_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, gate2_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, measure_error: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> typing.Annotated[list[float], "FixedSize(4)"]:
    """
    Closed-form entanglement swap of two Bell-diagonal pairs (coefficients Phi+, Psi+, Psi-, Phi-) with the swapping node's noise, averaged over the outcomes: the bell_diagonal formalism's swap.
    """
def buffer_chain_levels(tail: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], a0: typing.SupportsFloat | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.float64]:
    """
    The estimator's finite-buffer chain levels pi[0..b-1] from tail[m] = P(A >= m) (b + 2 values) and a0 = P(A = 0): every sum in index order, so the same floats on every CPU.
    """
def build_config() -> str:
    """
    The compiler, its version, the target processor, the build type and flags, and the network-checks and sanitizer options this module was built with (flags can change results too: sweeps tell builds apart by it).
    """
def canonical_gate_name(name: str) -> typing.Any:
    """
    Canonical name of a gate or alias (case-insensitive); None if unknown.
    """
def concurrence(rho: typing.Annotated[numpy.typing.ArrayLike, numpy.complex128]) -> float:
    """
    Wootters concurrence of a 4x4 two-qubit density matrix (0 for separable states).
    """
def entanglement_swap(registry: QubitRegistry, a: typing.SupportsInt | typing.SupportsIndex, b: typing.SupportsInt | typing.SupportsIndex, y: typing.SupportsInt | typing.SupportsIndex, gate1_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, gate2_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, measure_error: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> tuple[int, int]:
    ...
def gate_kinds() -> dict:
    """
    Known gates: name -> (kind, z_diagonal, controlled, bell_pairs_per_remote_application, clifford).
    """
def ordered_dot(a: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], b: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> float:
    """
    sum a[i] * b[i], added in index order: the same float on every CPU (numpy.dot's BLAS kernel is the CPU's, and its partial sums move the last bits from one machine to another).
    """
def ordered_matmul(a: numpy.ndarray, b: numpy.ndarray) -> numpy.ndarray:
    """
    a @ b (a 2-D, b 1-D or 2-D; float64, or complex128 when either is complex) with each entry summed in index order, each product rounded before it is added: the same floats on every CPU (numpy's `@` is the CPU's BLAS kernel's, whose partial sums and fused multiply-adds move the last bits from one machine to another).
    """
def ordered_solve(a: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], b: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    x with a @ x = b (a: n x n float64, b: n values), by Gaussian elimination with partial pivoting in index order: the same floats on every CPU (numpy.linalg.solve's LAPACK blocks run on the CPU's BLAS kernels). Raises ValueError for a singular matrix.
    """
def portable_exp(x: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    e^x, the same double on every platform.
    """
def portable_exp10(x: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    10^x, the same double on every platform.
    """
def portable_exp_array(x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    e^x of each value, the same doubles on every platform.
    """
def portable_expm1(x: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    e^x - 1, the same double on every platform.
    """
def portable_expm1_array(x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    e^x - 1 of each value, the same doubles on every platform.
    """
def portable_log(x: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    ln x, the same double on every platform.
    """
def portable_log1p(x: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    ln(1 + x), the same double on every platform.
    """
def portable_log1p_array(x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    ln(1 + x) of each value, the same doubles on every platform.
    """
def portable_log_array(x: typing.Annotated[numpy.typing.ArrayLike, numpy.float64]) -> numpy.typing.NDArray[numpy.float64]:
    """
    ln x of each value, the same doubles on every platform.
    """
def purify_round(registry: QubitRegistry, scheme: PurificationScheme, a1: typing.SupportsInt | typing.SupportsIndex, b1: typing.SupportsInt | typing.SupportsIndex, a2: typing.SupportsInt | typing.SupportsIndex, b2: typing.SupportsInt | typing.SupportsIndex, gate1_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, gate2_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, measure_error: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> bool:
    ...
def remote_cnot(registry: QubitRegistry, control: typing.SupportsInt | typing.SupportsIndex, a: typing.SupportsInt | typing.SupportsIndex, b: typing.SupportsInt | typing.SupportsIndex, target: typing.SupportsInt | typing.SupportsIndex, gate1_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, gate2_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, measure_error: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> tuple[int, int]:
    ...
def repairman_rate_hz(rate_hz: typing.SupportsFloat | typing.SupportsIndex, shares: int, delay_s: typing.SupportsFloat | typing.SupportsIndex) -> float:
    """
    Throughput (Hz) of shares customers cycling through one exponential server of rate_hz (Hz) and a delay of mean delay_s (s): the exact machine-repairman law, bit for bit the estimator's Python recursion.
    """
def source_digest() -> str:
    """
    SHA-256 (hex) of the native sources this module was built from (see CMakeLists.txt): results can change from one commit to the next under one version number, so sweeps tell builds apart by it.
    """
def stim_gate_names() -> list:
    """
    Canonical names of the gates Stim defines (the rest of gate_kinds() are qnsim extensions).
    """
def stream_count_file(path: str, chunk_bytes: int = 4194304, *, progress: typing.Any = None) -> dict:
    """
    Streams an unrolled circuit file in chunks; same dict as WorkloadProgram.counts(). progress(done, total): bytes read and the file's size (0 if unknown), after every chunk. Ctrl-C stops it after the current chunk.
    """
def teleport(registry: QubitRegistry, data: typing.SupportsInt | typing.SupportsIndex, a: typing.SupportsInt | typing.SupportsIndex, b: typing.SupportsInt | typing.SupportsIndex, gate1_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, gate2_error: typing.SupportsFloat | typing.SupportsIndex = 0.0, measure_error: typing.SupportsFloat | typing.SupportsIndex = 0.0) -> tuple[int, int]:
    ...
def trace_queue(arrivals_s: typing.Annotated[numpy.typing.ArrayLike, numpy.float64], pairs: int, buffer: int, cycle_s: typing.SupportsFloat | typing.SupportsIndex, first_start_s: typing.SupportsFloat | typing.SupportsIndex, repeat_s: typing.SupportsFloat | typing.SupportsIndex) -> tuple[numpy.typing.NDArray[numpy.float64], numpy.typing.NDArray[numpy.float64]]:
    """
    A seam's Bell-pair queue run round by round over sorted arrival times (s; qnsim.qec.round_timing's 'trace' arrivals), taken as one period of a pattern repeated repeat_s after its first arrival: returns (waits_s, stored_s), each counted round's wait beyond the cycle and each of its pairs' time in memory (pairs per round, round by round). See cpp/qec/pair_queue.h.
    """
CHUNK_BYTES_RANGE: str = '[4096, 1073741824]'
MAX_CHUNK_BYTES: int = 1073741824
MAX_MEMORIES_PER_NODE: int = 16777216
MAX_RECORDS: int = 100000000
MAX_SLOTS: int = 33554432
MAX_THREADS: int = 4096
MIN_CHUNK_BYTES: int = 4096
PROBABILITY_TOLERANCE: float = 1e-09
RECORD_LIMIT_RANGE: str = '[0, 100000000]'
THREADS_RANGE: str = '[0, 4096]'
__version__: str = '0.1.0'
