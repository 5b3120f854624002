"""Import and export: Gymnasium toy-text environments and pymdptoolbox's ``(A, S, S)`` arrays.

Gymnasium (``pip install "maxent-verify[interop]"``): a toy-text environment (FrozenLake,
CliffWalking, Taxi) carries its model in ``env.unwrapped.P``, a table
``s -> a -> [(prob, s', reward, terminated), ...]``. :func:`from_gymnasium` reads it into a
:class:`~mdps.finite.FiniteMDP` with the expected reward R[s, a] = Σ prob·reward.

Terminal convention. The episode ends on a transition with ``terminated=True``; what follows it
is worth 0. Two faithful ways to write that in a FiniteMDP:

- ``terminal="sink"`` (default): every terminated transition goes to one added state ``S``
  (the last index), absorbing, zero-reward and marked terminal. The environment's own states
  keep their rows, so a state that is entered only by terminated transitions (FrozenLake's holes
  and goal) becomes unreachable; its value is then what its own row says (at τ > 0 it still has
  the entropy of a decision), and it never enters the value of a reachable state.
- ``terminal="states"``: each state entered by a terminated transition is itself made absorbing
  with zero reward and marked terminal (its row in the table is discarded), so V = 0 there.
  This needs every transition into such a state to be terminated (true of the toy-text
  environments); otherwise it raises ValueError.

Both conventions give the same values on every state that a non-terminated path can reach.

pymdptoolbox writes transitions as ``P[a, s, s']`` of shape ``(A, S, S)`` (an ndarray, or a
sequence of A dense or sparse ``(S, S)`` matrices) and rewards of shape ``(S, A)``, ``(S,)``
(the same for every action) or ``(A, S, S)`` (a reward per transition, reduced to its
expectation). It knows no terminal states and no temperature: at τ = 0 its values equal ours,
since our terminal states are absorbing and zero-reward anyway.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from mdps.finite import FiniteMDP, cell_label
from mdps.validation import as_float_array, check_bool, check_int, check_real, check_str

__all__ = ["from_gymnasium", "from_mdptoolbox", "to_mdptoolbox"]

_INTEROP_EXTRA = 'pip install "maxent-verify[interop]"'
_TERMINAL_CONVENTIONS = ("sink", "states")

#: Action meanings of the toy-text environments, by class, in the environments' own order
#: (their documentation, "Action Space"): FrozenLake's order is not CliffWalking's.
_ACTION_LABELS = {
    "FrozenLakeEnv": ("left", "down", "right", "up"),
    "CliffWalkingEnv": ("up", "right", "down", "left"),
    "TaxiEnv": ("south", "north", "east", "west", "pickup", "dropoff"),
}
_FROZEN_LAKE_TILES = {"S": "start", "F": "frozen", "H": "hole", "G": "goal"}


def _state_labels(base, S: int) -> list[str] | None:
    """Labels of a toy-text environment's S states (grid cells where it is a grid), or None."""
    kind = type(base).__name__
    if kind == "FrozenLakeEnv":
        desc = np.asarray(base.desc).astype(str)
        return [
            cell_label(r, c, _FROZEN_LAKE_TILES.get(desc[r, c], desc[r, c]))
            for r, c in np.ndindex(desc.shape)
        ]
    if kind == "CliffWalkingEnv":
        cliff = np.asarray(base._cliff, dtype=bool)  # the environment's own cliff map
        return [cell_label(r, c, "cliff" if cliff[r, c] else "") for r, c in np.ndindex(cliff.shape)]
    if kind == "TaxiEnv":
        names = "RGYB"
        out = []
        for s in range(S):
            row, col, passenger, dest = base.decode(s)
            where = "in taxi" if passenger == len(names) else f"at {names[passenger]}"
            out.append(f"taxi at ({row}, {col}), passenger {where}, destination {names[dest]}")
        return out
    return None


