"""The base classes every Laurel admin page is built on.

Each ModelAdmin and inline in the product inherits from one of these, so what all admin pages share
(the admin theme, django-unfold; scoping to the organisations a user may see) is written once, here.
"""

from django.utils import timezone
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin
from unfold.admin import ModelAdmin, StackedInline, TabularInline

from .tenancy import organizations_for


class LaurelAdmin(ModelAdmin):
    """A model's admin pages, in the unfold theme.

    A list's organisation column is left out for a user who sees only one organisation: it would
    say the same thing on every row and push the columns that differ off a 1280 px screen.
    """

    ORGANIZATION_COLUMNS = ("organization", "organization_col")
    change_form_template = "admin/laurel/change_form.html"
    # A record page (an issuance, a credential, an event, a sent email, an audit record): nothing on
    # it is edited, so it shows no Save; what can be done to it are `object_actions` buttons.
    read_only_page = False
    # Names of the list's actions offered as buttons on one object's page; each posts that one row
    # to the list's action, so the same confirmation page and checks apply.
    object_actions: list[str] = []
    object_action_labels: dict[str, str] = {}  # a button's words, when the list action's speak of "selected"

    def object_action_applies(self, obj, name: str) -> bool:
        """Whether `name` makes sense for `obj` now (a resume for a parked issuance only, …)."""
        return True

    def related_links(self, request, obj) -> list[tuple[str, str]]:
        """(label, url) pairs to the objects around this one, shown at the top of its page."""
        return []

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            actions = self.get_actions(request)
            context["laurel_object_actions"] = [
                {"name": name, "label": self.object_action_labels.get(name) or str(actions[name][2]).rstrip("…"),
                 "danger": name in DANGEROUS_ACTIONS}
                for name in self.object_actions if name in actions and self.object_action_applies(obj, name)
            ]
            context["laurel_related_links"] = self.related_links(request, obj)
        if self.read_only_page and not add:
            context.update(show_save=False, show_save_and_continue=False, show_save_and_add_another=False,
                           show_save_as_new=False, show_delete=False, show_delete_link=False)
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def get_list_display(self, request):
        columns = list(super().get_list_display(request))
        if any(c in self.ORGANIZATION_COLUMNS for c in columns) and organizations_for(request.user).count() <= 1:
            columns = [c for c in columns if c not in self.ORGANIZATION_COLUMNS]
        return columns


DANGEROUS_ACTIONS = {"revoke_selected", "suspend_selected", "discard_selected"}


class LaurelHistoryAdmin(SimpleHistoryAdmin, LaurelAdmin):
    """A model's admin pages with its change history (django-simple-history, styled by unfold.contrib.simple_history)."""


class LaurelTabularInline(TabularInline):
    """Related rows shown as a table on their parent's page."""


class LaurelStackedInline(StackedInline):
    """Related rows shown as forms on their parent's page."""


def clipped(value, *, wide: bool = False):
    """A long value on one line of a list, cut with an ellipsis; the full text on hover (title)."""
    text = "" if value is None else str(value)
    if not text:
        return "—"
    return format_html('<span class="laurel-clip{}" title="{}">{}</span>', " laurel-clip-wide" if wide else "", text, text)


PILL_TONES = {
    "ok": {"active", "synced", "delivered", "sent", "processed", "eligible"},
    "warn": {"parked", "suspended", "held", "queued", "sending", "accepted", "ineligible", "duplicate", "expired"},
    "bad": {"revoked", "failed", "bounced", "complained", "discarded"},
}


def pill(value: str, label: str):
    """A status as a short coloured label that never wraps."""
    tone = next((name for name, values in PILL_TONES.items() if value in values), "")
    return format_html('<span class="laurel-pill{}" title="{}">{}</span>', f" laurel-pill-{tone}" if tone else "", label, label)


def short_time(moment):
    """A time in a list, short enough for one line: '1 Dec 14:05' this year, '1 Dec 2025' before; full on hover."""
    if moment is None:
        return "—"
    local = timezone.localtime(moment)
    shown = f"{local:%-d %b %H:%M}" if local.year == timezone.localtime().year else f"{local:%-d %b %Y}"
    return format_html('<span title="{}">{}</span>', local.isoformat(timespec="seconds"), shown)
