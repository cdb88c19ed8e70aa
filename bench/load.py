"""The load process: posts signed completions or fetches pages on 127.0.0.1, bounded in count and time.

Run by the suite as its own process so the client's CPU is not charged to the orchestrator:

    python -m bench.load post --url URL --secret whsec_… --prefix p- --count 2000 [--rate 5] --out FILE
    python -m bench.load get --url URL --paths FILE --count 2000 --out FILE

Writes one JSON file: {"records": [[index, status, scheduled, start, end], …]} (unix seconds).
"""

import argparse
import base64
import hashlib
import hmac
import http.client
import json
import threading
import time
from datetime import datetime, timezone
from urllib.parse import urlsplit


def learner_email(prefix: str, index: int) -> str:
    return f"{prefix}{index}@bench.example"


def completion_body(*, email: str, index: int, course: str, score: int) -> bytes:
    return json.dumps({
        "type": "course.completed",
        "data": {
            "learner": {"id": email.split("@")[0], "email": email, "name": f"Bench Learner {index}"},
            "course": {"id": course},
            "completed_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "score": score,
        },
    }).encode()


def signature(secret: str, message_id: str, timestamp: str, body: bytes) -> str:
    """Standard Webhooks: v1,<base64 HMAC-SHA256 of "id.timestamp.body"> with the decoded whsec_ key."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    digest = hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


class Client:
    """One keep-alive HTTP/1.1 connection per thread; reopened when the server closes it (sync gunicorn)."""

    def __init__(self, url: str, timeout: float):
        parts = urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.connection = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> int:
        for attempt in (1, 2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            try:
                self.connection.request(method, path, body=body, headers=headers or {})
                response = self.connection.getresponse()
                response.read()
                if response.will_close:
                    self.connection.close()
                    self.connection = None
                return response.status
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.connection.close()
                self.connection = None
                if attempt == 2:
                    return 599
            except OSError:  # refused or timed out: count it as a failed request, never hang
                self.connection.close()
                self.connection = None
                return 599
        return 599


def run(*, count: int, rate: float, concurrency: int, max_seconds: float, url: str, send) -> list:
    """Call `send(client, index)` for index 0..count-1; at `rate` per second when rate > 0, else flat out."""
    records: list = [None] * count
    lock = threading.Lock()
    state = {"next": 0}
    begin = time.time() + 0.05
    stop_at = begin + max_seconds

    def worker():
        client = Client(url, timeout=30)
        while True:
            with lock:
                index = state["next"]
                state["next"] += 1
            if index >= count:
                return
            scheduled = begin + index / rate if rate > 0 else time.time()
            if scheduled > stop_at:
                return
            delay = scheduled - time.time()
            if delay > 0:
                time.sleep(delay)
            start = time.time()
            status = send(client, index)
            records[index] = [index, status, scheduled, start, time.time()]

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1.0, stop_at - time.time() + 35))
    return [record for record in records if record is not None]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["post", "get"])
    parser.add_argument("--url", required=True, help="post: the webhook URL; get: the server's base URL")
    parser.add_argument("--secret", default="")
    parser.add_argument("--prefix", default="bench-")
    parser.add_argument("--course", default="FA-101")
    parser.add_argument("--score", type=int, default=90)
    parser.add_argument("--paths", help="get: a file with one path per line, fetched round-robin")
    parser.add_argument("--user-agent", default="", help="get: send this User-Agent (a browser's, to be counted as a person)")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--rate", type=float, default=0.0, help="requests per second; 0 = as fast as answered")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--max-seconds", type=float, default=600.0)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    if args.mode == "post":
        path = urlsplit(args.url).path

        def send(client: Client, index: int) -> int:
            email = learner_email(args.prefix, index)
            body = completion_body(email=email, index=index, course=args.course, score=args.score)
            message_id, timestamp = f"{args.prefix}{index}", str(int(time.time()))
            return client.request("POST", path, body=body, headers={
                "content-type": "application/json", "webhook-id": message_id, "webhook-timestamp": timestamp,
                "webhook-signature": signature(args.secret, message_id, timestamp, body),
            })
    else:
        with open(args.paths) as handle:
            paths = [line.strip() for line in handle if line.strip()]

        headers = {"User-Agent": args.user_agent} if args.user_agent else {}

        def send(client: Client, index: int) -> int:
            return client.request("GET", paths[index % len(paths)], headers=headers)

    records = run(count=args.count, rate=args.rate, concurrency=args.concurrency, max_seconds=args.max_seconds,
                  url=args.url, send=send)
    with open(args.out, "w") as handle:
        json.dump({"records": records}, handle)


if __name__ == "__main__":
    main()
