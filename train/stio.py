"""stio.py - minimal safetensors read/write with numpy (Debian has no
safetensors package). Same layout as lib/safetensors.h: u64 header length,
JSON header, little-endian data; __metadata__ holds strings."""
import json
import struct

import numpy as np

_DT = {"F32": np.float32, "F64": np.float64, "I32": np.int32, "I64": np.int64,
       "U8": np.uint8, "I8": np.int8, "F16": np.float16, "I16": np.int16}
_NAME = {np.dtype(v).str: k for k, v in _DT.items()}


def load(path):
    """Returns (tensors: dict name -> ndarray, metadata: dict)."""
    with open(path, "rb") as fp:
        buf = fp.read()
    (n,) = struct.unpack("<Q", buf[:8])
    hdr = json.loads(buf[8:8 + n].decode("utf-8"))
    meta = hdr.pop("__metadata__", {}) or {}
    base = 8 + n
    out = {}
    for name, t in hdr.items():
        b, e = t["data_offsets"]
        a = np.frombuffer(buf[base + b:base + e], dtype=np.dtype(_DT[t["dtype"]]).newbyteorder("<"))
        out[name] = a.reshape(t["shape"]).copy()
    return out, meta


def save(path, tensors, metadata=None):
    """Writes TENSORS (dict name -> ndarray) in the given order."""
    hdr = {}
    if metadata:
        hdr["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    off = 0
    blobs = []
    for name, a in tensors.items():
        a = np.ascontiguousarray(a)
        dt = _NAME[a.dtype.newbyteorder("<").str] if a.dtype.byteorder not in "<|=" else _NAME[np.dtype(a.dtype).str]
        raw = a.astype(a.dtype.newbyteorder("<"), copy=False).tobytes()
        hdr[name] = {"dtype": dt, "shape": list(a.shape), "data_offsets": [off, off + len(raw)]}
        off += len(raw)
        blobs.append(raw)
    h = json.dumps(hdr, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - (8 + len(h)) % 8) % 8)
    with open(path, "wb") as fp:
        fp.write(struct.pack("<Q", len(h)))
        fp.write(h)
        for raw in blobs:
            fp.write(raw)
