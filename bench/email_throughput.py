"""Benchmark: credential emails per second the worker's send path sustains to a local SMTP server.

Usage: .venv/bin/python bench/email_throughput.py [EMAILS]

A throwaway embedded profile (SQLite in a temp dir) and an aiosmtpd sink in its own process on
127.0.0.1. Each email is the real credential email: rendered from the default templates, a 60 KB
PDF attached from storage, claimed, sent and recorded by `outbox_send`. Reported separately:
building + enqueueing, sending through one SMTP session (the outbox sweep), and sending with a
session per email (the pipeline's deliver step).
"""

import os
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"The SMTP sink did not start on port {port}.")


def _setup(workdir: str, port: int) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "credentials_site.settings", "LAUREL_VAR_DIR": workdir, "MEDIA_ROOT": f"{workdir}/media",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "0", "LOG_LEVEL": "WARNING",
    })
    for name in ("DATABASE_URL", "REDIS_URL", "LAUREL_EMAIL_ESP"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _issue(count: int):
    from django.core.files.base import ContentFile

    from courses.defaults import organization_install_default_templates
    from courses.models import Achievement, Course, Organization
    from issuance.models import Credential, Issuance, Learner

    org = Organization.objects.create(name="Northwind Safety Training", slug="northwind", sender_name="Northwind Safety Training",
                                      sender_email="certificates@northwind.example", notification_email="staff@northwind.example")
    organization_install_default_templates(organization=org)
    achievement = Achievement.objects.create(organization=org, name="First Aid at Work", description="-", criteria_narrative="-")
    course = Course.objects.create(organization=org, code="FAW", title="First Aid at Work", achievement=achievement)
    pdf = b"%PDF-1.4\n" + os.urandom(60_000) + b"\n%%EOF\n"
    issued = datetime(2026, 3, 14, tzinfo=timezone.utc)
    pairs = []
    for n in range(count):
        learner = Learner.objects.create(organization=org, email=f"learner{n}@example.org", name=f"Learner Nº{n}")
        issuance = Issuance.objects.create(organization=org, learner=learner, course=course, achievement=achievement,
                                           learner_name=learner.name, completion={}, state=Issuance.State.BADGED)
        credential = Credential(issuance=issuance, learner=learner, achievement=achievement, issued_at=issued, valid_from=issued)
        credential.pdf.save("certificate.pdf", ContentFile(pdf), save=True)
        pairs.append((issuance, credential))
    return pairs


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    port = _free_port()
    sink = subprocess.Popen([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"])
    try:
        _wait_for(port)
        with tempfile.TemporaryDirectory() as workdir:
            _setup(workdir, port)
            from django.core.mail import get_connection

            from issuance.delivery.outbox import outbox_due_ids, outbox_enqueue, outbox_requeue, outbox_send
            from issuance.email.messages import credential_email_draft

            pairs = _issue(count)
            start = time.perf_counter()
            for issuance, credential in pairs:
                outbox_enqueue(draft=credential_email_draft(issuance=issuance, credential=credential))
            built = time.perf_counter() - start

            ids = outbox_due_ids(limit=count)
            connection = get_connection()
            start = time.perf_counter()
            results = [outbox_send(message_id=message_id, connection=connection) for message_id in ids]
            batched = time.perf_counter() - start
            connection.close()
            assert all(result.sent for result in results), [r.detail for r in results if not r.sent][:3]

            for message_id in ids:
                outbox_requeue(message_id=message_id)
            start = time.perf_counter()
            results = [outbox_send(message_id=message_id) for message_id in ids]
            single = time.perf_counter() - start
            assert all(result.sent for result in results)
    finally:
        sink.terminate()
        sink.wait()
    print(f"{count} credential emails (60 KB PDF each), SQLite, aiosmtpd sink on 127.0.0.1, one process:")
    print(f"  render + enqueue:                 {count / built:7.1f} emails/s")
    print(f"  send, one SMTP session (sweep):   {count / batched:7.1f} emails/s")
    print(f"  send, a session per email (step): {count / single:7.1f} emails/s")


if __name__ == "__main__":
    main()
