"""Credly, Badgr and Accredible as local servers (reference: integrations.md §3)."""

import collections
import hashlib
import re
import secrets
import time
import uuid
from urllib.parse import parse_qs

from .servers import FakeService


def _scripted(service, act):
    """Apply the scripted behaviour to a creating call: fail without acting, or act (maybe answering late)."""
    behaviour = service.behaviour()
    if isinstance(behaviour, tuple) and behaviour[0] == "fail":
        _, status, headers, body = behaviour
        return status, body, headers
    return act()


class CredlyServer(FakeService):
    """Web Service API v1 under /v1: issue (422 for a duplicate), filter, revoke, read a badge template. Basic auth, the token as user."""

    def __init__(self, *, token="credly-token", organization="org-1", templates=("tmpl-1",)):
        super().__init__()
        self.token, self.organization, self.templates = token, organization, set(templates)
        self.badges: dict[str, dict] = {}

    def handle(self, request):
        if self.basic_user(request) not in (f"{self.token}:", f"{self.token}|"):
            return 401, {"data": {"message": "Unauthorized"}}
        base = f"/v1/organizations/{self.organization}"
        path, method = request["path"], request["method"]
        if path == f"{base}/authorization_tokens" and method == "GET":
            return 200, {"data": [{"id": "t1", "read_enabled": True, "write_enabled": True}]}
        template = re.fullmatch(rf"{base}/badge_templates/([^/]+)", path)
        if template and method == "GET":
            if template[1] not in self.templates:
                return 404, {"data": {"message": "Not found"}}
            return 200, {"data": {"id": template[1], "name": "Safety at Work", "state": "active"}}
        if path == f"{base}/badges" and method == "POST":
            return _scripted(self, lambda: self._issue(self.json_body(request)))
        if path == f"{base}/badges" and method == "GET":
            filters = dict(item.split("::", 1) for item in request["query"].get("filter", [""])[0].split("|") if "::" in item)
            found = [b for b in self.badges.values() if b["recipient_email"] == filters.get("recipient_email_all")
                     and b["badge_template"]["id"] == filters.get("badge_template_id")]
            return 200, {"data": found, "metadata": {"count": len(found), "total_count": len(found), "current_page": 1, "total_pages": 1}}
        match = re.fullmatch(rf"{base}/badges/([^/]+)/revoke", path)
        if match and method == "PUT":
            badge = self.badges.get(match[1])
            if badge is None:
                return 404, {"data": {"message": "Not found"}}
            if not self.json_body(request).get("reason"):
                return 422, {"data": {"message": "Reason can't be blank"}}
            badge["state"] = "revoked"
            return 200, {"data": badge}
        return 404, {"data": {"message": "Not found"}}

    def _issue(self, body):
        missing = [f for f in ("recipient_email", "issued_to_first_name", "issued_to_last_name", "badge_template_id", "issued_at") if not body.get(f)]
        if missing:
            return 422, {"data": {"message": f"Missing {', '.join(missing)}"}}
        if body["badge_template_id"] not in self.templates:
            return 422, {"data": {"message": "Badge template not found"}}
        if any(b["recipient_email"] == body["recipient_email"] and b["badge_template"]["id"] == body["badge_template_id"]
               and b["state"] != "revoked" for b in self.badges.values()):
            return 422, {"data": {"message": "User already has this badge"}}
        badge_id = str(uuid.uuid4())
        badge = {"id": badge_id, "state": "pending", "issued_at": body["issued_at"], "recipient_email": body["recipient_email"],
                 "issuer_earner_id": body.get("issuer_earner_id"), "badge_template": {"id": body["badge_template_id"]},
                 "badge_url": f"https://www.credly.example/badges/{badge_id}", "expires_at": body.get("expires_at"),
                 "suppress_badge_notification_email": body.get("suppress_badge_notification_email")}
        self.badges[badge_id] = badge
        return 201, {"data": badge}


def _envelope(result, status=200, success=True, description="ok", **extra):
    return status, {"status": {"success": success, "description": description}, "result": result, **extra}


# What Django answers for an unhandled error with DEBUG off: the page a real Badgr sent for its 500s.
DJANGO_500_PAGE = (b'<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n'
                   b'  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n')
HTML = {"content-type": "text/html; charset=utf-8"}


