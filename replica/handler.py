"""The replica's HTTP plumbing: the request handler (faults, delays, the request log, the
control endpoints) and the threaded server that closes idle keep-alive connections on stop;
what a request is answered with is ``ReplicaServer``'s (``server.py``)."""

import json
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import parse_qs, urlsplit

from .breaks import truncated
from .faults import Decision

HTML = "text/html; charset=UTF-8"
JSON = "application/json"
KINDS = ("list", "detail", "dcl", "robots", "other")
ERRORS = {500: "Internal Server Error", 503: "Service Unavailable", 429: "Too Many Requests"}
NO_FAULT = Decision(None, 0.0)


class RequestRecord(NamedTuple):
    kind: str  # one of KINDS
    path: str  # path with query string, as requested
    status: int  # 0 = connection dropped without a response


def classify(path):
    if path == "/robots.txt":
        return "robots"
    if path.startswith("/csa-iot_products"):
        return "list"
    if path.startswith("/csa_product/"):
        return "detail"
    return "dcl" if path.startswith("/dcl/") else "other"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, with Content-Length on every response
    disable_nagle_algorithm = (
        True  # headers and body go out in two writes; avoid the 40 ms Nagle stall
    )
    timeout = 60  # idle keep-alive connections end eventually

    def log_message(self, format, *args):  # the per-request stderr line would swamp test output
        pass

    def send(self, status, body, ctype=HTML, headers=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.startswith("/_replica/"):
            return self.control()
        self.send(405, b"Method Not Allowed", "text/plain", [("Allow", "GET")])

    def control(self):
        """Endpoints for a replica running as its own process (benchmarks); never logged or faulted."""
        replica, split = self.server.replica, urlsplit(self.path)
        if self.command == "POST" and split.path == "/_replica/grow":
            n = int(parse_qs(split.query).get("n", ["12"])[0])
            replica.catalog.add_products(n)
            body = {"added": n, "products": len(replica.catalog)}
        elif self.command == "POST" and split.path == "/_replica/clear-log":
            replica.clear_log()
            body = {"cleared": True}
        elif self.command == "GET" and split.path == "/_replica/log":
            body = {kind: replica.count(kind) for kind in KINDS}
        else:
            return self.send(404, b'{"error": "unknown control endpoint"}', JSON)
        self.send(200, json.dumps(body).encode(), JSON)

    def do_GET(self):
        if self.path.startswith("/_replica/"):
            return self.control()
        replica = self.server.replica
        split = urlsplit(self.path)
        kind = classify(split.path)
        faults = replica.faults
        decision = (
            faults.decide(self.path, kind in ("list", "detail"))
            if faults and kind != "robots"
            else NO_FAULT
        )
        replica.changes_due(kind)
        if decision.action == "drop":
            replica.record(kind, self.path, 0)
            self.close_connection = True
            return
        if decision.action in ("503", "500", "429"):
            status = int(decision.action)
            headers = [("Retry-After", str(faults.retry_after))] if status == 429 else []
            response = status, f"<h1>{status} {ERRORS[status]}</h1>".encode(), HTML, headers
        else:
            base = "http://" + (self.headers.get("Host") or replica.base_url[7:])
            response = replica.broken(kind, split, base) or replica.route(kind, split, base)
            if decision.action == "truncate":
                response = truncated(response, decision.fraction)
        replica.record(kind, self.path, response[0])
        pause = replica.delay + (faults.slow_seconds if decision.action == "slow" else 0)
        if pause:
            time.sleep(pause)
        self.send(*response)


class ReplicaHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, address, replica):
        self.replica = replica
        self._open = set()
        self._open_lock = threading.Lock()
        super().__init__(address, Handler)

    def server_bind(
        self,
    ):  # HTTPServer's version calls getfqdn(), a DNS lookup that can hang offline
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def process_request(self, request, client_address):
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request):
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_open_connections(self):
        """Wake handler threads blocked on idle keep-alive connections so they close their sockets."""
        with self._open_lock:
            for sock in list(self._open):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def handle_error(
        self, request, client_address
    ):  # clients hanging up mid-response are normal here
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)
