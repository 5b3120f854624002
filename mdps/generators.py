"""Seeded, named generators of finite MDPs: Garnet, chain, gridworld, cliff walk, D-chain,
entropy trap.

Every generator validates its arguments with the guards of :mod:`mdps.validation` (``TypeError``
for an argument of the wrong kind, ``ValueError`` for a bad value, each naming the argument) and
returns a :class:`~mdps.finite.FiniteMDP` with a descriptive ``name``. Randomness comes only from
``numpy.random.default_rng(seed)``: the same arguments give a bit-identical MDP.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import scipy.sparse as sp

from mdps.finite import FiniteMDP, cell_label
from mdps.validation import check_bool, check_int, check_real, check_seed, check_str

__all__ = [
    "MAX_ENTRIES",
    "chain",
    "cliff_walk",
    "d_chain",
    "entropy_trap",
    "garnet",
    "gridworld",
    "random_dag",
]

#: Grid moves (Δrow, Δcol) of the four gridworld actions: 0 up, 1 right, 2 down, 3 left.
_MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])
#: Their labels (FiniteMDP.action_labels), in that order.
_ACTION_LABELS = ("up", "right", "down", "left")


# --- argument validation -------------------------------------------------------------------
#: Most entries of P a generator builds: dense S·A·S, or S·A·b for a sparse Garnet. 2²⁸ entries
#: are a 2 GiB dense P (a sparse Garnet needs about five times its entries in working memory).
#: Far past it numpy fails with "Maximum allowed dimension exceeded", or the machine runs out of
#: memory, so such sizes are refused first, by name.
MAX_ENTRIES = 2**28


def _check_entries(entries: int, sizes: str) -> None:
    """ValueError naming ``sizes`` (the size arguments) when P would have more than MAX_ENTRIES."""
    if entries > MAX_ENTRIES:
        raise ValueError(f"{sizes}: P would have {float(entries):.3g} entries, more than MAX_ENTRIES = 2**28")


def _check_gamma(gamma) -> float:
    return check_real(gamma, "gamma", low=0.0, high=1.0, open_high=True)


def _check_name(name) -> str | None:
    return None if name is None else check_str(name, "name")


def _check_cell(name: str, cell, rows: int, cols: int) -> int:
    """The flat index ``r*cols + c`` of ``cell = (r, c)``: TypeError naming ``name`` unless a
    tuple of two ints, ValueError unless inside the grid."""
    if not (isinstance(cell, tuple) and len(cell) == 2):
        raise TypeError(f"{name}: cell {cell!r} must be a (row, col) tuple of ints")
    r = check_int(cell[0], f"{name}: the row of cell {cell!r}", low=0, high=rows - 1)
    c = check_int(cell[1], f"{name}: the column of cell {cell!r}", low=0, high=cols - 1)
    return r * cols + c


# --- shared construction -------------------------------------------------------------------
def _transitions(succ: np.ndarray, prob: np.ndarray, *, sparse: bool = False):
    """P from a successor table: P(s'|s,a) = Σ_k prob[s,a,k] · [succ[s,a,k] = s'].

    The CSR matrix is laid out directly (row ``s*A + a`` holds K entries); a dense array is
    made from it only when asked for.

    Args:
      succ: ``[S, A, K]`` successor states; repeats within a row are summed.
      prob: ``[S, A, K]`` their probabilities.
      sparse: return a ``csr_array`` ``[S*A, S]`` instead of a dense ``[S, A, S]`` array.
    """
    S, A, K = succ.shape
    # Fresh, writable copies: sum_duplicates sorts in place, and the inputs may be read-only
    # broadcast views or arrays the caller still holds.
    data, indices = np.array(prob, dtype=np.float64), np.array(succ, dtype=np.int64)
    P = sp.csr_array((data.ravel(), indices.ravel(), np.arange(0, S * A * K + 1, K)), shape=(S * A, S))
    P.sum_duplicates()
    return P if sparse else P.toarray().reshape(S, A, S)


def _distinct_successors(rng: np.random.Generator, n_rows: int, n_states: int, k: int):
    """``[n_rows, k]`` states, distinct within a row, every k-subset equally likely.

    Floyd's algorithm (Bentley & Floyd 1987, "A sample of brilliance"), vectorised over rows:
    for j = S−k, …, S−1 draw t uniform on {0, …, j} and keep t, or j if t was already taken.
    Cost O(n_rows · k²) time, O(n_rows · k) memory: no row of length S is ever built.
    """
    out = np.empty((n_rows, k), dtype=np.int64)
    for i, j in enumerate(range(n_states - k, n_states)):
        t = rng.integers(0, j + 1, size=n_rows)
        taken = (out[:, :i] == t[:, None]).any(axis=1)
        out[:, i] = np.where(taken, j, t)
    return out


def _grid_mdp(rows, cols, *, gamma, slip, step_reward, walls, terminals, portals, name):
    """The gridworld machinery behind :func:`gridworld` and :func:`cliff_walk` (arguments
    already validated; cells as flat indices).

    Action a makes move m with probability (1−slip)·[m = a] + slip/4; a move into the border or
    a wall stays put. Every move pays ``step_reward`` plus the entry reward of the cell it
    enters, and a portal then puts the agent on its landing cell. Terminals are absorbing;
    walls and portals are never occupied and self-loop. All three have zero reward.

    Args:
      walls: flat indices of cells that are never entered.
      terminals: {flat index: reward paid on entering}.
      portals: {flat index: (landing flat index, reward paid on entering)}.
    """
    S = rows * cols
    here = np.arange(S)[:, None]
    r, c = np.divmod(here, cols)
    tr, tc = r + _MOVES[:, 0], c + _MOVES[:, 1]
    inside = (0 <= tr) & (tr < rows) & (0 <= tc) & (tc < cols)
    target = np.where(inside, tr * cols + tc, here)  # [S, 4] cell entered by move m
    is_wall = np.isin(np.arange(S), list(walls))
    target = np.where(is_wall[target], here, target)

    entry = np.zeros(S)
    land = np.arange(S)
    for cell, reward in terminals.items():
        entry[cell] = reward
    for cell, (dest, reward) in portals.items():
        entry[cell], land[cell] = reward, dest
    idle = is_wall.copy()
    idle[list(terminals) + list(portals)] = True

    weights = (1.0 - slip) * np.eye(4) + slip / 4  # [A, 4]: P(move m | action a)
    R = step_reward + entry[target] @ weights.T  # R[s,a] = step + Σ_m w[a,m]·entry[target[s,m]]
    succ = land[target]
    succ[idle] = here[idle]
    R[idle] = 0.0
    P = _transitions(np.broadcast_to(succ[:, None, :], (S, 4, 4)), np.broadcast_to(weights, (S, 4, 4)))
    terminal = np.isin(np.arange(S), list(terminals))
    kinds = {**{w: "wall" for w in walls}, **{p: "portal" for p in portals}}
    kinds.update({t: f"terminal {reward:+g}" for t, reward in terminals.items()})
    return FiniteMDP(
        P,
        R,
        gamma,
        terminal=terminal,
        name=name,
        state_labels=[cell_label(*divmod(s, cols), kinds.get(s, "")) for s in range(S)],
        action_labels=_ACTION_LABELS,
    )


# --- public generators ---------------------------------------------------------------------
def garnet(
    n_states: int,
    n_actions: int,
    branching: int,
    *,
    gamma: float = 0.9,
    seed: int = 0,
    sparse: bool = False,
    name: str | None = None,
) -> FiniteMDP:
    """A random Garnet MDP ("Generic Average Reward Non-stationary Environment Testbed").

    For every (s, a): b distinct successors s'_1..s'_b drawn uniformly without replacement, and
    (P(s'_1|s,a), …, P(s'_b|s,a)) = the spacings of b−1 sorted U[0,1) draws, which is
    Dirichlet(1, …, 1); r(s, a) ~ U[0, 1). The draws (successors, then spacings, then rewards)
    do not depend on ``sparse``: the same seed gives the same P in either layout.

    Source: Archibald, McKinnon & Thomas (1995), "On the generation of Markov decision
    processes", J. Oper. Res. Soc. 46; Bhatnagar, Sutton, Ghavamzadeh & Lee (2009), "Natural
    actor-critic algorithms", Automatica 45, Sec. 6.

    Args:
      n_states: S >= 1.
      n_actions: A >= 1.
      branching: b in [1, S], successors per (s, a).
      gamma: discount in [0, 1).
      seed: an int in [0, SEED_MAX] (mdps.validation) for ``numpy.random.default_rng``; None
        (fresh entropy) is refused, so every MDP can be generated again.
      sparse: P as a ``csr_array`` ``[S*A, S]`` (row ``s*A + a``) built without any dense
        ``[S, A, S]`` array; memory O(S·A·b). Otherwise a dense ``[S, A, S]`` array.
      name: label; default ``"garnet(S=..,A=..,b=..,seed=..)"``.
    Returns:
      FiniteMDP with P ``[S, A, S]`` (or ``[S*A, S]``) and R ``[S, A]``.
    Raises:
      TypeError: an argument of the wrong kind (a string, None, a float or bool for a count),
        naming it.
      ValueError: a value out of range, naming the argument; sizes for which P would have
        more than MAX_ENTRIES entries.
    """
    S = check_int(n_states, "n_states", low=1)
    A = check_int(n_actions, "n_actions", low=1)
    b = check_int(branching, "branching", low=1, high=S)
    gamma = _check_gamma(gamma)
    seed = check_seed(seed)
    sparse = check_bool(sparse, "sparse")
    name = _check_name(name)
    sizes = f"n_states={S}, n_actions={A}, branching={b}, sparse={sparse}"
    _check_entries(S * A * (b if sparse else S), sizes)
    rng = np.random.default_rng(seed)
    succ = _distinct_successors(rng, S * A, S, b)
    cuts = np.sort(rng.random((S * A, b - 1)), axis=1)
    # Probabilities are exchangeable, so pairing them with Floyd's (non-uniform) order of the
    # successor set leaves the joint law of P(·|s,a) as stated.
    prob = np.diff(cuts, axis=1, prepend=0.0, append=1.0)
    R = rng.random((S, A))
    P = _transitions(succ.reshape(S, A, b), prob.reshape(S, A, b), sparse=sparse)
    return FiniteMDP(P, R, gamma, name=name or f"garnet(S={S},A={A},b={b},seed={seed})")


def chain(n: int, *, gamma: float = 0.9, slip: float = 0.0, name: str | None = None) -> FiniteMDP:
    """An n-state chain with a sparse reward at its right end (deterministic; no seed).

    States 0..n−1; action 0 = left, 1 = right. The intended move happens with probability
    1 − slip, the opposite one with probability slip; a move off either end stays put.
    r(s, a) = [s = n−1 and a = right].

    Args:
      n: number of states, >= 1.
      gamma: discount in [0, 1).
      slip: probability in [0, 1] of moving the other way.
      name: label; default ``"chain(n=..,slip=..)"``.
    Returns:
      FiniteMDP with P ``[n, 2, n]`` and R ``[n, 2]``.
    Raises:
      TypeError: an argument of the wrong kind (a string, None, a float or bool for a count),
        naming it.
      ValueError: a value out of range, naming the argument; sizes for which P would have
        more than MAX_ENTRIES entries.
    """
    n = check_int(n, "n", low=1)
    gamma = _check_gamma(gamma)
    slip = check_real(slip, "slip", low=0.0, high=1.0)
    name = _check_name(name)
    _check_entries(n * 2 * n, f"n={n}")
    moves = np.clip(np.arange(n)[:, None] + np.array([-1, 1]), 0, n - 1)  # [n, 2]
    # The opposite of left is right: column order reversed.
    succ = np.stack([moves, moves[:, ::-1]], axis=-1)
    prob = np.broadcast_to([1.0 - slip, slip], succ.shape)
    R = np.zeros((n, 2))
    R[n - 1, 1] = 1.0
    return FiniteMDP(_transitions(succ, prob), R, gamma, name=name or f"chain(n={n},slip={slip:g})")


def gridworld(
    rows: int,
    cols: int,
    *,
    gamma: float = 0.9,
    slip: float = 0.0,
    terminals: dict[tuple[int, int], float] | None = None,
    step_reward: float = 0.0,
    walls=(),
    name: str | None = None,
) -> FiniteMDP:
    """A gridworld with slippery moves, walls and rewarding terminal cells.

    State r·cols + c is cell (r, c); actions 0 up, 1 right, 2 down, 3 left. With probability
    1 − slip the intended move, with probability slip a uniformly random one of the four (so the
    intended move has 1 − slip + slip/4). Moving into the border or a wall stays put. Terminal
    rewards are paid on entering:

        r(s, a) = step_reward + Σ_s' P(s'|s,a) · terminal_reward(s').

    Terminal cells are absorbing with zero reward (marked in ``terminal``); wall cells are kept
    as unreachable, self-looping, zero-reward, non-terminal states.

    Args:
      rows, cols: grid size, each >= 1.
      gamma: discount in [0, 1).
      slip: probability in [0, 1] of a uniformly random move.
      terminals: a dict {(r, c): reward on entering}; default ``{(rows−1, cols−1): 1.0}``; ``{}`` for
        none.
      step_reward: reward of every move from a non-terminal cell.
      walls: iterable of (r, c) cells that can never be entered.
      name: label; default ``"gridworld(rows=..,cols=..,slip=..)"``.
    Returns:
      FiniteMDP with P ``[S, 4, S]``, R ``[S, 4]``, ``terminal`` ``[S]``; S = rows·cols; state
      labels ``"(r, c)"`` (mdps.finite.cell_label, with "wall" or "terminal +1" where so), action
      labels ``up, right, down, left``.
    Raises:
      TypeError: an argument of the wrong kind (a string, None, a float or bool for a count),
        naming it.
      ValueError: a value out of range, naming the argument or cell; sizes for which P would
        have more than MAX_ENTRIES entries.
    """
    rows = check_int(rows, "rows", low=1)
    cols = check_int(cols, "cols", low=1)
    gamma = _check_gamma(gamma)
    slip = check_real(slip, "slip", low=0.0, high=1.0)
    step_reward = check_real(step_reward, "step_reward")
    name = _check_name(name)
    _check_entries((rows * cols) ** 2 * 4, f"rows={rows}, cols={cols}")
    if terminals is None:
        terminals = {(rows - 1, cols - 1): 1.0}
    if not isinstance(terminals, Mapping):
        raise TypeError(f"terminals must be a dict {{(row, col): reward}} or None, got {terminals!r}")
    goals = {
        _check_cell("terminals", cell, rows, cols): check_real(reward, f"terminals[{cell!r}]")
        for cell, reward in terminals.items()
    }
    if isinstance(walls, (str, bytes)) or not isinstance(walls, Iterable):
        raise TypeError(f"walls must be an iterable of (row, col) cells, got {walls!r}")
    blocked = {_check_cell("walls", cell, rows, cols) for cell in walls}
    if both := blocked & goals.keys():
        cell = divmod(min(both), cols)
        raise ValueError(f"walls: cell {cell} is also in terminals; a cell is one or the other")
    return _grid_mdp(
        rows,
        cols,
        gamma=gamma,
        slip=slip,
        step_reward=step_reward,
        walls=blocked,
        terminals=goals,
        portals={},
        name=name or f"gridworld(rows={rows},cols={cols},slip={slip:g})",
    )


def cliff_walk(
    rows: int = 4,
    cols: int = 12,
    *,
    gamma: float = 0.9,
    slip: float = 0.0,
    name: str | None = None,
) -> FiniteMDP:
    """The cliff-walking gridworld.

    Start (rows−1, 0), terminal goal (rows−1, cols−1), the cells between them on the bottom row
    are the cliff. Every move costs −1; a move into the cliff costs −100 instead and puts the
    agent back on the start (not terminal). Cliff cells are never occupied (self-looping, zero
    reward). Moves and slip as in :func:`gridworld`.

    Source: Sutton & Barto (2018), "Reinforcement Learning: An Introduction", 2nd ed.,
    Example 6.6.

    Args:
      rows: >= 1.
      cols: >= 3, so that there is a cliff.
      gamma: discount in [0, 1).
      slip: probability in [0, 1] of a uniformly random move.
      name: label; default ``"cliff_walk(rows=..,cols=..,slip=..)"``.
    Returns:
      FiniteMDP with P ``[S, 4, S]``, R ``[S, 4]``, ``terminal`` ``[S]``; S = rows·cols; state
      labels ``"(r, c)"`` (mdps.finite.cell_label, with "wall" or "terminal +1" where so), action
      labels ``up, right, down, left``.
    Raises:
      TypeError: an argument of the wrong kind (a string, None, a float or bool for a count),
        naming it.
      ValueError: a value out of range, naming the argument; sizes for which P would have
        more than MAX_ENTRIES entries.
    """
    rows = check_int(rows, "rows", low=1)
    cols = check_int(cols, "cols", low=3)
    gamma = _check_gamma(gamma)
    slip = check_real(slip, "slip", low=0.0, high=1.0)
    name = _check_name(name)
    _check_entries((rows * cols) ** 2 * 4, f"rows={rows}, cols={cols}")
    start, goal = (rows - 1) * cols, rows * cols - 1
    step, fall = -1.0, -100.0
    return _grid_mdp(
        rows,
        cols,
        gamma=gamma,
        slip=slip,
        step_reward=step,
        walls=set(),
        terminals={goal: 0.0},
        # The entry reward comes on top of the step cost: step + (fall − step) = fall.
        portals={cell: (start, fall - step) for cell in range(start + 1, goal)},
        name=name or f"cliff_walk(rows={rows},cols={cols},slip={slip:g})",
    )


def d_chain(n: int, final_reward: float, *, name: str | None = None) -> FiniteMDP:
    """The finite-horizon D-chain, a deceptive tree-search benchmark.

    States 0..n−1 are the chain s¹..sⁿ (0 is the root), state n is terminal. Actions 0 = L,
    1 = R. From chain state i, L pays (n−1−i)/n and ends the episode; R pays 0 and moves to
    i + 1, except at i = n−1 where R pays ``final_reward`` and ends the episode. γ = 1 with
    horizon n.

    Source: Coquelin & Munos (2007), "Bandit algorithms for tree search", UAI, Sec. 2 (the
    D-chain); rewards of the modified D-chain used to compare MENTS with UCT.

    Args:
      n: chain length, >= 1.
      final_reward: reward of R at the last chain state, finite.
      name: label; default ``"d_chain(n=..,final_reward=..)"``.
    Returns:
      FiniteMDP with P ``[n+1, 2, n+1]``, R ``[n+1, 2]``, gamma 1, horizon n, terminal state n.
    Raises:
      TypeError: an argument of the wrong kind (a string, None, a float or bool for a count),
        naming it.
      ValueError: a value out of range, naming the argument; sizes for which P would have
        more than MAX_ENTRIES entries.
    """
    n = check_int(n, "n", low=1)
    final_reward = check_real(final_reward, "final_reward")
    name = _check_name(name)
    _check_entries((n + 1) * 2 * (n + 1), f"n={n}")
    chain_states = np.arange(n)
    succ = np.full((n + 1, 2, 1), n)  # every move ends in the terminal state ...
    succ[: n - 1, 1, 0] = chain_states[1:]  # ... except R along the chain
    R = np.zeros((n + 1, 2))
    R[:n, 0] = (n - 1 - chain_states) / n
    R[n - 1, 1] = final_reward
    return FiniteMDP(
        _transitions(succ, np.ones(succ.shape)),
        R,
        1.0,
        horizon=n,
        terminal=np.arange(n + 1) == n,
        name=name or f"d_chain(n={n},final_reward={final_reward:g})",
    )


def entropy_trap(n: int, k: int, *, name: str | None = None) -> FiniteMDP:
    """The D-chain with an entropy trap: a rewarding exit beside a zero-reward entropy chain.

    States 0..n−1 are the chain s¹..sⁿ (0 is the root); actions 0 = L, 1 = R. From chain state
    i, L pays (n−1−i)/n and ends (0 at the last chain state); R pays 0 and moves on, from the
    last chain state to s^E (state n). At s^E, R pays 1 and ends; L pays 0 and enters s^F, the
    first of k binary choices that all pay 0 (the "entropy chain"); the k-th choice ends.

    The entropy chain is laid out as the search sees it without a transposition table: a
    complete binary tree of depth k (states n+1 … n+2^k−1, breadth first, node j's action a
    leads to node 2j+1+a), so that every non-terminal state has one parent (theory.mcts needs
    a tree). Painter's figure draws it as two rows of k states whose two actions both lead to
    the next column (|S| = 4D + 3 when k = D, counting a terminal state per exit); the soft
    values are the same, each binary choice adding τ log 2: V*_τ(s^F) = τ k log 2.

    Source: Painter et al. 2023 (NeurIPS), "Monte Carlo tree search with Boltzmann
    exploration", the entropy-trap MDP (Painter's DPhil thesis, figure
    ``entropy_trap_mdp_colour_xtra_label`` and theorem ``thrm:ments_bad_mdp``; experiments with
    k = n = 10).

    Args:
      n: chain length D >= 1.
      k: number of binary choices in the entropy chain, >= 1.
      name: label; default ``"entropy_trap(n=..,k=..)"``.
    Returns:
      FiniteMDP with sparse P (``[S·2, S]`` CSR), R ``[S, 2]``, S = n + 2^k + 1 (the last state
      terminal), gamma 1, horizon n + k + 1.
    Raises:
      TypeError: an argument of the wrong kind, naming it.
      ValueError: a value out of range, naming the argument; sizes for which P would have
        more than MAX_ENTRIES entries.
    """
    n = check_int(n, "n", low=1)
    k = check_int(k, "k", low=1)
    name = _check_name(name)
    S = n + 2**k + 1
    _check_entries(S * 2, f"n={n}, k={k}")
    end, exit_, trap = S - 1, n, n + 1  # terminal state, s^E, s^F (the tree's node 0)
    succ = np.full((S, 2, 1), end)
    succ[: n - 1, 1, 0] = np.arange(1, n)  # R along the chain ...
    succ[n - 1, 1, 0] = exit_  # ... and from its end to s^E
    succ[exit_, 0, 0] = trap
    inner = np.arange(2 ** (k - 1) - 1)  # the tree's nodes above its last level
    succ[trap + inner, :, 0] = trap + 2 * inner[:, None] + 1 + np.arange(2)
    R = np.zeros((S, 2))
    R[:n, 0] = (n - 1 - np.arange(n)) / n
    R[exit_, 1] = 1.0
    return FiniteMDP(
        _transitions(succ, np.ones(succ.shape), sparse=True),
        R,
        1.0,
        horizon=n + k + 1,
        terminal=np.arange(S) == end,
        name=name or f"entropy_trap(n={n},k={k})",
    )


def random_dag(
    n_states: int,
    n_actions: int,
    *,
    gamma: float = 0.9,
    seed: int = 0,
    name: str | None = None,
) -> FiniteMDP:
    """A random acyclic MDP: from state i every action moves to states > i; the last is terminal.

    For s < S−1 and every a, P(·|s, a) ~ Dirichlet(1, …, 1) over the states s+1, …, S−1 and
    r(s, a) ~ U[−1, 1); state S−1 is terminal (absorbing, zero reward). Every episode ends
    within S−1 steps, so backward induction over S−1 stages gives the exact infinite-horizon
    values: an oracle independent of value iteration (CLAIMS D3).

    Args:
      n_states: S >= 1 (S = 1 is a lone terminal state).
      n_actions: A >= 1.
      gamma: discount in [0, 1).
      seed: an int in [0, SEED_MAX] (mdps.validation) for ``numpy.random.default_rng``; None
        (fresh entropy) is refused, so every MDP can be generated again.
      name: label; default ``"random_dag(S=..,A=..,seed=..)"``.
    Returns:
      FiniteMDP with dense P ``[S, A, S]``, R ``[S, A]``, ``acyclic_depth <= S − 1``.
    Raises:
      TypeError: an argument of the wrong kind (a string, None, a float or bool for a count),
        naming it.
      ValueError: a value out of range, naming the argument; sizes for which P would have
        more than MAX_ENTRIES entries.
    """
    S = check_int(n_states, "n_states", low=1)
    A = check_int(n_actions, "n_actions", low=1)
    gamma = _check_gamma(gamma)
    seed = check_seed(seed)
    name = _check_name(name)
    _check_entries(S * A * S, f"n_states={S}, n_actions={A}")
    rng = np.random.default_rng(seed)
    # Successor k of state s is s + 1 + k; past the end it is the terminal state with weight 0.
    K = max(S - 1, 1)
    later = np.arange(S)[:, None] + 1 + np.arange(K)[None, :]  # [S, K]
    valid = np.broadcast_to((later < S)[:, None, :], (S, A, K))
    succ = np.broadcast_to(np.minimum(later, S - 1)[:, None, :], (S, A, K))
    weight = np.where(valid, rng.exponential(size=(S, A, K)), 0.0)  # normalised: Dirichlet(1)
    weight[S - 1, :, 0] = 1.0  # the terminal state loops on itself
    R = np.where(np.arange(S)[:, None] < S - 1, rng.uniform(-1.0, 1.0, size=(S, A)), 0.0)
    return FiniteMDP(
        _transitions(succ, weight / weight.sum(axis=2, keepdims=True)),
        R,
        gamma,
        terminal=np.arange(S) == S - 1,
        name=name or f"random_dag(S={S},A={A},seed={seed})",
    )
