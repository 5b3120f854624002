"""Hypothesis profiles: deterministic by default, so CI and every developer see the same examples.

Select another with ``HYPOTHESIS_PROFILE=explore pytest`` to search with fresh randomness.
"""

import os
import sys
from pathlib import Path

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,  # same examples on every run: a red test is reproducible bit for bit
    database=None,
    deadline=None,  # no timing in tests: speed is measured in benchmarks/
    max_examples=100,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", deadline=None, max_examples=1000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# examples/ holds a user's module (my_soft_rl) that tests/test_verify.py also checks.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "examples"))