def _make_env(env_or_id, make_kwargs: dict):
    """A Gymnasium environment from an id (needs gymnasium) or the environment itself."""
    if env_or_id is None or isinstance(env_or_id, (bytes, numbers.Number, np.ndarray)):
        raise TypeError(f"env_or_id must be a Gymnasium environment or an id string, got {env_or_id!r}")
    if not isinstance(env_or_id, str):
        if make_kwargs:
            raise ValueError(f"make kwargs {sorted(make_kwargs)} given with an environment object, not an id")
        return env_or_id
    try:
        import gymnasium
    except ImportError:
        raise ImportError(
            f"from_gymnasium({env_or_id!r}) needs gymnasium, which is not installed: {_INTEROP_EXTRA}"
        ) from None
    try:
        return gymnasium.make(env_or_id, **make_kwargs)
    except gymnasium.error.Error as err:  # an unknown or deprecated id: the caller's input
        raise ValueError(f"env_or_id {env_or_id!r} cannot be made by gymnasium: {err}") from None


def _space_size(space, what: str, label: str) -> int:
    n = getattr(space, "n", None)
    if n is None or getattr(space, "shape", None) not in ((), None):
        raise ValueError(f"{label}: {what} must be Discrete(n) to read a transition table, got {space!r}")
    return int(n)


def _transition_table(env, label: str) -> tuple[Mapping, int, int]:
    """``env.unwrapped.P`` with S and A, or ValueError saying what is missing."""
    base = getattr(env, "unwrapped", env)
    table = getattr(base, "P", None)
    if table is None:
        raise ValueError(
            f"{label} has no transition table: from_gymnasium needs env.unwrapped.P "
            "(s -> a -> [(prob, next_state, reward, terminated), ...]), as the toy-text "
            "environments FrozenLake, CliffWalking and Taxi provide"
        )
    S = _space_size(getattr(base, "observation_space", None), "the observation space", label)
    A = _space_size(getattr(base, "action_space", None), "the action space", label)
    return table, S, A


def _outcome(outcome, where: str, S: int) -> tuple[float, int, float, bool]:
    """One ``(prob, next_state, reward, terminated)`` entry of the table, checked, or an error
    naming ``where`` (its place in env.unwrapped.P)."""
    if isinstance(outcome, (str, bytes)) or not isinstance(outcome, Sequence) or len(outcome) != 4:
        raise ValueError(f"{where} must be (prob, next_state, reward, terminated), got {outcome!r}")
    p, t, r, d = outcome
    return (
        check_real(p, f"{where} probability", low=0.0, high=1.0),
        check_int(t, f"{where} next state", low=0, high=S - 1),
        check_real(r, f"{where} reward"),
        check_bool(d, f"{where} terminated"),
    )


def _flatten_table(table: Mapping, S: int, A: int, label: str):
    """Columns (row s*A + a, next state, prob, reward, terminated) of every listed transition."""
    rows, nxt, prob, rew, done = [], [], [], [], []
    for s in range(S):
        try:
            actions = table[s]
        except (KeyError, IndexError, TypeError):
            raise ValueError(f"{label}: env.unwrapped.P has no entry for state {s} (S = {S})") from None
        for a in range(A):
            try:
                outcomes = actions[a]
            except (KeyError, IndexError, TypeError):
                raise ValueError(
                    f"{label}: env.unwrapped.P[{s}] has no entry for action {a} (A = {A})"
                ) from None
            if isinstance(outcomes, (str, bytes)) or not isinstance(outcomes, Sequence):
                raise ValueError(
                    f"{label}: env.unwrapped.P[{s}][{a}] must be a list of outcomes, got {outcomes!r}"
                )
            if len(outcomes) == 0:
                raise ValueError(f"{label}: env.unwrapped.P[{s}][{a}] lists no outcome")
            for k, outcome in enumerate(outcomes):
                p, t, r, d = _outcome(outcome, f"{label}: env.unwrapped.P[{s}][{a}][{k}]", S)
                rows.append(s * A + a)
                nxt.append(t)
                prob.append(p)
                rew.append(r)
                done.append(d)
    return (
        np.asarray(rows),
        np.asarray(nxt, dtype=np.int64),
        np.asarray(prob),
        np.asarray(rew),
        np.asarray(done, dtype=bool),
    )


