"""Trains the exported lab run with TRL's GRPOTrainer.

trl_config.json holds GRPOConfig's options as the lab's settings map to them
(see README.md); this script only fits the batch to the number of processes
and loads the model and prompts.

    python train_trl.py --model Qwen/Qwen2.5-0.5B-Instruct --instruct
    accelerate launch --num_processes 4 train_trl.py --model ... --instruct
    python train_trl.py --tiny-random-model --instruct --max-steps 2    # CPU smoke test, no downloads
"""

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def prompt_rows(split, instruct):
    """The lab's prompts as they are (base models), or as one user message after the task's instruction (instruct models: TRL applies the chat template)."""
    rows = read_jsonl(os.path.join(HERE, "data", f"{split}.jsonl"))
    if instruct:
        return [{"prompt": [{"role": "user", "content": f"{r['instruction']}\n{r['prompt']}"}], "problem": r["problem"]} for r in rows]
    return [{"prompt": r["prompt"], "problem": r["problem"]} for r in rows]


def fit_batch(options, world_size, micro_batch):
    """Keeps the lab's minibatch (completions per optimizer step) on any number of processes."""
    minibatch = options["per_device_train_batch_size"] * options["gradient_accumulation_steps"]
    micro = micro_batch or max(1, minibatch // world_size)
    if minibatch % (micro * world_size) != 0:
        sys.exit(f"train_trl.py: a minibatch of {minibatch} completions does not split into {world_size} processes x {micro} per device; choose --micro-batch so that {world_size} x it divides {minibatch}")
    options["per_device_train_batch_size"] = micro
    options["gradient_accumulation_steps"] = minibatch // (micro * world_size)
    return options


def tiny_random_model(alphabet, directory):
    """Saves a 2-layer GPT-2 with random weights over the lab's characters in directory (the smoke test's policy, built without downloads) and returns the path."""
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    specials = ["<pad>", "<bos>", "<eos>", "<unk>"]
    vocab = {tok: i for i, tok in enumerate(specials + sorted(set(alphabet + "\n")))}
    core = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    core.pre_tokenizer = pre_tokenizers.Split(Regex("."), behavior="isolated")
    core.decoder = decoders.Fuse()
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=core, pad_token="<pad>", bos_token="<bos>", eos_token="<eos>", unk_token="<unk>", padding_side="left")
    # The plainest chat template, so that --instruct (chat messages) runs on it too.
    tokenizer.chat_template = "{% for m in messages %}{{ m['content'] }}{% endfor %}{% if add_generation_prompt %}\n{% endif %}"
    config = GPT2Config(vocab_size=len(vocab), n_positions=1024, n_embd=32, n_layer=2, n_head=2, bos_token_id=1, eos_token_id=2, pad_token_id=0)
    model = GPT2LMHeadModel(config)
    model.generation_config.pad_token_id = 0
    model.generation_config.eos_token_id = 2
    model.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    return directory


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="Hugging Face model id or path (default: the one trl_config.json names)")
    parser.add_argument("--tiny-random-model", action="store_true", help="train a tiny random GPT-2 over the lab's characters instead (smoke test)")
    parser.add_argument("--instruct", action="store_true", help="send each prompt as a chat message after the task's instruction (for instruct models)")
    parser.add_argument("--micro-batch", type=int, default=0, help="completions per device per forward pass (default: the minibatch split over the processes)")
    parser.add_argument("--max-steps", type=int, default=0, help="stop after this many optimizer steps (default: the run's)")
    parser.add_argument("--output-dir", default=os.path.join(HERE, "out-trl"))
    args = parser.parse_args()

    from datasets import Dataset
    from trl import GRPOConfig, GRPOTrainer

    from lab_reward import lab_correct, lab_reward

    with open(os.path.join(HERE, "trl_config.json"), encoding="utf-8") as f:
        exported = json.load(f)
    options = fit_batch(dict(exported["grpo_config"]), int(os.environ.get("WORLD_SIZE", "1")), args.micro_batch)
    if args.max_steps:
        options["max_steps"] = args.max_steps
    model = args.model or exported["model"]
    if args.tiny_random_model:
        # Saved and loaded by path, as a real model is: TRL builds the frozen reference model from it too.
        model = tiny_random_model(exported["alphabet"], os.path.join(args.output_dir, "tiny-random-model"))
        options["use_cpu"] = True
        options["bf16"] = False

    evaluate = options.get("eval_strategy", "no") != "no"
    trainer = GRPOTrainer(
        model=model,
        # lab_correct has weight 0: logged as rewards/lab_correct, never trained on.
        reward_funcs=[lab_reward, lab_correct],
        args=GRPOConfig(output_dir=args.output_dir, reward_weights=[1.0, 0.0], **options),
        train_dataset=Dataset.from_list(prompt_rows("train", args.instruct)),
        eval_dataset=Dataset.from_list(prompt_rows("eval", args.instruct)) if evaluate else None,
    )
    trainer.train()


if __name__ == "__main__":
    main()
