"""The claims catalogue ``docs/claims.md``, generated from the registry.

``python -m checks --catalogue docs/claims.md`` writes it; ``tests/test_catalogue.py`` checks the
committed file equals what the registry generates. One section per slide of the seed deck, in
deck order (:data:`theory.deck.SLIDES`), then the claims that cite no slide ("Beyond the deck").
"""

from __future__ import annotations

from collections.abc import Sequence

from checks.base import Claim
from theory.deck import SLIDES, slides_cited

__all__ = ["CATALOGUE_COMMAND", "catalogue_markdown"]

#: The command that regenerates the committed catalogue (run from the repository's root).
CATALOGUE_COMMAND = "python -m checks --catalogue docs/claims.md"


def _entry(claim: Claim) -> str:
    kind = (
        "exact (fails a true claim at no seed)"
        if claim.false_alarm == 0
        else f"statistical (false-alarm level {claim.false_alarm:g} per seed)"
    )
    roles = ", ".join(f"`{r}`" for r in claim.roles) or "none (checks the project's own theory only)"
    return (
        f"### {claim.id}\n\n"
        f"{claim.statement}\n\n"
        f"- source: {claim.source}\n"
        f"- check: {kind}\n"
        f"- roles a user's implementation can play: {roles}\n"
    )


def catalogue_markdown(claims: Sequence[Claim]) -> str:
    """The catalogue: every claim's id, statement, source, kind of check and roles, by slide.

    A claim citing several slides is listed under the first (in deck order).

    Args:
      claims: the claims, in report order (``[c for c, _ in checks.registered()]``).
    Returns:
      Markdown text, ending in a newline.
    Raises:
      ValueError: a claim's source cites a slide the deck does not have.
    """
    by_slide: dict[str, list[Claim]] = {s.title: [] for s in SLIDES}
    beyond = []
    for claim in claims:
        cited = slides_cited(claim.source)
        (by_slide[cited[0]] if cited else beyond).append(claim)
    parts = [
        "# Claims catalogue\n",
        f"Generated from the registry by `{CATALOGUE_COMMAND}`; do not edit by hand. "
        f"{len(claims)} claims. Each is a row of `python -m checks` (its id, verdict, worst "
        "measured violation and tolerance); `python -m figures --walkthrough` shows them slide by "
        'slide with their figures. Slides are those of the seed deck, "Maximum Entropy '
        'Reinforcement Learning" (Guo-Yu Yang, 2020), quoted by title.\n',
    ]
    for slide in SLIDES:
        if by_slide[slide.title]:
            parts.append(f'## Slide "{slide.title}"\n\n{slide.statement}\n')
            parts.extend(_entry(c) for c in by_slide[slide.title])
    if beyond:
        parts.append(
            "## Beyond the deck\n\nResults the deck does not state: the papers it cites, and "
            "where its statements stop being true.\n"
        )
        parts.extend(_entry(c) for c in beyond)
    return "\n".join(parts)
