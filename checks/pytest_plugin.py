"""pytest plugin of maxent-verify: the ``maxent_verify`` fixture (registered on install through
the ``pytest11`` entry point, so a user's tests need no import).

    def test_my_solver(maxent_verify):
        maxent_verify(solver=mylib.solve)          # fails the test with the report

Options: ``--maxent-seed N`` (default 0) and ``--maxent-size quick|default|full`` (default
quick). The fixture's call takes the keywords of :func:`checks.verify` (roles,
``conventions=``, ``claims=``) and returns the :class:`~checks.conformance.VerifyReport`.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser) -> None:
    group = parser.getgroup("maxent-verify", "maxent-verify conformance suite")
    group.addoption("--maxent-seed", type=int, default=0, help="seed of the conformance suites (default 0)")
    group.addoption(
        "--maxent-size",
        default="quick",
        choices=("quick", "default", "full"),
        help="size of the conformance suites (default quick)",
    )


@pytest.fixture
def maxent_verify(request):
    """``maxent_verify(**roles)``: run the conformance suite on the given implementations and
    fail the test, with the report, unless every claim run passes."""
    seed = request.config.getoption("--maxent-seed")
    size = request.config.getoption("--maxent-size")

    def run(**kwargs):
        from checks import verify  # imported on use: the plugin loads with every pytest

        report = verify(seed=seed, size=size, **kwargs)
        if not report.passed:
            pytest.fail(str(report), pytrace=False)
        return report

    return run
