"""Scores completions with the lab's Python reward functions: one JSON object per
input line, {"task", "problem", "completion"}, gives one output line,
{"reward", "correct"}. Used by the parity test; standard library only.

    python3 score_jsonl.py < in.jsonl > out.jsonl
"""

import importlib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))


def main():
    modules = {}
    out = []
    for line in sys.stdin:
        if not line.strip():
            continue
        item = json.loads(line)
        task = item["task"]
        if task not in modules:
            modules[task] = importlib.import_module(task)
        module = modules[task]
        out.append(json.dumps({"reward": module.score(item["problem"], item["completion"]), "correct": module.is_correct(item["problem"], item["completion"])}))
    sys.stdout.write("\n".join(out) + ("\n" if out else ""))


if __name__ == "__main__":
    main()
