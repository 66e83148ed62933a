#!/usr/bin/env python3
"""The lab's GRPO training step written in PyTorch, on the CPU: the peer that
`npm run bench:step` times beside ours.

The same GPT (nanoGPT names and layout: pre-norm blocks, learned positions,
tanh GELU, tied or untied output as the checkpoint says), the same weights read
from the same safetensors file, the same batch (P prompts x G completions, the
prompts the bench sends), the same KV-cache sampling loop (the common prompt
prefix in one forward, then one position at a time for every row, PAD and BOS
never sampled), then the pi_ref and pi_old forwards, group advantages, and one
forward + backward + AdamW update per minibatch with GRPO's clipped loss.

Rewards come from a cheap stand-in (the parity of the completion's token sum):
the peer has no task verifier, and verification is a negligible phase of ours.

It speaks JSON lines over stdin/stdout, one reply per request:
  {"cmd": "init", ...settings}         -> {"ok": true, "params": n, "torch": version, "threads": n}
  {"cmd": "logits", "tokens": [[...]]} -> {"logits": [...]}   (flat [B, T, V], current weights)
  {"cmd": "step", "prompts": [[...]]}  -> {"ms": n, "phases": {name: ms}}
  {"cmd": "quit"}
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

LAYERNORM_EPS = 1e-5


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    meta = header.pop("__metadata__", {})
    start = 8 + n
    tensors = {}
    for name, info in header.items():
        if info["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, only F32 is read")
        begin, end = info["data_offsets"]
        arr = np.frombuffer(data, dtype="<f4", count=(end - begin) // 4, offset=start + begin)
        tensors[name] = torch.from_numpy(arr.reshape(info["shape"]).copy())
    return meta, tensors


class Gpt:
    """The policy as functions of a name -> tensor dict, so pi_ref can run on the frozen base weights."""

    def __init__(self, config):
        self.V = config["vocabSize"]
        self.C = config["dModel"]
        self.L = config["nLayers"]
        self.H = config["nHeads"]
        self.out_name = "transformer.wte.weight" if config["tieEmbeddings"] else "lm_head.weight"

    def attention(self, q, k, v, causal):
        # q [B, H, Tq, hs], k/v [B, H, Tk, hs]; causal when Tq == Tk (a full forward), else the newest position.
        scale = 1.0 / math.sqrt(q.shape[-1])
        att = (q @ k.transpose(-2, -1)) * scale
        if causal:
            T = q.shape[2]
            mask = torch.ones(T, T, dtype=torch.bool).triu(1)
            att = att.masked_fill(mask, float("-inf"))
        return torch.softmax(att, dim=-1) @ v

    def forward(self, p, tokens, pos0=0, cache=None):
        """Logits [B, T, V] of tokens [B, T] at positions pos0..; `cache` (a list of [k, v] per layer) is extended."""
        B, T = tokens.shape
        C, H = self.C, self.H
        hs = C // H
        x = p["transformer.wte.weight"][tokens] + p["transformer.wpe.weight"][pos0 : pos0 + T]
        for l in range(self.L):
            pre = f"transformer.h.{l}."
            h = F.layer_norm(x, (C,), p[pre + "ln_1.weight"], p[pre + "ln_1.bias"], LAYERNORM_EPS)
            qkv = F.linear(h, p[pre + "attn.c_attn.weight"], p[pre + "attn.c_attn.bias"])
            q, k, v = (t.view(B, T, H, hs).transpose(1, 2) for t in qkv.split(C, dim=2))
            if cache is not None:
                if len(cache) <= l:
                    cache.append([k, v])
                else:
                    cache[l][0] = k = torch.cat([cache[l][0], k], dim=2)
                    cache[l][1] = v = torch.cat([cache[l][1], v], dim=2)
            y = self.attention(q, k, v, causal=T > 1).transpose(1, 2).reshape(B, T, C)
            x = x + F.linear(y, p[pre + "attn.c_proj.weight"], p[pre + "attn.c_proj.bias"])
            h = F.layer_norm(x, (C,), p[pre + "ln_2.weight"], p[pre + "ln_2.bias"], LAYERNORM_EPS)
            h = F.gelu(F.linear(h, p[pre + "mlp.c_fc.weight"], p[pre + "mlp.c_fc.bias"]), approximate="tanh")
            x = x + F.linear(h, p[pre + "mlp.c_proj.weight"], p[pre + "mlp.c_proj.bias"])
        x = F.layer_norm(x, (C,), p["transformer.ln_f.weight"], p["transformer.ln_f.bias"], LAYERNORM_EPS)
        return F.linear(x, p[self.out_name])


def token_stats(logits, targets, temperature):
    lsm = torch.log_softmax(logits / temperature, dim=-1)
    logp = lsm.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    entropy = -(lsm.exp() * lsm).sum(-1)
    return logp, entropy


class Peer:
    def __init__(self, m):
        torch.manual_seed(m["seed"])
        self.gen = torch.Generator().manual_seed(m["seed"])
        meta, tensors = load_safetensors(m["checkpoint"])
        self.model = Gpt(json.loads(meta["model-config"]))
        self.context = json.loads(meta["model-config"])["contextLength"]
        self.base = {k: v.clone() for k, v in tensors.items()}
        self.params = {k: v.clone().requires_grad_(True) for k, v in tensors.items()}
        decay = [v for k, v in self.params.items() if v.dim() == 2]
        plain = [v for k, v in self.params.items() if v.dim() != 2]
        self.opt = torch.optim.AdamW(
            [{"params": decay, "weight_decay": m["weightDecay"]}, {"params": plain, "weight_decay": 0.0}],
            lr=m["lr"], betas=(0.9, 0.999), eps=1e-8,
        )
        self.s = m

    def sample(self, prompts):
        """The KV-cache decode loop: tokens [R, T] and the completion mask [R, T] (position t scores token t+1)."""
        m = self.s
        G, pad, bos, eos = m["group"], m["pad"], m["bos"], m["eos"]
        rows = [p for p in prompts for _ in range(G)]
        R = len(rows)
        lengths = torch.tensor([len(p) for p in rows])
        T = min(self.context, int(lengths.max()) + m["maxNewTokens"])
        m0 = int(lengths.min())
        tokens = torch.full((R, T), pad, dtype=torch.long)
        for r, p in enumerate(rows):
            tokens[r, : len(p)] = torch.tensor(p)
        mask = torch.zeros(R, T)
        done = torch.zeros(R, dtype=torch.bool)
        produced = torch.zeros(R, dtype=torch.long)
        never = torch.zeros(self.model.V)
        never[pad] = never[bos] = float("-inf")
        cache = []
        with torch.no_grad():
            logits = self.model.forward(self.params, tokens[:, :m0], 0, cache)[:, -1]
            s = m0 - 1
            while True:
                probs = torch.softmax(logits / m["temperature"] + never, dim=-1)
                drawn = torch.multinomial(probs, 1, generator=self.gen).squeeze(1)
                sampling = (lengths <= s + 1) & ~done
                tokens[:, s + 1] = torch.where(sampling, drawn, torch.where(done, torch.tensor(pad), tokens[:, s + 1]))
                mask[:, s] = sampling.float()
                produced += sampling.long()
                done |= sampling & ((drawn == eos) | (produced >= m["maxNewTokens"]) | torch.tensor(s + 2 >= T))
                if bool(done.all()) or s + 2 >= T:
                    break
                s += 1
                logits = self.model.forward(self.params, tokens[:, s : s + 1], s, cache)[:, -1]
        return tokens, mask, produced

    def step(self, prompts):
        m = self.s
        phases = {}
        t0 = time.perf_counter()
        mark = [t0]

        def enter(name):
            now = time.perf_counter()
            phases[name] = (now - mark[0]) * 1000
            mark[0] = now

        tokens, mask, produced = self.sample(prompts)
        enter("sampling")
        R, T = tokens.shape
        G = m["group"]
        # Stand-in verifier: the parity of each completion's token sum.
        rewards = ((tokens * mask.roll(1, dims=1).long()).sum(1) % 2).float()
        enter("verify")
        targets = torch.cat([tokens[:, 1:], torch.full((R, 1), m["pad"], dtype=torch.long)], dim=1)
        with torch.no_grad():
            ref_logp, _ = token_stats(self.model.forward(self.base, tokens), targets, m["temperature"])
            old_logp, entropy = token_stats(self.model.forward(self.params, tokens), targets, m["temperature"])
        enter("reference")
        grouped = rewards.view(-1, G)
        adv = ((grouped - grouped.mean(1, keepdim=True)) / (grouped.std(1, keepdim=True) + 1e-6)).view(-1)
        adv = torch.where((grouped.max(1).values == grouped.min(1).values).repeat_interleave(G), torch.zeros_like(adv), adv)
        enter("advantages")
        losses = []
        M = m["minibatches"]
        for mb in range(M):
            r0, r1 = (mb * R) // M, ((mb + 1) * R) // M
            logp, _ = token_stats(self.model.forward(self.params, tokens[r0:r1]), targets[r0:r1], m["temperature"])
            ratio = torch.exp(logp - old_logp[r0:r1])
            a = adv[r0:r1].unsqueeze(1)
            per_token = -torch.min(ratio * a, ratio.clamp(1 - m["epsLow"], 1 + m["epsHigh"]) * a)
            if m["beta"] > 0:
                q = ref_logp[r0:r1] - logp
                per_token = per_token + m["beta"] * (torch.exp(q) - q - 1)
            w = mask[r0:r1]
            loss = (per_token * w).sum() / w.sum().clamp(min=1)
            self.opt.zero_grad(set_to_none=True)
            loss.backward()
            if m["maxGradNorm"] > 0:
                torch.nn.utils.clip_grad_norm_(list(self.params.values()), m["maxGradNorm"])
            self.opt.step()
            losses.append(loss.detach())
        enter("update")
        with torch.no_grad():
            inspect, _ = token_stats(self.model.forward(self.params, tokens[:G]), targets[:G], m["temperature"])
            row = {
                "loss": float(torch.stack(losses).mean()),
                "entropy": float((entropy * mask).sum() / mask.sum()),
                "kl": float(((old_logp - ref_logp) * mask).sum() / mask.sum()),
                "reward": float(rewards.mean()),
                "length": float(produced.float().mean()),
                "inspect": float(inspect.sum()),
            }
        enter("metrics")
        return {"ms": (time.perf_counter() - t0) * 1000, "phases": phases, "row": row}

    def logits(self, tokens):
        with torch.no_grad():
            out = self.model.forward(self.params, torch.tensor(tokens, dtype=torch.long))
        return out.reshape(-1).tolist()


def main():
    torch.set_num_threads(os.cpu_count() or 1)
    peer = None
    for line in sys.stdin:
        if not line.strip():
            continue
        req = json.loads(line)
        try:
            cmd = req.get("cmd")
            if cmd == "init":
                peer = Peer(req)
                reply = {"ok": True, "params": sum(v.numel() for v in peer.params.values()), "torch": torch.__version__, "threads": torch.get_num_threads()}
            elif cmd == "logits":
                reply = {"logits": peer.logits(req["tokens"])}
            elif cmd == "step":
                reply = peer.step(req["prompts"])
            elif cmd == "quit":
                break
            else:
                reply = {"error": f"unknown command {cmd!r}"}
        except Exception as e:  # the bench shows the message and stops
            reply = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
