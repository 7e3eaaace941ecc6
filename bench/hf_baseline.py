#!/usr/bin/env python3
"""Baseline numbers for basalt-bench, measured on the same GPU in the same run:

- Hugging Face transformers `generate` (Basaran's engine) on the benchmark model: output tokens/s at
  batch 1 / 32 / 128 (prompt 128 random tokens, greedy, EOS ignored);
- the memory-bandwidth roofline inputs: device-to-device copy bandwidth (bytes read + written per
  second), the model's weight bytes and KV-cache bytes per token.

Usage: hf_baseline.py MODEL_DIR OUT.json [--new-tokens N] [--batches 1,32,128]
"""
import argparse
import json
import time

import torch


def copy_bandwidth():
    n = 1 << 30  # 1 GiB
    src = torch.empty(n, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    for _ in range(3):
        dst.copy_(src)
    torch.cuda.synchronize()
    start = torch.cuda.Event(enable_timing=True)
    end = torch.cuda.Event(enable_timing=True)
    start.record()
    reps = 20
    for _ in range(reps):
        dst.copy_(src)
    end.record()
    torch.cuda.synchronize()
    seconds = start.elapsed_time(end) / 1000 / reps
    return 2 * n / seconds  # read + write


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("out")
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--prompt", type=int, default=128)
    parser.add_argument("--batches", default="1,32,128")
    args = parser.parse_args()
    from transformers import AutoModelForCausalLM
    model = AutoModelForCausalLM.from_pretrained(args.model, dtype=torch.bfloat16).to("cuda").eval()
    config = model.config
    weight_bytes = sum(p.numel() * p.element_size() for p in model.parameters())
    head_dim = config.hidden_size // config.num_attention_heads
    kv_bytes_per_token = 2 * config.num_hidden_layers * config.num_key_value_heads * head_dim * 2
    result = {
        "card": torch.cuda.get_device_name(0),
        "torch": torch.__version__,
        "copy_bandwidth_bytes_per_s": copy_bandwidth(),
        "weight_bytes": weight_bytes,
        "kv_bytes_per_token": kv_bytes_per_token,
        "hf_new_tokens": args.new_tokens,
        "hf_tokens_per_s": {},
    }
    gen = torch.Generator(device="cpu").manual_seed(0)
    for batch in [int(b) for b in args.batches.split(",")]:
        ids = torch.randint(2, 1000, (batch, args.prompt), generator=gen).to("cuda")
        kwargs = dict(max_new_tokens=args.new_tokens, min_new_tokens=args.new_tokens, do_sample=False,
                      attention_mask=torch.ones_like(ids), pad_token_id=0)
        with torch.no_grad():
            model.generate(ids, **dict(kwargs, max_new_tokens=4, min_new_tokens=4))  # warm-up
            torch.cuda.synchronize()
            start = time.time()
            out = model.generate(ids, **kwargs)
            torch.cuda.synchronize()
            seconds = time.time() - start
        generated = (out.shape[1] - args.prompt) * batch
        result["hf_tokens_per_s"][str(batch)] = generated / seconds
        print(f"transformers generate: batch {batch}: {generated / seconds:.1f} output tokens/s", flush=True)
    result["roofline_batch1_tokens_per_s"] = result["copy_bandwidth_bytes_per_s"] / weight_bytes
    print(json.dumps(result, indent=1))
    with open(args.out, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
