#!/usr/bin/env python3
"""Trains Basalt's bundled default model (issue 6) from scratch on one GPU in about ten minutes.

Usage (on the GPU machine, from the repository root):

    python3 tools/train/train_default_model.py .train-data OUTDIR            # the real run (~9 minutes)
    python3 tools/train/train_default_model.py .train-data OUTDIR --smoke    # tiny end-to-end check (~1 minute)

DATA is what tools/train/prepare_corpus.sh wrote (corpus.txt.xz, heldout.txt.xz, sources.json). OUTDIR becomes
a Hugging Face model directory (config.json, generation_config.json, model.safetensors in bf16, tokenizer.json,
tokenizer_config.json, chat_template.jinja) plus MODEL_CARD.md, loss.png, training_log.json and
heldout_sample.txt.

Steps: byte-level BPE tokenizer (Hugging Face `tokenizers`, Llama-3 split regex) -> a Llama model written here in
plain PyTorch (the same parameter names and maths as transformers' LlamaForCausalLM, so its state dict loads
as is) trained with bf16 autocast, AdamW and a cosine schedule until a wall-clock budget runs out, keeping the
weights with the lowest validation loss -> export through transformers (checked: the reloaded model's logits
must match) -> perplexity on the held-out test documents with the reloaded transformers model -> greedy
completion of a fixed prompt -> loss figure, log and model card.

The held-out documents are split in two: "val" (even positions) picks the checkpoint and draws the curve,
"test" (odd positions) gives the reported perplexity, so the reported figure was never used for a choice.
"""
import argparse
import json
import lzma
import math
import os
import platform
import shutil
import subprocess
import sys
import time
import traceback

import torch
import torch.nn as nn
import torch.nn.functional as F

T_START = time.time()
DOC_SEP = "\n\x1e\n"
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|im_start|>", "<|im_end|>"]
BOS, EOS = SPECIALS[0], SPECIALS[1]
LLAMA3_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
                  r"|\s*[\r\n]+|\s+(?!\S)|\s+")
CHATML_TEMPLATE = (
    "{{ bos_token }}{% for message in messages %}<|im_start|>{{ message['role'] }}\n"
    "{{ message['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")
PROMPT = "The ship sailed"
GREEDY_NEW_TOKENS = 32
SAMPLE_PROMPTS = [PROMPT, "Once upon a time", "The President said that", "To install the package,"]

# Real run. About 17.3M parameters (34.6 MB in bf16), see MODEL_CARD.md "Why this size".
FULL = dict(vocab_size=8192, hidden_size=384, num_layers=8, num_heads=6, intermediate_size=1024, seq_len=1024,
            batch_size=32, peak_lr=2e-3, min_lr_ratio=0.1, warmup_steps=300, weight_decay=0.1, dropout=0.1,
            grad_clip=1.0, train_budget_s=360.0, deadline_s=450.0, max_epochs=40.0, eval_every_s=20.0, max_eval_tokens=400_000,
            tokenizer_max_bytes=200_000_000, corpus_max_bytes=None)
SMOKE = dict(vocab_size=1024, hidden_size=64, num_layers=2, num_heads=2, intermediate_size=192, seq_len=128,
             batch_size=16, peak_lr=3e-3, min_lr_ratio=0.1, warmup_steps=20, weight_decay=0.1, dropout=0.1,
             grad_clip=1.0, train_budget_s=30.0, deadline_s=300.0, max_epochs=1000.0, eval_every_s=5.0, max_eval_tokens=20_000,
             tokenizer_max_bytes=3_000_000, corpus_max_bytes=3_000_000)


def log(msg):
    print(f"[{time.time() - T_START:7.1f}s] {msg}", flush=True)


# ---------------------------------------------------------------------------------------------------
# Data

def read_xz(path):
    try:
        with lzma.open(path, "rt", encoding="utf-8") as f:
            return f.read()
    except Exception:  # noqa: BLE001 - a Python without lzma: fall back to the xz tool
        return subprocess.run(["xz", "-dc", path], check=True, capture_output=True).stdout.decode("utf-8")


def read_docs(path, max_bytes=None):
    text = read_xz(path)
    docs = [d.strip() for d in text.split(DOC_SEP)]
    docs = [d for d in docs if d and d != "\x1e"]
    if max_bytes:
        out, size = [], 0
        for d in docs:
            out.append(d)
            size += len(d)
            if size >= max_bytes:
                break
        docs = out
    return docs


# ---------------------------------------------------------------------------------------------------
# Tokenizer

def train_tokenizer(docs, vocab_size, max_bytes):
    from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(LLAMA3_PATTERN), behavior="isolated"),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False)])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, min_frequency=2,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)

    def sample():
        size = 0
        for d in docs:
            yield d
            size += len(d)
            if size >= max_bytes:
                return

    tok.train_from_iterator(sample(), trainer)
    bos = tok.token_to_id(BOS)
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A {BOS} $B:1", special_tokens=[(BOS, bos)])
    return tok


def encode_docs(tok, docs, bos_id, eos_id):
    """One token stream: <bos> doc <eos> <bos> doc <eos> ..., plus each document's token count."""
    import numpy as np
    if not docs:
        return np.zeros(0, dtype=np.int32), []
    encs = tok.encode_batch(docs, add_special_tokens=False)
    lens, parts = [], []
    for e in encs:
        ids = e.ids
        parts.append(np.asarray([bos_id] + ids + [eos_id], dtype=np.int32))
        lens.append(len(ids) + 2)
    return np.concatenate(parts), lens


# ---------------------------------------------------------------------------------------------------
# Model: Llama with transformers' parameter names (model.layers.N.self_attn.q_proj ...), rotate-half RoPE,
# RMSNorm computed in float32, SwiGLU MLP, no biases, tied embeddings. Dropout only on the residual branches
# while training (inference is unchanged, so transformers' model is the same function).

