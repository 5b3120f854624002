"""Conventions: how someone else's code reads an MDP and a temperature.

The project's own functions take a :class:`~mdps.finite.FiniteMDP` (P ``[S, A, S]`` dense or
sparse, terminal states marked, an optional horizon) and a temperature τ >= 0. Code written
elsewhere reads plain arrays, often in another layout: pymdptoolbox stores P as ``[A, S, S]``,
many libraries take an inverse temperature β = 1/τ, and a textbook soft Bellman operator knows
nothing of terminal states. A :class:`Conventions` value says which, so that the battery
(``checks.subjects``) and the hypothesis strategies (``mdps.strategies.finite_mdps``) give such
code only problems it can read, in the layout it reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mdps.finite import FiniteMDP

__all__ = ["TEMPERATURE_RANGES", "Conventions"]

#: Which temperatures a subject is given: τ > 0 only, τ = 0 only (a classical, hard-max
#: implementation), or both.
TEMPERATURE_RANGES = ("positive", "zero", "all")

_FIELDS = ("temperature", "transitions", "terminal_states", "temperatures", "discounts")


@dataclass(frozen=True)
class Conventions:
    """How a subject reads its arguments.

    Attributes:
      temperature: ``"tau"`` (default): the subject takes τ; ``"beta"``: it takes β = 1/τ
        (β = inf at τ = 0).
      transitions: ``"SAS"`` (default): P ``[S, A, S]``, P[s, a, s'] = P(s'|s, a);
        ``"ASS"``: pymdptoolbox's ``[A, S, S]``, P[a, s, s'].
      terminal_states: False (default): the subject is given only MDPs without terminal states
        (its signature cannot say which states are terminal). True: it is also given MDPs with
        terminal states, and called with the keyword ``terminal=`` (a bool mask ``[S]``), where
        the project's convention V = 0 holds.
      temperatures: which temperatures the subject is given, one of
        :data:`TEMPERATURE_RANGES`: ``"positive"`` (default) τ > 0, ``"zero"`` τ = 0 only (a
        classical implementation), ``"all"`` both.
      discounts: ``"all"`` (default): γ in [0, 1); ``"positive"``: γ in (0, 1) only (for code
        that refuses γ = 0, as pymdptoolbox does).
    Raises:
      ValueError: a value outside those listed.
    """

    temperature: str = "tau"
    transitions: str = "SAS"
    terminal_states: bool = False
    temperatures: str = "positive"
    discounts: str = "all"

    def __post_init__(self) -> None:
        if self.temperature not in ("tau", "beta"):
            raise ValueError(f"temperature must be 'tau' or 'beta', got {self.temperature!r}")
        if self.transitions not in ("SAS", "ASS"):
            raise ValueError(f"transitions must be 'SAS' or 'ASS', got {self.transitions!r}")
        if not isinstance(self.terminal_states, bool):
            raise TypeError(f"terminal_states must be True or False, got {self.terminal_states!r}")
        if self.temperatures not in TEMPERATURE_RANGES:
            raise ValueError(f"temperatures must be one of {TEMPERATURE_RANGES}, got {self.temperatures!r}")
        if self.discounts not in ("all", "positive"):
            raise ValueError(f"discounts must be 'all' or 'positive', got {self.discounts!r}")

    @classmethod
    def parse(cls, items) -> Conventions:
        """From ``NAME=VALUE`` strings, e.g. ``["temperature=beta", "transitions=ASS"]`` (the CLI).

        Raises:
          ValueError: an item that is not ``NAME=VALUE`` with a known NAME, or a bad VALUE.
        """
        kw: dict[str, Any] = {}
        for item in items:
            key, sep, value = str(item).partition("=")
            if not sep or key not in _FIELDS:
                names = ", ".join(_FIELDS)
                raise ValueError(f"a convention is NAME=VALUE with NAME one of {names}; got {item!r}")
            if key == "terminal_states":
                if value.lower() not in ("true", "false"):
                    raise ValueError(f"terminal_states must be true or false, got {value!r}")
                kw[key] = value.lower() == "true"
            else:
                kw[key] = value
        return cls(**kw)

    def accepts_tau(self, tau: float) -> bool:
        """Whether a subject with these conventions is given temperature ``tau``."""
        return {"positive": tau > 0, "zero": tau == 0, "all": tau >= 0}[self.temperatures]

    def accepts(self, mdp: FiniteMDP) -> bool:
        """Whether a subject with these conventions can read ``mdp``: an infinite-horizon MDP
        (the role signatures have no horizon), without terminal states unless
        ``terminal_states``, with γ > 0 if ``discounts`` is ``"positive"``."""
        return (
            mdp.horizon is None
            and (self.terminal_states or not bool(mdp.terminal.any()))
            and (self.discounts == "all" or mdp.gamma > 0)
        )

    def temperature_argument(self, tau: float) -> float:
        """τ as the subject takes it: τ, or β = 1/τ (inf at τ = 0)."""
        if self.temperature == "beta":
            return np.inf if tau == 0 else 1.0 / tau
        return float(tau)

    def arrays(self, mdp: FiniteMDP) -> tuple[np.ndarray, np.ndarray, float]:
        """``(P, R, gamma)`` of ``mdp`` in these conventions: P dense, ``[S, A, S]`` or
        ``[A, S, S]``, R ``[S, A]``; fresh writable copies (a subject may scribble on them)."""
        P = np.array(mdp.dense_P(), dtype=np.float64)
        if self.transitions == "ASS":
            P = np.ascontiguousarray(P.transpose(1, 0, 2))
        return P, np.array(mdp.R, dtype=np.float64), float(mdp.gamma)

    def as_arguments(self) -> list[str]:
        """These conventions as CLI ``--convention NAME=VALUE`` items (defaults left out)."""
        default = Conventions()
        return [
            f"{k}={str(getattr(self, k)).lower() if k == 'terminal_states' else getattr(self, k)}"
            for k in _FIELDS
            if getattr(self, k) != getattr(default, k)
        ]
