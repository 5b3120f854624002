"""State and action labels of FiniteMDP: validation, the grid-cell convention, and the labels
the generators and the Gymnasium importer fill in (action meanings from the problem)."""

from __future__ import annotations

import numpy as np
import pytest

from mdps.finite import FiniteMDP, cell_label, grid_cells
from mdps.generators import garnet, gridworld

P = np.full((2, 2, 2), 0.5)
R = np.zeros((2, 2))


def test_labels_are_stored_as_tuples_and_default_to_none():
    mdp = FiniteMDP(P, R, 0.9, state_labels=["a", "b"], action_labels=("x", "y"))
    assert mdp.state_labels == ("a", "b") and mdp.action_labels == ("x", "y")
    bare = FiniteMDP(P, R, 0.9)
    assert bare.state_labels is None and bare.action_labels is None and grid_cells(bare) is None


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"state_labels": ["a"]}, ValueError, "state_labels must have 2 entries"),
        ({"action_labels": ["a", "b", "c"]}, ValueError, "action_labels must have 2 entries"),
        ({"state_labels": "ab"}, TypeError, "state_labels must be a sequence"),
        ({"action_labels": ["a", 1]}, TypeError, r"action_labels\[1\] must be a str"),
        ({"state_labels": 3}, TypeError, "state_labels"),
    ],
    ids=["short-states", "long-actions", "string", "non-str-entry", "number"],
)
def test_bad_labels_are_rejected_naming_the_argument(kwargs, error, match):
    with pytest.raises(error, match=match):
        FiniteMDP(P, R, 0.9, **kwargs)


def test_grid_cells_reads_cell_labels():
    labels = [cell_label(0, 0, "start"), cell_label(0, 1), "sink"]
    mdp = FiniteMDP(np.full((3, 1, 3), 1 / 3), np.zeros((3, 1)), 0.5, state_labels=labels)
    assert labels[:2] == ["(0, 0) start", "(0, 1)"]
    np.testing.assert_array_equal(grid_cells(mdp), [[0, 0], [0, 1], [-1, -1]])
    # two states on one cell are no grid
    twice = FiniteMDP(np.full((2, 1, 2), 0.5), np.zeros((2, 1)), 0.5, state_labels=["(0, 0)", "(0, 0) b"])
    assert grid_cells(twice) is None
    with pytest.raises(TypeError, match="mdp must be a FiniteMDP"):
        grid_cells("FrozenLake")


def test_gridworld_labels_its_cells_and_moves():
    mdp = gridworld(2, 3, terminals={(0, 2): 1.0}, walls=[(1, 1)])
    assert mdp.action_labels == ("up", "right", "down", "left")
    assert mdp.state_labels[2] == "(0, 2) terminal +1" and mdp.state_labels[4] == "(1, 1) wall"
    np.testing.assert_array_equal(grid_cells(mdp), [divmod(s, 3) for s in range(6)])
    # the label "up" is the move that goes up: from (1, 0) it reaches (0, 0) with certainty
    up = mdp.action_labels.index("up")
    assert mdp.P[3, up, 0] == 1.0
    assert garnet(3, 2, 2, seed=0).state_labels is None


def test_from_gymnasium_labels_follow_the_environment():
    gymnasium = pytest.importorskip("gymnasium")
    from mdps.interop import from_gymnasium

    lake = from_gymnasium("FrozenLake-v1", 0.9, is_slippery=False)
    assert lake.action_labels == ("left", "down", "right", "up")
    assert lake.state_labels[0] == "(0, 0) start" and lake.state_labels[5] == "(1, 1) hole"
    assert lake.state_labels[-1] == "terminated (sink)" and grid_cells(lake)[-1].tolist() == [-1, -1]
    # deterministic lake: the action labelled "down" from (0, 0) enters (1, 0)
    assert lake.P[0, lake.action_labels.index("down"), 4] == 1.0
    cliff = from_gymnasium(gymnasium.make("CliffWalking-v1"), 0.9, terminal="states")
    assert cliff.action_labels == ("up", "right", "down", "left") and len(cliff.state_labels) == 48
    assert cliff.P[36, cliff.action_labels.index("up"), 24] == 1.0


def test_an_id_gymnasium_cannot_make_is_a_value_error():
    pytest.importorskip("gymnasium")
    from mdps.interop import from_gymnasium

    with pytest.raises(ValueError, match="env_or_id 'NoSuch-v0' cannot be made by gymnasium"):
        from_gymnasium("NoSuch-v0", 0.9)
