"""`manage.py demo_push`: post Demo Academy's sample completions to the running demo as an LMS would.

Each sample is a Standard Webhooks request signed with the `demo` source's secret and sent to the
web server, so the demo walks the whole path: intake, validation, the rules, the certificate,
the email. The command then waits for the worker and says where to see each result.
"""

import json
import time
import uuid
from datetime import datetime, timedelta

from dateutil.relativedelta import relativedelta

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from issuance.sources.signatures import signature_compute
from issuance.models import CompletionEvent, Issuance, OutboxMessage, Source

SAMPLES = [
    # FA-101 copies the learner's manager (seed_demo): Ada's completion names hers, so a copy goes to her too.
    ("a pass", {"course": "FA-101", "name": "Ada Lovelace", "email": "ada@learners.example", "score": 92,
                "manager_email": "mary.somerville@employer.example"}),
    ("a fail", {"course": "FA-101", "name": "Charles Babbage", "email": "charles@learners.example", "score": 72}),
    ("a prerequisite missing", {"course": "FA-201", "name": "Grace Hopper", "email": "grace@learners.example", "attendance": 95}),
    ("a malformed one", {"course": "FA-101", "name": "Nobody", "email": "not-an-address", "score": "eighty"}),
    # WS-100 lasts 12 months: inductions done long enough ago that they end in 30 and in 90 days, so
    # the admin shows upcoming expiries and `send_renewal_reminders` has reminders due today.
    ("an induction ending in 30 days", {"course": "WS-100", "name": "Alan Turing", "email": "alan@learners.example",
                                        "ends_in_days": 30}),
    ("an induction ending in 90 days", {"course": "WS-100", "name": "Katherine Johnson",
                                        "email": "katherine@learners.example", "ends_in_days": 90}),
    # Programme SWP (seed_demo) counts FA-101, FA-201 and WS-100: Mary takes all three. FA-201 requires
    # FA-101, so it is posted once her FA-101 credential is issued (PROGRAMME_LAST), and her third
    # credential makes the pipeline issue the programme's by itself.
    ("a programme's first course", {"course": "FA-101", "name": "Mary Jackson", "email": "mary@learners.example",
                                    "score": 88}),
    ("a programme's induction", {"course": "WS-100", "name": "Mary Jackson", "email": "mary@learners.example"}),
]
PROGRAMME_LAST = [
    ("a programme's last course", {"course": "FA-201", "name": "Mary Jackson", "email": "mary@learners.example",
                                   "attendance": 96}),
]
DEMO_PROGRAMME_CODE = "SWP"


def _completed_at(sample: dict) -> datetime:
    now = timezone.now()
    if "ends_in_days" not in sample:
        return now
    return now + timedelta(days=sample["ends_in_days"]) - relativedelta(months=12)


def _payload(sample: dict, run: str) -> dict:
    local, _, domain = sample["email"].partition("@")
    email = f"{local}+{run}@{domain}" if domain else sample["email"]  # fresh per run: a second demo is no duplicate
    data = {
        "learner": {"id": f"demo-{local}", "email": email, "name": sample["name"]}
                   | ({"manager_email": sample["manager_email"]} if "manager_email" in sample else {}),
        "course": {"id": sample["course"]},
        "completed_at": _completed_at(sample).isoformat(timespec="seconds"),
    }
    for key in ("score", "attendance"):
        if key in sample:
            data[key] = sample[key]
    return {"type": "course.completed", "timestamp": timezone.now().isoformat(timespec="seconds"), "data": data}


