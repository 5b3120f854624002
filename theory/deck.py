"""The seed deck's outline: its slide titles in order, and which slides a claim's source cites.

The deck ("Maximum Entropy Reinforcement Learning", Guo-Yu Yang, 2020) is not part of the
repository; every claim quotes the title of the slide it checks in its ``source``, as
``seed deck, 'Algorithm: Soft Q-Iteration'``. :data:`SLIDES` lists the deck's distinct slide
titles in the order they first appear, each with what the slide states, in one line, so that a
reader (``docs/claims.md``, the walkthrough of ``python -m figures --walkthrough``) can follow
the deck without it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["SLIDES", "Slide", "slides_cited"]


@dataclass(frozen=True)
class Slide:
    """A slide title of the deck (slides sharing a title count as one) and its statement."""

    title: str
    statement: str


#: The deck's slide titles in deck order (title pages, outline, summary and references left out).
SLIDES = (
    Slide(
        "Background: entropy regularized policy optimization problem",
        "max_π {π·q + τH(π)} with the entropy H(π) = −Σ_a π_a log π_a; τ ≥ 0 sets the exploration.",
    ),
    Slide(
        "Background: Softmax function",
        "The softmax F_τ(q) = τ log Σ_a exp(q_a/τ) and its gradient, the soft-indmax "
        "f_τ(q) = exp((q − F_τ(q))/τ).",
    ),
    Slide(
        "Background: the connection",
        "F_τ(q) = max_π {π·q + τH(π)} = f_τ(q)·q + τH(f_τ(q)), attained at π* = f_τ(q); the softmax "
        "bounds the max from above, the gap is the entropy, and τ → 0 gives the hard max. Proof by "
        "the conjugate F*_τ(p) = τ p log p and by the KKT conditions.",
    ),
    Slide(
        "Redefinition: Bellman function",
        "Soft Q and soft V: V*(s) = τ log ∫ exp(Q*(s, a)/τ) da, the Boltzmann optimal policy "
        "π* = exp((Q* − V*)/τ) and the soft Bellman equation Q* = r + γ E[V*(s')].",
    ),
    Slide(
        "Redefinition: policy improvement theorem",
        "π̃ ∝ exp(Q^π) gives Q^π̃ ≥ Q^π, through the one-step inequality τH(π) + E_π Q^π ≤ τH(π̃) + E_π̃ Q^π.",
    ),
    Slide(
        "Algorithm: Soft Q-Iteration",
        "Q ← r + γ E[V(s')], V ← τ log ∫ exp(Q/τ) converges to Q*, V*: the soft Bellman operator "
        "is a γ-contraction in the sup-norm.",
    ),
    Slide(
        "Algorithm: Soft Q-learning",
        "Algorithm 1: sampled soft Q-learning with an importance-sampled soft value and a "
        "Stein variational policy update.",
    ),
    Slide(
        "Algorithm: Maximum entropy monte-carlo planning",
        "E2W, the softmax bandit's error rate, and MENTS: softmax backups, E2W tree policy, and "
        "P(a_t ≠ a*) ≤ C t exp(−t/(log t)³), faster than UCT.",
    ),
    Slide(
        "Other Algorithm I",
        "Path consistency learning, soft Q-learning as policy gradient, hierarchical latent-space "
        "policies, composition of soft Q functions.",
    ),
    Slide(
        "Other Algorithm II",
        "Soft actor-critic, automatic temperature tuning, soft policy gradient.",
    ),
)

_QUOTE = re.compile(r"seed deck, '([^']+)'")


def slides_cited(source: str) -> tuple[str, ...]:
    """The titles of :data:`SLIDES` that a claim's ``source`` cites, in deck order.

    A citation is ``seed deck, '<title>'``; ``<title>`` names the slide of that title, or the
    slide ``"<kind>: <title>"`` (e.g. ``'Maximum entropy monte-carlo planning'`` is the slide
    ``'Algorithm: Maximum entropy monte-carlo planning'``).

    Args:
      source: a claim's source string.
    Returns:
      titles, possibly empty (a claim beyond the deck).
    Raises:
      TypeError: ``source`` is not a str.
      ValueError: a quoted title that is no slide of the deck (a typo), naming it.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be a str, got {type(source).__name__}")
    cited = set()
    for quote in _QUOTE.findall(source):
        match = [s.title for s in SLIDES if s.title == quote or s.title.endswith(f": {quote}")]
        if not match:
            raise ValueError(
                f"source cites the slide {quote!r}, which the deck does not have; slides: "
                + "; ".join(s.title for s in SLIDES)
            )
        cited.update(match)
    return tuple(s.title for s in SLIDES if s.title in cited)