class BadgrServer(FakeService):
    """API v2 with /o/token and the {"status", "result"} envelope, answering as a real Badgr server did (real-systems.md §7).

    Grants: password, and client credentials (the fork's documented path); a refresh of a
    password-grant token answers 401 "Token refresh failed!". `unknown_token_status=500` is a server
    whose OIDC authentication is not configured: a dropped bearer token gets Django's HTML 500 page.
    `badgeclasses` maps a badge class id to its issuer; on `viewing_issuers` the account is only staff.
    """

    def __init__(self, *, username="issuer@academy.example", password="badgr-password", badgeclasses=("bc-1",),
                 client_id="laurel-client", client_secret="client-secret", unknown_token_status=401, viewing_issuers=()):
        super().__init__()
        self.username, self.password = username, password
        self.client_id, self.client_secret = client_id, client_secret
        self.badgeclasses = dict(badgeclasses) if isinstance(badgeclasses, dict) else {b: "issuer-1" for b in badgeclasses}
        self.unknown_token_status, self.viewing_issuers = unknown_token_status, set(viewing_issuers)
        self.access: set[str] = set()
        self.assertions: dict[str, dict] = {}

    def expire_tokens(self):
        self.access.clear()

    def _token(self, *, refresh: bool):
        access = secrets.token_hex(8)
        self.access.add(access)
        token = {"access_token": access, "token_type": "Bearer", "expires_in": 86400, "scope": "rw:issuer"}
        return 200, {**token, "refresh_token": secrets.token_hex(8)} if refresh else token

    def _issuers(self):
        names = sorted(set(self.badgeclasses.values()) | self.viewing_issuers)
        return [{"entityType": "Issuer", "entityId": name, "name": name.title(),
                 "staff": [{"role": "staff" if name in self.viewing_issuers else "owner", "userProfile": "user-1"}]}
                for name in names]

    def handle(self, request):
        path, method = request["path"], request["method"]
        if path == "/o/token" and method == "POST":
            form = {k: v[0] for k, v in parse_qs(request["body"].decode()).items()}
            grant = form.get("grant_type")
            if grant == "password" and form.get("username") == self.username and form.get("password") == self.password:
                return self._token(refresh=True)
            if grant == "client_credentials":
                if form.get("client_id") == self.client_id and form.get("client_secret") == self.client_secret:
                    return self._token(refresh=False)
                return 401, {"error": "invalid_client"}
            if grant == "refresh_token":
                return 401, {"error": "Token refresh failed!"}
            return 400, {"error": "invalid_grant", "error_description": "Invalid credentials given."}
        if request["headers"].get("authorization", "").removeprefix("Bearer ") not in self.access:
            if self.unknown_token_status == 500:
                return 500, DJANGO_500_PAGE, HTML
            return 401, {"detail": "Authentication credentials were not provided."}
        if path == "/v2/users/self":
            return _envelope([{"entityType": "BadgeUser", "entityId": "user-1", "emails": [{"email": self.username}]}])
        if path == "/v2/issuers":
            return _envelope(self._issuers())
        match = re.fullmatch(r"/v2/badgeclasses/([^/]+)", path)
        if match and method == "GET":
            if match[1] not in self.badgeclasses:
                return _envelope([], status=404, success=False, description="entity not found or insufficient privileges")
            return _envelope([{"entityType": "BadgeClass", "entityId": match[1], "issuer": self.badgeclasses[match[1]], "name": match[1]}])
        match = re.fullmatch(r"/v2/badgeclasses/([^/]+)/assertions", path)
        if match:
            if match[1] not in self.badgeclasses:
                return _envelope([], status=404, success=False, description="entity not found or insufficient privileges")
            if method == "GET":
                return _envelope([a for a in self.assertions.values() if a["badgeclass"] == match[1]])
            if self.badgeclasses[match[1]] in self.viewing_issuers:
                return _envelope([], status=404, success=False, description="entity not found or insufficient privileges")
            return _scripted(self, lambda: self._issue(match[1], self.json_body(request)))
        match = re.fullmatch(r"/v2/assertions/([^/]+)", path)
        if match and match[1] in self.assertions:
            assertion = self.assertions[match[1]]
            if method == "GET":
                return _envelope([assertion])
            if method == "DELETE":
                if assertion["revoked"]:
                    return _envelope([], status=400, success=False, description="Assertion is already revoked.")
                reason = self.json_body(request).get("revocation_reason")
                if not reason:
                    return _envelope([], status=400, success=False, description="revocation_reason is required")
                assertion.update(revoked=True, revocationReason=reason)
                return _envelope([assertion])
        return _envelope([], status=404, success=False, description="not found")

    def _issue(self, badgeclass, body):
        email = body["recipient"]["identity"].lower()
        salt = secrets.token_hex(4)
        identity = "sha256$" + hashlib.sha256((email + salt).encode()).hexdigest()
        held = [a for a in self.assertions.values() if a["badgeclass"] == badgeclass and a["_email"] == email and not a["revoked"]]
        if held and body.get("allowDuplicateAwards", True) is False:
            return _envelope([], status=400, success=False, description="Bad request",
                             validationErrors=["A previous award of this badge already exists for this recipient."])
        entity_id = secrets.token_urlsafe(12)
        assertion = {"entityType": "Assertion", "entityId": entity_id, "openBadgeId": f"https://api.badgr.example/public/assertions/{entity_id}",
                     "badgeclass": badgeclass, "recipient": {"identity": identity, "salt": salt, "hashed": True, "type": "email"},
                     "issuedOn": body["issuedOn"], "evidence": body.get("evidence", []), "revoked": False, "revocationReason": None,
                     "acceptance": "Unaccepted", "_email": email}
        self.assertions[entity_id] = assertion
        return _envelope([assertion], status=201)


