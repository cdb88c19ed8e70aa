"""Local stand-ins for Credly, Badgr, Accredible, HubSpot, Salesforce and a webhook subscriber, for the demo.

Starts the test suite's servers on free 127.0.0.1 ports, configures an organisation's connections
with `manage.py connection_add`, and every few seconds prints what each one holds. The demo's
worker must be allowed to call 127.0.0.1, as `make demo` allows its own processes to.

    .venv/bin/python scripts/outbound_stand_ins.py [--org demo-academy] [--course FA-101]
"""

import argparse
import os
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--org", default="demo-academy")
    parser.add_argument("--course", default="FA-101")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credentials_site.settings")
    import django
    from django.core.management import call_command

    django.setup()
    from stand_ins.outbound.platforms import AccredibleServer, BadgrServer, CredlyServer
    from stand_ins.outbound.receivers import HubSpotServer, SalesforceServer, WebhookReceiver

    with ExitStack() as stack:
        credly, badgr, accredible = (stack.enter_context(CredlyServer()), stack.enter_context(BadgrServer()),
                                     stack.enter_context(AccredibleServer()))
        hubspot, salesforce = stack.enter_context(HubSpotServer()), stack.enter_context(SalesforceServer())
        webhook = stack.enter_context(WebhookReceiver(secret=SECRET))
        setups = [
            ("credly", "credly-token", [f"base_url={credly.url}/v1", "organization_id=org-1"], "tmpl-1"),
            ("badgr", "badgr-password", [f"base_url={badgr.url}", "username=issuer@academy.example"], "bc-1"),
            ("accredible", "accredible-key", [f"base_url={accredible.url}"], "1234"),
            ("hubspot", "hubspot-token", [f"base_url={hubspot.url}"], None),
            ("salesforce", "sf-secret", [f"base_url={salesforce.url}", "client_id=laurel-app"], None),
            ("webhook", SECRET, [f"url={webhook.url}/in"], None),
        ]
        for kind, secret, settings, remote in setups:
            command = ["--org", args.org, "--kind", kind, "--name", "stand-in", "--secret", secret]
            command += [item for setting in settings for item in ("--setting", setting)]
            command += ["--map", f"{args.course}={remote}"] if remote else []
            call_command("connection_add", *command)
        print("Stand-ins running; Ctrl-C stops them (the connections stay, pointing at ports that will be gone).")
        try:
            while True:
                revoked = sum(b["state"] == "revoked" for b in credly.badges.values())
                print(f"credly {len(credly.badges)} badges ({revoked} revoked) · badgr {len(badgr.assertions)} assertions · "
                      f"accredible {len(accredible.credentials)} credentials · hubspot {len(hubspot.contacts)} contacts, "
                      f"{len(hubspot.notes)} notes · salesforce {len(salesforce.records)} records · "
                      f"webhook {len(webhook.events)} events", flush=True)
                time.sleep(5)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
