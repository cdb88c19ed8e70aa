"""The demo's learner page: ask for a sign-in link at /me as a browser would, and print the link once it is emailed.

Laurel's demo writes email to var/mail/ as .eml files; this reads the newest sign-in email to the
address from there, so the demo can print where the learner signs in.
"""

import argparse
import email
import email.policy
import re
import sys
import time
from pathlib import Path

import requests

LINK = re.compile(r"(https?://\S+/me/sign-in/[A-Za-z0-9_-]+)")


def ask(url: str, address: str) -> None:
    session = requests.Session()
    session.get(f"{url}/me", timeout=10).raise_for_status()
    answer = session.post(f"{url}/me", data={"email": address, "csrfmiddlewaretoken": session.cookies["csrftoken"]},
                          headers={"Referer": f"{url}/me"}, timeout=10)
    answer.raise_for_status()


def emailed_link(mail_dir: Path, address: str, since: float, wait: float) -> str | None:
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        for path in sorted(mail_dir.glob("*.eml"), reverse=True):
            if path.stat().st_mtime < since:
                break
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if address in (message["To"] or "") and "sign-in link" in (message["Subject"] or ""):
                match = LINK.search(message.get_body(("plain",)).get_content())
                if match:
                    return match[1]
        time.sleep(0.5)
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--address", required=True)
    parser.add_argument("--mail-dir", type=Path, default=Path("var/mail"))
    parser.add_argument("--wait", type=float, default=60)
    args = parser.parse_args()
    started = time.time() - 1
    ask(args.url.rstrip("/"), args.address)
    link = emailed_link(args.mail_dir, args.address, started, args.wait)
    if link is None:
        print(f"  No sign-in email reached {args.mail_dir}/ within {args.wait:.0f} s; ask at {args.url}/me by hand.")
        return 1
    print(link)
    return 0


if __name__ == "__main__":
    sys.exit(main())
