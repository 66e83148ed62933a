"""Graph-paths reward (src/tasks/paths.ts), standard library only.

A simple path from start to goal along the problem's directed edges scores 1
when it is a shortest one and 1 - shortestBonus otherwise; anything else 0.
"""

import re

from lab_completion import clamp01, read_completion

_LETTERS = re.compile(r"[a-z]+")


def simple_paths(problem):
    """Every simple path from start to goal, as node-letter strings."""
    successors = {}
    for edge in problem["edges"]:
        successors.setdefault(edge[0], []).append(edge[1])
    found = []

    def visit(path):
        at = path[-1]
        if at == problem["goal"]:
            found.append(path)
            return
        for nxt in sorted(successors.get(at, [])):
            if nxt not in path:
                visit(path + nxt)

    visit(problem["start"])
    return found


def _is_simple_path(problem, path):
    if len(path) < 2 or path[0] != problem["start"] or path[-1] != problem["goal"]:
        return False
    if len(set(path)) != len(path):
        return False
    edges = set(problem["edges"])
    return all(path[i] + path[i + 1] in edges for i in range(len(path) - 1))


def read_path(completion):
    """The node letters the completion names, or None when it is not a plain string of letters."""
    text = read_completion(completion, 64)
    return text if text is not None and _LETTERS.fullmatch(text) else None


def score(problem, completion):
    path = read_path(completion)
    if path is None or not _is_simple_path(problem, path):
        return 0.0
    shortest = min(len(p) for p in simple_paths(problem))
    return 1.0 if len(path) == shortest else 1.0 - clamp01(problem.get("shortestBonus", 0))


def is_correct(problem, completion):
    path = read_path(completion)
    return path is not None and _is_simple_path(problem, path)
