"""The admin sidebar, arranged by the task staff came to do rather than by Django app.

Each entry names an admin URL; an entry whose URL does not exist (a screen not built yet) or whose
model the user may not view is left out, so adding a screen is one line here. The exception queue
carries its waiting count as a badge.
"""

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from courses.access.tenancy import organizations_for
from issuance.models import NameCorrectionRequest
from issuance.reports import queue_waiting_count


@dataclass(frozen=True)
class Entry:
    title: str
    icon: str  # a Material Symbols name, served from unfold's own static files
    url_name: str
    permission: str = ""  # "app.codename"; empty: any staff member
    badge: str = ""


def _model(app: str, model: str, title: str, icon: str, view: str = "changelist", **kwargs) -> Entry:
    return Entry(title, icon, f"admin:{app}_{model}_{view}", f"{app}.view_{model}", **kwargs)


GROUPS: list[tuple[str, list[Entry]]] = [
    ("Today", [Entry("Dashboard", "dashboard", "admin:index")]),
    ("Issue", [
        _model("issuance", "issuance", "Issuances", "conversion_path"),
        _model("issuance", "parkedevent", "Exception queue", "report", badge="credentials_site.admin.navigation.queue_badge"),
        _model("issuance", "namecorrectionrequest", "Wrong names reported", "badge",
               badge="credentials_site.admin.navigation.name_reports_badge"),
        _model("issuance", "completionevent", "Events received", "inbox"),
        Entry("Import a CSV", "upload_file", "admin:issuance_completionevent_import", "issuance.add_completionevent"),
        Entry("Session rosters", "groups", "admin:issuance_roster_changelist", "issuance.enter_roster"),
        Entry("Issue one credential", "person_add", "admin:issuance_handissue_add", "issuance.issue_by_hand"),
        Entry("Import credentials", "move_to_inbox", "admin:issuance_credentialimportupload_changelist",
              "issuance.view_credentialimportupload"),
    ]),
    ("Credentials", [
        _model("issuance", "credential", "Credentials", "workspace_premium"),
        _model("issuance", "learner", "Learners", "group"),
    ]),
    ("Catalogue", [
        _model("courses", "course", "Courses", "school"),
        _model("courses", "programme", "Programmes", "account_tree"),
        _model("courses", "achievement", "Achievements", "military_tech"),
        _model("courses", "ruleset", "Rule sets", "rule"),
        _model("courses", "rulesetversion", "Rule versions", "history_edu"),
        _model("courses", "certificatetemplate", "Certificate templates", "article"),
        _model("courses", "emailtemplate", "Email templates", "mail"),
        _model("courses", "certificateasset", "Certificate assets", "image"),
        _model("courses", "organization", "Organisations", "apartment"),
    ]),
    ("Delivery", [
        _model("issuance", "outboxmessage", "Outbox", "outbox"),
        _model("issuance", "suppression", "Suppressions", "block"),
    ]),
    ("Connections", [
        _model("issuance", "source", "Sources", "input"),
        _model("issuance", "connection", "Outbound connections", "output"),
        _model("issuance", "outbounddelivery", "Outbound deliveries", "send"),
        _model("issuance", "outboundfailure", "Failed outbound deliveries", "sync_problem"),
    ]),
    ("Audit", [_model("audit", "auditrecord", "Audit trail", "fact_check")]),
    ("System", [
        _model("courses", "usertoken", "User API tokens", "key"),
        _model("courses", "apikey", "Organisation API keys", "vpn_key"),
        _model("courses", "signinrule", "Sign-in rules", "login"),
        _model("django_q", "ormq", "Queued tasks", "queue"),
        _model("django_q", "schedule", "Schedules", "schedule"),
        _model("django_q", "failure", "Failed tasks", "error"),
        _model("django_q", "success", "Successful tasks", "task_alt"),
        _model("auth", "user", "Users", "person"),
        _model("auth", "group", "Roles (groups)", "badge"),
        Entry("Two-factor sign-in", "lock", "admin:two_factor"),
    ]),
]


def _url(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def sidebar_navigation(request) -> list[dict]:
    """UNFOLD["SIDEBAR"]["navigation"]: the groups above, with what this user may open."""
    groups = []
    for title, entries in GROUPS:
        items = []
        for entry in entries:
            url = _url(entry.url_name)
            if url is None or (entry.permission and not request.user.has_perm(entry.permission)):
                continue
            item = {"title": entry.title, "icon": entry.icon, "link": url}
            # Counted here, so an empty queue shows no badge (unfold would print a None as "NONE").
            if entry.badge and (count := import_string(entry.badge)(request)):
                item["badge"] = count
            items.append(item)
        if items:
            groups.append({"title": title, "separator": True, "collapsible": False, "items": items})
    return groups


def queue_badge(request):
    """The exception queue's waiting count, or nothing when it is empty."""
    count = queue_waiting_count(organizations=organizations_for(request.user))
    return count or None


def sidebar_title(url_name: str) -> str | None:
    """The sidebar's name for the page at `url_name`, so that the page's title says the same."""
    return next((entry.title for _, entries in GROUPS for entry in entries if entry.url_name == url_name), None)


def name_reports_badge(request):
    """Learners' open wrong-name reports (the exception queue's second list), or nothing when there are none."""
    count = NameCorrectionRequest.objects.filter(
        state=NameCorrectionRequest.State.OPEN,
        credential__issuance__organization__in=organizations_for(request.user)).count()
    return count or None
