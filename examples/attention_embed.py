#!/usr/bin/python3
"""Embeds a short text for `nastro -model attention -attention_input FILE.h5`, reproducibly.

Tokens: the lower-cased words of the text (letters, digits and apostrophes; punctuation dropped).
Embedding of a word: d numbers N(0, 1) from numpy's PCG64 seeded with the first 8 bytes (little endian) of
SHA-256 of the word in UTF-8, so a word always gets the same embedding, on any machine, and repeated words
share it. Projections W_Q, W_K [heads][D][d] ~ N(0, 1/(4 d)) and W_V [heads][dv][d] ~ N(0, 1/d) from
PCG64(seed) (the scale of nastro's own generated inputs). The file holds embeddings [L][d], W_Q, W_K,
W_V and the token strings (dataset `tokens`, for figure labels; nastro ignores it).

usage: attention_embed.py TEXT OUT.h5 [--d 64] [--D 16] [--dv 16] [--heads 1] [--seed 1]
"""
import argparse, hashlib, re
import numpy as np
import h5py

ap = argparse.ArgumentParser()
ap.add_argument("text"), ap.add_argument("out")
ap.add_argument("--d", type=int, default=64), ap.add_argument("--D", type=int, default=16)
ap.add_argument("--dv", type=int, default=16), ap.add_argument("--heads", type=int, default=1)
ap.add_argument("--seed", type=int, default=1)
a = ap.parse_args()
words = re.findall(r"[a-z0-9']+", open(a.text, encoding="utf-8").read().lower())
def embed(w):
    s = int.from_bytes(hashlib.sha256(w.encode("utf-8")).digest()[:8], "little")
    return np.random.Generator(np.random.PCG64(s)).standard_normal(a.d)
E = np.array([embed(w) for w in words])
g = np.random.Generator(np.random.PCG64(a.seed))
WQ = g.standard_normal((a.heads, a.D, a.d)) * 0.5 / np.sqrt(a.d)
WK = g.standard_normal((a.heads, a.D, a.d)) * 0.5 / np.sqrt(a.d)
WV = g.standard_normal((a.heads, a.dv, a.d)) / np.sqrt(a.d)
with h5py.File(a.out, "w") as f:
    f["embeddings"], f["W_Q"], f["W_K"], f["W_V"] = E, WQ, WK, WV
    f["tokens"] = np.array(words, dtype=h5py.string_dtype())
    f.attrs["description"] = "tokens of %s embedded by SHA-256-seeded N(0,1) vectors (examples/attention_embed.py)" % a.text
print("%s: %d tokens, d %d, D %d, dv %d, heads %d" % (a.out, len(words), a.d, a.D, a.dv, a.heads))
