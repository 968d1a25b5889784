#!/usr/bin/python3
"""Two small transformers trained here, for the attention circuit's experiment (docs/attention.md,
"Trained transformers").

  text: a causal (GPT-like) word-level language model trained on the prose of the Python 3.11 documentation
        (Debian package python3.11-doc, PSF licence; its reStructuredText sources under CORPUS). Attention
        with separate q/k/v nn.Linear projections (the Hugging Face layout: q_proj, k_proj, v_proj, out_proj).
  digits: a ViT-like classifier of sklearn's 8x8 digits (python3-sklearn): 2x2 patches as 16 tokens plus a
        class token, attention by torch.nn.MultiheadAttention (batch_first).

Everything is seeded (torch.manual_seed, a fixed split), so a run reproduces its weights on the same
machine; the weights, configuration, vocabulary and metrics go to one file (torch.save) that
attention_experiment.py and attention_export.py load without training.

usage: attention_transformers.py text|digits OUT.pt [--steps N] [--seed S] [--threads T] [--corpus DIR]
"""
import argparse, math, os, re, sys, time
import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

CORPUS = "/usr/share/doc/python3.11/html/_sources"
WORD = re.compile(r"[a-z0-9']+|[.,;:?!()]")
UNK = "<unk>"


class SelfAttention(nn.Module):
    """Multi-head self-attention with separate q/k/v projections; logits = scale q.k (default 1/sqrt(D))."""

    def __init__(self, d, heads, causal, scale=None):
        super().__init__()
        self.q_proj, self.k_proj, self.v_proj, self.out_proj = (nn.Linear(d, d) for _ in range(4))
        self.num_heads, self.causal = heads, causal
        self.scale = scale if scale is not None else (d // heads) ** -0.5

    def forward(self, x):
        B, L, d = x.shape
        split = lambda t: t.view(B, L, self.num_heads, d // self.num_heads).transpose(1, 2)
        q, k, v = split(self.q_proj(x)), split(self.k_proj(x)), split(self.v_proj(x))
        logits = self.scale * q @ k.transpose(-1, -2)
        if self.causal:
            logits = logits.masked_fill(torch.ones(L, L, dtype=torch.bool).triu(1), float("-inf"))
        y = torch.softmax(logits, dim=-1) @ v
        return self.out_proj(y.transpose(1, 2).reshape(B, L, d))


class Block(nn.Module):
    """Pre-norm transformer block; attention "proj" (SelfAttention) or "mha" (nn.MultiheadAttention)."""

    def __init__(self, d, heads, causal, layout, scale=None):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.layout, self.causal = layout, causal
        if layout == "proj":
            self.attn = SelfAttention(d, heads, causal, scale)
        else:
            self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        h = self.ln1(x)
        if self.layout == "proj":
            x = x + self.attn(h)
        else:
            L = x.shape[1]
            mask = torch.ones(L, L, dtype=torch.bool).triu(1) if self.causal else None
            x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class LanguageModel(nn.Module):
    """Causal word-level language model: token + learned position embeddings, blocks, tied read-out."""

    def __init__(self, vocab, d=64, heads=4, layers=2, context=64, layout="proj", scale=None):
        super().__init__()
        self.config = dict(vocab=vocab, d=d, heads=heads, layers=layers, context=context, layout=layout, scale=scale)
        self.tok, self.pos = nn.Embedding(vocab, d), nn.Embedding(context, d)
        nn.init.normal_(self.tok.weight, std=0.02)
        nn.init.normal_(self.pos.weight, std=0.02)
        self.blocks = nn.ModuleList(Block(d, heads, True, layout, scale) for _ in range(layers))
        self.ln = nn.LayerNorm(d)

    def forward(self, ids):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        for b in self.blocks:
            x = b(x)
        return self.ln(x) @ self.tok.weight.t()


class DigitsViT(nn.Module):
    """ViT-like classifier of 8x8 images: p x p patches as tokens, a class token, learned positions."""

    def __init__(self, d=64, heads=4, layers=2, patch=2, layout="mha", scale=None):
        super().__init__()
        self.config = dict(d=d, heads=heads, layers=layers, patch=patch, layout=layout, scale=scale)
        self.patch = patch
        n = (8 // patch) ** 2
        self.embed = nn.Linear(patch * patch, d)
        self.cls = nn.Parameter(torch.zeros(1, 1, d))
        self.pos = nn.Parameter(0.02 * torch.randn(1, n + 1, d))
        self.blocks = nn.ModuleList(Block(d, heads, False, layout, scale) for _ in range(layers))
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, 10)

    def patches(self, img):
        """[B, 8, 8] -> [B, n, p*p], patches in row-major order of the patch grid."""
        p, B = self.patch, img.shape[0]
        return img.view(B, 8 // p, p, 8 // p, p).permute(0, 1, 3, 2, 4).reshape(B, -1, p * p)

    def forward(self, img):
        x = self.embed(self.patches(img))
        x = torch.cat([self.cls.expand(x.shape[0], -1, -1), x], dim=1) + self.pos
        for b in self.blocks:
            x = b(x)
        return self.head(self.ln(x[:, 0]))


# ---- data -------------------------------------------------------------------------------------------------

def rst_prose(text):
    """The prose of a reStructuredText source: unindented paragraphs that are not directives, comments,
    titles, tables or interpreter sessions, with inline markup reduced to its text."""
    keep = []
    for block in re.split(r"\n\s*\n", text):
        lines = [l for l in block.split("\n") if l.strip() and not re.fullmatch(r"([=\-~^*#+\"'`])\1+\s*", l)]
        if not lines or any(l[0] in " \t" for l in lines) or lines[0].startswith(("..", ">>>", "+", "|", "=")):
            continue
        keep.append(" ".join(lines))
    s = "\n".join(keep)
    s = re.sub(r"(?::[a-z]+)+:`~?([^`<]*?)\s*(?:<[^>]*>)?`", r"\1", s)   # :role:`text <target>` -> text
    s = re.sub(r"`([^`<]*?)\s*(?:<[^>]*>)?`_*", r"\1", s)                # `text <url>`_ -> text
    return s.replace("``", "").replace("**", "")


def words(text):
    """Lower-cased words and punctuation marks: the tokens of the language model."""
    return WORD.findall(text.lower())


def corpus_split(corpus):
    """(train tokens, validation tokens): the prose of every *.rst.txt under corpus, files in sorted order,
    every 10th file (0, 10, 20, ...) held out for validation."""
    files = sorted(os.path.join(r, f) for r, _, fs in os.walk(corpus) for f in fs if f.endswith(".rst.txt"))
    if not files:
        sys.exit("attention_transformers: error: --corpus %s: no *.rst.txt files (install python3.11-doc)" % corpus)
    train, val = [], []
    for i, path in enumerate(files):
        (val if i % 10 == 0 else train).extend(words(rst_prose(open(path, encoding="utf-8").read())))
    return train, val


def vocabulary(tokens, size):
    """The size - 1 most frequent tokens (ties by first occurrence) and UNK, most frequent first."""
    counts = {}
    for t in tokens:
        counts[t] = counts.get(t, 0) + 1
    return [UNK] + sorted(counts, key=lambda t: -counts[t])[: size - 1]


def encode(tokens, vocab):
    index = {w: i for i, w in enumerate(vocab)}
    return torch.tensor([index.get(t, 0) for t in tokens], dtype=torch.long)


def unigram_loss(train_ids, val_ids, vocab):
    """Cross-entropy (nats/token) on validation of the training set's add-one-smoothed unigram model."""
    counts = np.bincount(train_ids.numpy(), minlength=vocab) + 1.0
    return float(-np.log(counts / counts.sum())[val_ids.numpy()].mean())


def digits_split():
    """sklearn's digits as [n, 8, 8] float in [0, 1] and labels; a stratified 80/20 split, random_state 0."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    d = load_digits()
    X = torch.tensor(d.images / 16.0, dtype=torch.float32)
    y = torch.tensor(d.target, dtype=torch.long)
    itr, ite = train_test_split(np.arange(len(y)), test_size=0.2, random_state=0, stratify=d.target)
    return X[itr], y[itr], X[ite], y[ite]


# ---- training ---------------------------------------------------------------------------------------------

def lr_at(step, steps, lr):
    """Linear warm-up over 5 % of the steps, then cosine decay to 0."""
    warm = max(1, steps // 20)
    return lr * min(1.0, (step + 1) / warm) * 0.5 * (1 + math.cos(math.pi * min(1.0, step / steps)))


def val_loss_lm(model, ids, context, batch=256):
    """Mean next-token cross-entropy over non-overlapping windows of the validation stream."""
    n = (len(ids) - 1) // context
    x = ids[: n * context].view(n, context)
    y = ids[1: n * context + 1].view(n, context)
    total = 0.0
    with torch.no_grad():
        for i in range(0, n, batch):
            total += F.cross_entropy(model(x[i:i + batch]).flatten(0, 1), y[i:i + batch].flatten(), reduction="sum").item()
    return total / (n * context)


def train_text(steps=800, seed=1, corpus=CORPUS, vocab_size=2000, d=64, heads=4, layers=2, context=64,
               layout="proj", scale=None, batch=16, lr=3e-3, log_every=100, tokens=None):
    """Trains the language model; returns (model, vocab, metrics). tokens: (train, val) token lists instead
    of the corpus (the tests)."""
    torch.manual_seed(seed)
    train, val = tokens if tokens is not None else corpus_split(corpus)
    vocab = vocabulary(train, vocab_size)
    tr, va = encode(train, vocab), encode(val, vocab)
    model = LanguageModel(len(vocab), d, heads, layers, context, layout, scale)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    g = torch.Generator().manual_seed(seed)
    t0 = time.time()
    for step in range(steps):
        start = torch.randint(0, len(tr) - context - 1, (batch,), generator=g)
        x = torch.stack([tr[s:s + context] for s in start])
        y = torch.stack([tr[s + 1:s + context + 1] for s in start])
        for group in opt.param_groups:
            group["lr"] = lr_at(step, steps, lr)
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log_every and (step % log_every == 0 or step == steps - 1):
            print("text: step %d/%d, train loss %.3f, %.0f s" % (step, steps, loss.item(), time.time() - t0), flush=True)
    model.eval()
    metrics = dict(train_tokens=len(tr), val_tokens=len(va), val_loss=val_loss_lm(model, va, context),
                   unigram_val_loss=unigram_loss(tr, va, len(vocab)), unk_fraction_val=float((va == 0).float().mean()),
                   train_seconds=time.time() - t0, steps=steps, batch=batch, seed=seed)
    return model, vocab, metrics


def train_digits(steps=3000, seed=1, d=48, heads=4, layers=2, patch=2, layout="mha", scale=None, batch=64,
                 lr=2e-3, log_every=300):
    """Trains the digits ViT (random shifts of up to 1 pixel as augmentation); returns (model, metrics)."""
    torch.manual_seed(seed)
    Xtr, ytr, Xte, yte = digits_split()
    model = DigitsViT(d, heads, layers, patch, layout, scale)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.05)
    g = torch.Generator().manual_seed(seed)
    t0 = time.time()
    for step in range(steps):
        i = torch.randint(0, len(ytr), (batch,), generator=g)
        sx, sy = torch.randint(-1, 2, (2,), generator=g).tolist()
        x = torch.roll(Xtr[i], shifts=(sy, sx), dims=(1, 2))
        for group in opt.param_groups:
            group["lr"] = lr_at(step, steps, lr)
        loss = F.cross_entropy(model(x), ytr[i])
        opt.zero_grad()
        loss.backward()
        opt.step()
        if log_every and (step % log_every == 0 or step == steps - 1):
            print("digits: step %d/%d, train loss %.3f, %.0f s" % (step, steps, loss.item(), time.time() - t0), flush=True)
    model.eval()
    with torch.no_grad():
        acc = float((model(Xte).argmax(1) == yte).float().mean())
    metrics = dict(train_images=len(ytr), test_images=len(yte), test_accuracy=acc,
                   train_seconds=time.time() - t0, steps=steps, batch=batch, seed=seed)
    return model, metrics


def save(path, kind, model, metrics, vocab=None):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save(dict(kind=kind, config=model.config, state=model.state_dict(), metrics=metrics, vocab=vocab), path)


def load(path):
    """(model in eval mode, the saved dict) from a file written by save()."""
    s = torch.load(path)
    model = LanguageModel(**s["config"]) if s["kind"] == "text" else DigitsViT(**s["config"])
    model.load_state_dict(s["state"])
    return model.eval(), s


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kind", choices=["text", "digits"])
    ap.add_argument("out", help="weights file to write (torch.save)")
    ap.add_argument("--steps", type=int, help="optimiser steps (default: text 800, digits 3000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2, help="torch threads (default 2)")
    ap.add_argument("--corpus", default=CORPUS, help="text: folder of *.rst.txt files (default %(default)s)")
    a = ap.parse_args()
    if a.steps is not None and a.steps < 1:
        ap.error("--steps %d: must be positive" % a.steps)
    if a.threads < 1:
        ap.error("--threads %d: must be positive" % a.threads)
    torch.set_num_threads(a.threads)
    steps = dict(steps=a.steps) if a.steps else {}
    if a.kind == "text":
        model, vocab, metrics = train_text(seed=a.seed, corpus=a.corpus, **steps)
    else:
        (model, metrics), vocab = train_digits(seed=a.seed, **steps), None
    save(a.out, a.kind, model, metrics, vocab)
    print("%s: %s" % (a.out, ", ".join("%s %.4g" % kv for kv in metrics.items())))


if __name__ == "__main__":
    main()
