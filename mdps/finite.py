"""FiniteMDP: transitions, rewards and discount of a finite MDP, validated once, frozen.

Conventions (DESIGN.md): ``P`` is a dense ``[S, A, S]`` array, or a scipy.sparse matrix of shape
``[S*A, S]`` whose row ``s*A + a`` is P(·|s, a); ``R`` is the expected reward ``[S, A]``.

Terminal states end the episode: their value is 0 for every policy and temperature (no reward,
no decision, no entropy). They must be written as absorbing, zero-reward states, so that a
classical solver that knows nothing of the mask gives the same values at τ = 0.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from mdps.validation import SIMPLEX_ATOL, as_float_array, check_policy, check_real, first_bad

__all__ = [
    "STOCHASTIC_ATOL",
    "FiniteMDP",
    "cell_label",
    "check_infinite_horizon",
    "check_mdp",
    "grid_cells",
    "live_states",
]

#: Tolerance on ``|Σ_s' P(s'|s,a) − 1|``: the simplex tolerance of ``mdps.validation``. A row
#: further off is not a distribution: normalise it before building the MDP. The solvers'
#: certificates account for the defect of the rows accepted (theory.solvers).
STOCHASTIC_ATOL = SIMPLEX_ATOL


def _row_label(row: int, n_actions: int) -> str:
    return f"(s={row // n_actions}, a={row % n_actions})"


@dataclass(frozen=True, eq=False)
class FiniteMDP:
    """A finite MDP (S, A, P, r, γ), optionally finite-horizon and with terminal states.

    Attributes:
      P: ``[S, A, S]`` float64 ndarray, or ``scipy.sparse.csr_array`` of shape ``[S*A, S]``
        (row ``s*A + a``). Entries >= 0, rows sum to 1 within ``STOCHASTIC_ATOL``.
      R: ``[S, A]`` expected reward r(s, a), finite.
      gamma: discount γ; ``0 <= gamma < 1``, or ``gamma == 1`` only with a ``horizon``.
      horizon: ``None`` for the infinite-horizon discounted problem, or the number of decision
        steps H >= 1 of a finite-horizon problem.
      terminal: ``[S]`` bool; terminal states must be absorbing with zero reward.
      name: a label for reports.
      state_labels: ``None``, or S strings naming the states (a state of a grid is named
        :func:`cell_label` ``(row, col)``, optionally followed by a description); stored as a
        tuple.
      action_labels: ``None``, or A strings naming the actions (e.g. ``"left"``), so that a
        reader or a figure never assumes an order of the actions; stored as a tuple.
    Raises:
      TypeError: labels that are not a sequence of str.
      ValueError: naming the offending entry, for wrong shapes, NaN/inf, negative
        probabilities, rows not summing to 1, γ or horizon out of range, a terminal state
        that is not absorbing with zero reward, or labels of the wrong length.
    """

    P: np.ndarray | sp.csr_array
    R: np.ndarray
    gamma: float
    horizon: int | None = None
    terminal: np.ndarray | None = None
    name: str = field(default="mdp")
    state_labels: tuple[str, ...] | None = None
    action_labels: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        R = np.asarray(self.R)
        if R.dtype.kind not in "biuf":
            raise TypeError(f"R must hold real numbers, got dtype {R.dtype}")
        R = np.array(R, dtype=np.float64)  # a private copy, frozen below
        if R.ndim != 2 or 0 in R.shape:
            raise ValueError(f"R must have shape (S, A) with S, A >= 1, got {R.shape}")
        S, A = R.shape
        if not np.isfinite(R).all():
            idx = first_bad(~np.isfinite(R))
            raise ValueError(f"R must be finite; R[s={idx[0]}, a={idx[1]}] = {R[idx]}")
        P = self._validated_P(self.P, S, A)
        gamma, horizon = self._validated_discount(self.gamma, self.horizon)
        terminal = self._validated_terminal(self.terminal, P, R)
        R.flags.writeable = False
        object.__setattr__(self, "R", R)
        object.__setattr__(self, "P", P)
        object.__setattr__(self, "gamma", gamma)
        object.__setattr__(self, "horizon", horizon)
        object.__setattr__(self, "terminal", terminal)
        object.__setattr__(self, "name", str(self.name))
        object.__setattr__(self, "state_labels", self._validated_labels(self.state_labels, S, "state_labels"))
        object.__setattr__(
            self, "action_labels", self._validated_labels(self.action_labels, A, "action_labels")
        )

    @staticmethod
    def _validated_labels(labels, n: int, name: str) -> tuple[str, ...] | None:
        if labels is None:
            return None
        if isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence):
            raise TypeError(f"{name} must be a sequence of {n} str or None, got {type(labels).__name__}")
        labels = tuple(labels)
        if len(labels) != n:
            raise ValueError(
                f"{name} must have {n} entries (one per {name.split('_')[0]}), got {len(labels)}"
            )
        for i, label in enumerate(labels):
            if not isinstance(label, str):
                raise TypeError(f"{name}[{i}] must be a str, got {label!r}")
        return labels

    @staticmethod
    def _validated_P(P, S: int, A: int):
        if sp.issparse(P):
            if P.shape != (S * A, S):
                raise ValueError(
                    f"sparse P must have shape (S*A, S) = ({S * A}, {S}) for R of shape "
                    f"({S}, {A}), got {P.shape}"
                )
            if P.dtype.kind not in "biuf":
                raise TypeError(f"P must hold real numbers, got dtype {P.dtype}")
            M = sp.csr_array(P, dtype=np.float64, copy=True)
            M.sum_duplicates()
            M.sort_indices()
            if not np.isfinite(M.data).all():
                k = first_bad(~np.isfinite(M.data))[0]
                row = int(np.searchsorted(M.indptr, k, side="right") - 1)
                raise ValueError(
                    f"P must be finite; P[{_row_label(row, A)}, s'={M.indices[k]}] = {M.data[k]}"
                )
            if (M.data < 0).any():
                k = first_bad(M.data < 0)[0]
                row = int(np.searchsorted(M.indptr, k, side="right") - 1)
                raise ValueError(
                    "transition probabilities must be >= 0; "
                    f"P[{_row_label(row, A)}, s'={M.indices[k]}] = {M.data[k]}"
                )
            sums = np.asarray(M.sum(axis=1)).ravel()
            for arr in (M.data, M.indices, M.indptr):
                arr.flags.writeable = False
        else:
            raw = np.asarray(P)
            if raw.dtype.kind not in "biuf":
                raise TypeError(f"P must hold real numbers, got dtype {raw.dtype}")
            M = np.array(raw, dtype=np.float64)
            if M.shape != (S, A, S):
                raise ValueError(
                    f"dense P must have shape (S, A, S) = ({S}, {A}, {S}) for R of shape "
                    f"({S}, {A}), got {M.shape}"
                )
            if not np.isfinite(M).all():
                s, a, t = first_bad(~np.isfinite(M))
                raise ValueError(f"P must be finite; P[s={s}, a={a}, s'={t}] = {M[s, a, t]}")
            if (M < 0).any():
                s, a, t = first_bad(M < 0)
                raise ValueError(
                    f"transition probabilities must be >= 0; P[s={s}, a={a}, s'={t}] = {M[s, a, t]}"
                )
            sums = M.sum(axis=2).ravel()
            M.flags.writeable = False
        off = np.abs(sums - 1.0) > STOCHASTIC_ATOL
        if off.any():
            row = first_bad(off)[0]
            raise ValueError(
                f"transition rows must sum to 1 (|sum - 1| <= {STOCHASTIC_ATOL}); "
                f"row {_row_label(row, A)} sums to {float(sums[row])!r}"
            )
        return M

    @staticmethod
    def _validated_discount(gamma, horizon) -> tuple[float, int | None]:
        g = check_real(gamma, "gamma")
        if horizon is not None:
            if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
                raise ValueError(f"horizon must be an integer >= 1 or None, got {horizon!r}")
            horizon = int(horizon)
        if not (0.0 <= g <= 1.0) or (g == 1.0 and horizon is None):
            raise ValueError(
                f"gamma must satisfy 0 <= gamma < 1 (gamma == 1 only with a finite horizon), "
                f"got gamma={gamma!r}, horizon={horizon!r}"
            )
        return g, horizon

    @staticmethod
    def _validated_terminal(terminal, P, R: np.ndarray) -> np.ndarray:
        S, A = R.shape
        if terminal is None:
            mask = np.zeros(S, dtype=bool)
        else:
            mask = np.array(terminal)
            if mask.shape != (S,) or mask.dtype != bool:
                raise ValueError(
                    f"terminal must be a bool array of shape ({S},), got dtype {mask.dtype} "
                    f"and shape {mask.shape}"
                )
        for s in np.flatnonzero(mask):
            s = int(s)
            stay = P[s * A : (s + 1) * A, [s]].toarray().ravel() if sp.issparse(P) else P[s, :, s]
            if np.any(np.abs(stay - 1.0) > STOCHASTIC_ATOL) or np.any(R[s] != 0.0):
                raise ValueError(
                    f"terminal state s={s} must be absorbing (P[s, a, s] = 1) with zero reward "
                    f"for every action; got P[s, :, s] = {stay}, R[s] = {R[s]}"
                )
        mask.flags.writeable = False
        return mask

    # --- shape -----------------------------------------------------------------------------
    @property
    def n_states(self) -> int:
        """S, the number of states."""
        return self.R.shape[0]

    @property
    def n_actions(self) -> int:
        """A, the number of actions."""
        return self.R.shape[1]

    @property
    def is_sparse(self) -> bool:
        """Whether ``P`` is stored as a sparse ``[S*A, S]`` matrix."""
        return sp.issparse(self.P)

    @cached_property
    def _P_rows(self):
        """P as a ``[S*A, S]`` operator (a reshaped view when dense), for matrix products."""
        return self.P if self.is_sparse else self.P.reshape(self.n_states * self.n_actions, -1)

    @cached_property
    def max_successors(self) -> int:
        """The largest number of non-zero entries in a row of P (the summation length)."""
        if self.is_sparse:
            return int(np.diff(self.P.indptr).max())
        return int((self.P > 0).sum(axis=2).max())

    @cached_property
    def row_sum_defect(self) -> float:
        """δ: a rigorous bound on max_{s,a} |Σ_s' P(s'|s,a) − 1| in exact arithmetic.

        Rows are accepted within ``STOCHASTIC_ATOL`` of 1, and even rows that sum to 1.0 in
        float64 are usually off in exact arithmetic (0.9 + 0.1 = 1 + 2.8e-17). The solvers'
        certificates carry δ (theory.solvers), so it must bound the *exact* defect of the
        stored numbers. Two bounds, both rigorous (u = 2⁻⁵³, k the longest row):

        - first order, one pass: |ŝ − 1| + (k − 1)·u·ŝ for the float sum ŝ of a row (Higham
          2002, eq. 4.4, any summation order; exact zeros add no error);
        - second order, k passes: Knuth's error-free TwoSum gives the exact sum as ŝ + Σ_j e_j
          with every e_j exact; ŝ − 1 is exact (Sterbenz), and summing the e_j errs by at most
          (k u)²·Σp (Ogita, Rump & Oishi 2005, Sum2).

        The first costs about one sweep; the second k sweeps, so it is taken only where the
        difference can matter: when γ·δ₁ > 10⁻⁹·(1 − γ), i.e. when δ₁ would move the
        certificate's factor γ/(1 − γ) by more than a part in 10⁹ (γ close to 1 or a horizon).
        """
        u = np.finfo(np.float64).eps / 2
        k = self.max_successors
        rows = self._P_rows
        sums = np.asarray(rows.sum(axis=1)).ravel()
        first_order = float(np.abs(sums - 1.0).max() + (k - 1) * u * sums.max() * (1 + 2 * k * u))
        gamma = self.gamma
        if gamma * first_order <= 1e-9 * (1.0 - gamma):
            return first_order
        if self.is_sparse:
            lengths = np.diff(rows.indptr)
            order = np.argsort(-lengths, kind="stable")  # rows with > j entries form a prefix
            starts, lengths = rows.indptr[:-1][order], lengths[order]
            columns = (rows.data[starts[: np.count_nonzero(lengths > j)] + j] for j in range(int(lengths[0])))
        else:
            columns = (rows[:, j] for j in range(rows.shape[1]))
        s, e = np.zeros(sums.size), np.zeros(sums.size)
        for x in columns:
            m = x.size
            t = s[:m] + x
            z = t - s[:m]
            e[:m] += (s[:m] - (t - z)) + (x - z)  # TwoSum: the exact rounding error of s + x
            s[:m] = t
        defect = np.abs((s - 1.0) + e).max()
        return float(min(first_order, defect * (1 + 2 * u) + 2 * (k * u) ** 2))

    @cached_property
    def acyclic_depth(self) -> int | None:
        """Longest number of steps before absorption in a terminal state, or None if cyclic.

        The MDP is acyclic when its transition graph (support of P, terminal self-loops left
        out) has no cycle; then every episode ends within ``acyclic_depth`` steps, and backward
        induction over that many stages gives the infinite-horizon values exactly.
        """
        S, A = self.n_states, self.n_actions
        rows = sp.csr_array(self._P_rows)
        src = np.repeat(np.arange(S), A)[np.repeat(np.arange(S * A), np.diff(rows.indptr))]
        dst = rows.indices
        keep = (rows.data > 0) & ~(self.terminal[src] & (src == dst))
        graph = sp.csr_array((np.ones(keep.sum()), (src[keep], dst[keep])), shape=(S, S))
        graph.sum_duplicates()
        # Resolve states backwards from the terminals: a state's depth is final once all its
        # successors are resolved (Kahn's topological sort); a cycle is never resolved.
        depth = np.where(self.terminal, 0, -1)
        out_left = np.diff(graph.indptr)  # unresolved successors per state
        rev = sp.csr_array(graph.T)
        frontier = list(np.flatnonzero(out_left == 0))  # the terminal states
        while frontier:
            t = frontier.pop()
            for s in rev.indices[rev.indptr[t] : rev.indptr[t + 1]]:
                depth[s] = max(depth[s], depth[t] + 1)
                out_left[s] -= 1
                if out_left[s] == 0:
                    frontier.append(s)
        return int(depth.max()) if (out_left == 0).all() else None

    # --- helpers ---------------------------------------------------------------------------
    def _check_v(self, v) -> np.ndarray:
        return as_float_array(v, "v", shape=(self.n_states,))

    def _check_pi(self, pi) -> np.ndarray:
        return check_policy(pi, self.R.shape)

    def expected_next(self, v) -> np.ndarray:
        """E[v(s') | s, a] = Σ_s' P(s'|s,a) v(s').

        Args:
          v: ``[S]`` values.
        Returns:
          ``[S, A]``.
        """
        return (self._P_rows @ self._check_v(v)).reshape(self.n_states, self.n_actions)

    def dense_P(self) -> np.ndarray:
        """P(s'|s,a) as a dense ``[S, A, S]`` array; a sparse P is expanded (small MDPs only).

        Returns:
          ``[S, A, S]`` read-only array (the stored one when P is dense).
        """
        if not self.is_sparse:
            return self.P
        dense = self.P.toarray().reshape(self.n_states, self.n_actions, self.n_states)
        dense.flags.writeable = False
        return dense

    def P_pi(self, pi):
        """State-to-state transitions under π: P_π(s'|s) = Σ_a π(a|s) P(s'|s,a).

        Args:
          pi: ``[S, A]`` policy, rows on the simplex.
        Returns:
          ``[S, S]``: dense ndarray for dense P, ``csr_array`` for sparse P.
        """
        pi = self._check_pi(pi)
        if self.is_sparse:
            S, A = pi.shape
            # Row s of P_pi mixes rows s*A .. s*A+A-1 of P with weights pi[s]:
            # a sparse [S, S*A] selector times P keeps memory linear in nnz.
            sel = sp.csr_array((pi.ravel(), np.arange(S * A), np.arange(0, S * A + 1, A)), shape=(S, S * A))
            return sp.csr_array(sel @ self.P)
        return np.einsum("sa,sat->st", pi, self.P)

    def r_pi(self, pi) -> np.ndarray:
        """Expected reward under π: r_π(s) = Σ_a π(a|s) r(s,a).

        Args:
          pi: ``[S, A]`` policy.
        Returns:
          ``[S]``.
        """
        return (self._check_pi(pi) * self.R).sum(axis=1)

    def __repr__(self) -> str:
        kind = "sparse" if self.is_sparse else "dense"
        hz = "" if self.horizon is None else f", horizon={self.horizon}"
        return (
            f"FiniteMDP(name={self.name!r}, S={self.n_states}, A={self.n_actions}, "
            f"gamma={self.gamma}{hz}, {kind}, terminal={int(self.terminal.sum())})"
        )


#: A grid state's label starts with its cell: ``"(row, col)"``.
_CELL = re.compile(r"\((\d+), (\d+)\)")


def cell_label(row: int, col: int, description: str = "") -> str:
    """The label of the state at cell (row, col) of a grid: ``"(row, col)"`` then the description.

    Generators and importers of grid problems name their states this way, so that a figure can
    draw a policy cell by cell (:func:`grid_cells`).
    """
    return f"({int(row)}, {int(col)})" + (f" {description}" if description else "")


def grid_cells(mdp: FiniteMDP) -> np.ndarray | None:
    """The grid cell of every state, read from ``mdp.state_labels`` (:func:`cell_label`).

    Returns:
      ``[S, 2]`` int array of (row, col), −1 for states that are not cells (e.g. an added
      terminal sink); None when the MDP has no state labels or no state is a cell, or when two
      states claim one cell (then the states are no grid).
    Raises:
      TypeError: ``mdp`` is not a FiniteMDP.
    """
    check_mdp(mdp)
    if mdp.state_labels is None:
        return None
    cells = np.full((mdp.n_states, 2), -1)
    for s, label in enumerate(mdp.state_labels):
        if m := _CELL.match(label):
            cells[s] = int(m.group(1)), int(m.group(2))
    on_grid = cells[:, 0] >= 0
    if not on_grid.any() or len({tuple(c) for c in cells[on_grid]}) < on_grid.sum():
        return None
    return cells


def live_states(mdp: FiniteMDP) -> np.ndarray:
    """The states worth showing: not terminal, and entered from some other state by some action.

    A state no other state can enter (a gridworld's wall; FrozenLake's holes and goal when
    terminated transitions go to a sink, :func:`mdps.interop.from_gymnasium`) never enters
    another state's value; figures leave such states, and terminal ones, out.

    Returns:
      ``[S]`` bool.
    Raises:
      TypeError: ``mdp`` is not a FiniteMDP.
    """
    check_mdp(mdp)
    rows = sp.csr_array(mdp._P_rows)
    source = np.repeat(np.arange(mdp.n_states), mdp.n_actions)[
        np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
    ]
    entered = np.zeros(mdp.n_states, dtype=bool)
    entered[rows.indices[(rows.data > 0) & (rows.indices != source)]] = True
    return entered & ~mdp.terminal


def check_mdp(mdp, name: str = "mdp") -> FiniteMDP:
    """``mdp`` if it is a :class:`FiniteMDP`, else TypeError naming ``name``."""
    if not isinstance(mdp, FiniteMDP):
        raise TypeError(f"{name} must be a FiniteMDP, got {type(mdp).__name__}")
    return mdp


def check_infinite_horizon(mdp, name: str = "mdp") -> FiniteMDP:
    """``mdp`` if it is an infinite-horizon :class:`FiniteMDP` (no horizon, so γ < 1), for the
    functions that solve the discounted problem; TypeError if it is not a FiniteMDP, ValueError
    if it has a horizon."""
    if check_mdp(mdp, name).horizon is not None:
        raise ValueError(
            f"{name} must be an infinite-horizon MDP (no horizon, gamma < 1), got {mdp.name!r} with "
            f"horizon={mdp.horizon}, gamma={mdp.gamma}"
        )
    return mdp
