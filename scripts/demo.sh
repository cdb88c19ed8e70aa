#!/usr/bin/env bash
# Runs the demo: seeds Demo Academy, starts the web server and one worker in the foreground.
# Ctrl-C stops both.
set -euo pipefail
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
# Links in certificates and emails point at this demo, whatever port it runs on.
export LAUREL_BASE_URL=${LAUREL_BASE_URL:-http://127.0.0.1:$PORT}
# The demo's LMS and outbound stand-ins listen on 127.0.0.1, which the outgoing-request guard
# refuses by default: allow it for this demo's own processes only (never set it in production).
export LAUREL_ALLOW_PRIVATE_TARGETS=1
# Python's own socket and urllib, not curl: a fresh machine may have Python and nothing else.
answers() { "$PY" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1)' "$PORT" 2>/dev/null; }
healthy() { "$PY" -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "http://127.0.0.1:$PORT/healthz" 2>/dev/null; }
if answers; then
  echo "Something is already answering on port $PORT; stop it or run PORT=<another port> make demo." >&2
  exit 1
fi
mkdir -p var
password_file=var/demo-admin-password
if [ ! -s "$password_file" ]; then
  (umask 077; "$PY" -c 'import secrets; print(secrets.token_urlsafe(12))' >"$password_file")
fi
password=$(cat "$password_file")
token_file=var/demo-api-token
if [ ! -s "$token_file" ]; then
  (umask 077; "$PY" -c 'import secrets; print(secrets.token_hex(20))' >"$token_file")
fi
token=$(cat "$token_file")
# Kept for the message below (it lists the LMS sources' secrets, so only this user may read it).
(umask 077; "$PY" manage.py seed_demo --admin-password "$password" --api-token "$token" | tee var/demo-seed.log)
"$PY" manage.py collectstatic --no-input -v 0

trap 'trap - INT TERM EXIT; kill 0 2>/dev/null; wait' INT TERM EXIT
"$PY" manage.py qcluster &
"$PY" manage.py runserver "127.0.0.1:$PORT" --noreload &

for _ in $(seq 1 100); do
  healthy && break
  sleep 0.2
done
echo
echo "  Sample completions, posted as signed webhooks to the demo source:"
"$PY" manage.py demo_push --url "http://127.0.0.1:$PORT" | tee var/demo-push.log
echo
# History brought over from another platform (docs/import.md): a Credly-style export, its dry run, then the import.
echo "  A Credly export brought over, dry run first (manage.py import_credentials, docs/import.md):"
import_args=(scripts/demo_credly_export.csv --from credly --org demo-academy --map "Workplace Safety=WS-100")
"$PY" manage.py import_credentials "${import_args[@]}" --dry-run | sed 's/^/  /' | tee var/demo-import.log
"$PY" manage.py import_credentials "${import_args[@]}" | tail -1 | sed 's/^/  /' | tee -a var/demo-import.log
echo
echo "  One completion per LMS dialect, sent as each LMS sends it (scripts/lms_stand_ins.py):"
ready=var/lms-stand-ins.ready
rm -f "$ready"
"$PY" scripts/lms_stand_ins.py --url "http://127.0.0.1:$PORT" --ready-file "$ready" &
for _ in $(seq 1 600); do
  [ -e "$ready" ] && break
  sleep 0.2
done

# The learner's page: ask for a sign-in link at /me as the learner of the pass would, and read it from var/mail/.
learner=$(sed -n 's/^  Learner page: \(.*\) signs in at .*/\1/p' var/demo-push.log | tail -1)
learner_link=""
if [ -n "$learner" ]; then
  learner_link=$("$PY" scripts/demo_learner_page.py --url "http://127.0.0.1:$PORT" --address "$learner" --mail-dir var/mail || true)
fi

cat <<MSG

  Laurel demo is running.
    Admin:     http://127.0.0.1:$PORT/admin/
    Login:     admin / $password   (superuser: every organisation)
    Northwind: owner@northwind.example / $password   (owner of the second organisation: sees only Northwind Training)
    Health:    http://127.0.0.1:$PORT/healthz
    API:       http://127.0.0.1:$PORT/api/docs/   (token: $token)
               curl -H "Authorization: Token $token" http://127.0.0.1:$PORT/api/v1/issuances
    Webhook:   POST http://127.0.0.1:$PORT/api/v1/sources/demo/events  (secret in the admin, Sources → demo)
    Learner:   http://127.0.0.1:$PORT/me   (a learner's own page: ask with ${learner:-their address}; the sign-in
               email is written to var/mail/. The link emailed just now, single use, 30 minutes:
               ${learner_link:-none yet})
    LMS sources, one per dialect (docs/lms/):
$(grep '^  LMS source' var/demo-seed.log || true)

  Press Ctrl-C to stop the web server, the worker and the LMS stand-ins.

MSG
wait
