"""han.py - the PercePiano HAN ("Ours": VirtuosoNetMultiLevel, multi_level
"measure") and the note-level Bi-LSTM baseline, in PyTorch.

docs/percepiano-model.md §4 is the spec. Differences from the original code
are in form only: the groups are pooled with scatter operations over the
whole batch instead of Python loops, and the voice LSTM runs all (segment,
voice) subsequences of a batch as one packed batch. Both give the same
numbers as the loops (each group's softmax and sum are unchanged).

Parameter names are what lib/han.c loads (see export.py):
  embed.{weight [256,F], bias}
  note_lstm / voice_lstm / beat_lstm / measure_lstm: PyTorch nn.LSTM names
      weight_ih_l{k}[_reverse] [4H, I], weight_hh_l{k}[_reverse] [4H, H],
      bias_ih_l{k}[_reverse], bias_hh_l{k}[_reverse]; gate rows i, f, g, o
  beat_attention / measure_attention / top_attention:
      net.{weight [S,S], bias [S]}, context [heads, S/heads]
  head.fc1.{weight [512,512], bias}, head.fc2.{weight [19,512], bias}
  (baseline also: note_contractor.{weight [512,512], bias})

Hierarchy (find_boundaries in PercePiano's vv/utils.py): a new beat starts at
row t+1 where beat[t+1] - beat[t] == 1; measure boundaries are the rows
where measure steps by 1, mapped to beat space as beat[row] - beat[0]. We
require continuous non-decreasing indices (steps of 0 or 1), which the
features contract guarantees, so every group is non-empty.
"""

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

HEADS = 8
DROPOUT = 0.2  # the paper's, of the LSTM stacks and the head (train.py --dropout)


class HierarchyError(ValueError):
    pass


def groups_from_index(idx):
    """Group id per row for a continuous index array (PercePiano boundaries)."""
    idx = np.asarray(idx, dtype=np.int64)
    if len(idx) == 0:
        raise HierarchyError("empty sequence")
    d = np.diff(idx)
    if (d < 0).any() or (d > 1).any():
        raise HierarchyError("indices not continuous (steps must be 0 or 1)")
    g = np.zeros(len(idx), dtype=np.int64)
    g[1:] = np.cumsum(d == 1)
    return g


def hierarchy(beat, measure):
    """(beat group per row [N], measure group per beat [B], B, M)."""
    beat = np.asarray(beat, dtype=np.int64)
    measure = np.asarray(measure, dtype=np.int64)
    bg = groups_from_index(beat)
    B = int(bg[-1]) + 1
    mrows = [0] + list(np.nonzero(np.diff(measure) == 1)[0] + 1) if len(measure) > 1 else [0]
    if len(measure) > 1:
        groups_from_index(measure)  # validates continuity
    starts = sorted(set(int(beat[r] - beat[0]) for r in mrows))
    mg = np.zeros(B, dtype=np.int64)
    for k, s in enumerate(starts[1:], start=1):
        mg[s:] = k
    M = len(starts)
    return bg, mg, B, M


class ContextAttention(nn.Module):
    """PercePiano ContextAttention: a = tanh(W x + b); score per head k =
    a[k-slice] . context[k]; softmax over rows (within a group); output slice k
    = sum_t alpha[t,k] x_t[k-slice]."""

    def __init__(self, size, heads=HEADS):
        super().__init__()
        self.size, self.heads, self.hs = size, heads, size // heads
        self.net = nn.Linear(size, size)
        self.context = nn.Parameter(torch.empty(heads, self.hs).uniform_(-1, 1))

    def scores(self, x):  # x [R, S] -> [R, H]
        a = torch.tanh(self.net(x)).view(-1, self.heads, self.hs)
        return (a * self.context.unsqueeze(0)).sum(-1)

    def pool(self, x, group, ngroups):
        """Segment attention: x [R, S], group [R] (0..ngroups-1) -> [G, S]."""
        s = self.scores(x)
        gi = group.unsqueeze(1).expand_as(s)
        mx = torch.full((ngroups, self.heads), -1e30, device=x.device, dtype=x.dtype)
        mx = mx.scatter_reduce(0, gi, s, reduce="amax", include_self=True)
        e = torch.exp(s - mx.gather(0, gi))
        den = torch.zeros(ngroups, self.heads, device=x.device, dtype=x.dtype).index_add(0, group, e)
        w = e / den.gather(0, gi)
        xs = x.view(-1, self.heads, self.hs) * w.unsqueeze(-1)
        out = torch.zeros(ngroups, self.heads, self.hs, device=x.device, dtype=x.dtype)
        return out.index_add(0, group, xs).view(ngroups, self.size)


