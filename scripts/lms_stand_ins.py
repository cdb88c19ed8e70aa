"""Local stand-ins for Moodle's web services and Canvas's key set, and one completion per LMS dialect, for the demo.

`make demo` runs it once the web server answers. It starts the Moodle web-services server and JWKS
server the tests use too (stand_ins/lms/) on free 127.0.0.1 ports, points the demo's Moodle and
Canvas sources at them, then posts one realistic completion of each dialect to the running demo,
signed or authenticated exactly as that LMS does (generic, moodle, canvas, thinkific, teachable,
xapi, and learndash, which our WordPress plugin sends as the generic dialect), plus two form tools:
a Typeform form_response to the mapped source made from the typeform preset, and a Google Forms
response as our Apps Script sends it (integrations/google-forms/). It prints what became of each
and keeps serving until it is stopped. The demo's web server and worker must be allowed to
call 127.0.0.1 (scripts/demo.sh sets LAUREL_ALLOW_PRIVATE_TARGETS=1 for them alone).

    .venv/bin/python scripts/lms_stand_ins.py --url http://127.0.0.1:8000 [--ready-file PATH] [--wait 90]
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import signal
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _hex_hmac(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


class Pusher:
    """Posts one completion per dialect the way each LMS does; returns the stored event of each."""

    def __init__(self, *, url: str, moodle_ws, key_set, run: str):
        self.url, self.moodle_ws, self.key_set, self.run = url.rstrip("/"), moodle_ws, key_set, run
        self.session = requests.Session()
        self.now = datetime.now(timezone.utc).replace(microsecond=0)

    def intake(self, source) -> str:
        return f"{self.url}/api/v1/sources/{source.slug}/events"

    def email(self, local: str) -> str:
        return f"{local}+{self.run}@learners.example"  # fresh per run: a second demo is no duplicate

    def stored_event(self, response, source):
        from issuance.models import CompletionEvent

        if response.status_code not in (200, 202):
            raise RuntimeError(f"{source.slug}: {response.status_code} {response.text[:300]}")
        if source.dialect == "xapi":
            return CompletionEvent.objects.get(source=source, external_id=response.json()[0])
        return CompletionEvent.objects.get(pk=response.json()["event"])

    def standard_webhooks(self, source, payload: dict, message_id: str):
        from issuance.sources.signatures import signature_compute

        body, timestamp = json.dumps(payload).encode(), str(int(time.time()))
        headers = {"content-type": "application/json", "webhook-id": message_id, "webhook-timestamp": timestamp,
                   "webhook-signature": signature_compute(secret=source.signing_secret, message_id=message_id, timestamp=timestamp, body=body)}
        return self.session.post(self.intake(source), data=body, headers=headers, timeout=15)

    def generic(self, source):
        payload = {"type": "course.completed", "timestamp": self.now.isoformat(), "data": {
            "learner": {"id": "hr-2291", "email": self.email("amara.okafor"), "name": "Amara Okafor"},
            "course": {"id": "WS-100", "title": "Workplace Safety Induction"}, "completed_at": self.now.isoformat(),
            "attendance": 100, "extra": {"department": "warehouse"}}}
        return self.standard_webhooks(source, payload, f"generic-{self.run}")

    def learndash(self, source):
        # What laurel-learndash.php builds from learndash_course_completed: the generic dialect.
        completed = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        payload = {"type": "course.completed", "timestamp": completed, "data": {
            "learner": {"id": "31", "email": self.email("mateo.fernandez"), "name": "Mateo Fernández"},
            "course": {"id": "812", "title": "Workplace Safety Induction"}, "completed_at": completed,
            "extra": {"site": "https://academy-wp.example"}}}
        return self.standard_webhooks(source, payload, f"learndash-31-812-{int(self.now.timestamp())}")

    def moodle(self, source):
        # The Moodle site knows the learner; the event the local_webhooks plugin posts carries only ids. She reads
        # Moodle in French (her `lang`), so her certificate, email and credential page come in French.
        self.moodle_ws.users["57"] = {"id": 57, "email": self.email("elodie.martin"), "firstname": "Élodie",
                                          "lastname": "Martin", "fullname": "Élodie Martin", "lang": "fr"}
        self.moodle_ws.completed.add(("57", "12"))
        self.moodle_ws.course_totals[("57", "12")] = (46.0, 50)
        self.moodle_ws.courses["12"] = {"id": 12, "shortname": "WS-100", "fullname": "Workplace Safety Induction"}
        event = {"eventname": "\\core\\event\\course_completed", "component": "core", "action": "completed", "target": "course",
                 "objecttable": "course_completions", "objectid": "881", "crud": "u", "edulevel": 2, "contextid": 345,
                 "contextlevel": 50, "contextinstanceid": "12", "userid": "2", "courseid": "12", "relateduserid": "57",
                 "anonymous": 0, "other": None, "timecreated": int(self.now.timestamp()), "host": "moodle.demo-academy.example",
                 "token": source.signing_secret, "extra": ""}
        return self.session.post(self.intake(source), data=json.dumps(event).encode(), headers={"Content-Type": "application/json"}, timeout=15)

    def canvas(self, source):
        claims = {
            "metadata": {"event_name": "course_completed", "event_time": self.now.isoformat().replace("+00:00", "Z"),
                         "root_account_uuid": "DemoAcademy01", "context_type": "Course", "context_id": "10000000000042",
                         "user_id": "10000000000777", "request_id": f"demo-{self.run}"},
            "body": {"course": {"account_id": "1", "id": "42", "name": "Workplace Safety Induction", "sis_source_id": "WS-100"},
                     "progress": {"completed_at": self.now.isoformat().replace("+00:00", "Z"), "next_requirement_url": None,
                                  "requirement_completed_count": 8, "requirement_count": 8},
                     "user": {"email": self.email("soren.kierkegaard"), "id": "777", "name": "Søren Kierkegård"}},
        }
        return self.session.post(self.intake(source), data=self.key_set.sign(claims).encode(), headers={"Content-Type": "text/plain"}, timeout=15)

    def thinkific(self, source):
        payload = {"id": f"2026{self.run}0001", "resource": "enrollment", "action": "completed", "tenant_id": "59",
                   "created_at": self.now.isoformat(), "payload": {
                       "id": 3, "course_id": 68, "course": {"id": 68, "name": "Workplace Safety Induction"},
                       "user": {"id": 94, "email": self.email("priya.raman"), "first_name": "Priya", "last_name": "Raman"},
                       "started_at": "2026-01-05T09:00:00Z", "completed_at": self.now.isoformat(), "percentage_completed": "1.0"}}
        body = json.dumps(payload).encode()
        headers = {"Content-Type": "application/json", "X-Thinkific-Hmac-Sha256": _hex_hmac(source.signing_secret, body),
                   "X-Thinkific-Topic": "enrollment.completed"}
        return self.session.post(self.intake(source), data=body, headers=headers, timeout=15)

    def teachable(self, source):
        payload = {"id": int(time.time()), "type": "Enrollment.completed", "created": self.now.isoformat(),
                   "object": {"course_id": 2001, "course": {"id": 2001, "name": "Workplace Safety Induction"},
                              "user": {"id": 77, "email": self.email("bjorn.ek"), "name": "Björn Ek"},
                              "completed_at": self.now.isoformat()}}
        body = json.dumps(payload).encode()
        header = (source.settings or {}).get("signature_header") or "X-Teachable-Signature"
        return self.session.post(self.intake(source), data=body, headers={"Content-Type": "application/json", header: _hex_hmac(source.signing_secret, body)}, timeout=15)

    def xapi(self, source):
        statement = {"id": str(uuid.uuid4()), "timestamp": self.now.isoformat(),
                     "actor": {"objectType": "Agent", "name": "Ana Lima", "mbox": f"mailto:{self.email('ana.lima')}"},
                     "verb": {"id": "http://adlnet.gov/expapi/verbs/passed", "display": {"en-US": "passed"}},
                     "object": {"id": "https://lms.demo-academy.example/courses/first-aid", "definition": {"name": {"en-US": "First Aid at Work"}}},
                     "result": {"score": {"scaled": 0.91, "raw": 91, "min": 0, "max": 100}, "success": True, "completion": True}}
        return self.session.post(f"{self.url}/api/v1/sources/{source.slug}/xapi/statements", json=statement,
                                 auth=(source.settings["key"], source.signing_secret), headers={"X-Experience-API-Version": "1.0.3"}, timeout=15)


    def typeform(self, source):
        # Typeform's documented form_response (docs/lms/typeform.md); the preset reads the hidden field `course`.
        submitted = self.now.strftime("%Y-%m-%dT%H:%M:%SZ")
        payload = {"event_id": f"01TF{self.run.upper()}", "event_type": "form_response", "form_response": {
            "form_id": "dEmOaC", "token": f"tf{self.run}", "landed_at": submitted, "submitted_at": submitted,
            "hidden": {"course": "WS-100"}, "calculated": {"score": 92},
            "definition": {"id": "dEmOaC", "title": "Workplace Safety Induction – sign-off"},
            "answers": [
                {"type": "text", "text": "Keanu Alapaʻi", "field": {"id": "nm01", "type": "short_text", "ref": "name"}},
                {"type": "email", "email": self.email("keanu.alapai"), "field": {"id": "em01", "type": "email", "ref": "email"}},
                {"type": "number", "number": 100, "field": {"id": "at01", "type": "number", "ref": "attendance"}}]}}
        body = json.dumps(payload).encode()
        signature = "sha256=" + base64.b64encode(hmac.new(source.signing_secret.encode(), body, hashlib.sha256).digest()).decode()
        return self.session.post(self.intake(source), data=body, headers={"Content-Type": "application/json", "Typeform-Signature": signature}, timeout=15)

    def google_forms(self, source):
        # What laurel-google-forms.gs builds from a submitted response (docs/lms/google-forms.md), signed the same way.
        submitted = self.now.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        payload = {"type": "form.submitted", "timestamp": submitted, "data": {
            "source": "google_forms", "form": {"id": "1FAIpQLSd-demo-academy-induction", "title": "Workplace Safety Induction – attendance"},
            "response": {"id": f"2_demo{self.run}", "submitted_at": submitted, "respondent_email": self.email("ngozi.adeyemi")},
            "answers": [{"item_id": "1183270461", "title": "Full name", "type": "TEXT", "response": "Ngozi Adeyemi"},
                        {"item_id": "1960522313", "title": "Company", "type": "TEXT", "response": "Harbourside Logistics"},
                        {"item_id": "77015210", "title": "I attended the whole session", "type": "CHECKBOX", "response": ["Yes"]}]}}
        return self.standard_webhooks(source, payload, f"2_demo{self.run}")


DIALECT_SOURCES = [("generic", "demo"), ("moodle", "demo-moodle"), ("canvas", "demo-canvas"), ("thinkific", "demo-thinkific"),
                   ("teachable", "demo-teachable"), ("xapi", "demo-xapi"), ("learndash", "demo-learndash"),
                   ("typeform", "demo-typeform"), ("google_forms", "demo-google-forms")]  # (what is sent, the demo source)


def outcomes_wait(events: dict, wait: float) -> dict:
    from issuance.models import CompletionEvent

    deadline = time.monotonic() + wait
    while True:
        fresh = {name: CompletionEvent.objects.get(pk=event.pk) for name, event in events.items()}
        settled = all(e.status != CompletionEvent.Status.ACCEPTED for e in fresh.values())
        finished = all(i.finished_at for e in fresh.values() for i in e.issuances.all())
        if (settled and finished) or time.monotonic() > deadline:
            return fresh
        time.sleep(0.5)


def outcome_line(name: str, event, url: str) -> str:
    from courses.templating.languages import LANGUAGES

    issuance = event.issuances.first()
    if issuance is not None:
        state = issuance.get_state_display().lower()
        return (f"  {name:<12} {state}: {issuance.learner_name}, {issuance.course.title}, in {LANGUAGES[issuance.language]}\n"
                f"               {url}/admin/issuance/issuance/{issuance.pk}/change/")
    if event.status == "parked":
        return f"  {name:<12} parked: {'; '.join(e['message'] for e in event.errors)}\n               {url}/admin/issuance/parkedevent/{event.pk}/change/"
    return f"  {name:<12} {event.status} (still being processed)\n               {url}/admin/issuance/completionevent/{event.pk}/change/"


def demo_sources() -> dict:
    """The demo's source of each dialect (seed_demo made them), by dialect."""
    from issuance.models import Source

    sources = {dialect: Source.objects.select_related("organization").filter(slug=slug).first() for dialect, slug in DIALECT_SOURCES}
    missing = [slug for (dialect, slug) in DIALECT_SOURCES if sources[dialect] is None]
    if missing:
        sys.exit(f"The demo sources {', '.join(missing)} are not loaded; run `manage.py seed_demo` first.")
    return sources


