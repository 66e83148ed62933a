"""Writes data/train.parquet and data/eval.parquet, verl's input format, from
the exported JSONL prompts. Needs pandas and pyarrow (verl installs both).

    python make_parquet.py [--instruct]
"""

import argparse
import json
import os

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))


def rows(split, instruct):
    with open(os.path.join(HERE, "data", f"{split}.jsonl"), encoding="utf-8") as f:
        for index, line in enumerate(f):
            item = json.loads(line)
            prompt = f"{item['instruction']}\n{item['prompt']}" if instruct else item["prompt"]
            yield {
                "data_source": "rlvr-lab",
                "prompt": [{"role": "user", "content": prompt}],
                "ability": "verifiable",
                "reward_model": {"style": "rule", "ground_truth": item["problem"]},
                "extra_info": {"split": split, "index": index},
            }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--instruct", action="store_true", help="prefix each prompt with the task's instruction (for instruct models)")
    args = parser.parse_args()
    for split in ("train", "eval"):
        out = os.path.join(HERE, "data", f"{split}.parquet")
        pd.DataFrame(list(rows(split, args.instruct))).to_parquet(out)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
