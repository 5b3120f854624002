"""The claims catalogue (docs/claims.md), the deck's slide titles the claims cite, the version."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import checks
import figures
from checks.__main__ import main as checks_main
from checks.catalogue import CATALOGUE_COMMAND, catalogue_markdown
from figures.__main__ import main as figures_main
from theory.deck import SLIDES, slides_cited

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = [claim for claim, _ in checks.registered()]


def test_committed_catalogue_is_up_to_date():
    committed = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    assert committed == catalogue_markdown(CLAIMS), (
        f"docs/claims.md is out of date with the registry; regenerate it: {CATALOGUE_COMMAND}"
    )


def test_catalogue_lists_every_claim_once_with_its_source():
    text = catalogue_markdown(CLAIMS)
    for claim in CLAIMS:
        assert text.count(f"\n### {claim.id}\n") == 1, claim.id
        assert f"- source: {claim.source}\n" in text, claim.id


@pytest.mark.parametrize("claim", CLAIMS, ids=lambda c: c.id)
def test_every_quoted_slide_title_is_a_slide_of_the_deck(claim):
    slides_cited(claim.source)  # raises ValueError on a title the deck does not have


def test_slides_cited_reads_titles_and_rejects_typos():
    titles = [s.title for s in SLIDES]
    assert len(set(titles)) == len(titles)
    assert slides_cited("seed deck, 'Algorithm: Soft Q-Iteration' (proof); Haarnoja 2017") == (
        "Algorithm: Soft Q-Iteration",
    )
    # the short form names the "Algorithm: ..." slide; two citations come back in deck order
    assert slides_cited(
        "seed deck, 'Maximum entropy monte-carlo planning'; seed deck, 'Background: Softmax function'"
    ) == ("Background: Softmax function", "Algorithm: Maximum entropy monte-carlo planning")
    assert slides_cited("Geist et al. 2019, Prop. 2") == ()
    with pytest.raises(ValueError, match="Soft Q-Iterations"):
        slides_cited("seed deck, 'Algorithm: Soft Q-Iterations'")
    with pytest.raises(TypeError, match="source"):
        slides_cited(None)


def test_catalogue_command_writes_the_file(tmp_path, capsys):
    out = tmp_path / "claims.md"
    assert checks_main(["--catalogue", str(out)]) == 0
    assert out.read_text(encoding="utf-8") == catalogue_markdown(CLAIMS)
    assert checks_main(["--catalogue", str(tmp_path)]) == 2  # a directory: a usage error
    assert "--catalogue" in capsys.readouterr().err


def test_version_has_one_source(capsys):
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    version = re.search(r'^\[project\]$.*?^version = "([^"]+)"$', pyproject, re.M | re.S).group(1)
    assert checks.__version__ == figures.__version__ == version
    for main in (checks_main, figures_main):
        with pytest.raises(SystemExit) as exit_:
            main(["--version"])
        assert exit_.value.code == 0
        assert capsys.readouterr().out.strip() == f"maxent-verify {version}"
