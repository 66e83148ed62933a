"""Arithmetic reward (src/tasks/arithmetic.ts), standard library only.

1 when the completion states the expression's integer value ("-0" and "007"
read as 0 and 7), else 0.
"""

import re

from lab_completion import read_completion

_INTEGER = re.compile(r"-?[0-9]+")


def parse_integer(completion):
    """The integer the completion states, normalised to its decimal string; None when it is not one."""
    text = read_completion(completion, 64)
    return str(int(text)) if text is not None and _INTEGER.fullmatch(text) else None


def score(problem, completion):
    return 1.0 if is_correct(problem, completion) else 0.0


def is_correct(problem, completion):
    return parse_integer(completion) == problem["value"]