def from_gymnasium(
    env_or_id, gamma: float, *, terminal: str = "sink", sparse: bool = False, **make_kwargs
) -> FiniteMDP:
    """A FiniteMDP from a Gymnasium environment's transition table ``env.unwrapped.P``.

    R[s, a] = Σ_(p, s', r, d) p·r over the listed outcomes of (s, a); P(s'|s, a) sums the p of
    outcomes with the same s'. Terminated transitions end the episode (module docstring:
    ``terminal="sink"`` adds one absorbing terminal state at index S; ``"states"`` makes each
    terminated next state absorbing and terminal).

    Args:
      env_or_id: a Gymnasium environment (anything with ``.unwrapped.P`` and Discrete
        observation and action spaces), or an id for ``gymnasium.make``.
      gamma: discount γ in [0, 1).
      terminal: ``"sink"`` or ``"states"``, the terminal convention.
      sparse: build P as a ``csr_array`` ``[S*A, S]`` (memory linear in the table's size).
      **make_kwargs: passed to ``gymnasium.make`` (e.g. ``is_slippery=True``, ``map_name="8x8"``);
        only with an id.
    Returns:
      FiniteMDP with S + 1 states (``"sink"``) or S states (``"states"``), named after the
      environment. For FrozenLake, CliffWalking and Taxi it carries state labels (grid cells
      ``"(row, col) hole"`` and so on, :func:`mdps.finite.cell_label`; the sink is
      ``"terminated (sink)"``) and the environment's own action labels (FrozenLake: left, down,
      right, up; CliffWalking: up, right, down, left; Taxi: south, north, east, west, pickup,
      dropoff); other environments get none. The start distribution stays with the environment
      (``env.unwrapped.initial_state_distrib`` for the toy-text environments).
    Raises:
      ImportError: an id was given and gymnasium is not installed (names the extra).
      TypeError: an argument of the wrong kind (env_or_id None or a number, a non-real gamma, a
        non-str terminal, a non-bool sparse), or a table entry of the wrong kind (a string
        probability or reward, a float next state, a non-bool terminated), naming its place.
      ValueError: gamma outside [0, 1), an id gymnasium cannot make (unknown, deprecated), an
        unknown convention, no transition table, non-Discrete spaces, a malformed table (a
        probability outside [0, 1], a next state outside the observation space, a NaN or inf
        reward), or (``"states"``) a state entered both by terminated and other transitions.
    """
    # Checked before the environment is made; FiniteMDP checks gamma again at the end.
    check_real(gamma, "gamma", low=0.0, high=1.0, open_high=True)
    check_str(terminal, "terminal", choices=_TERMINAL_CONVENTIONS)
    sparse = check_bool(sparse, "sparse")
    env = _make_env(env_or_id, make_kwargs)
    label = getattr(getattr(env, "spec", None), "id", None) or type(env).__name__
    table, S, A = _transition_table(env, label)
    rows, nxt, prob, rew, done = _flatten_table(table, S, A, label)

    R = np.bincount(rows, weights=prob * rew, minlength=S * A)
    if terminal == "sink":
        n = S + 1
        nxt = np.where(done, S, nxt)
        sink_rows = np.arange(S * A, n * A)
        rows = np.concatenate([rows, sink_rows])
        nxt = np.concatenate([nxt, np.full(A, S)])
        prob = np.concatenate([prob, np.ones(A)])
        R = np.concatenate([R, np.zeros(A)])
        is_terminal = np.arange(n) == S
    else:
        n = S
        ends = np.zeros(S, dtype=bool)
        ends[nxt[done]] = True
        mixed = ends & np.isin(np.arange(S), nxt[~done])
        if mixed.any():
            s = int(np.flatnonzero(mixed)[0])
            raise ValueError(
                f'{label}: terminal="states" needs every transition into state {s} to be '
                'terminated, but some are not; use terminal="sink"'
            )
        keep = ~ends[rows // A]
        absorbing = np.repeat(np.flatnonzero(ends), A)
        rows = np.concatenate([rows[keep], absorbing * A + np.tile(np.arange(A), int(ends.sum()))])
        nxt = np.concatenate([nxt[keep], absorbing])
        prob = np.concatenate([prob[keep], np.ones(absorbing.size)])
        R = np.where(np.repeat(ends, A), 0.0, R)
        is_terminal = ends
    P = sp.csr_array((prob, (rows, nxt)), shape=(n * A, n))  # duplicates summed
    # Labels only where the environment is one this module knows and its sizes are as expected.
    base = getattr(env, "unwrapped", env)
    states = _state_labels(base, S)
    if states is not None and len(states) == S:
        states += ["terminated (sink)"] * (n - S)
    else:
        states = None
    actions = _ACTION_LABELS.get(type(base).__name__)
    return FiniteMDP(
        P if sparse else P.toarray().reshape(n, A, n),
        R.reshape(n, A),
        gamma,
        terminal=is_terminal,
        name=f"{label} ({terminal})",
        state_labels=states,
        action_labels=actions if actions is not None and len(actions) == A else None,
    )


def to_mdptoolbox(mdp: FiniteMDP):
    """Transitions and rewards in pymdptoolbox's conventions: ``(P [A, S, S], R [S, A])``.

    Use as ``mdptoolbox.mdp.PolicyIteration(*to_mdptoolbox(mdp), mdp.gamma)``. Terminal states
    need no flag there: they are absorbing with zero reward, which gives V = 0 at τ = 0.

    Args:
      mdp: an infinite-horizon FiniteMDP.
    Returns:
      ``(P, R)``: P a float64 ndarray ``[A, S, S]`` for dense ``mdp.P``, or a list of A
      ``scipy.sparse.csr_matrix`` ``[S, S]`` for sparse ``mdp.P`` (memory linear in nnz);
      R a copy of ``mdp.R`` ``[S, A]``.
    Raises:
      TypeError: ``mdp`` is not a FiniteMDP.
      ValueError: a finite-horizon MDP (pymdptoolbox's finite-horizon solver takes the horizon
        separately; pass ``mdp.P``/``mdp.R`` by hand).
    """
    if not isinstance(mdp, FiniteMDP):
        raise TypeError(f"mdp must be a FiniteMDP, got {type(mdp).__name__}")
    if mdp.horizon is not None:
        raise ValueError(
            f"{mdp.name!r} has horizon={mdp.horizon}; to_mdptoolbox exports infinite-horizon MDPs"
        )
    A = mdp.n_actions
    R = np.array(mdp.R)
    if mdp.is_sparse:
        # Rows a, A + a, 2A + a, ... of the [S*A, S] matrix form P[a]; csr_matrix because
        # pymdptoolbox calls the sparse-matrix API (.todense, .multiply).
        return [sp.csr_matrix(mdp.P[a::A]) for a in range(A)], R
    return np.ascontiguousarray(mdp.P.transpose(1, 0, 2)), R


def _matrix(m, name: str):
    """A dense or scipy.sparse ``(S, S)`` matrix of finite reals: sparse kept as is, dense as a
    float64 array; TypeError or ValueError naming ``name`` and the first bad entry."""
    if not sp.issparse(m):
        if isinstance(m, np.ndarray) and m.dtype == object:
            m = m.tolist()  # an object array of Python numbers converts; anything else is refused
        return as_float_array(m, name, ndim=2)
    if m.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {m.dtype}")
    if m.ndim != 2:
        raise ValueError(f"{name} must have 2 axes, got shape {m.shape}")
    coo = sp.coo_array(m)
    bad = ~np.isfinite(coo.data)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name} must be finite; {name}[{coo.row[k]}, {coo.col[k]}] = {coo.data[k]}")
    return m


