"""Many-trees reward (src/tasks/tree.ts, `trees`): the toy-tree reward, one tree per prompt."""

from tree import is_correct, read_leaf, score  # noqa: F401  (the scorer imports them from here)