class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        dtype = x.dtype
        x = x.float()
        x = x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * x.to(dtype)


def rope_tables(seq_len, head_dim, theta, device):
    inv_freq = 1.0 / (theta ** (torch.arange(0, head_dim, 2, dtype=torch.int64).float().to(device) / head_dim))
    t = torch.arange(seq_len, device=device).float()
    freqs = torch.outer(t, inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)
    return emb.cos(), emb.sin()


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def attention(q, k, v):
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    t = q.shape[-2]  # torch < 2.0 (only for CPU tests)
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    mask = torch.ones(t, t, dtype=torch.bool, device=q.device).triu(1)
    return scores.masked_fill(mask, float("-inf")).softmax(-1) @ v


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, self.h = c["hidden_size"], c["num_heads"]
        self.hd = d // self.h
        self.q_proj = nn.Linear(d, d, bias=False)
        self.k_proj = nn.Linear(d, d, bias=False)
        self.v_proj = nn.Linear(d, d, bias=False)
        self.o_proj = nn.Linear(d, d, bias=False)

    def forward(self, x, cos, sin):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.h, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.h, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.h, self.hd).transpose(1, 2)
        cos, sin = cos[:t].to(q.dtype), sin[:t].to(q.dtype)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        y = attention(q, k, v).transpose(1, 2).reshape(b, t, -1)
        return self.o_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        d, f = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(d, f, bias=False)
        self.up_proj = nn.Linear(d, f, bias=False)
        self.down_proj = nn.Linear(f, d, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.self_attn = Attention(c)
        self.mlp = MLP(c)
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.dropout = c["dropout"]

    def forward(self, x, cos, sin):
        x = x + F.dropout(self.self_attn(self.input_layernorm(x), cos, sin), self.dropout, self.training)
        return x + F.dropout(self.mlp(self.post_attention_layernorm(x)), self.dropout, self.training)


class Decoder(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([Block(c) for _ in range(c["num_layers"])])
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])


class Llama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.model = Decoder(c)
        hd = c["hidden_size"] // c["num_heads"]
        cos, sin = rope_tables(c["seq_len"], hd, c["rope_theta"], "cpu")
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init)
        for name, p in self.named_parameters():  # GPT-2 style: smaller residual projections
            if name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * c["num_layers"]))

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def forward(self, ids):
        x = self.model.embed_tokens(ids)
        for layer in self.model.layers:
            x = layer(x, self.rope_cos, self.rope_sin)
        x = self.model.norm(x)
        return F.linear(x, self.model.embed_tokens.weight)  # tied lm_head

    def hf_state_dict(self):
        sd = {k: v.detach().clone() for k, v in self.state_dict().items()}
        sd["lm_head.weight"] = sd["model.embed_tokens.weight"]
        return sd


def count_params(model):
    return sum(p.numel() for p in model.parameters())


# ---------------------------------------------------------------------------------------------------
# Evaluation: every held-out document on its own, as <bos> doc <eos>, cut into consecutive windows of
# seq_len predicted tokens (each window re-reads the previous window's last token as its first input).

def doc_windows(stream, lens, seq_len):
    """[(input ids, target ids, doc index)] over every document in the stream."""
    out, pos = [], 0
    for di, n in enumerate(lens):
        ids = stream[pos:pos + n].tolist()
        pos += n
        for s in range(0, n - 1, seq_len):
            chunk = ids[s:s + seq_len + 1]
            out.append((chunk[:-1], chunk[1:], di))
    return out


@torch.no_grad()
def evaluate(forward, windows, n_docs, device, batch_size, autocast):
    """Summed NLL (nats) and predicted-token count per document."""
    nll = [0.0] * n_docs
    cnt = [0] * n_docs
    for i in range(0, len(windows), batch_size):
        batch = windows[i:i + batch_size]
        t = max(len(w[0]) for w in batch)
        x = torch.zeros(len(batch), t, dtype=torch.long)
        y = torch.full((len(batch), t), -100, dtype=torch.long)
        for j, (inp, tgt, _) in enumerate(batch):
            x[j, :len(inp)] = torch.tensor(inp)
            y[j, :len(tgt)] = torch.tensor(tgt)
        x, y = x.to(device), y.to(device)
        with autocast():
            logits = forward(x)
        loss = F.cross_entropy(logits.float().reshape(-1, logits.shape[-1]), y.reshape(-1), reduction="none")
        loss = loss.view(len(batch), t).sum(1).tolist()
        for j, (_, tgt, di) in enumerate(batch):
            nll[di] += loss[j]
            cnt[di] += len(tgt)
    return nll, cnt


def summarize(nll, cnt, doc_bytes, doc_sources=None):
    tot, n, nbytes = sum(nll), sum(cnt), sum(doc_bytes)
    out = {"loss": tot / max(n, 1), "perplexity": math.exp(tot / max(n, 1)), "tokens": n, "docs": len(cnt),
           "bytes": nbytes, "bits_per_byte": tot / math.log(2) / max(nbytes, 1)}
    if doc_sources:
        per = {}
        for s, a, b, c in zip(doc_sources, nll, cnt, doc_bytes):
            e = per.setdefault(s, [0.0, 0, 0])
            e[0] += a
            e[1] += b
            e[2] += c
        out["per_source"] = {s: {"perplexity": math.exp(a / max(b, 1)), "tokens": b,
                                 "bits_per_byte": a / math.log(2) / max(c, 1)} for s, (a, b, c) in sorted(per.items())}
    return out


# ---------------------------------------------------------------------------------------------------
# Export through transformers

