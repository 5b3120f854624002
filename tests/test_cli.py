"""The two command lines, ``python -m checks`` and ``python -m figures``, run in-process.

A usage error exits with status 2 and one line ``error: ...`` on stderr, and is caught before
anything runs: no battery is called, no figure is built, nothing is printed on stdout.
"""

import json
import os
import re

import pytest

import checks.__main__ as checks_cli
import figures.__main__ as figures_cli
from mdps.validation import SEED_MAX

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _run(main, argv, capsys) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of ``main(argv)``; argparse's own errors raise SystemExit."""
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def _paths(argv, tmp_path):
    """``argv`` with ``{tmp}`` replaced by a fresh directory that holds a file ``file``."""
    (tmp_path / "file").write_text("not a directory")
    return [a.replace("{tmp}", str(tmp_path)) for a in argv]


def _assert_usage_error(code, out, err, message):
    assert code == 2
    assert err.startswith("error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert re.search(message, err), err
    assert "Traceback" not in err
    assert out == ""


# --- python -m checks ---------------------------------------------------------------------------
@pytest.fixture
def batteries_called(monkeypatch):
    """The claim ids whose battery ``main`` calls (the registry, with every battery spied on)."""
    called, real = [], checks_cli.registered()

    def spy(claim, battery):
        def run(**kwargs):
            called.append(claim.id)
            return battery(**kwargs)

        return run

    monkeypatch.setattr(checks_cli, "registered", lambda: [(c, spy(c, b)) for c, b in real])
    return called


CHECKS_USAGE_ERRORS = [
    pytest.param(["--seed", "-1"], r"--seed must be an integer in \[0, \d+\], got -1", id="seed-negative"),
    pytest.param(["--seed", str(SEED_MAX + 1)], rf"--seed .*got {SEED_MAX + 1}", id="seed-above-max"),
    pytest.param(["--seed", "1.5"], r"argument --seed: invalid int value: '1\.5'", id="seed-float"),
    pytest.param(["--seed", "zero"], r"argument --seed: invalid int value", id="seed-word"),
    pytest.param(["--only", ""], r"--only names no claim id, got ''", id="only-empty"),
    pytest.param(["--only", ","], r"--only names no claim id, got ','", id="only-comma"),
    pytest.param(["--only", " , ,"], r"--only names no claim id", id="only-blanks"),
    pytest.param(["--only", "A1,Z9"], r"unknown claim id\(s\) Z9; known: A1", id="only-unknown"),
    pytest.param(["--json", "{tmp}"], r"--json '.*' cannot be written: Is a directory", id="json-directory"),
    pytest.param(
        ["--json", "{tmp}/missing/rows.json"], r"cannot be written: No such file", id="json-missing-parent"
    ),
    pytest.param(
        ["--json", "{tmp}/file/rows.json"], r"cannot be written: Not a directory", id="json-under-a-file"
    ),
    pytest.param(["--json", ""], r"--json '' cannot be written", id="json-empty"),
    pytest.param(
        ["--quick", "--full"], r"argument --full: not allowed with argument --quick", id="quick-and-full"
    ),
    pytest.param(["--bogus"], r"unrecognized arguments: --bogus", id="unknown-option"),
    pytest.param(
        ["--subject", "softmax=my_soft_rl:soft_value"], r"ROLE one of soft_value", id="subject-role"
    ),
    pytest.param(["--subject", "soft_value=my_soft_rl"], r"package.module:attr", id="subject-no-attr"),
    pytest.param(
        ["--subject", "soft_value=no_such_module:f"], r"cannot import 'no_such_module'", id="subject-import"
    ),
    pytest.param(["--subject", "soft_value=my_soft_rl:nope"], r"has no attribute 'nope'", id="subject-attr"),
    pytest.param(["--subject", "soft_value=my_soft_rl:np"], r"is not callable", id="subject-not-callable"),
    pytest.param(
        ["--subject", "entropy=my_soft_rl:entropy", "--subject", "entropy=my_soft_rl:entropy"],
        r"gives role 'entropy' twice",
        id="subject-twice",
    ),
    pytest.param(
        ["--subject", "entropy=my_soft_rl:entropy", "--convention", "temperature=kelvin"],
        r"temperature must be 'tau' or 'beta'",
        id="convention-bad",
    ),
    pytest.param(["--convention", "transitions=ASS"], r"give a --subject", id="convention-alone"),
    pytest.param(
        ["--subject", "entropy=my_soft_rl:entropy", "--calibrate", "2"],
        r"do not go together",
        id="subject-calibrate",
    ),
    pytest.param(["--regularizer", "tsallis", "--only", "C2"], r"runs only the claims B1", id="reg-shannon"),
    pytest.param(["--regularizer", "kl", "--only", "B1,B4"], r"--only names B4", id="reg-one-of-two"),
    pytest.param(["--regularizer", "renyi"], r"invalid choice: 'renyi'", id="reg-unknown"),
    pytest.param(["--only", "C1", "--regularizer", "kl", "--calibrate", "2"], r"do not go", id="reg-calib"),
    pytest.param(
        ["--only", "R1", "--regularizer", "kl", "--subject", "regularizer=my_soft_rl:TsallisRegularizer"],
        r"give the regulariser once",
        id="reg-twice",
    ),
]


@pytest.mark.parametrize("argv, message", CHECKS_USAGE_ERRORS)
def test_checks_usage_errors_exit_2_before_any_claim_runs(argv, message, tmp_path, capsys, batteries_called):
    argv = _paths(["--only", "A1", *argv] if "--only" not in argv else argv, tmp_path)
    _assert_usage_error(*_run(checks_cli.main, argv, capsys), message)
    assert batteries_called == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]  # no report left behind