def run_lstm(lstm, seqs):
    """Runs LSTM over a list of [L_i, I] tensors; returns list of [L_i, 2H]."""
    lens = [s.shape[0] for s in seqs]
    pad = pad_sequence(seqs, batch_first=True)
    packed = pack_padded_sequence(pad, torch.tensor(lens), batch_first=True, enforce_sorted=False)
    out, _ = lstm(packed)
    out, _ = pad_packed_sequence(out, batch_first=True)
    return [out[i, :l] for i, l in enumerate(lens)]


class Head(nn.Module):
    def __init__(self, size=512, labels=19, dropout=DROPOUT):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.fc1 = nn.Linear(size, size)
        self.fc2 = nn.Linear(size, labels)

    def forward(self, z):
        return self.fc2(self.drop(nn.functional.gelu(self.fc1(self.drop(z)))))


def lstm(i, h, layers, dropout):
    return nn.LSTM(i, h, layers, batch_first=True, bidirectional=True,
                   dropout=dropout if layers > 1 else 0.0)


class HAN(nn.Module):
    arch = "han"

    def __init__(self, input_size=101, size=256, labels=19, dropout=DROPOUT):
        super().__init__()
        self.input_size = input_size
        self.embed = nn.Linear(input_size, size)
        self.note_lstm = lstm(size, size, 2, dropout)
        self.voice_lstm = lstm(size, size, 2, dropout)
        self.beat_attention = ContextAttention(4 * size)
        self.beat_lstm = lstm(4 * size, size, 2, dropout)
        self.measure_attention = ContextAttention(2 * size)
        self.measure_lstm = lstm(2 * size, size, 1, 0.0)
        self.top_attention = ContextAttention(2 * size)
        self.head = Head(2 * size, labels, dropout)

    def forward(self, batch, levels=False):
        """batch: list of dicts with x [N,F] float tensor, voice [N] long,
        bg [N] beat group, mg [B] measure group, B, M (see hierarchy()).
        Returns logits [batch, 19] (and, with levels, the intermediates of
        the first sample)."""
        dev = self.embed.weight.device
        es = [self.embed(s["x"]) for s in batch]
        ns = run_lstm(self.note_lstm, es)
        # voice LSTM over each (segment, voice) subsequence of the embeddings
        vseqs, vwhere = [], []
        for i, s in enumerate(batch):
            for v, rows in s["voice_rows"]:
                vseqs.append(es[i][rows])
                vwhere.append((i, rows))
        us = [torch.zeros(e.shape[0], ns[0].shape[1], device=dev) for e in es]
        if vseqs:
            vouts = run_lstm(self.voice_lstm, vseqs)
            us = [u.clone() for u in us]
            for (i, rows), o in zip(vwhere, vouts):
                us[i] = us[i].index_copy(0, rows, o)
        hs = [torch.cat([n, u], 1) for n, u in zip(ns, us)]
        # notes -> beats
        off, gs = 0, []
        for s in batch:
            gs.append(s["bg"] + off)
            off += s["B"]
        b0 = self.beat_attention.pool(torch.cat(hs), torch.cat(gs), off)
        b0s = list(torch.split(b0, [s["B"] for s in batch]))
        bhs = run_lstm(self.beat_lstm, b0s)
        # beats -> measures
        off, gs = 0, []
        for s in batch:
            gs.append(s["mg"] + off)
            off += s["M"]
        m0 = self.measure_attention.pool(torch.cat(bhs), torch.cat(gs), off)
        m0s = list(torch.split(m0, [s["M"] for s in batch]))
        mhs = run_lstm(self.measure_lstm, m0s)
        # measures -> segment
        gs = [torch.full((s["M"],), i, dtype=torch.long, device=dev) for i, s in enumerate(batch)]
        z = self.top_attention.pool(torch.cat(mhs), torch.cat(gs), len(batch))
        logits = self.head(z)
        if not levels:
            return logits
        return logits, {
            "embedding": es[0], "note_lstm": ns[0], "voice_lstm": us[0],
            "beat_attention": b0s[0], "beat_lstm": bhs[0],
            "measure_attention": m0s[0], "measure_lstm": mhs[0],
            "top_attention": z[0], "logits": logits[0], "output": torch.sigmoid(logits[0]),
        }


