"""How the lab's verifiers read a completion (src/tasks/split.ts readCompletion).

JavaScript strings count UTF-16 code units and String.prototype.trim() strips
the ECMAScript whitespace set, which differs from Python's str.strip(): both
are reproduced here so that every verifier sees the same text as the lab's.
Standard library only.
"""

# ECMAScript WhiteSpace and LineTerminator code points (the Zs category included).
JS_WHITESPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def utf16_length(text):
    """Length of text as JavaScript counts it: code points above U+FFFF take two units."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def read_completion(completion, max_chars=256):
    """The completion with surrounding whitespace dropped; None when it is too long to be anything but garbage."""
    if not isinstance(completion, str) or utf16_length(completion) > max_chars * 4:
        return None
    text = completion.strip(JS_WHITESPACE)
    return None if utf16_length(text) > max_chars else text


def clamp01(x):
    """x limited to [0, 1]; 0 for anything that is not a finite number."""
    if isinstance(x, bool) or not isinstance(x, (int, float)) or x != x or x in (float("inf"), float("-inf")):
        return 0.0
    return float(min(1.0, max(0.0, x)))