class Command(BaseCommand):
    help = ("Post the demo's sample completions (a pass, a fail, a missing prerequisite, a malformed one, two WS-100 "
            "inductions ending in 30 and 90 days, and one learner's three courses of programme SWP) as signed webhooks.")

    def add_arguments(self, parser):
        parser.add_argument("--url", default=settings.LAUREL_BASE_URL, help="The running web server (default LAUREL_BASE_URL).")
        parser.add_argument("--wait", type=float, default=60, help="Seconds to wait for the worker (0: do not wait).")

    def handle(self, *args, url, wait, **options):
        source = Source.objects.filter(slug="demo").first()
        if source is None or not source.signing_secret:
            raise CommandError("The demo source is not loaded; run `manage.py seed_demo` first.")
        self.endpoint, self.source, run = f"{url.rstrip('/')}/api/v1/sources/demo/events", source, uuid.uuid4().hex[:6]
        self.learner_address = _payload(SAMPLES[0][1], run)["data"]["learner"]["email"]  # the pass: a credential
        deadline = time.monotonic() + wait
        sent = [self._post(label, sample, run, number) for number, (label, sample) in enumerate(SAMPLES)]
        self._settle(sent, deadline)
        sent += [self._post(label, sample, run, len(sent) + number) for number, (label, sample) in enumerate(PROGRAMME_LAST)]
        events = self._settle(sent, deadline)
        programme_learner = _payload(PROGRAMME_LAST[0][1], run)["data"]["learner"]["email"]
        programme_issuance = self._programme_issuance(programme_learner, deadline)
        self._report(sent, events, url.rstrip("/"), programme_issuance)

    def _post(self, label, sample, run, number):
        body = json.dumps(_payload(sample, run)).encode()
        message_id, timestamp = f"demo-{run}-{number}", str(int(time.time()))
        headers = {
            "content-type": "application/json",
            "webhook-id": message_id,
            "webhook-timestamp": timestamp,
            "webhook-signature": signature_compute(secret=self.source.signing_secret, message_id=message_id, timestamp=timestamp, body=body),
        }
        try:
            response = requests.post(self.endpoint, data=body, headers=headers, timeout=10)
        except requests.RequestException as exc:
            raise CommandError(f"Could not reach {self.endpoint}: {exc}") from None
        if response.status_code != 202:
            raise CommandError(f"{label}: {self.endpoint} answered {response.status_code}: {response.text[:300]}")
        return label, response.json()["event"]

    def _settle(self, sent, deadline):
        """Wait until every event is processed and its issuances finished, or the deadline passes."""
        while True:
            events = {str(e.pk): e for e in CompletionEvent.objects.filter(pk__in=[event for _, event in sent])}
            settled = all(e.status != CompletionEvent.Status.ACCEPTED for e in events.values())
            issuances_done = all(i.finished_at for e in events.values() for i in e.issuances.all())
            if (settled and issuances_done) or time.monotonic() > deadline:
                return events
            time.sleep(0.5)

    def _programme_issuance(self, email, deadline):
        """The programme issuance the pipeline opened for the learner's third credential, once finished (or the deadline)."""
        while True:
            issuance = Issuance.objects.filter(course__code=DEMO_PROGRAMME_CODE, learner__email=email).first()
            if (issuance is not None and issuance.finished_at) or time.monotonic() > deadline:
                return issuance
            time.sleep(0.5)

    def _report(self, sent, events, url, programme_issuance):
        for label, event_id in sent:
            event = events.get(event_id)
            issuance = event.issuances.first() if event else None
            if issuance is not None:
                outcome = issuance.get_state_display().lower()
                if issuance.reasons:
                    outcome += f" — {' '.join(issuance.reasons)}"
                where = f"{url}/admin/issuance/issuance/{issuance.pk}/change/"
            elif event is not None and event.status == CompletionEvent.Status.PARKED:
                outcome = "parked in the exception queue — " + "; ".join(e["message"] for e in event.errors)
                where = f"{url}/admin/issuance/parkedevent/{event.pk}/change/"
            else:
                outcome = "still being processed"
                where = f"{url}/api/v1/events/{event_id}/"
            self.stdout.write(f"  {label}: {outcome}\n      {where}")
            for copy in issuance.outbox_messages.filter(kind=OutboxMessage.Kind.CREDENTIAL_COPY) if issuance else ():
                self.stdout.write(f"      copy to {copy.recipient}: {copy.get_status_display().lower()}")
        if programme_issuance is not None:
            outcome = programme_issuance.get_state_display().lower()
            if programme_issuance.reasons:
                outcome += f" — {' '.join(programme_issuance.reasons)}"
            self.stdout.write(f"  programme {DEMO_PROGRAMME_CODE} for {programme_issuance.learner_name} <{programme_issuance.learner.email}>, "
                              f"issued by itself: {outcome}\n"
                              f"      {url}/admin/issuance/issuance/{programme_issuance.pk}/change/")
        else:
            self.stdout.write(f"  programme {DEMO_PROGRAMME_CODE}: not issued yet (the worker may still be busy).")
        if "EmlFile" in settings.EMAIL_BACKEND:
            self.stdout.write(f"  Emails are written to {settings.MAIL_DIR}/ (open the .eml files in any mail client).")
        self.stdout.write(f"  Learner page: {self.learner_address} signs in at {url}/me")
