"""Toy-tree reward (src/tasks/tree.ts), standard library only.

A completion of exactly h action letters (the first k of "abcdefgh") names a
leaf; it scores 1 when that leaf is one of the tree's winning leaves, else 0.
"""

from lab_completion import read_completion

ACTIONS = "abcdefgh"


def read_leaf(problem, completion):
    """The leaf index (the actions read as a base-k number), or None."""
    text = read_completion(completion, 64)
    if text is None or len(text) != problem["h"]:
        return None
    k = problem["k"]
    leaf = 0
    for ch in text:
        action = ACTIONS[:k].find(ch)
        if action < 0:
            return None
        leaf = leaf * k + action
    return leaf


def score(problem, completion):
    return 1.0 if is_correct(problem, completion) else 0.0


def is_correct(problem, completion):
    leaf = read_leaf(problem, completion)
    return leaf is not None and leaf in problem["winning"]
