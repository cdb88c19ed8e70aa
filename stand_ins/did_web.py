"""A did:web host on 127.0.0.1: DID documents over https, as did:web requires, with a certificate from a test CA.

did:web resolves `did:web:localhost%3A<port>:issuers:<slug>` to
`https://localhost:<port>/issuers/<slug>/did.json` (W3C did:web method, "Read (Resolve)"); the
server answers that path with the document it was given, `application/did+ld+json`, and 404 otherwise.
Laurel trusts its CA through LAUREL_OUTBOUND_CA_BUNDLE.
"""

import json
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import trustme


class DidWebHost:
    def __init__(self):
        self.ca = trustme.CA()
        self.documents: dict[str, dict] = {}  # path -> DID document
        self.requests: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                owner.requests.append(self.path)
                document = owner.documents.get(self.path)
                data = json.dumps(document).encode() if document else b'{"error": "not found"}'
                self.send_response(200 if document else 404)
                self.send_header("Content-Type", "application/did+ld+json" if document else "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.port}"

    def ca_bundle(self, path) -> str:
        """Write the CA's certificate as a PEM file at `path`; returns the path."""
        self.ca.cert_pem.write_to_path(str(path))
        return str(path)

    def publish(self, *, path: str, document: dict) -> None:
        self.documents[path] = document

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()
