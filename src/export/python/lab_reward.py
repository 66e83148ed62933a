"""The exported run's reward, for TRL and for verl: the lab's verifier for the
run's task (reward/<task>.py), applied to each completion and the problem
its prompt came from. Standard library only.

TRL:  GRPOTrainer(reward_funcs=lab_reward, ...) passes the dataset's
      "problem" column beside the completions.
verl: custom_reward_function.path=lab_reward.py, custom_reward_function.name=compute_score;
      reward_model.ground_truth holds the problem.
"""

import importlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "reward"))
with open(os.path.join(HERE, "lab_run.json"), encoding="utf-8") as f:
    TASK_NAME = json.load(f)["task"]
TASK = importlib.import_module(TASK_NAME)


def _problem(problem):
    return json.loads(problem) if isinstance(problem, str) else problem


def _text(completion):
    # Conversational datasets give a list of messages; the answer is the last one.
    return completion if isinstance(completion, str) else completion[-1]["content"]


def lab_reward(completions, problem, **kwargs):
    """TRL reward function: one float per completion."""
    return [TASK.score(_problem(p), _text(c)) for c, p in zip(completions, problem)]


def lab_correct(completions, problem, **kwargs):
    """1.0 for a correct completion (the lab's pass@k notion), else 0.0; log it beside the reward."""
    return [1.0 if TASK.is_correct(_problem(p), _text(c)) else 0.0 for c, p in zip(completions, problem)]


def compute_score(data_source, solution_str, ground_truth, extra_info=None, **kwargs):
    """verl reward function."""
    return TASK.score(_problem(ground_truth), solution_str)