def _transition_stack(P) -> tuple[list, bool]:
    """pymdptoolbox's transitions as a list of A ``(S, S)`` matrices, and whether any is sparse."""
    if isinstance(P, np.ndarray) and P.dtype != object:
        arr = as_float_array(P, "P")
        if arr.ndim != 3 or arr.shape[1] != arr.shape[2]:
            raise ValueError(f"P must have shape (A, S, S), got {arr.shape}")
        return list(arr), False
    if sp.issparse(P) or isinstance(P, (str, bytes)) or not isinstance(P, (Sequence, np.ndarray)):
        raise TypeError(
            "P must be an (A, S, S) array or a non-empty sequence of A (S, S) matrices, "
            f"got {type(P).__name__}"
        )
    if len(P) == 0:
        raise ValueError("P must be an (A, S, S) array or a non-empty sequence of A (S, S) matrices, got []")
    mats = [_matrix(m, f"P[{a}]") for a, m in enumerate(P)]
    shapes = {m.shape for m in mats}
    if len(shapes) != 1 or next(iter(shapes))[0] != next(iter(shapes))[1]:
        raise ValueError(f"P must hold A square (S, S) matrices of one shape, got shapes {sorted(shapes)}")
    return mats, any(sp.issparse(m) for m in mats)


def _is_matrix(m) -> bool:
    """Whether ``m`` reads as a 2-axis array (False for ragged nested sequences)."""
    try:
        return np.ndim(m) == 2
    except ValueError:
        return False


