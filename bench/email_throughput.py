"""Benchmark: credential emails per second the worker's send path sustains to a local SMTP server.

Usage: .venv/bin/python bench/email_throughput.py [EMAILS] [--tls]

A throwaway embedded profile (SQLite in a temp dir) and an aiosmtpd sink in its own process on
127.0.0.1 (with `--tls`, STARTTLS with a self-signed certificate made for the run, as a real relay
on port 587 wants). Each email is the real credential email: rendered from the default templates,
a 60 KB PDF attached from storage, claimed, sent and recorded by `outbox_send`. Reported
separately: building + enqueueing; sending through one SMTP session the caller holds (the outbox
sweep); through the session the sending thread keeps (the pipeline's deliver step); and with a new
session for every email (what the deliver step did before it kept one).
"""

import datetime as dt
import ipaddress
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

from bench.smtp_sink import free_port  # noqa: E402


def _wait_for(port: int) -> None:
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"The SMTP sink did not start on port {port}.")


def _certificate(directory: str) -> tuple[str, str]:
    """A key and a self-signed certificate for 127.0.0.1, valid for a day."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = f"{directory}/smtp-cert.pem", f"{directory}/smtp-key.pem"
    Path(cert_path).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    Path(key_path).write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                 serialization.NoEncryption()))
    return cert_path, key_path


def _setup(workdir: str, port: int, *, tls: bool) -> None:
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "credentials_site.settings", "LAUREL_VAR_DIR": workdir, "MEDIA_ROOT": f"{workdir}/media",
        "EMAIL_HOST": "127.0.0.1", "EMAIL_PORT": str(port), "EMAIL_USE_TLS": "1" if tls else "0", "LOG_LEVEL": "WARNING",
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
    arguments = [a for a in sys.argv[1:] if a != "--tls"]
    tls = "--tls" in sys.argv[1:]
    count = int(arguments[0]) if arguments else 300
    port = free_port()
    with tempfile.TemporaryDirectory() as certificates:
        sink_command = [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}", "-c", "aiosmtpd.handlers.Sink"]
        if tls:
            cert_path, key_path = _certificate(certificates)
            sink_command += ["--tlscert", cert_path, "--tlskey", key_path]
            os.environ["SSL_CERT_FILE"] = cert_path  # the client trusts this run's certificate, and only it
        sink = subprocess.Popen(sink_command)
        try:
            _wait_for(port)
            with tempfile.TemporaryDirectory() as workdir:
                _setup(workdir, port, tls=tls)
                rates = _measure(count)
        finally:
            sink.terminate()
            sink.wait()
    print(f"{count} credential emails (60 KB PDF each), SQLite, aiosmtpd sink on 127.0.0.1"
          f"{' with STARTTLS' if tls else ''}, one process:")
    print(f"  render + enqueue:                        {rates[0]:7.1f} emails/s")
    print(f"  send, one session held by the caller:    {rates[1]:7.1f} emails/s")
    print(f"  send, the thread's kept session (step):  {rates[2]:7.1f} emails/s")
    print(f"  send, a new session per email:           {rates[3]:7.1f} emails/s")


def _measure(count: int) -> tuple[float, ...]:
    from django.core.mail import get_connection

    from issuance.delivery import transport
    from issuance.delivery.outbox import outbox_due_ids, outbox_enqueue, outbox_requeue, outbox_send
    from issuance.delivery.sending import credential_email_compose

    pairs = _issue(count)
    start = time.perf_counter()
    for issuance, credential in pairs:
        outbox_enqueue(draft=credential_email_compose(issuance=issuance, credential=credential))
    rates = [count / (time.perf_counter() - start)]
    ids = outbox_due_ids(limit=count)

    def send_all(**kwargs) -> float:
        for message_id in ids:
            outbox_requeue(message_id=message_id)
        start = time.perf_counter()
        results = [outbox_send(message_id=message_id, **kwargs) for message_id in ids]
        elapsed = time.perf_counter() - start
        assert all(result.sent for result in results), [r.detail for r in results if not r.sent][:3]
        return count / elapsed

    connection = get_connection()
    rates.append(send_all(connection=connection))
    connection.close()
    rates.append(send_all())
    transport.transport_forget()
    transport.KEEP_MESSAGES = 1  # a session is then used for one email and closed before the next
    rates.append(send_all())
    return tuple(rates)


if __name__ == "__main__":
    main()