class AccredibleServer(FakeService):
    """API v1: credentials created with our own id, looked up by it, deleted; groups read. And v2's bulk create.

    Bulk create (`POST /v2/credentials/bulk_create`, `{"credentials": [...]}`, at most 30) answers as
    Accredible's OpenAPI document shows: `{"results": [...]}` in the order sent, each `{"credential": …}`
    or `{"errors": {"code", "message", "details": [{"property", "message"}]}}`; 200 when every one was
    made, 207 Multi-Status when some were, 422 when none was. With `credits`, a credential past them is
    made unpublished, with the `insufficient_credits` note the document shows beside it.

    With `limit`, at most `limit` calls in any `per_seconds` (a sliding window, whenever it starts: Laurel cannot
    know the phase of Accredible's own windows); past it a 429 without Retry-After, as the reference records.
    Accredible documents 2,000 calls per 5 minutes; a benchmark scales both down to cross several windows quickly.
    """

    def __init__(self, *, api_key="accredible-key", groups=("1234",), limit=None, per_seconds=300.0, credits=None):
        super().__init__()
        self.api_key, self.groups, self.limit, self.per_seconds = api_key, set(groups), limit, per_seconds
        self.credits = credits
        self.credentials: dict[str, dict] = {}
        self.admitted: collections.deque = collections.deque()  # when each admitted call came (monotonic)
        self.refused = 0  # calls answered 429

    def _over_limit(self) -> bool:
        if self.limit is None:
            return False
        now = time.monotonic()
        with self._lock:
            while self.admitted and self.admitted[0] <= now - self.per_seconds:
                self.admitted.popleft()
            if len(self.admitted) >= self.limit:
                self.refused += 1
                return True
            self.admitted.append(now)
            return False

    def handle(self, request):
        if request["headers"].get("authorization") != f"Token token={self.api_key}":
            return 401, b"HTTP Token: Access denied.", {"content-type": "text/plain"}
        if self._over_limit():
            return 429, {"errors": "Rate limit exceeded"}
        path, method = request["path"], request["method"]
        if path == "/v1/issuer/details":
            return 200, {"issuer": {"id": 1, "name": "Academy"}}
        group = re.fullmatch(r"/v1/issuer/groups/([^/]+)", path)
        if group and method == "GET":
            if group[1] not in self.groups:
                return 404, {"errors": "Doesn't exist"}
            return 200, {"group": {"id": int(group[1]), "name": "Safety", "course_name": "Safety at Work"}}
        if path == "/v1/credentials" and method == "POST":
            return _scripted(self, lambda: self._create(self.json_body(request)["credential"]))
        if path == "/v2/credentials/bulk_create" and method == "POST":
            return _scripted(self, lambda: self._bulk_create(self.json_body(request)["credentials"]))
        match = re.fullmatch(r"/v1/credentials/([^/]+)", path)
        if match:
            credential = self.credentials.get(match[1]) or next((c for c in self.credentials.values() if str(c["id"]) == match[1]), None)
            if credential is None:
                return 404, {"errors": "Doesn't exist"}
            if method == "GET":
                return 200, {"credential": credential}
            if method == "DELETE":
                del self.credentials[credential["custom_id"]]
                return 200, {"credential": credential}
            if method == "PUT":
                update = self.json_body(request)["credential"]
                credential["recipient"].update(update.get("recipient", {}))
                credential.update({k: v for k, v in update.items() if k != "recipient"})
                return 200, {"credential": credential}
        return 404, {"errors": "Doesn't exist"}

    def _bulk_create(self, bodies):
        if len(bodies) > 30:
            return 422, {"errors": "Each request can accommodate up to 30 credentials"}
        results = []
        for body in bodies:
            status, answer = self._create(body)
            if status == 200:
                result = {"credential": answer["credential"]}
                if answer["credential"]["approve"] is False:
                    result["errors"] = {"code": "insufficient_credits", "message": "The credential was created but not published."}
                results.append(result)
                continue
            refused = answer["errors"]
            details = ([{"property": "group_id", "message": refused}] if isinstance(refused, str)
                       else [{"property": key, "message": " ".join(value)} for key, value in refused.items()])
            results.append({"errors": {"code": "credential_invalid", "message": "The credential is not valid", "details": details}})
        made = sum("credential" in result for result in results)
        return (200 if made == len(results) else 207 if made else 422), {"results": results}

    def _create(self, body):
        if str(body.get("group_id")) not in self.groups:
            return 422, {"errors": "Invalid Group"}
        if body.get("id") in self.credentials:
            return 422, {"errors": {"id": ["has already been taken"]}}
        number = 10_000 + len(self.credentials)
        approve = body.get("approve", True)
        if self.credits is not None:
            approve = approve and self.credits > 0
            self.credits = max(0, self.credits - 1)
        credential = {**body, "id": number, "custom_id": body["id"], "url": f"https://www.credential.example/{number}",
                      "group_name": "Safety", "approve": approve}
        self.credentials[body["id"]] = credential
        return 200, {"credential": credential}
