"""A local webhook receiver for bench/notify: records the arrival of every POST, answers 200.
Usage: receiver.py <port> <log file> [secret]
One TSV line per request: arrival (unix s, float), path, token (the first "nb-<digits>" in the body:
the alert's own name, which Muster puts in the incident title and Alertmanager in the alertname),
the Idempotency-Key header (Muster's notification id; "-" for Alertmanager), the signature check
(ok/bad/- when no secret or no signature), the count of tokens in the body.
Alertmanager groups by alertname, so one of its requests carries one alert; the count is there to
show it. HTTP/1.1 keep-alive, one thread per connection (ThreadingHTTPServer)."""
import hashlib
import hmac
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path = int(sys.argv[1]), sys.argv[2]
secret = sys.argv[3].encode() if len(sys.argv) > 3 else None
TOKEN = re.compile(rb"nb-\d+")
lock = threading.Lock()
log = open(log_path, "a", buffering=1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        arrived = time.time()
        tokens = TOKEN.findall(body)
        token = tokens[0].decode() if tokens else "-"
        key = self.headers.get("Idempotency-Key", "-")
        signed = "-"
        if secret and (ts := self.headers.get("X-Muster-Timestamp")) and (sig := self.headers.get("X-Muster-Signature")):
            expected = "sha256=" + hmac.new(secret, ts.encode() + b"." + body, hashlib.sha256).hexdigest()
            signed = "ok" if hmac.compare_digest(expected, sig) else "bad"
        with lock:
            log.write(f"{arrived:.6f}\t{self.path}\t{token}\t{key}\t{signed}\t{len(set(tokens))}\n")
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 256
ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