def test_checks_subject_that_conforms_exits_0(capsys):
    code, out, _ = _run(checks_cli.main, ["--quick", "--subject", "entropy=my_soft_rl:entropy"], capsys)
    assert code == 0, out
    assert "conformance of entropy=my_soft_rl:entropy" in out and "2 claims run: 2 passed" in out


def test_checks_subject_regularizer_is_an_object_or_a_class(capsys):
    argv = ["--quick", "--only", "R1", "--subject", "regularizer=my_soft_rl:TsallisRegularizer"]
    code, out, _ = _run(checks_cli.main, argv, capsys)
    assert code == 0, out
    assert "conformance of regularizer=my_soft_rl:TsallisRegularizer" in out and "R1    PASS" in out


def test_checks_regularizer_runs_the_regularizer_free_claims_and_says_which(capsys, tmp_path):
    out_json = tmp_path / "rows.json"
    argv = ["--quick", "--jobs", "1", "--regularizer", "tsallis", "--only", "C1", "--json", str(out_json)]
    code, out, _ = _run(checks_cli.main, argv, capsys)
    assert code == 0, out
    assert "regularizer=Tsallis()" in out.splitlines()[0]
    assert "\nC1    PASS" in out and "1 claims: 1 passed" in out
    assert "regularizer=Tsallis()" in out_json.read_text()


def test_checks_a_shannon_solver_fails_the_tsallis_problem(capsys):
    argv = ["--quick", "--only", "B1", "--regularizer", "tsallis", "--subject", "solver=my_soft_rl:solver"]
    code, out, _ = _run(checks_cli.main, argv, capsys)
    assert code == 1, out
    assert "regularizer=Tsallis()" in out.splitlines()[0] and "B1    FAIL" in out
    assert "regularizer=Tsallis()" in out.split("smallest failing instance")[1]  # the re-run code


def test_checks_regularizer_keeps_only_those_claims(monkeypatch, capsys):
    seen = []  # the claims of the run, none of them run

    def no_run(fn, items, jobs):
        seen.extend(checks_cli._RUN[0])
        return iter(())

    monkeypatch.setattr(checks_cli, "in_processes", no_run)
    assert checks_cli.main(["--quick", "--regularizer", "kl"]) == 0
    ids = {c.id for c, _ in seen}
    assert {"B1", "B2", "C1", "C3", "D1", "D2", "D3", "D5", "R1", "R4"} <= ids
    assert not {"B3", "B4", "C2", "D4", "A1"} & ids
    assert "KLToRampPrior()" in capsys.readouterr().out


def test_checks_subject_that_fails_exits_1_with_its_counterexample(capsys):
    argv = ["--quick", "--only", "A1", "--subject", "entropy=test_verify:entropy_with_nan_at_zero"]
    code, out, _ = _run(checks_cli.main, argv, capsys)
    assert code == 1, out
    assert "A1    FAIL" in out and "smallest failing instance" in out
    assert "from test_verify import entropy_with_nan_at_zero" in out


@pytest.mark.skipif(IS_ROOT, reason="root may write anywhere")
def test_checks_unwritable_json_is_a_usage_error(tmp_path, capsys, batteries_called):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        code, out, err = _run(checks_cli.main, ["--only", "A1", "--json", str(locked / "rows.json")], capsys)
    finally:
        locked.chmod(0o700)
    _assert_usage_error(code, out, err, r"cannot be written: Permission denied")
    assert batteries_called == []


def test_checks_usage_error_leaves_an_existing_report_alone(tmp_path, capsys, batteries_called):
    report = tmp_path / "rows.json"
    report.write_text("[]")
    _assert_usage_error(
        *_run(checks_cli.main, ["--only", "A1", "--seed", "-1", "--json", str(report)], capsys), "--seed"
    )
    assert report.read_text() == "[]" and batteries_called == []


@pytest.mark.parametrize("seed", [0, SEED_MAX], ids=["seed-0", "seed-max"])
def test_checks_accepts_the_seed_range_and_writes_the_report(seed, tmp_path, capsys, batteries_called):
    report = tmp_path / "rows.json"
    report.write_text("stale")  # overwritten at the end
    code, out, err = _run(
        checks_cli.main, ["--only", "A1", "--seed", str(seed), "--json", str(report)], capsys
    )
    assert code == 0 and err == "" and batteries_called == ["A1"]
    assert f"seed {seed})" in out and "1 claims: 1 passed, 0 failed, 0 errors, 0 refuted" in out
    assert json.loads(report.read_text())[0]["claim"] == "A1"


