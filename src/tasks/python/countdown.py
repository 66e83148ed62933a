"""Countdown reward (src/tasks/countdown.ts, countdown-expr.ts), standard library only.

An expression over + - * / and parentheses that uses exactly the prompt's
numbers scores 1 when its exact rational value is the target, the problem's
partialReward when its value is wrong (or undefined: a division by zero), and
0 when it is not such an expression.
"""

from fractions import Fraction

from lab_completion import clamp01, read_completion

MAX_DEPTH = 32
MAX_LITERAL_DIGITS = 6


class _Parser:
    """expr := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*; factor := number | '(' expr ')'."""

    def __init__(self, text):
        self.text = text
        self.pos = 0
        self.depth = 0

    def peek(self):
        return self.text[self.pos] if self.pos < len(self.text) else None

    def factor(self):
        if self.peek() == "(":
            self.depth += 1
            if self.depth > MAX_DEPTH:
                return None
            self.pos += 1
            inner = self.chain(self.product, "+-")
            if inner is None or self.peek() != ")":
                return None
            self.pos += 1
            self.depth -= 1
            return inner
        start = self.pos
        while self.pos < len(self.text) and "0" <= self.text[self.pos] <= "9":
            self.pos += 1
        literal = self.text[start:self.pos]
        if len(literal) == 0 or len(literal) > MAX_LITERAL_DIGITS:
            return None
        if len(literal) > 1 and literal[0] == "0":
            return None
        return ("num", int(literal))

    def product(self):
        return self.chain(self.factor, "*/")

    def chain(self, operand, ops):
        left = operand()
        while left is not None and self.peek() is not None and self.peek() in ops:
            op = self.text[self.pos]
            self.pos += 1
            right = operand()
            if right is None:
                return None
            left = (op, left, right)
        return left


def parse_expr(text):
    """The expression tree of text, or None when text is not exactly one expression."""
    parser = _Parser(text)
    root = parser.chain(parser.product, "+-")
    return root if root is not None and parser.pos == len(text) else None


def literals(expr, out=None):
    out = [] if out is None else out
    if expr[0] == "num":
        out.append(expr[1])
    else:
        literals(expr[1], out)
        literals(expr[2], out)
    return out


def evaluate(expr):
    """Exact value as a Fraction; None when some division is by zero."""
    if expr[0] == "num":
        return Fraction(expr[1])
    a = evaluate(expr[1])
    b = None if a is None else evaluate(expr[2])
    if a is None or b is None:
        return None
    op = expr[0]
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    return None if b == 0 else a / b


def _judge(problem, completion):
    """'correct', 'wrong' or 'garbage'."""
    text = read_completion(completion)
    expr = None if text is None else parse_expr(text)
    if expr is None or sorted(literals(expr)) != sorted(problem["numbers"]):
        return "garbage"
    value = evaluate(expr)
    return "correct" if value is not None and value == problem["target"] else "wrong"


def score(problem, completion):
    verdict = _judge(problem, completion)
    if verdict == "correct":
        return 1.0
    return clamp01(problem.get("partialReward", 0)) if verdict == "wrong" else 0.0


def is_correct(problem, completion):
    return _judge(problem, completion) == "correct"
