"""Teaching with your own problems: figures of any FiniteMDP (or a Gymnasium id), the walkthrough
page, and both pages rendered in a real browser (headless Chromium).

Fast by design: small MDPs, two cheap gallery figures, and a walkthrough built from a tiny
report (not a fresh battery).
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import numpy as np
import pytest
from PIL import Image

from figures import problem, temperature
from figures.__main__ import main
from figures._common import lines_by_gid
from figures.registry import FIGURES
from figures.style import figure_text
from figures.walkthrough import load_report, run_battery_report, walkthrough_html, write_walkthrough
from mdps.finite import live_states
from mdps.generators import garnet, gridworld
from theory.deck import SLIDES

ROOT = Path(__file__).resolve().parents[1]
GRID = gridworld(2, 3, gamma=0.8, slip=0.1, terminals={(0, 2): 1.0}, walls=[(1, 1)])

#: A tiny battery report: a PASS, a REFUTED claim with its counterexample, a claim citing no slide.
REPORT = [
    {
        "claim": "A1",
        "statement": "0 ≤ H(π) ≤ log K",
        "source": "seed deck, 'Background: entropy regularized policy optimization problem'",
        "measured": 1e-16,
        "tolerance": 1e-12,
        "verdict": "PASS",
        "cases": 40,
        "details": {},
        "counterexample": None,
    },
    {
        "claim": "G3b",
        "statement": "MENTS decays faster than UCT",
        "source": "seed deck, 'Maximum entropy monte-carlo planning' (theoretical guarantee)",
        "measured": 3.2,
        "tolerance": 2.58,
        "verdict": "REFUTED",
        "cases": 12,
        "details": {},
        "counterexample": "k = 2, d = 3, t = 50: UCT 0.01 < MENTS 0.20 <script>",
    },
    {
        "claim": "R1",
        "statement": "regularised greedy is the maximiser",
        "source": "Geist, Scherrer, Pietquin 2019",
        "measured": 0.0,
        "tolerance": 1e-12,
        "verdict": "PASS",
        "cases": 9,
        "details": {},
        "counterexample": None,
    },
]


# ---------------------------------------------------------------------------------------------
# Figures of any problem
# ---------------------------------------------------------------------------------------------
def test_problem_figures_take_the_users_mdp_and_temperatures():
    figs = problem.problem_figures(GRID, [0.1, 1.0])
    assert list(figs) == list(problem.PROBLEM_FIGURES)
    # titles come from the data: this MDP's γ and the temperatures given, never a built-in's
    titles = [ax.get_title() for ax in figs["convergence"].axes if ax.get_title()]
    assert len(titles) == 2 and all(r"\gamma = 0.8" in t for t in titles)
    assert [re.search(r"\\tau = ([\d.]+)", t).group(1) for t in titles] == ["0.1", "1"]
    for t in titles:  # the measured rate it states is at most γ
        assert float(re.search(r"rate ([\d.]+)", t).group(1)) <= 0.8
    assert "0.99" not in " ".join(titles) and GRID.name in figs["convergence"].get_suptitle()
    ecdf = lines_by_gid(figs["contraction"])
    assert set(ecdf) == {"ecdf_0", "ecdf_1"} and max(ecdf["ecdf_0"].get_xdata()) <= 0.8 * (1 + 1e-9)
    assert r"\tau = 1" in figs["policy_improvement"].get_suptitle()  # the median of [0.1, 1]


def test_temperature_figure_draws_a_heat_map_for_a_problem_that_is_no_grid():
    mdp = garnet(5, 3, 2, gamma=0.7, seed=3)
    d = temperature.temperature_sweep(mdp, [0.05, 2.0])
    assert d.cells is None and d.action_labels == ("a0", "a1", "a2")
    lines = lines_by_gid(temperature.plot_temperature_sweep(d))
    for i in range(2):
        np.testing.assert_array_equal(lines[f"policy_{i}"].get_array(), d.policy[i][d.shown])
    assert np.all((d.growth >= -1e-9) & (d.growth <= d.bound))


@pytest.mark.parametrize(
    "call, error, match",
    [
        (lambda: problem.convergence_figure(GRID, []), ValueError, "taus must not be empty"),
        (lambda: problem.temperature_figure(GRID, [0.1, -1]), ValueError, "taus"),
        (lambda: problem.convergence_figure("not an mdp", [0.1]), ValueError, "give its discount gamma"),
        (lambda: problem.as_problem(3), TypeError, "problem must be a FiniteMDP"),
        (lambda: problem.as_problem(GRID, gamma=0.9), ValueError, "gamma and make kwargs"),
        (lambda: problem.contraction_figure(GRID, [0.1], n_pairs=1), ValueError, "n_pairs"),
        (lambda: problem.policy_improvement_figure(GRID, 0.0), ValueError, "tau"),
    ],
    ids=["no-taus", "negative-tau", "id-without-gamma", "number", "gamma-with-mdp", "one-pair", "tau-0"],
)
def test_bad_input_names_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_frozen_lake_bars_follow_the_environments_own_action_order():
    pytest.importorskip("gymnasium")
    lake = problem.as_problem("FrozenLake-v1", gamma=0.9, is_slippery=False)
    d = temperature.temperature_sweep(lake, [0.01])
    fig = temperature.plot_temperature_sweep(d)
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["left", "down", "right", "up"]
    # next to the goal (3, 3), at (3, 2), the soft optimum moves right: the bar of "right" is the
    # tallest there, though "right" is FrozenLake's action 2 (a gridworld's action 1)
    s = lake.state_labels.index("(3, 2) frozen")
    assert lake.action_labels[int(d.policy[0, s].argmax())] == "right"
    bars = lines_by_gid(fig)["bars_0"].get_paths()
    drawn = list(np.flatnonzero(d.shown & (d.cells[:, 0] >= 0)))
    heights = [np.ptp(bars[4 * drawn.index(s) + a].vertices[:4, 1]) for a in range(4)]
    assert int(np.argmax(heights)) == lake.action_labels.index("right")
    assert not d.shown[lake.state_labels.index("(1, 1) hole")]  # holes end the episode: not drawn


def test_cli_draws_an_environment(tmp_path, capsys):
    pytest.importorskip("gymnasium")
    argv = ["--env", "FrozenLake-v1", "--tau", "1", "--gamma", "0.8", "--make", "is_slippery=False"]
    assert main([*argv, "--out", str(tmp_path), "--format", "svg"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.svg" for n in problem.PROBLEM_FIGURES)
    svg = (tmp_path / "temperature.svg").read_text(encoding="utf-8")
    assert "FrozenLake-v1" in svg and "left" in svg and "0.8" in svg
    assert "wrote 4 figure files of FrozenLake-v1" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [
        ["--env", "FrozenLake-v1"],
        ["--tau", "0.1"],
        ["--gamma", "0.9"],
        ["--report", "r.json"],
        ["--env", "FrozenLake-v1", "--tau", "0.1", "--walkthrough"],
        ["--env", "FrozenLake-v1", "--tau", "0.1", "--make", "no equals"],
    ],
    ids=[
        "env-without-tau",
        "tau-without-env",
        "gamma-without-env",
        "report-without-walkthrough",
        "env-and-walkthrough",
        "bad-make",
    ],
)
def test_cli_usage_errors_exit_2(argv, tmp_path):
    with pytest.raises(SystemExit) as exc:
        main(["--out", str(tmp_path), *argv])
    assert exc.value.code == 2


# ---------------------------------------------------------------------------------------------
# The walkthrough
# ---------------------------------------------------------------------------------------------
def test_walkthrough_follows_the_deck_and_shows_every_claim(tmp_path):
    spec = FIGURES["softmax_gap"]
    page = walkthrough_html(REPORT, [(spec, "softmax_gap.png", "a caption")])
    headings = re.findall(r"<h2>(.*?)</h2>", page)
    slides = [s.title for s in SLIDES]
    assert headings == [
        f"{slides.index(t) + 1}. {t}"
        for t in ("Background: entropy regularized policy optimization problem", SLIDES[7].title)
    ] + ["Beyond the deck"]
    for row in REPORT:
        assert f'id="claim-{row["claim"]}"' in page
    assert "measured 1e-16 against tolerance 1e-12 over 40 cases" in page
    # the REFUTED claim shows its counterexample, escaped
    assert "Counterexample:" in page and "MENTS 0.20 &lt;script&gt;" in page and "<script>" not in page
    # R1 cites no slide: it is in the last section; the figure of A7 goes there too (no A7 row)
    last = page.split("<h2>Beyond the deck</h2>")[1]
    assert 'id="claim-R1"' in last and 'src="softmax_gap.png"' in last
    assert "3 claims: 2 PASS, 1 REFUTED" in page


def test_the_battery_runs_in_a_subprocess_and_its_report_loads(tmp_path):
    rows = load_report(run_battery_report(tmp_path / "r.json", claims=["A1"]))
    assert [(r["claim"], r["verdict"]) for r in rows] == [("A1", "PASS")]


def test_report_must_be_the_batterys_json(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"claim": "A1"}]), encoding="utf-8")
    with pytest.raises(ValueError, match="row 0 lacks statement"):
        load_report(bad)
    bad.write_text("not json", encoding="utf-8")
    with pytest.raises(ValueError, match="cannot be read as JSON"):
        load_report(bad)


# ---------------------------------------------------------------------------------------------
# In a real browser
# ---------------------------------------------------------------------------------------------
_CHROMIUM = next(
    (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome") if shutil.which(n)), None
)
#: Where screenshots are kept for CI (git-ignored); MAXENT_ARTIFACTS overrides it.
ARTIFACTS = Path(os.environ.get("MAXENT_ARTIFACTS", ROOT / ".ci" / "artifacts"))

#: Loads pages in iframes and, once all have loaded, writes every image of each (loaded or not)
#: and every link, as the browser resolved them, into #result, which --dump-dom prints.
_PROBE = """<!DOCTYPE html><html><body><pre id="result">pending</pre>
{frames}
<script>
const frames = [...document.querySelectorAll("iframe")];
let left = frames.length;
const seen = {{}};
for (const frame of frames) frame.addEventListener("load", () => {{
  const doc = frame.contentDocument;
  seen[frame.dataset.page] = {{
    images: [...doc.images].map(i => ({{src: i.src, loaded: i.complete && i.naturalWidth > 0}})),
    links: [...doc.querySelectorAll("a[href]")].map(a => a.href),
  }};
  if (--left === 0) document.getElementById("result").textContent = JSON.stringify(seen);
}});
</script></body></html>
"""


def _chromium(*args: str) -> str:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--allow-file-access-from-files"]
    done = subprocess.run([_CHROMIUM, *flags, *args], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def _render(folder: Path, pages: list[str]) -> dict:
    """What one headless Chromium loaded of each page in ``folder``:
    {page: {"images": [{src, loaded}], "links": [...]}}."""
    frames = "\n".join(
        f'<iframe data-page="{p}" src="{p}" width="1200" height="900"></iframe>' for p in pages
    )
    probe = folder / "probe.html"
    probe.write_text(_PROBE.format(frames=frames), encoding="utf-8")
    dom = _chromium("--virtual-time-budget=15000", "--dump-dom", probe.as_uri())
    found = re.search(r'<pre id="result">(.*?)</pre>', dom, re.S).group(1)
    assert found != "pending", "the pages never finished loading"
    return json.loads(html.unescape(found))


@pytest.mark.skipif(
    _CHROMIUM is None, reason="no Chromium on PATH (.ci/run installs it with apt-get where it can)"
)
def test_gallery_and_walkthrough_render_in_chromium(tmp_path):
    out = tmp_path / "site"
    report = tmp_path / "report.json"
    report.write_text(json.dumps(REPORT), encoding="utf-8")
    specs = [FIGURES["softmax_gap"], FIGURES["indmax_temperature"]]
    page = write_walkthrough(out, report=report, size="quick", specs=specs)
    # a negative control: a page whose image is missing must be reported as not loaded
    (out / "broken.html").write_text('<img src="missing.png"><a href="index.html">x</a>', encoding="utf-8")
    seen = _render(out, ["walkthrough.html", "index.html", "broken.html"])
    assert [i["loaded"] for i in seen["broken.html"]["images"]] == [False]
    for name in ("walkthrough.html", "index.html"):
        assert len(seen[name]["images"]) == 2, name
        broken = [i["src"] for i in seen[name]["images"] if not i["loaded"]]
        assert not broken, f"{name}: images that did not load: {broken}"
        missing = [u for u in seen[name]["links"] if not Path(unquote(urlparse(u).path)).is_file()]
        assert not missing, f"{name}: broken links: {missing}"
    assert seen["walkthrough.html"]["links"] and seen["index.html"]["links"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "walkthrough.png"
    _chromium("--window-size=1280,2400", f"--screenshot={shot}", page.as_uri())
    assert shot.stat().st_size > 10_000


# ---------------------------------------------------------------------------------------------
# The committed example images are what the README's commands draw
# ---------------------------------------------------------------------------------------------
# Compared through the words each PNG carries (its Description, figures.style.figure_text: every
# title, label and annotation, all computed from the data) and the gallery's caption files, not
# through pixels, which differ between font renderers and matplotlib versions.
EXAMPLES = ROOT / "figures" / "examples"


def _readme_command(pattern: str) -> re.Match:
    found = re.search(pattern, (ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, f"README.md no longer shows a command matching {pattern!r}"
    return found


def test_committed_gallery_examples_are_what_the_readme_command_draws():
    command = _readme_command(r"python -m figures --out figures/examples --only ([\w,]+) --format png")
    names = command.group(1).split(",")
    assert sorted(p.stem for p in EXAMPLES.glob("*.png")) == sorted(names), "stale images in figures/examples"
    for name in names:
        fig, caption = FIGURES[name].build(seed=0, size="default")
        stale = f"figures/examples/{name}.png is out of date; regenerate it: {command.group(0)}"
        assert Image.open(EXAMPLES / f"{name}.png").text["Description"] == figure_text(fig), stale
        assert (EXAMPLES / f"{name}.txt").read_text(encoding="utf-8").strip() == caption, stale
        assert f"figures/examples/{name}.png" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_committed_frozen_lake_examples_are_what_the_readme_command_draws():
    pytest.importorskip("gymnasium")
    command = _readme_command(
        r"python -m figures --env (\S+) --tau ([\d.,]+) --out figures/examples/frozenlake --format png"
    )
    figs = problem.problem_figures(
        command.group(1), [float(t) for t in command.group(2).split(",")], gamma=0.99
    )
    assert sorted(p.stem for p in (EXAMPLES / "frozenlake").glob("*.png")) == sorted(figs)
    for name, fig in figs.items():
        png = EXAMPLES / "frozenlake" / f"{name}.png"
        assert Image.open(png).text["Description"] == figure_text(fig), (
            f"{png.relative_to(ROOT)} is out of date; regenerate it: {command.group(0)}"
        )


def test_live_states_leave_out_terminal_and_unentered_states():
    # the goal is terminal, the wall never entered, and (1, 2) only neighbours the goal and the wall
    np.testing.assert_array_equal(live_states(GRID), [True, True, False, True, False, False])
    pytest.importorskip("gymnasium")
    lake = problem.as_problem("FrozenLake-v1", gamma=0.9)
    live = [label for label, keep in zip(lake.state_labels, live_states(lake), strict=True) if keep]
    assert "(0, 0) start" in live and not any(w in " ".join(live) for w in ("hole", "goal", "sink"))