def stand_ins_start(sources: dict):
    """The Moodle web-services and JWKS servers on free ports, with the demo's sources pointed at them."""
    from issuance.sources.configure import source_configure
    from stand_ins.lms import JwksServer, MoodleWebServices

    moodle = MoodleWebServices(token=sources["moodle"].secret_settings["ws_token"]).start()
    jwks = JwksServer().start()
    for dialect, setting, address in (("moodle", "moodle_url", moodle.url), ("canvas", "jwks_url", jwks.url + "/main/jwks")):
        source = sources[dialect]
        sources[dialect], _ = source_configure(organization_slug=source.organization.slug, slug=source.slug,
                                               dialect=dialect, settings={setting: address})
    return moodle, jwks


def completions_push(*, url: str, sources: dict, moodle, jwks) -> dict:
    """One completion per dialect, posted to the running demo; the stored event of each, by dialect."""
    pusher = Pusher(url=url, moodle_ws=moodle, key_set=jwks, run=uuid.uuid4().hex[:6])
    return {dialect: pusher.stored_event(getattr(pusher, dialect)(sources[dialect]), sources[dialect]) for dialect, _ in DIALECT_SOURCES}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="The running demo, e.g. http://127.0.0.1:8000.")
    parser.add_argument("--ready-file", help="Created once every completion has been posted and settled (or --wait passed).")
    parser.add_argument("--wait", type=float, default=90, help="Seconds to wait for the worker.")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credentials_site.settings")
    import django

    django.setup()
    sources = demo_sources()
    moodle, jwks = stand_ins_start(sources)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        try:
            print(f"  Stand-ins on 127.0.0.1: Moodle web services {moodle.url}, Canvas key set {jwks.url}/main/jwks "
                  "(the demo's Moodle and Canvas sources point at them).", flush=True)
            events = completions_push(url=args.url, sources=sources, moodle=moodle, jwks=jwks)
            for name, event in outcomes_wait(events, args.wait).items():
                print(outcome_line(name, event, args.url.rstrip("/")), flush=True)
        finally:
            if args.ready_file:
                Path(args.ready_file).touch()
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        moodle.stop()
        jwks.stop()


if __name__ == "__main__":
    main()
