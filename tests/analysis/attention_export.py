#!/usr/bin/python3
"""Tests of analysis/attention_export.py on tiny transformers trained here in about a second each
(analysis/attention_transformers.py with d 16, 2 heads, 1 layer):

  attention_export.py roundtrip SRCROOT
      exported q, k, v through exact softmax attention (float64) and the module's out-projection equal the
      module's own output to 1e-6 relative, for nn.MultiheadAttention (batch_first, and seq-first with
      kdim, vdim != embed_dim and an additive causal mask) and for separate q/k/v projections (with a
      scale that is not 1/sqrt(D), so the fold matters, and with user-named children), causal and not;
      the stored Z is sum exp(logit) over the visible keys of the stored q, k.
  attention_export.py nastro SRCROOT NASTRO
      nastro -attention_form discrete -attention_m 1000 [-attention_causal] on the exported files: its /Z
      and /y_exact equal the exporter's Z and y (1e-10 relative), for a causal and a non-causal model; the
      causal file run without -attention_causal disagrees.
Exit status 77 (skipped) when python3-torch or python3-sklearn is absent.
"""
import os, subprocess, sys, tempfile
try:
    import torch
except ImportError:
    print("skipped: python3-torch is absent")
    sys.exit(77)
try:
    import sklearn
except ImportError:
    print("skipped: python3-sklearn (the digits data set) is absent")
    sys.exit(77)
from torch import nn
import numpy as np
import h5py

mode, src = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(src, "analysis"))
import attention_transformers as T
import attention_export as X

torch.set_num_threads(1)
tmp_dir = tempfile.TemporaryDirectory()
tmp = tmp_dir.name
failures = 0


def check(what, ok, detail=""):
    global failures
    failures += not ok
    print("%s - %s%s" % ("ok" if ok else "not ok", what, ": " + detail if detail else ""))


def relerr(a, b):
    return float(np.linalg.norm(np.asarray(a) - np.asarray(b)) / np.linalg.norm(np.asarray(b)))


def text_model(layout, scale=None):
    words = T.words(open(os.path.join(src, "README.md"), encoding="utf-8").read())
    model, vocab, _ = T.train_text(steps=150, d=16, heads=2, layers=1, context=24, layout=layout, scale=scale,
                                   vocab_size=300, batch=8, log_every=0, tokens=(words[:-500], words[-500:]))
    return model, (T.encode(words[:24], vocab)[None],), words[:24]


def digits_model(layout):
    model, _ = T.train_digits(steps=150, d=16, heads=2, layers=1, layout=layout, log_every=0)
    _, _, images, _ = T.digits_split()
    return model, (images[0][None],), ["t%d" % i for i in range(17)]


class SeqFirst(nn.Module):
    """nn.MultiheadAttention, not batch_first, kdim 6 and vdim 5 (separate q/k/v_proj_weight), fed
    [L, 1, E] with an additive float causal mask: random weights, no training needed."""

    def __init__(self):
        super().__init__()
        self.to_k, self.to_v = nn.Linear(8, 6), nn.Linear(8, 5)
        self.attn = nn.MultiheadAttention(8, 2, kdim=6, vdim=5)

    def forward(self, x):
        L = x.shape[0]
        mask = torch.zeros(L, L).masked_fill(torch.ones(L, L, dtype=torch.bool).triu(1), float("-inf"))
        return self.attn(x, self.to_k(x), self.to_v(x), attn_mask=mask)[0]


class Named(nn.Module):
    """Separate projections under names the exporter does not know (wq, wk, wv, wo), 2 heads, non-causal."""

    def __init__(self):
        super().__init__()
        self.wq, self.wk, self.wv, self.wo = (nn.Linear(8, 8) for _ in range(4))
        self.num_heads = 2

    def forward(self, x):
        L = x.shape[1]
        split = lambda t: t.view(1, L, 2, 4).transpose(1, 2)
        w = torch.softmax(split(self.wq(x)) @ split(self.wk(x)).transpose(-1, -2) / 2.0, -1)
        return self.wo((w @ split(self.wv(x))).transpose(1, 2).reshape(1, L, 8))


def stored_z(path):
    """Z recomputed from the file's q, k (nastro's logits q.k / sqrt(D)) and its causal attribute."""
    with h5py.File(path, "r") as f:
        q, k, causal = f["q"][()], f["k"][()], f.attrs["causal"]
    w = np.exp(q @ k.transpose(0, 2, 1) / np.sqrt(q.shape[-1]))
    return (np.tril(w) if causal else w).sum(-1)


def roundtrip():
    torch.manual_seed(3)
    cases = [("text, separate projections, scale 1/D", *text_model("proj", 1 / 8), {}, True),
             ("text, nn.MultiheadAttention batch_first, bool causal mask", *text_model("mha"), {}, True),
             ("digits, nn.MultiheadAttention batch_first, no mask", *digits_model("mha"), {}, False),
             ("digits, separate projections", *digits_model("proj"), {}, False),
             ("nn.MultiheadAttention seq-first, kdim/vdim, additive causal mask", SeqFirst(), (torch.randn(10, 1, 8),),
              ["t%d" % i for i in range(10)], {}, True),
             ("separate projections named by the user", Named(), (torch.randn(1, 9, 8),), ["t%d" % i for i in range(9)],
              dict(qkv=("wq", "wk", "wv"), out_proj="wo", scale=0.5), False)]
    for i, (what, model, inputs, tokens, options, causal) in enumerate(cases):
        prefix = os.path.join(tmp, "case%d" % i)
        layers = X.export(model, inputs, tokens, prefix, **options)
        err = max(l["roundtrip_relerr"] for l in layers)
        check(what + ": round trip", err < 1e-6, "relative error %.2e" % err)
        with h5py.File(prefix + ".h5", "r") as f:
            check(what + ": causal attribute", f.attrs["causal"] == causal, "%d" % f.attrs["causal"])
            check(what + ": Z = sum exp(logit) of the stored q, k", relerr(stored_z(prefix + ".h5"), f["Z"][()]) < 1e-12)


def nastro(binary):
    for what, (model, inputs, tokens), causal in (("causal text model", text_model("proj", 1 / 8), True),
                                                  ("non-causal digits model", digits_model("mha"), False)):
        prefix = os.path.join(tmp, "causal" if causal else "full")
        X.export(model, inputs, tokens, prefix)
        runs = [(causal, "")] + ([(False, " run without -attention_causal")] if causal else [])
        for flag, note in runs:
            out = prefix + ("-c" if flag else "-n") + ".out.h5"
            cmd = [binary, "-model", "attention", "-attention_input", prefix + ".h5", "-attention_form", "discrete",
                   "-attention_m", "1000", "-quiet", "-o", out] + (["-attention_causal"] if flag else [])
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
            check(what + note + ": nastro ran", r.returncode == 0, r.stderr.strip()[-300:])
            if r.returncode:
                continue
            with h5py.File(prefix + ".h5", "r") as e, h5py.File(out, "r") as n:
                ez, nz = relerr(n["Z"][()], e["Z"][()]), relerr(n["y_exact"][()], e["y"][()])
            if note:
                check(what + note + ": Z differs", ez > 1e-3, "relative difference %.2e" % ez)
            else:
                check(what + ": nastro's /Z = the exporter's Z", ez < 1e-10, "relative error %.2e" % ez)
                check(what + ": nastro's /y_exact = the exporter's y", nz < 1e-10, "relative error %.2e" % nz)


if mode == "roundtrip":
    roundtrip()
else:
    nastro(sys.argv[3])
print("%s: %d failed" % (mode, failures))
sys.exit(1 if failures else 0)
