#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# A health-check target for the tests and the demo: HTTP(S) on one port answering every GET with a fixed status.
#
# usage: httpd.py PORT [--bind ADDR] [--status N] [--body TEXT] [--cert FILE --key FILE]
#
# Serves until killed. With --cert/--key it speaks TLS. Writes nothing to
# stderr per request, so a busy check does not fill a log.
import argparse
import http.server
import socketserver
import ssl


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--bind", default="127.0.0.1")
    ap.add_argument("--status", type=int, default=200)
    ap.add_argument("--body", default="ok\n")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    a = ap.parse_args()
    body = a.body.encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(a.status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
        allow_reuse_address = True
        daemon_threads = True

    srv = Server((a.bind, a.port), Handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
