#!/usr/bin/python3
"""Exports the attention of a PyTorch transformer for `nastro -model attention -attention_input FILE.h5`.

Runs the model once on one input (batch of 1) with its attention modules instrumented, and for every call of
every attention module (a layer; a module called n times, as ALBERT's shared layer, gives n layers) and every
head writes q, k, v exactly as the module uses them:
  q, k [heads][L][D], v [heads][L][dv]   nastro's input; q and k carry the fold below
  tokens [L]                             strings, for figure labels (nastro ignores them)
  Z [heads][L]                           the model's attention normalisers Z_t = sum_tau exp(logit_t,tau) over the
                                         keys query t may see, float64, without max-subtraction
  y [heads][L][dv]                       softmax(logits) v per head, float64
  attributes causal (1/0), model_scale (c: logit = c q.k), scale_fold, module, roundtrip_relerr
Scale: nastro's logits are q.k / sqrt(D) (it multiplies q and k by D^(-1/4)); a module with logit = c q.k has
q and k multiplied by sqrt(c sqrt(D)) here, so nastro's logits equal the model's (1 for c = 1/sqrt(D)).
Masks: nastro knows full and causal (query t sees keys 0..t) attention; the exporter finds which one the
module applies (an attn_mask of nn.MultiheadAttention, or a module attribute `causal` / `is_causal`) and
refuses any other mask. A causal file needs `-attention_causal`.
Round trip: the heads' y concatenated and passed through the module's out-projection (float64) against the
module's own output; roundtrip_relerr = ||difference|| / ||module output|| (2-norms).

Layouts: torch.nn.MultiheadAttention (in_proj_weight, or q/k/v_proj_weight when kdim or vdim differ from
embed_dim; batch_first or not), and modules with separate q/k/v nn.Linear children (Hugging Face layout:
q_proj/k_proj/v_proj, query/key/value; --qkv names others), heads from an attribute num_heads, n_heads or
num_attention_heads (or --heads), scale from an attribute scale or scaling (or --scale; else 1/sqrt(D)),
out-projection from a child out_proj, o_proj or dense (or --out-proj; `none`: the module returns the
concatenated heads). Files: PREFIX_layer<l>.h5 per layer and PREFIX.h5 with every layer's heads stacked
(head = layer * heads_per_layer + h; attributes layers, heads_per_layer).

usage: attention_export.py WEIGHTS.pt (--text TEXT | --text-file FILE | --digit I) -o PREFIX [options]
  WEIGHTS.pt: a model written by attention_transformers.py; other models: import this module and call
  export(model, inputs, tokens, prefix) (docs/attention.md, "Exporting other models").
"""
import argparse, inspect, math, os, sys
import numpy as np
import torch
from torch import nn
import h5py

QKV_NAMES = (("q_proj", "k_proj", "v_proj"), ("query", "key", "value"))
OUT_NAMES = ("out_proj", "o_proj", "dense")
HEAD_ATTRS = ("num_heads", "n_heads", "num_attention_heads")


class ExportError(Exception):
    pass


def f64(t):
    return t.detach().to(torch.float64)


def mask_kind(allowed, L, where):
    """'full' or 'causal' for a boolean [L][L] matrix of the keys each query may see; anything else is refused."""
    if allowed.shape != (L, L):
        raise ExportError("%s: attention mask of shape %s for %d tokens" % (where, tuple(allowed.shape), L))
    if bool(allowed.all()):
        return False
    if torch.equal(allowed, torch.ones(L, L, dtype=torch.bool).tril()):
        return True
    raise ExportError("%s: the mask is neither full nor causal attention (nastro supports only these)" % where)


def mha_mask(attn_mask, L, where):
    """Whether nn.MultiheadAttention's attn_mask (None, bool: True = masked, or additive float) is causal."""
    if attn_mask is None:
        return False
    m = attn_mask.detach()
    if m.dim() == 3:
        if not bool((m == m[:1]).all()):
            raise ExportError("%s: a per-head attn_mask (nastro applies one mask to every head)" % where)
        m = m[0]
    if m.dtype == torch.bool:
        allowed = ~m
    else:
        if not bool(((m == 0) | (m == float("-inf"))).all()):
            raise ExportError("%s: an additive attn_mask with values other than 0 and -inf" % where)
        allowed = m == 0
    return mask_kind(allowed, L, where)


