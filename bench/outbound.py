"""Benchmark: calls per credential per connector, and outbound throughput against local stand-ins.

Starts the test suite's local Credly, Badgr, Accredible, HubSpot, Salesforce and webhook servers,
configures Demo Academy's connections with `connection_add`, then issues and revokes N credentials
through each connector one delivery at a time (one process, as one worker would).

    .venv/bin/python bench/outbound.py [--count 100]
"""

import argparse
import os
import sys
import time
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["LAUREL_ALLOW_PRIVATE_TARGETS"] = "1"  # the stand-ins listen on 127.0.0.1

from bench.badge_step import django_ready, issuances_at_rendered  # noqa: E402

SECRET = "whsec_Y3JlZGVudGlhbC1hdXRvbWF0aW9uLWRlbW8ta2V5ISE="


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    count = parser.parse_args().count
    django_ready()
    from django.core.management import call_command

    from issuance.models import Credential, OutboundDelivery
    from issuance.outbound.connectors.base import ISSUED, REVOKED
    from issuance.outbound.deliveries import delivery_perform
    from issuance.outbound.plan import deliveries_plan
    from stand_ins.outbound.platforms import AccredibleServer, BadgrServer, CredlyServer
    from stand_ins.outbound.receivers import HubSpotServer, SalesforceServer, WebhookReceiver

    with ExitStack() as stack:
        servers = {
            "credly": stack.enter_context(CredlyServer()), "badgr": stack.enter_context(BadgrServer()),
            "accredible": stack.enter_context(AccredibleServer()), "hubspot": stack.enter_context(HubSpotServer()),
            "salesforce": stack.enter_context(SalesforceServer()), "webhook": stack.enter_context(WebhookReceiver(secret=SECRET)),
        }
        setup = {
            "credly": ["--secret", "credly-token", "--setting", f"base_url={servers['credly'].url}/v1",
                       "--setting", "organization_id=org-1", "--map", "FA-101=tmpl-1"],
            "badgr": ["--secret", "badgr-password", "--setting", f"base_url={servers['badgr'].url}",
                      "--setting", "username=issuer@academy.example", "--map", "FA-101=bc-1"],
            "accredible": ["--secret", "accredible-key", "--setting", f"base_url={servers['accredible'].url}", "--map", "FA-101=1234"],
            "hubspot": ["--secret", "hubspot-token", "--setting", f"base_url={servers['hubspot'].url}"],
            "salesforce": ["--secret", "sf-secret", "--setting", f"base_url={servers['salesforce'].url}", "--setting", "client_id=laurel-app"],
            "webhook": ["--secret", SECRET, "--setting", f"url={servers['webhook'].url}/in"],
        }
        for kind, args in setup.items():
            call_command("connection_add", "--org", "demo-academy", "--kind", kind, *args, stdout=open(os.devnull, "w"))
        credentials = list(Credential.objects.filter(issuance_id__in=issuances_at_rendered(count)).select_related("issuance"))
        print(f"{count} credentials, one process, sequential deliveries\n")
        print(f"{'connector':<11} {'action':<19} {'calls/credential':>16} {'deliveries/s':>13} {'done':>6}")
        for action in (ISSUED, REVOKED):
            for credential in credentials:
                if action == REVOKED:
                    Credential.objects.filter(pk=credential.pk).update(status=Credential.Status.REVOKED, status_reason="bench")
                    credential.refresh_from_db()
                deliveries_plan(issuance=credential.issuance, credential=credential, action=action,
                                stages={"platform", "crm", "webhook"}, reason="bench")
            for kind, server in servers.items():
                before = len(server.requests)
                ids = list(OutboundDelivery.objects.filter(action=action, connection__kind=kind, status="queued").values_list("pk", flat=True))
                if not ids:
                    continue
                started = time.perf_counter()
                statuses = Counter(delivery_perform(delivery_id=pk).status for pk in ids)
                elapsed = time.perf_counter() - started
                calls = (len(server.requests) - before) / len(ids)
                print(f"{kind:<11} {action:<19} {calls:>16.2f} {len(ids) / elapsed:>13.0f} {statuses['done']:>6}")


if __name__ == "__main__":
    main()