def export_hf(model, tok, c, out_dir, bos_id, eos_id, im_end_id):
    from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast
    hd = c["hidden_size"] // c["num_heads"]
    cfg = LlamaConfig(
        vocab_size=c["vocab_size"], hidden_size=c["hidden_size"], intermediate_size=c["intermediate_size"],
        num_hidden_layers=c["num_layers"], num_attention_heads=c["num_heads"], num_key_value_heads=c["num_heads"],
        head_dim=hd, hidden_act="silu", max_position_embeddings=c["seq_len"], rms_norm_eps=c["rms_norm_eps"],
        rope_theta=c["rope_theta"], attention_bias=False,
        mlp_bias=False, tie_word_embeddings=True, bos_token_id=bos_id, eos_token_id=eos_id, pad_token_id=None)
    hf = LlamaForCausalLM(cfg)
    missing, unexpected = hf.load_state_dict(model.hf_state_dict(), strict=False)
    missing = [k for k in missing if "rotary_emb" not in k]
    if missing or unexpected:
        raise RuntimeError(f"state dict mismatch: missing {missing}, unexpected {unexpected}")
    if hf.lm_head.weight.data_ptr() != hf.model.embed_tokens.weight.data_ptr():
        hf.tie_weights()
    hf = hf.to(torch.bfloat16)
    hf.generation_config = GenerationConfig(bos_token_id=bos_id, eos_token_id=[eos_id, im_end_id],
                                            pad_token_id=eos_id)
    hf.save_pretrained(out_dir)

    ht = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS,
                                 clean_up_tokenization_spaces=False, model_max_length=c["seq_len"])
    ht.chat_template = CHATML_TEMPLATE
    ht.save_pretrained(out_dir)
    # transformers 5 keeps the template in chat_template.jinja; servers that read only
    # tokenizer_config.json find it there too (the same text).
    tc_path = os.path.join(out_dir, "tokenizer_config.json")
    with open(tc_path, encoding="utf-8") as f:
        tc = json.load(f)
    if "chat_template" not in tc:
        tc["chat_template"] = CHATML_TEMPLATE
        with open(tc_path, "w", encoding="utf-8") as f:
            json.dump(tc, f, indent=2, ensure_ascii=False)
            f.write("\n")


# ---------------------------------------------------------------------------------------------------

def lr_at(step, c, total_steps):
    if step < c["warmup_steps"]:
        return c["peak_lr"] * (step + 1) / c["warmup_steps"]
    span = max(1, total_steps - c["warmup_steps"])
    p = min(1.0, (step - c["warmup_steps"]) / span)
    return c["peak_lr"] * (c["min_lr_ratio"] + (1 - c["min_lr_ratio"]) * 0.5 * (1 + math.cos(math.pi * p)))