def test_checks_help_documents_the_seed_range(capsys):
    code, out, _ = _run(checks_cli.main, ["--help"], capsys)
    assert code == 0 and str(SEED_MAX) in re.sub(r"\s+", "", out)
    assert "[0, SEED_MAX]" in checks_cli.__doc__


# --- python -m figures --------------------------------------------------------------------------
@pytest.fixture
def galleries_written(monkeypatch):
    """The calls ``main`` makes to write_gallery (spied on, still writing)."""
    calls, real = [], figures_cli.write_gallery

    def spy(out, specs, **kwargs):
        calls.append([s.name for s in specs])
        return real(out, specs, **kwargs)

    monkeypatch.setattr(figures_cli, "write_gallery", spy)
    return calls


FIGURES_USAGE_ERRORS = [
    pytest.param(
        ["--out", "{tmp}/file"], r"--out '.*file' cannot hold the gallery: it is a file", id="out-is-a-file"
    ),
    pytest.param(
        ["--out", "{tmp}/file/gallery"], r"cannot hold the gallery: Not a directory", id="out-under-a-file"
    ),
    pytest.param(["--only", ""], r"--only names no figure, got ''", id="only-empty"),
    pytest.param(["--only", ","], r"--only names no figure, got ','", id="only-comma"),
    pytest.param(
        ["--only", "no_such_figure"],
        r"unknown figure\(s\) no_such_figure; known: softmax_gap",
        id="only-unknown",
    ),
    pytest.param(["--format", "jpg"], r"--format must list some of png, svg, got 'jpg'", id="format-unknown"),
    pytest.param(["--format", ","], r"--format must list some of", id="format-empty"),
    pytest.param(["--size", "huge"], r"argument --size: invalid choice: 'huge'", id="size-unknown"),
    pytest.param(["--bogus"], r"unrecognized arguments: --bogus", id="unknown-option"),
]


@pytest.mark.parametrize("argv, message", FIGURES_USAGE_ERRORS)
def test_figures_usage_errors_exit_2_before_any_figure_is_built(
    argv, message, tmp_path, capsys, galleries_written
):
    base = ["--out", "{tmp}/gallery", "--only", "softmax_gap", "--size", "quick", "--format", "svg"]
    argv = _paths(base + argv, tmp_path)  # argparse keeps the last of a repeated option
    _assert_usage_error(*_run(figures_cli.main, argv, capsys), message)
    assert galleries_written == []
    assert not (tmp_path / "gallery").exists()


@pytest.mark.skipif(IS_ROOT, reason="root may write anywhere")
def test_figures_unwritable_out_is_a_usage_error(tmp_path, capsys, galleries_written):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    try:
        code, out, err = _run(figures_cli.main, ["--out", str(locked), "--only", "softmax_gap"], capsys)
    finally:
        locked.chmod(0o700)
    _assert_usage_error(code, out, err, r"cannot hold the gallery: Permission denied")
    assert galleries_written == []


def _figures_on_page(out) -> list[str]:
    return re.findall(r'<figure id="([^"]+)">', (out / "index.html").read_text(encoding="utf-8"))


def test_figures_only_keeps_the_other_figures_of_an_existing_gallery(tmp_path, capsys, galleries_written):
    out = tmp_path / "gallery"
    quick = ["--out", str(out), "--size", "quick", "--format", "svg", "--only"]
    assert figures_cli.main([*quick, "is_soft_value"]) == 0
    assert _figures_on_page(out) == ["is_soft_value"]
    assert figures_cli.main([*quick, "softmax_gap"]) == 0
    # Both listed, in the registry's page order, each with the files in the directory.
    assert _figures_on_page(out) == ["softmax_gap", "is_soft_value"]
    assert galleries_written == [["is_soft_value"], ["softmax_gap"]]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<img src="is_soft_value.svg"' in page and '<img src="softmax_gap.svg"' in page
    assert capsys.readouterr().err == ""


def test_gallery_lists_the_formats_found_for_a_kept_figure(tmp_path):
    from figures.gallery import write_gallery
    from figures.registry import FIGURES

    (tmp_path / "e2w_rate.png").write_bytes(b"")  # left by an earlier run (any content)
    (tmp_path / "e2w_rate.svg").write_bytes(b"")
    (tmp_path / "e2w_rate.txt").write_text("the caption written with it", encoding="utf-8")
    write_gallery(
        tmp_path, [FIGURES["softmax_gap"]], formats=["svg"], size="quick", page=list(FIGURES.values())
    )
    page = (tmp_path / "index.html").read_text(encoding="utf-8")
    assert _figures_on_page(tmp_path) == ["softmax_gap", "e2w_rate"]
    assert '<img src="e2w_rate.svg"' in page and 'href="e2w_rate.png"' in page  # svg preferred, as asked
    assert "the caption written with it" in page  # a kept figure keeps its own caption