class Recorder:
    """Instruments the attention modules of a model; after one forward, `calls` holds one dict per call:
    name, q, k, v [H][L][D|dv] (float64, before the fold), scale, causal, out (module output [L][E], float64)
    and W_o, b_o (the out-projection, or None)."""

    def __init__(self, model, qkv=None, out_proj=None, heads=None, scale=None, causal=None, module_class=None):
        self.calls, self.undo = [], []
        self.heads, self.scale, self.causal = heads, scale, causal
        for name, mod in model.named_modules():
            if isinstance(mod, nn.MultiheadAttention) and module_class in (None, type(mod).__name__):
                self.wrap_mha(name or "model", mod)
            elif module_class in (None, type(mod).__name__):
                names = [qkv] if qkv else QKV_NAMES
                for n in names:
                    if all(isinstance(getattr(mod, a, None), nn.Linear) for a in n):
                        self.hook_proj(name or "model", mod, n, out_proj)
                        break
        if not self.undo:
            raise ExportError("no attention module found (nn.MultiheadAttention, or a module%s with nn.Linear "
                              "children %s)" % (" of class " + module_class if module_class else "",
                                                " or ".join("/".join(n) for n in ([qkv] if qkv else QKV_NAMES))))

    def remove(self):
        for u in self.undo:
            u()

    def wrap_mha(self, name, mod):
        original = mod.forward
        signature = inspect.signature(original)

        def forward(*args, **kwargs):
            out = original(*args, **kwargs)
            self.calls.append(self.mha_call(name, mod, signature.bind(*args, **kwargs).arguments, out))
            return out
        mod.forward = forward
        self.undo.append(lambda: delattr(mod, "forward"))

    def mha_call(self, name, mod, arg, out):
        if mod.bias_k is not None or mod.add_zero_attn:
            raise ExportError("%s: add_bias_kv / add_zero_attn add keys that are not tokens" % name)
        if arg.get("key_padding_mask") is not None and bool(arg["key_padding_mask"].any()):
            raise ExportError("%s: a key_padding_mask that masks tokens (export one unpadded sequence)" % name)
        x = [f64(arg[a]) for a in ("query", "key", "value")]
        y = f64(out[0])
        if x[0].dim() == 3:
            if not mod.batch_first:
                x, y = [t.transpose(0, 1) for t in x], y.transpose(0, 1)
            if x[0].shape[0] != 1:
                raise ExportError("%s: a batch of %d (export one input)" % (name, x[0].shape[0]))
            x, y = [t[0] for t in x], y[0]
        E, H = mod.embed_dim, mod.num_heads
        if mod._qkv_same_embed_dim:
            W = f64(mod.in_proj_weight).split(E)
        else:
            W = [f64(mod.q_proj_weight), f64(mod.k_proj_weight), f64(mod.v_proj_weight)]
        b = f64(mod.in_proj_bias).split(E) if mod.in_proj_bias is not None else [0.0] * 3
        L = x[0].shape[0]
        if x[1].shape[0] != L:
            raise ExportError("%s: %d queries and %d keys: not self-attention" % (name, L, x[1].shape[0]))
        q, k, v = [(xi @ Wi.t() + bi).view(-1, H, E // H).transpose(0, 1) for xi, Wi, bi in zip(x, W, b)]
        causal = mha_mask(arg.get("attn_mask"), L, name)
        if arg.get("is_causal"):
            causal = True
        ob = mod.out_proj.bias
        return dict(name=name, q=q, k=k, v=v, scale=(E // H) ** -0.5, causal=causal, out=y,
                    W_o=f64(mod.out_proj.weight), b_o=f64(ob) if ob is not None else None)

    def hook_proj(self, name, mod, qkv, out_proj):
        out_name = out_proj if out_proj else next((n for n in OUT_NAMES if isinstance(getattr(mod, n, None), nn.Linear)), None)
        if out_name == "none":
            out_name = None
        elif out_name is not None and not isinstance(getattr(mod, out_name, None), nn.Linear):
            raise ExportError("--out-proj %s: %s has no nn.Linear child of that name" % (out_name, name))
        heads = self.heads or next((getattr(mod, a) for a in HEAD_ATTRS if isinstance(getattr(mod, a, None), int)), None)
        if heads is None:
            raise ExportError("%s: no attribute %s (pass --heads)" % (name, ", ".join(HEAD_ATTRS)))
        causal = self.causal
        if causal is None:
            causal = bool(getattr(mod, "causal", getattr(mod, "is_causal", False)))
        cur = {}

        def store(key):
            def hook(m, inp, out):
                cur[key] = f64(out)
            return hook

        def start(m, inp):
            cur.clear()

        def finish(m, inp, out):
            out = out[0] if isinstance(out, tuple) else out
            self.calls.append(self.proj_call(name, mod, [cur[a] for a in qkv], dict(cur), f64(out), heads, causal, out_name))

        handles = [getattr(mod, a).register_forward_hook(store(a)) for a in qkv]
        if out_name:
            handles.append(getattr(mod, out_name).register_forward_hook(store("out")))
        handles += [mod.register_forward_pre_hook(start), mod.register_forward_hook(finish)]
        self.undo.append(lambda: [h.remove() for h in handles])

    def proj_call(self, name, mod, qkv, cur, out, H, causal, out_name):
        q, k, v = qkv
        if q.dim() == 3:
            if q.shape[0] != 1:
                raise ExportError("%s: a batch of %d (export one input)" % (name, q.shape[0]))
            q, k, v = q[0], k[0], v[0]
        if q.shape[-1] % H or k.shape[-1] != q.shape[-1] or v.shape[-1] % H:
            raise ExportError("%s: q, k, v widths %d, %d, %d do not split into %d heads" % (name, q.shape[-1], k.shape[-1], v.shape[-1], H))
        D = q.shape[-1] // H
        q, k, v = [t.view(t.shape[0], H, -1).transpose(0, 1) for t in (q, k, v)]
        scale = self.scale or next((float(getattr(mod, a)) for a in ("scale", "scaling") if isinstance(getattr(mod, a, None), (int, float))), D ** -0.5)
        if out_name:
            lin = getattr(mod, out_name)
            W_o, b_o, out = f64(lin.weight), f64(lin.bias) if lin.bias is not None else None, cur["out"]
        else:
            W_o = b_o = None
        if out.dim() == 3:
            out = out[0]
        return dict(name=name, q=q, k=k, v=v, scale=scale, causal=causal, out=out, W_o=W_o, b_o=b_o)


def attention(q, k, v, causal):
    """Exact softmax attention in float64 with nastro's logits q.k / sqrt(D): (Z [H][L], y [H][L][dv])."""
    D, L = q.shape[-1], q.shape[1]
    logits = q @ k.transpose(1, 2) / math.sqrt(D)
    w = torch.exp(logits)
    if causal:
        w = w * torch.ones(L, L, dtype=torch.float64).tril()
    Z = w.sum(-1)
    return Z, (w / Z[..., None]) @ v


def layers_of(calls):
    """Per call: the folded q, k, v, the model's Z and y, and the round-trip error against the module output."""
    out = []
    for c in calls:
        D = c["q"].shape[-1]
        fold = math.sqrt(c["scale"] * math.sqrt(D))
        if not fold > 0:
            raise ExportError("%s: scale %g: nastro needs a positive logit scale" % (c["name"], c["scale"]))
        q, k = c["q"] * fold, c["k"] * fold
        Z, y = attention(q, k, c["v"], c["causal"])
        if not bool(torch.isfinite(Z).all()):
            raise ExportError("%s: exp(logit) overflows float64 (Z not finite)" % c["name"])
        cat = y.transpose(0, 1).reshape(y.shape[1], -1)
        if c["W_o"] is not None:
            cat = cat @ c["W_o"].t() + (c["b_o"] if c["b_o"] is not None else 0.0)
        if cat.shape != c["out"].shape:
            raise ExportError("%s: heads give %s, the module %s (name its out-projection with --out-proj)"
                              % (c["name"], tuple(cat.shape), tuple(c["out"].shape)))
        err = float((cat - c["out"]).norm() / c["out"].norm())
        out.append(dict(name=c["name"], q=q, k=k, v=c["v"], Z=Z, y=y, causal=c["causal"], scale=c["scale"],
                        fold=fold, roundtrip_relerr=err))
    return out


def write(path, layers, tokens):
    """One nastro input file holding the heads of the given layers, stacked."""
    cat = lambda key: torch.cat([l[key] for l in layers]).numpy()
    with h5py.File(path, "w") as f:
        for key in ("q", "k", "v", "Z", "y"):
            f[key] = cat(key)
        f["tokens"] = np.array(tokens, dtype=h5py.string_dtype())
        f.attrs["causal"] = int(layers[0]["causal"])
        f.attrs["layers"] = len(layers)
        f.attrs["heads_per_layer"] = layers[0]["q"].shape[0]
        f.attrs["module"] = ", ".join(l["name"] for l in layers)
        for key, attr in (("scale", "model_scale"), ("fold", "scale_fold"), ("roundtrip_relerr", "roundtrip_relerr")):
            f.attrs[attr] = np.array([l[key] for l in layers])
        f.attrs["description"] = ("q, k, v of %d attention layer(s) (heads = layer * heads_per_layer + h), q and k "
                                  "multiplied by scale_fold = sqrt(model_scale sqrt(D)); Z, y: the model's softmax "
                                  "normalisers and outputs (analysis/attention_export.py)" % len(layers))


def export(model, inputs, tokens, prefix, **options):
    """Runs model(*inputs) in eval mode without gradients and writes PREFIX_layer<l>.h5 and PREFIX.h5.
    options: qkv (three child names), out_proj (a child name or "none"), heads, scale, causal, module_class
    (see Recorder). Returns the list of layers (dicts with q, k, v, Z, y, causal, scale, fold,
    roundtrip_relerr)."""
    model.eval()
    rec = Recorder(model, **options)
    try:
        with torch.no_grad():
            model(*inputs)
    finally:
        rec.remove()
    layers = layers_of(rec.calls)
    if not layers:
        raise ExportError("the attention modules were not called")
    L = layers[0]["q"].shape[1]
    if len(tokens) != L:
        raise ExportError("%d token labels for %d tokens" % (len(tokens), L))
    os.makedirs(os.path.dirname(os.path.abspath(prefix)), exist_ok=True)
    for i, l in enumerate(layers):
        write("%s_layer%d.h5" % (prefix, i), [l], tokens)
    shapes = {(l["q"].shape, l["v"].shape, l["causal"]) for l in layers}
    if len(shapes) > 1:
        raise ExportError("layers differ in heads, sizes or causality: no stacked file %s.h5" % prefix)
    write(prefix + ".h5", layers, tokens)
    return layers


def model_input(saved, text=None, digit=None):
    """(inputs, token labels) for a model written by attention_transformers.py."""
    import attention_transformers as T
    if saved["kind"] == "text":
        if text is None:
            raise ExportError("a text model needs --text or --text-file")
        words = T.words(text)[: saved["config"]["context"]]
        if not words:
            raise ExportError("--text: no words in %r" % text[:40])
        return (T.encode(words, saved["vocab"])[None],), words
    if digit is None:
        raise ExportError("a digits model needs --digit")
    _, _, X, y = T.digits_split()
    if not 0 <= digit < len(y):
        raise ExportError("--digit %d: the test set has digits 0..%d" % (digit, len(y) - 1))
    n = 8 // saved["config"]["patch"]
    labels = ["cls"] + ["%d,%d" % (r, c) for r in range(n) for c in range(n)]
    return (X[digit][None],), labels


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("weights", help="a model file written by attention_transformers.py")
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--text", help="text model: the input sentence (its first `context` words)")
    src.add_argument("--text-file", help="text model: a file holding the input text")
    src.add_argument("--digit", type=int, help="digits model: index of the test-set image")
    ap.add_argument("-o", dest="prefix", required=True, help="output prefix: PREFIX.h5 and PREFIX_layer<l>.h5")
    ap.add_argument("--qkv", help="names of the q, k, v nn.Linear children, comma separated (e.g. query,key,value)")
    ap.add_argument("--out-proj", help="name of the out-projection child, or none")
    ap.add_argument("--heads", type=int, help="heads per module (default: its num_heads attribute)")
    ap.add_argument("--scale", type=float, help="logit = scale q.k (default: the module's scale or 1/sqrt(D))")
    ap.add_argument("--causal", choices=["yes", "no"], help="separate-projection modules: override the module's causal attribute")
    ap.add_argument("--module-class", help="export only modules of this class name")
    a = ap.parse_args()
    qkv = None
    if a.qkv:
        qkv = tuple(a.qkv.split(","))
        if len(qkv) != 3:
            ap.error("--qkv %s: needs three comma-separated names" % a.qkv)
    if a.heads is not None and a.heads < 1:
        ap.error("--heads %d: must be positive" % a.heads)
    if a.scale is not None and not a.scale > 0:
        ap.error("--scale %g: must be positive" % a.scale)
    if not os.path.isfile(a.weights):
        ap.error("%s: no such file" % a.weights)
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import attention_transformers as T
    try:
        model, saved = T.load(a.weights)
        text = open(a.text_file, encoding="utf-8").read() if a.text_file else a.text
        inputs, tokens = model_input(saved, text, a.digit)
        layers = export(model, inputs, tokens, a.prefix, qkv=qkv, out_proj=a.out_proj, heads=a.heads, scale=a.scale,
                        causal=None if a.causal is None else a.causal == "yes", module_class=a.module_class)
    except (ExportError, OSError) as e:
        sys.exit("attention_export: error: %s" % e)
    for i, l in enumerate(layers):
        print("%s_layer%d.h5: %s, %d heads, L %d, D %d, dv %d, %s, scale %.4g (fold %.4g), round trip %.2e" % (
            a.prefix, i, l["name"], l["q"].shape[0], l["q"].shape[1], l["q"].shape[2], l["v"].shape[2],
            "causal" if l["causal"] else "non-causal", l["scale"], l["fold"], l["roundtrip_relerr"]))
    print("%s.h5: %d layers stacked" % (a.prefix, len(layers)))


if __name__ == "__main__":
    main()
