#!/usr/bin/env python3
"""A minimal stand-in for Asterisk's ARI REST interface, for scripts/schemathesis.sh only.

It answers what outbound calls need from Asterisk when nobody ever picks up: POST /ari/channels (the
originate, 200 with the channel Down; 409 for an id in use), DELETE /ari/channels/{id} (204, 404 once
gone), and empty channel and bridge lists for reconciliation. It has no events WebSocket (/ready stays
503, which the schemathesis run leaves out), so a placed call rings until the daemon's dial guard hangs it
up. The test suite's fake Asterisk (Tests/Support/FakeAsterisk) is the faithful one.
Usage: ari-stub.py PORT
"""
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

channels = {}
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = urlparse(self.path).path
        if path == "/ari/channels":
            with lock:
                return self.reply(200, list(channels.values()))
        if path == "/ari/bridges":
            return self.reply(200, [])
        self.reply(404, {"message": "Not found"})

    def do_POST(self):
        url = urlparse(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        if url.path != "/ari/channels":
            return self.reply(404, {"message": "Channel not found"})
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        cid = query.get("channelId", "stub-%d" % len(channels))
        channel = {"id": cid, "name": query.get("endpoint", "") + "-00000001", "state": "Down", "protocol_id": "",
                   "caller": {"name": "", "number": query.get("callerId", "")}, "connected": {"name": "", "number": ""},
                   "accountcode": "", "dialplan": {"context": "default", "exten": "s", "priority": 1,
                   "app_name": "AppDial2", "app_data": "(Outgoing Line)"}, "creationtime": "2026-01-01T00:00:00.000+0000",
                   "language": "en"}
        with lock:
            if cid in channels:
                return self.reply(409, {"message": "Channel with given unique ID already exists"})
            channels[cid] = channel
        self.reply(200, channel)

    def do_DELETE(self):
        path = urlparse(self.path).path
        cid = path.rsplit("/", 1)[-1]
        with lock:
            gone = channels.pop(cid, None)
        self.reply(204) if gone and path.startswith("/ari/channels/") else self.reply(404, {"message": "Channel not found"})


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
