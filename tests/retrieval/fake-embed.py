#!/usr/bin/python3
"""A local OpenAI-compatible /v1/embeddings server for pp-retrieve's tests.

    fake-embed.py MODE PORTFILE LOGFILE

Listens on 127.0.0.1 (a free port, written to PORTFILE), answers POST
.../embeddings and appends one line per request to LOGFILE ("MODE N" with N
the number of inputs). Embeddings are deterministic: a hashed bag of words
(64 dimensions, lowercase words, md5 picks the dimension and the sign), so
texts that share words are close. MODE:
  normal     correct answers
  slow       sleeps 5 s before answering (the client's timeout fires first)
  500        HTTP 500 with an OpenAI-style error body
  malformed  HTTP 200 with a body that is not JSON
  short      HTTP 200, valid JSON, one embedding fewer than asked
The server exits by itself after 120 s, so a failed test never leaves it
behind.
"""
import hashlib
import http.server
import json
import re
import sys
import threading
import time

DIM = 64


def embed(text):
    v = [0.0] * DIM
    for w in re.findall(r"[a-z]+", text.lower()):
        h = hashlib.md5(w.encode()).digest()
        v[h[0] % DIM] += 1.0 if h[1] & 1 else -1.0
    if not any(v):
        v[0] = 1.0
    return v


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body, ctype="application/json"):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        n = int(self.headers.get("Content-Length", 0))
        req = json.loads(self.rfile.read(n) or b"{}")
        inputs = req.get("input", [])
        if isinstance(inputs, str):
            inputs = [inputs]
        with open(LOG, "a") as f:
            f.write(f"{MODE} {len(inputs)} {req.get('model')}\n")
        if not self.path.endswith("/embeddings"):
            return self.answer(404, '{"error": {"message": "no such route"}}')
        if MODE == "slow":
            time.sleep(5)
        if MODE == "500":
            return self.answer(500, '{"error": {"message": "model overloaded"}}')
        if MODE == "malformed":
            return self.answer(200, '{"data": [{"embedding": [0.1, 0.2')
        data = [{"object": "embedding", "index": i, "embedding": embed(t)}
                for i, t in enumerate(inputs)]
        if MODE == "short":
            data = data[:-1]
        self.answer(200, json.dumps({"object": "list", "data": data,
                                     "model": req.get("model")}))


MODE, PORTFILE, LOG = sys.argv[1], sys.argv[2], sys.argv[3]
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
threading.Timer(120, srv.shutdown).start()
with open(PORTFILE + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
import os  # noqa: E402
os.rename(PORTFILE + ".tmp", PORTFILE)
srv.serve_forever()