def plot(history, evals, best, path, title):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 4.8), dpi=120)
    xs = [h["tokens"] / 1e6 for h in history]
    ys = [h["loss"] for h in history]
    if xs:
        k = max(1, len(ys) // 200)
        sm = [sum(ys[max(0, i - k):i + 1]) / len(ys[max(0, i - k):i + 1]) for i in range(len(ys))]
        ax.plot(xs, ys, color="#9ecae1", lw=0.6, label="train (per step)")
        ax.plot(xs, sm, color="#1f77b4", lw=1.4, label="train (moving average)")
    if evals:
        ax.plot([e["tokens"] / 1e6 for e in evals], [e["val_loss"] for e in evals], "o-", color="#d62728",
                ms=3.5, lw=1.4, label="held-out validation")
    if best is not None:
        ax.axvline(best["tokens"] / 1e6, color="#888", ls=":", lw=1)
        ax.annotate(f"kept: {best['val_loss']:.3f}", (best["tokens"] / 1e6, best["val_loss"]),
                    textcoords="offset points", xytext=(-60, 18), fontsize=8)
    ax.set_xlabel("training tokens seen (millions)")
    ax.set_ylabel("cross-entropy (nats / token)")
    ax.set_title(title, fontsize=10)
    vals = [e["val_loss"] for e in evals] + (sm if xs else [])
    if vals:
        lo = min(vals)
        ax.set_ylim(max(0.0, lo - 0.3), min(max(vals), lo + 4.5) + 0.1)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("data")
    ap.add_argument("out")
    ap.add_argument("--smoke", action="store_true", help="tiny configuration, ~30 s of training, end to end")
    ap.add_argument("--budget-s", type=float, default=None, help="training wall-clock budget (seconds)")
    ap.add_argument("--no-compile", action="store_true")
    ap.add_argument("--seed", type=int, default=1234)
    args = ap.parse_args()

    c = dict(SMOKE if args.smoke else FULL)
    c.update(rms_norm_eps=1e-5, rope_theta=10000.0)
    if args.budget_s:
        c["train_budget_s"] = args.budget_s
    torch.manual_seed(args.seed)
    cuda = torch.cuda.is_available()
    device = "cuda" if cuda else "cpu"
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True

    def autocast():
        if cuda:
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return torch.autocast("cpu", enabled=False)

    os.makedirs(args.out, exist_ok=True)
    timings = {}
    with open(os.path.join(args.data, "sources.json"), encoding="utf-8") as f:
        sources = json.load(f)

    # --- data
    t0 = time.time()
    train_docs = read_docs(os.path.join(args.data, "corpus.txt.xz"), c["corpus_max_bytes"])
    held_docs = read_docs(os.path.join(args.data, "heldout.txt.xz"))
    held_src = sources.get("heldout_doc_sources", [])
    if len(held_src) != len(held_docs):
        held_src = ["unknown"] * len(held_docs)
    val_docs, test_docs = held_docs[0::2], held_docs[1::2]
    val_src, test_src = held_src[0::2], held_src[1::2]
    if args.smoke:
        val_docs, test_docs, val_src, test_src = val_docs[:8], test_docs[:8], val_src[:8], test_src[:8]
    timings["read_data_s"] = time.time() - t0
    log(f"data: {len(train_docs)} train docs ({sum(map(len, train_docs)) / 1e6:.1f} M chars), "
        f"{len(val_docs)} val / {len(test_docs)} test docs")

    # --- tokenizer
    t0 = time.time()
    tok = train_tokenizer(train_docs, c["vocab_size"], c["tokenizer_max_bytes"])
    c["vocab_size"] = tok.get_vocab_size()
    bos_id, eos_id, im_end_id = tok.token_to_id(BOS), tok.token_to_id(EOS), tok.token_to_id("<|im_end|>")
    timings["tokenizer_train_s"] = time.time() - t0
    t0 = time.time()
    train_stream, _ = encode_docs(tok, train_docs, bos_id, eos_id)
    val_stream, val_lens = encode_docs(tok, val_docs, bos_id, eos_id)
    test_stream, test_lens = encode_docs(tok, test_docs, bos_id, eos_id)
    timings["tokenize_s"] = time.time() - t0
    train_bytes = sum(len(d.encode("utf-8")) for d in train_docs)
    n_train = len(train_stream)
    log(f"tokenizer: {c['vocab_size']} tokens in {timings['tokenizer_train_s']:.1f}s; train {n_train / 1e6:.2f}M "
        f"tokens ({train_bytes / n_train:.2f} bytes/token), val {len(val_stream)}, test {len(test_stream)}")

    # Validation during training: windows over the val documents (capped for time).
    val_windows = doc_windows(val_stream, val_lens, c["seq_len"])
    limit, kept = c["max_eval_tokens"], []
    for w in val_windows:
        if sum(len(k[1]) for k in kept) >= limit:
            break
        kept.append(w)
    val_windows = kept
    val_bytes = [len(d.encode("utf-8")) for d in val_docs]
    test_bytes = [len(d.encode("utf-8")) for d in test_docs]

    # --- model
    model = Llama(c).to(device)
    n_params = count_params(model)
    log(f"model: {n_params / 1e6:.2f}M parameters ({n_params * 2 / 1e6:.1f} MB in bf16), "
        f"{n_params - c['vocab_size'] * c['hidden_size']:,} outside the embedding")
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt_kwargs = dict(lr=c["peak_lr"], betas=(0.9, 0.95), eps=1e-8)
    if cuda:
        opt_kwargs["fused"] = True
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": c["weight_decay"]},
                             {"params": no_decay, "weight_decay": 0.0}], **opt_kwargs)
    fwd = model
    compiled = False
    if cuda and not args.no_compile and hasattr(torch, "compile"):
        fwd = torch.compile(model)
        compiled = True

    data_gpu = torch.from_numpy(train_stream).to(device)
    offsets = torch.arange(c["seq_len"] + 1, device=device)
    gen = torch.Generator(device=device)
    gen.manual_seed(args.seed)

    def batch():
        starts = torch.randint(0, n_train - c["seq_len"] - 1, (c["batch_size"], 1), device=device, generator=gen)
        seq = data_gpu[starts + offsets].long()
        return seq[:, :-1], seq[:, 1:]

    def train_step(step, total_steps):
        lr = lr_at(step, c, total_steps)
        for g in opt.param_groups:
            g["lr"] = lr
        x, y = batch()
        with autocast():
            logits = fwd(x)
        loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(model.parameters(), c["grad_clip"])
        opt.step()
        return loss, gn, lr

    def val_loss():
        model.eval()
        nll, cnt = evaluate(model, val_windows, len(val_docs), device, 64 if cuda else 8, autocast)
        model.train()
        return sum(nll) / max(1, sum(cnt))

    tokens_per_step = c["batch_size"] * c["seq_len"]
    max_steps_by_epochs = int(c["max_epochs"] * n_train / tokens_per_step)
    total_steps = max(c["warmup_steps"] * 4, min(max_steps_by_epochs, 10 ** 9))
    history, evals = [], []
    best = None
    best_state = None
    model.train()
    # First step: compiles. If compilation fails, train eagerly instead of losing the run.
    t_compile = time.time()
    try:
        loss, gn, lr = train_step(0, total_steps)
        loss_v = loss.item()
    except Exception as e:  # noqa: BLE001
        if not compiled:
            raise
        log(f"torch.compile failed ({type(e).__name__}: {str(e)[:300]}); training eagerly")
        fwd, compiled = model, False
        opt.zero_grad(set_to_none=True)
        loss, gn, lr = train_step(0, total_steps)
        loss_v = loss.item()
    timings["first_step_s"] = time.time() - t_compile
    log(f"first step (compile={compiled}) took {timings['first_step_s']:.1f}s, loss {loss_v:.3f}")
    history.append({"step": 0, "tokens": tokens_per_step, "loss": loss_v, "lr": lr, "time_s": 0.0})

    t_train = time.time()
    # Training ends at the budget, or earlier if the whole run would otherwise pass its deadline.
    budget = min(c["train_budget_s"], c["deadline_s"] - (time.time() - T_START))
    log(f"training budget {budget:.0f}s")
    step, plan_t0 = 1, None
    plan_final_step = max(c["warmup_steps"], 100)
    last_eval, acc_loss, acc_n = time.time(), 0.0, 0
    pending = []
    stop_reason = "budget"
    while True:
        now = time.time()
        elapsed = now - t_train
        # Plan the cosine once the step time is known (after compile and a few steps).
        # Plan the cosine length from the measured step time: provisionally after 40 steps, finally when
        # warm-up ends (the cosine starts there, so changing the plan before then changes nothing done).
        if step in (40, plan_final_step) and (step == 40 or plan_t0 is not None):
            if cuda:
                torch.cuda.synchronize()
            t_now = time.time()
            if step == 40:
                step_s = (t_now - t_train) / (step - 1)
                plan_t0 = (step, t_now)
            else:
                step_s = (t_now - plan_t0[1]) / (step - plan_t0[0])
            by_time = int(step + (budget - (t_now - t_train)) / step_s * 0.97)
            total_steps = max(step + 1, min(by_time, max_steps_by_epochs))
            log(f"plan at step {step}: {step_s * 1000:.1f} ms/step -> {total_steps} steps "
                f"({total_steps * tokens_per_step / 1e6:.0f}M tokens, "
                f"{total_steps * tokens_per_step / n_train:.1f} epochs; epoch cap {c['max_epochs']})")
        if step >= total_steps:
            stop_reason = "schedule done"
            break
        if elapsed >= budget:
            stop_reason = "wall-clock budget"
            break
        loss, gn, lr = train_step(step, total_steps)
        pending.append((step, loss.detach(), lr))
        step += 1
        if len(pending) >= 25 or time.time() - last_eval >= c["eval_every_s"]:
            vals = torch.stack([p[1] for p in pending]).float().tolist()
            t_now = time.time() - t_train
            for (s, _, lr_s), v in zip(pending, vals):
                history.append({"step": s, "tokens": (s + 1) * tokens_per_step, "loss": v, "lr": lr_s,
                                "time_s": round(t_now, 2)})
                acc_loss += v
                acc_n += 1
            pending = []
        if time.time() - last_eval >= c["eval_every_s"]:
            vl = val_loss()
            e = {"step": step, "tokens": step * tokens_per_step, "epochs": step * tokens_per_step / n_train,
                 "time_s": round(time.time() - t_train, 2), "train_loss": acc_loss / max(1, acc_n),
                 "val_loss": vl, "lr": lr}
            evals.append(e)
            acc_loss, acc_n = 0.0, 0
            if best is None or vl < best["val_loss"]:
                best = e
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            log(f"step {step:6d}  epoch {e['epochs']:5.2f}  train {e['train_loss']:.4f}  val {vl:.4f}  "
                f"lr {lr:.2e}  {step * tokens_per_step / max(1e-9, time.time() - t_train) / 1e6:.2f}M tok/s")
            last_eval = time.time()
    if pending:
        vals = torch.stack([p[1] for p in pending]).float().tolist()
        for (s, _, lr_s), v in zip(pending, vals):
            history.append({"step": s, "tokens": (s + 1) * tokens_per_step, "loss": v, "lr": lr_s,
                            "time_s": round(time.time() - t_train, 2)})
    if cuda:
        torch.cuda.synchronize()
    train_s = time.time() - t_train
    steps_done = step
    tokens_seen = steps_done * tokens_per_step
    vl = val_loss()
    e = {"step": steps_done, "tokens": tokens_seen, "epochs": tokens_seen / n_train, "time_s": round(train_s, 2),
         "train_loss": acc_loss / max(1, acc_n) if acc_n else history[-1]["loss"], "val_loss": vl, "lr": lr}
    evals.append(e)
    if best is None or vl < best["val_loss"]:
        best, best_state = e, {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.load_state_dict(best_state)
    model.eval()
    log(f"training stopped ({stop_reason}) after {steps_done} steps, {tokens_seen / 1e6:.1f}M tokens, "
        f"{train_s:.0f}s; keeping step {best['step']} (val {best['val_loss']:.4f})")

    # Round to bf16 as saved, then evaluate our model in float32 on test.
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    test_windows = doc_windows(test_stream, test_lens, c["seq_len"])
    own_nll, own_cnt = evaluate(model, test_windows, len(test_docs), device, 32, lambda: torch.autocast(
        "cuda" if cuda else "cpu", enabled=False))
    own_test = summarize(own_nll, own_cnt, test_bytes)
    log(f"test (own model, bf16 weights, fp32 maths): loss {own_test['loss']:.4f} ppl {own_test['perplexity']:.2f}")

    # Held-out sample for a cheap test in the repo: the first 24 test documents, each cut to ~2000 characters
    # at a paragraph boundary; its perplexity is measured below the same way (each document alone).
    sample = []
    for d in test_docs[:24]:
        out, size = [], 0
        for para in d.split("\n\n"):
            if size and size + len(para) > 2000:
                break
            out.append(para)
            size += len(para) + 2
        sample.append("\n\n".join(out)[:4000])
    with open(os.path.join(args.out, "heldout_sample.txt"), "w", encoding="utf-8") as f:
        f.write("".join(s + DOC_SEP for s in sample))
    sample_stream, sample_lens = encode_docs(tok, sample, bos_id, eos_id)
    sample_bytes = [len(s.encode("utf-8")) for s in sample]

    # --- export and check through transformers. Every part below records its error instead of stopping the
    # run, so the GPU time is never lost to a late failure; training_log.json lists what failed.
    errors = {}
    if cuda:  # true float32 from here on, so the comparisons below mean something
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
    no_ac = lambda: torch.autocast("cuda" if cuda else "cpu", enabled=False)  # noqa: E731
    t0 = time.time()
    result = {"hf_export": False}
    try:
        export_hf(model, tok, c, args.out, bos_id, eos_id, im_end_id)
        result["hf_export"] = True
    except ImportError as e:
        log(f"transformers not available ({e}); skipping the Hugging Face export (local test only)")
        errors["hf_export"] = repr(e)
    except Exception:  # noqa: BLE001
        errors["hf_export"] = traceback.format_exc()[-3000:]
        log(f"!! export failed:\n{errors['hf_export']}")
    if not result["hf_export"]:
        # Keep the trained weights whatever happened (transformers' names; convertible later).
        torch.save({"config": c, "state_dict": {k: v.to(torch.bfloat16).cpu() for k, v in model.state_dict().items()}},
                   os.path.join(args.out, "trained_state_dict.pt"))
        tok.save(os.path.join(args.out, "tokenizer.json"))
    timings["export_s"] = time.time() - t0

    greedy = {}
    hf = hf_tok = None
    if result["hf_export"]:
        try:
            from transformers import AutoTokenizer, LlamaForCausalLM
            hf_tok = AutoTokenizer.from_pretrained(args.out)
            hf = LlamaForCausalLM.from_pretrained(args.out, dtype=torch.float32).to(device).eval()
        except Exception:  # noqa: BLE001
            errors["hf_reload"] = traceback.format_exc()[-3000:]
            log(f"!! reload failed:\n{errors['hf_reload']}")
    if hf is not None:
        # 1. the reloaded model computes the same function as the trained one
        try:
            probe = torch.tensor([val_stream[:c["seq_len"]].tolist()], device=device)
            with torch.no_grad():
                diff = (hf(probe).logits.float() - model(probe).float()).abs().max().item()
            result["max_abs_logit_diff_vs_training_model"] = diff
            result["export_matches"] = diff < 2e-2
            log(f"transformers reload: max |logit difference| vs the training model = {diff:.2e}"
                + ("" if diff < 2e-2 else "  !! MISMATCH"))
        except Exception:  # noqa: BLE001
            errors["logit_check"] = traceback.format_exc()[-3000:]
        # 2. tokenizer round trip
        try:
            probe_text = test_docs[0][:500] if test_docs else "Hello, world."
            ours = [bos_id] + tok.encode(probe_text, add_special_tokens=False).ids
            theirs = list(hf_tok(probe_text)["input_ids"])
            result["tokenizer_ids_match"] = ours == theirs
            result["tokenizer_decode_exact"] = hf_tok.decode(theirs, skip_special_tokens=True) == probe_text
            log(f"AutoTokenizer: ids match {result['tokenizer_ids_match']}, "
                f"decode exact {result['tokenizer_decode_exact']}")
        except Exception:  # noqa: BLE001
            errors["tokenizer_check"] = traceback.format_exc()[-3000:]
        # 3. perplexity with the reloaded transformers model: the reported figures
        try:
            hf_fwd = lambda x: hf(x).logits  # noqa: E731
            t1 = time.time()
            nll, cnt = evaluate(hf_fwd, test_windows, len(test_docs), device, 32, no_ac)
            result["test"] = summarize(nll, cnt, test_bytes, test_src)
            nll, cnt = evaluate(hf_fwd, doc_windows(val_stream, val_lens, c["seq_len"]), len(val_docs), device, 32,
                                no_ac)
            result["val"] = summarize(nll, cnt, val_bytes, val_src)
            nll, cnt = evaluate(hf_fwd, doc_windows(sample_stream, sample_lens, c["seq_len"]), len(sample), device,
                                32, no_ac)
            result["heldout_sample"] = summarize(nll, cnt, sample_bytes)
            timings["eval_s"] = time.time() - t1
            log(f"held-out test perplexity {result['test']['perplexity']:.2f} ({result['test']['tokens']} tokens, "
                f"{result['test']['bits_per_byte']:.3f} bits/byte); val {result['val']['perplexity']:.2f}; "
                f"sample {result['heldout_sample']['perplexity']:.2f}")
        except Exception:  # noqa: BLE001
            errors["hf_eval"] = traceback.format_exc()[-3000:]
            log(f"!! evaluation failed:\n{errors['hf_eval']}")
        # 4. greedy completion of the fixed prompt, generating past EOS as Basalt's ignore_eos does:
        # float32 on CPU (what a CPU test reproduces) and bf16 on the GPU
        import copy
        ids = hf_tok(PROMPT, return_tensors="pt")["input_ids"]
        for name, dev, dtype in [("float32_cpu", "cpu", torch.float32)] + (
                [("bfloat16_cuda", "cuda", torch.bfloat16)] if cuda else []):
            try:
                m = hf.to("cpu") if dtype == torch.float32 else LlamaForCausalLM.from_pretrained(
                    args.out, dtype=dtype).to(dev).eval()
                gc = copy.deepcopy(m.generation_config)
                gc.eos_token_id = None
                with torch.no_grad():
                    out = m.generate(ids.to(dev), attention_mask=torch.ones_like(ids).to(dev),
                                     max_new_tokens=GREEDY_NEW_TOKENS, do_sample=False, output_logits=True,
                                     return_dict_in_generate=True, generation_config=gc)
                new = out.sequences[0, ids.shape[1]:].tolist()[:len(out.logits)]
                gaps = []
                for lg in out.logits:
                    top2 = lg[0].float().topk(2).values
                    gaps.append(float(top2[0] - top2[1]))
                greedy[name] = {"prompt": PROMPT, "prompt_ids": ids[0].tolist(), "output_ids": new,
                                "text": hf_tok.decode(new, skip_special_tokens=False),
                                "min_top2_logit_gap": min(gaps) if gaps else None, "top2_logit_gaps": gaps}
                log(f"greedy ({name}): {PROMPT!r} -> {greedy[name]['text']!r}")
            except Exception:  # noqa: BLE001
                errors[f"greedy_{name}"] = traceback.format_exc()[-3000:]
                log(f"!! greedy {name} failed:\n{errors[f'greedy_{name}']}")
        # 5. a few sampled completions for the card (temperature 0.8, top-p 0.95)
        try:
            samples = []
            torch.manual_seed(7)
            m = hf.to("cpu")
            for p in SAMPLE_PROMPTS:
                pid = hf_tok(p, return_tensors="pt")["input_ids"]
                with torch.no_grad():
                    o = m.generate(pid, attention_mask=torch.ones_like(pid), max_new_tokens=60, do_sample=True,
                                   temperature=0.8, top_p=0.95, top_k=0)
                samples.append({"prompt": p,
                                "completion": hf_tok.decode(o[0, pid.shape[1]:], skip_special_tokens=True)})
            result["samples"] = samples
        except Exception:  # noqa: BLE001
            errors["samples"] = traceback.format_exc()[-3000:]
    else:
        # No transformers (local test) or a failed export: the training model stands in.
        nll, cnt = evaluate(model, test_windows, len(test_docs), device, 32, no_ac)
        result["test"] = summarize(nll, cnt, test_bytes, test_src)
        nll, cnt = evaluate(model, doc_windows(sample_stream, sample_lens, c["seq_len"]), len(sample), device, 32,
                            no_ac)
        result["heldout_sample"] = summarize(nll, cnt, sample_bytes)
        result["note"] = "figures from the training model, not a transformers reload"
    if "test" not in result:  # the transformers evaluation failed: report the training model's figures
        result["test"] = own_test
        result["note"] = "test figures from the training model (bf16 weights), not a transformers reload"
    timings["total_s"] = time.time() - T_START
    tok_s = tokens_seen / max(train_s, 1e-9)
    run_log = {
        "smoke": args.smoke,
        "settings": c,
        "parameters": n_params,
        "parameters_non_embedding": n_params - c["vocab_size"] * c["hidden_size"],
        "bf16_bytes": n_params * 2,
        "train_tokens": n_train,
        "train_bytes": train_bytes,
        "bytes_per_token": train_bytes / n_train,
        "tokens_seen": tokens_seen,
        "epochs": tokens_seen / n_train,
        "steps": steps_done,
        "tokens_per_step": tokens_per_step,
        "train_seconds": train_s,
        "tokens_per_second": tok_s,
        "stop_reason": stop_reason,
        "compiled": compiled,
        "best_checkpoint": best,
        "own_model_test": own_test,
        "result": result,
        "errors": errors,
        "greedy": greedy,
        "prompt": PROMPT,
        "timings": timings,
        "evals": evals,
        "train_loss_per_step": [[h["step"], round(h["loss"], 5)] for h in history],
        "lr_per_step": [[h["step"], h["lr"]] for h in history[:: max(1, len(history) // 500)]],
        "environment": {"python": platform.python_version(), "torch": torch.__version__,
                        "cuda": torch.version.cuda, "gpu": torch.cuda.get_device_name(0) if cuda else None,
                        **versions()},
    }
    with open(os.path.join(args.out, "training_log.json"), "w", encoding="utf-8") as f:
        json.dump(run_log, f, indent=1)
    title = (f"Basalt default model: {n_params / 1e6:.1f}M params, {tokens_seen / 1e6:.0f}M tokens "
             f"({tokens_seen / n_train:.1f} epochs), test ppl {result['test']['perplexity']:.1f}")
    for what, fn in (("plot", lambda: plot(history, evals, best, os.path.join(args.out, "loss.png"), title)),
                     ("card", lambda: write_card(args.out, run_log, sources)),
                     ("copy_script", lambda: shutil.copy(os.path.abspath(__file__),
                                                         os.path.join(args.out, "train_default_model.py")))):
        try:
            fn()
        except Exception:  # noqa: BLE001
            errors[what] = traceback.format_exc()[-3000:]
            log(f"!! {what} failed:\n{errors[what]}")
    if errors:
        with open(os.path.join(args.out, "training_log.json"), "w", encoding="utf-8") as f:
            json.dump(run_log, f, indent=1)
    log(f"done: {args.out} ({time.time() - T_START:.0f}s in all); errors: {sorted(errors) or 'none'}")


def versions():
    out = {}
    for mod in ("transformers", "tokenizers", "numpy", "matplotlib", "safetensors"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            out[mod] = None
    return out


def write_card(out_dir, L, sources):
    c, r = L["settings"], L["result"]
    test, sample = r["test"], r.get("heldout_sample", {})
    rows = []
    for s in sources["sources"]:
        vv = s.get("versions", {})
        vers = ", ".join(f"{k} {v}" for k, v in vv.items()) if len(vv) > 1 else ", ".join(vv.values())
        rows.append(f"| {s['name']} | {s['what']} | `{s['pkg']}` ({vers}) | {s['license']} | "
                    f"{s['train_bytes']:,} | {s['heldout_bytes']:,} |")
    per_src = ""
    if "per_source" in test:
        per_src = "\n".join(f"| {k} | {v['tokens']:,} | {v['perplexity']:.2f} | {v['bits_per_byte']:.3f} |"
                            for k, v in test["per_source"].items())
    greedy = L["greedy"].get("float32_cpu") or {}
    g16 = L["greedy"].get("bfloat16_cuda") or {}
    samples = "\n".join(f"- **{s['prompt']}**{s['completion']}".replace("\n", " ") for s in r.get("samples", []))
    best = L["best_checkpoint"]
    env = L["environment"]
    card = f"""# Basalt default model

A small English text-generation model trained from scratch for Basalt's offline default (`make run`), so the
playground shows readable English without a model hub. It is a base (completion) model: the chat template is
plain ChatML so chat requests work, but it was never trained on conversations. Expect fluent-looking,
often nonsensical English; it knows little and makes things up.

{"**SMOKE RUN: tiny test configuration, not the real model.**" if L["smoke"] else ""}

## Model

- Architecture: `LlamaForCausalLM` (transformers {env.get("transformers")}), {c["num_layers"]} layers, hidden size
  {c["hidden_size"]}, {c["num_heads"]} attention heads (head dim {c["hidden_size"] // c["num_heads"]}, no GQA), SwiGLU
  MLP {c["intermediate_size"]}, RMSNorm eps {c["rms_norm_eps"]}, RoPE theta {c["rope_theta"]:.0f}, tied input/output
  embeddings, context {c["seq_len"]} tokens.
- Parameters: {L["parameters"]:,} ({L["parameters_non_embedding"]:,} outside the embedding); weights stored in
  bfloat16 ({L["parameters"] * 2 / 1e6:.1f} MB `model.safetensors`).
- Tokenizer: byte-level BPE trained here with Hugging Face `tokenizers` {env.get("tokenizers")}: Llama-3 split regex +
  ByteLevel, {c["vocab_size"]} tokens, specials `<|begin_of_text|>` (BOS, prepended by the tokenizer),
  `<|end_of_text|>` (EOS, ends every training document), `<|im_start|>`, `<|im_end|>` (chat template only).
  {L["bytes_per_token"]:.2f} bytes per token on the training text.
- Generation config: EOS `<|end_of_text|>` or `<|im_end|>`; no sampling defaults.

## Data

Freely licensed English text shipped by Debian 12 and npm packages, extracted, cleaned and deduplicated by
`tools/train/prepare_corpus.sh` / `tools/train/extract_corpus.py`: HTML converted to text with code blocks,
navigation and tables dropped; Unicode NFC, typographic quotes made ASCII, whitespace normalized; exact
duplicate documents and repeated paragraphs (40+ characters) removed; paragraphs that are not mostly English
letters dropped. About 1% of documents (chosen by a hash of source and document name) are held out; of those,
every other one is "validation" (picks the checkpoint, drawn in the curve) and the rest "test" (the reported
perplexity, never used for any choice).

| source | what | package (version) | license | train bytes | held-out bytes |
| --- | --- | --- | --- | ---: | ---: |
{chr(10).join(rows)}
| **total** | | | | {sources["train_bytes"]:,} | {sources["heldout_bytes"]:,} |

Training text: {L["train_tokens"]:,} tokens. Some sources are copyleft (GPL, CC-BY-SA, GFDL); whether model
weights are a derived work of their training text is unsettled, so the weights are distributed here with this
list of sources and their licenses.

## Training

`tools/train/train_default_model.py` (a copy is next to this card), one {env.get("gpu")}, torch {env.get("torch")}
(CUDA {env.get("cuda")}), `torch.compile` {"on" if L["compiled"] else "off"}, bf16 autocast with float32 master weights.

- Batch {c["batch_size"]} x {c["seq_len"]} tokens ({L["tokens_per_step"]:,} tokens/step), windows drawn at random
  offsets of the concatenated `<bos> doc <eos>` stream.
- AdamW (beta 0.9/0.95, weight decay {c["weight_decay"]} on matrices), peak LR {c["peak_lr"]}, {c["warmup_steps"]}
  warm-up steps, cosine decay to {c["min_lr_ratio"]}x, gradient clipping {c["grad_clip"]}, residual dropout
  {c["dropout"]} (training only).
- Wall-clock budget {c["train_budget_s"]:.0f} s: the cosine length was set from the measured step time after 40 steps.
  Stopped by: {L["stop_reason"]}.
- Trained {L["steps"]:,} steps, {L["tokens_seen"] / 1e6:.1f}M tokens = {L["epochs"]:.1f} epochs in
  {L["train_seconds"]:.0f} s ({L["tokens_per_second"] / 1e6:.2f}M tokens/s). Kept the weights of step
  {best["step"]:,} (lowest validation loss {best["val_loss"]:.4f}).
- Whole run (data, tokenizer, training, export, evaluation): {L["timings"]["total_s"]:.0f} s.

![loss curve](loss.png)

### Why this size

The disk limit (40 MB in bf16) caps the model at about 20M parameters, and about six minutes of one H100 gives
a few hundred million training tokens. Chinchilla-style compute-optimal training (about 20 tokens per
parameter) would put the model at 15-25M parameters for that many tokens, but the corpus is only
{L["train_tokens"] / 1e6:.0f}M tokens, so the run repeats it about {L["epochs"]:.0f} times. Repeated data is worth
less than new data after a few epochs (Muennighoff et al., 2023, "Scaling Data-Constrained Language Models"),
which favours a smaller model trained for more epochs over a larger one, and calls for regularization. The
chosen {L["parameters"] / 1e6:.1f}M-parameter model ({c["num_layers"]} layers of width {c["hidden_size"]}, head dimension
{c["hidden_size"] // c["num_heads"]}; at this scale depth pays more than width, and the small {c["vocab_size"]}-token
vocabulary keeps the embedding at {c["vocab_size"] * c["hidden_size"] / L["parameters"] * 100:.0f}% of the parameters)
sits at the low end of the compute-optimal range and under the disk limit, and is trained with residual dropout
{c["dropout"]} and weight decay against the repetition; the checkpoint with the lowest validation loss is kept
in case it still overfits late in the run. A larger model would not fit the 40 MB limit, and a smaller one would
leave compute unused on a corpus it has not yet memorized.

## Evaluation

Perplexity of the saved model reloaded with transformers (float32), over the held-out **test** documents, each
scored on its own as `<bos> text <eos>` in consecutive windows of {c["seq_len"]} predicted tokens:

- **Held-out test perplexity: {test["perplexity"]:.2f}** ({test["tokens"]:,} tokens, {test["docs"]} documents;
  {test["bits_per_byte"]:.3f} bits per byte).
- Validation perplexity: {r.get("val", {}).get("perplexity", float("nan")):.2f}.
- `heldout_sample.txt` (the first {sample.get("docs", 0)} test documents cut to about 2,000 characters each, separated
  by a line holding only U+001E): perplexity **{sample.get("perplexity", float("nan")):.2f}** over
  {sample.get("tokens", 0):,} tokens, scored the same way. A test can recompute this cheaply on CPU.

| test source | tokens | perplexity | bits/byte |
| --- | ---: | ---: | ---: |
{per_src}

Greedy completion of `{L["prompt"]}` (prompt ids {greedy.get("prompt_ids")}, {GREEDY_NEW_TOKENS} new tokens, EOS not
stopping; float32 on CPU), smallest gap between the top two logits {greedy.get("min_top2_logit_gap")}:

> {L["prompt"]}{greedy.get("text", "").replace(chr(10), " ")}

(bf16 on the GPU: `{g16.get("text", "").replace(chr(10), " ")}`; the token ids of both are in `training_log.json`.)

Sampled completions (temperature 0.8, top-p 0.95):

{samples}

## Files

`config.json`, `generation_config.json`, `model.safetensors` (bf16), `tokenizer.json`, `tokenizer_config.json`,
`chat_template.jinja` (also inlined in `tokenizer_config.json`), `training_log.json` (settings, per-step training
loss, evaluations, timings, greedy ids), `loss.png`, `heldout_sample.txt`, `train_default_model.py`.
"""
    with open(os.path.join(out_dir, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write(card)


if __name__ == "__main__":
    main()