class BiLSTM(nn.Module):
    """The paper's Bi-LSTM baseline: multi_level "note" on the 9-dim input
    (4 mmidi_* + 5 *_unnorm): embed, 2-layer BiLSTM, note_contractor,
    attention over all notes, the same head."""
    arch = "bilstm"

    def __init__(self, input_size=9, size=256, labels=19, dropout=DROPOUT):
        super().__init__()
        self.input_size = input_size
        self.embed = nn.Linear(input_size, size)
        self.note_lstm = lstm(size, size, 2, dropout)
        self.note_contractor = nn.Linear(2 * size, 2 * size)
        self.top_attention = ContextAttention(2 * size)
        self.head = Head(2 * size, labels, dropout)

    def forward(self, batch, levels=False):
        dev = self.embed.weight.device
        es = [self.embed(s["x"]) for s in batch]
        ns = run_lstm(self.note_lstm, es)
        cs = [self.note_contractor(n) for n in ns]
        gs = [torch.full((c.shape[0],), i, dtype=torch.long, device=dev) for i, c in enumerate(cs)]
        z = self.top_attention.pool(torch.cat(cs), torch.cat(gs), len(batch))
        logits = self.head(z)
        if not levels:
            return logits
        return logits, {"embedding": es[0], "note_lstm": ns[0], "contractor": cs[0],
                        "top_attention": z[0], "logits": logits[0],
                        "output": torch.sigmoid(logits[0])}


# The 9 baseline dims inside the 101-dim vector (mmidi_* 92-95, *_unnorm 96-100).
BASELINE_DIMS = list(range(92, 101))


def make_sample(x, voice, beat, measure, device="cpu"):
    """A forward-pass sample from numpy arrays of a features file."""
    bg, mg, B, M = hierarchy(beat, measure)
    voice = np.asarray(voice, dtype=np.int64)
    vr = []
    for v in range(1, int(voice.max()) + 1 if len(voice) else 1):
        rows = np.nonzero(voice == v)[0]
        if len(rows):
            vr.append((v, torch.tensor(rows, dtype=torch.long, device=device)))
    return {"x": torch.tensor(np.asarray(x, dtype=np.float32), device=device),
            "voice_rows": vr,
            "bg": torch.tensor(bg, device=device), "mg": torch.tensor(mg, device=device),
            "B": B, "M": M}


def to_device(s, device):
    return {"x": s["x"].to(device), "voice_rows": [(v, r.to(device)) for v, r in s["voice_rows"]],
            "bg": s["bg"].to(device), "mg": s["mg"].to(device), "B": s["B"], "M": s["M"]}


def fold_standardization(state, standardize):
    """Folds a z-score of the input, x' = (x - mean) / std, into the
    embedding: W x' + b = (W / std) x + (b - W (mean / std)). state is a
    state_dict (changed copies of embed.* are returned in a new dict);
    standardize is train.py's info["standardize"] ([mean], [std]) or None."""
    return _z_embed(state, standardize, unfold=False)


def unfold_standardization(state, standardize):
    """The inverse of fold_standardization: from embed weights that read raw
    inputs (an exported model), those that read z-scored ones, W = W' std
    and b = b' + W' mean. Lets train.py --init-from continue an exported
    model with --standardize, so that Adam again steps in the z-scored
    coordinates the model was trained in."""
    return _z_embed(state, standardize, unfold=True)


def _z_embed(state, standardize, unfold):
    """fold_standardization and its inverse, computed in float64."""
    if not standardize:
        return state
    mu, sd = (torch.tensor(v, dtype=torch.float64) for v in standardize)
    w, b = state["embed.weight"].double(), state["embed.bias"].double()
    if unfold:
        w2, b2 = w * sd, b + w @ mu
    else:
        w2, b2 = w / sd, b - w @ (mu / sd)
    out = dict(state)
    out["embed.weight"] = w2.to(state["embed.weight"].dtype)
    out["embed.bias"] = b2.to(state["embed.bias"].dtype)
    return out


def count_params(m):
    return sum(p.numel() for p in m.parameters())


if __name__ == "__main__":
    m = HAN()
    print("HAN params", count_params(m))
    print("BiLSTM params", count_params(BiLSTM()))
    rng = np.random.default_rng(0)
    N = 40
    beat = np.repeat(np.arange(10), 4)
    meas = beat // 3
    s = make_sample(rng.normal(size=(N, 101)), rng.integers(0, 3, N), beat, meas)
    m.eval()
    with torch.no_grad():
        y, lv = m([s, s], levels=True)
    print({k: tuple(v.shape) for k, v in lv.items()})