def _expected_reward(R, mats: list, S: int, A: int) -> np.ndarray:
    """R [S, A] from pymdptoolbox rewards of shape (S, A), (S,) or (A, S, S)."""
    is_stack = isinstance(R, (list, tuple)) or (isinstance(R, np.ndarray) and R.dtype == object)
    if is_stack and len(R) == A and all(sp.issparse(m) or _is_matrix(m) for m in R):
        per_transition = [_matrix(m, f"R[{a}]") for a, m in enumerate(R)]  # A (S, S) matrices
    else:
        arr = as_float_array(R, "R")
        if arr.shape == (S, A):
            return arr
        if arr.shape == (S,):
            return np.repeat(arr[:, None], A, axis=1)
        if arr.shape != (A, S, S):
            raise ValueError(
                f"R must have shape (S, A) = ({S}, {A}), (S,) = ({S},) or (A, S, S), got {arr.shape}"
            )
        per_transition = list(arr)
    out = np.empty((S, A))
    for a, (p, r) in enumerate(zip(mats, per_transition)):
        if r.shape != (S, S):
            raise ValueError(f"R[{a}] must have shape (S, S) = ({S}, {S}), got {r.shape}")
        # Σ_s' P[a, s, s'] R[a, s, s'], elementwise (sparse-aware when either side is sparse).
        if sp.issparse(p) or sp.issparse(r):
            sparse_one, other = (p, r) if sp.issparse(p) else (r, p)
            prod = sp.csr_array(sparse_one).multiply(other)
        else:
            prod = p * r
        out[:, a] = np.asarray(prod.sum(axis=1)).ravel()
    return out


def from_mdptoolbox(P, R, gamma: float, *, terminal=None, name: str = "mdptoolbox") -> FiniteMDP:
    """A FiniteMDP from pymdptoolbox's ``(P, R)``: P[a, s, s'] ``(A, S, S)``, R per its conventions.

    Rewards: ``(S, A)`` as is; ``(S,)`` the same for every action; ``(A, S, S)`` (an array or a
    sequence of A dense or sparse matrices) reduced to R[s, a] = Σ_s' P[a, s, s'] R[a, s, s'].
    Sparse input gives a sparse MDP (``csr_array`` ``[S*A, S]``) without densifying.

    pymdptoolbox has no terminal states; an absorbing zero-reward state left unmarked earns
    τ log A per step at τ > 0. Pass ``terminal`` to mark such states.

    Args:
      P: ``[A, S, S]`` ndarray, or a sequence of A ``[S, S]`` dense or scipy.sparse matrices.
      R: ``[S, A]``, ``[S]`` or ``[A, S, S]`` rewards.
      gamma: discount γ in [0, 1).
      terminal: optional ``[S]`` bool mask of terminal (absorbing, zero-reward) states.
      name: a label for reports.
    Returns:
      FiniteMDP.
    Raises:
      TypeError: P or R not arrays of real numbers (strings, None, complex values, a lone sparse
        matrix for P), or a non-str name; each naming the argument.
      ValueError: shapes that fit none of the conventions, an empty P, NaN or inf entries (naming
        the first), or anything FiniteMDP rejects (γ outside [0, 1), rows not summing to 1,
        negative probabilities, a bad terminal mask).
    """
    # Checked before any conversion; FiniteMDP checks gamma again at the end.
    check_real(gamma, "gamma", low=0.0, high=1.0, open_high=True)
    name = check_str(name, "name")
    mats, sparse = _transition_stack(P)
    A, S = len(mats), mats[0].shape[0]
    R_sa = _expected_reward(R, mats, S, A)
    if sparse:
        # Interleave the A blocks so that row s*A + a holds P[a][s]: stack, then permute rows.
        stacked = sp.vstack([sp.csr_array(m, dtype=np.float64) for m in mats], format="csr")
        order = (np.arange(A)[None, :] * S + np.arange(S)[:, None]).ravel()
        P_fin = stacked[order]
    else:
        P_fin = np.stack(mats, axis=1)  # [S, A, S]
    return FiniteMDP(P_fin, R_sa, gamma, terminal=terminal, name=name)
