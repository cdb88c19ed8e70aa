"""A connection's settings as fields, one per setting its kind declares (issuance/outbound/connectors/base.py `Setting`).

Every kind but rest is edited this way: a text box, a choice, checkboxes for a list of events, or a table of
rows for NAME=FIELD pairs (HubSpot's contact properties, Salesforce's record fields), each with its help and
its default. The fields only gather the values; `connection_settings_clean` checks them, as it does for
`connection_add`, so there is one validation and one stored form of every setting.
"""

from django import forms
from django.utils.html import format_html, format_html_join
from unfold import widgets as unfold_widgets

from issuance.outbound.connectors.base import Setting
from issuance.outbound.registry import connector_for, connectors_load

SPARE_ROWS = 3  # empty rows under a table's stored ones; "Add a row" (pairs-table.js) for more
MAX_ROWS = 100
LABEL_WORDS = {"url": "URL", "id": "ID", "api": "API", "organization": "organisation"}


def setting_field_name(kind: str, setting: str) -> str:
    return f"{kind}__{setting}"


def setting_label(name: str, setting: Setting) -> str:
    if setting.label:
        return setting.label
    words = " ".join(LABEL_WORDS.get(word, word) for word in name.split("_"))
    return words[:1].upper() + words[1:]


def pairs_split(value: str) -> list[tuple[str, str]]:
    """'a=b,c=d' as rows, leniently (a row without '=' keeps its text as the name): what the table shows."""
    rows = []
    for item in filter(None, (part.strip() for part in (value or "").split(","))):
        name, _, field = item.partition("=")
        rows.append((name.strip(), field.strip()))
    return rows


class PairsTableWidget(forms.Widget):
    """NAME=FIELD pairs as a table: a text box for the name, a choice of field, one row each, and spare rows.

    "Add a row" (static/laurel/pairs-table.js) copies the last row and counts it; without the script the button
    stays hidden and save and continue brings three more spare rows.
    Posted as `<name>_rows` and `<name>_<i>_name` / `<name>_<i>_field`; read back as the same 'a=b,c=d' text the
    setting stores. A row with only one half is kept as 'a=' so the setting's own check names it.
    """

    class Media:
        js = ["laurel/pairs-table.js"]

    def __init__(self, *, fields: tuple[str, ...], name_label: str, attrs=None):
        super().__init__(attrs)
        self.fields, self.name_label = fields, name_label

    def render(self, name, value, attrs=None, renderer=None):
        rows = pairs_split(value if isinstance(value, str) else "") + [("", "")] * SPARE_ROWS
        text = unfold_widgets.UnfoldAdminTextInputWidget()
        choice = unfold_widgets.UnfoldAdminSelectWidget(choices=[("", "—")] + [(f, f) for f in self.fields])
        cells = format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", (
            (text.render(f"{name}_{i}_name", left, {"id": f"id_{name}_{i}_name", "aria-label": f"{self.name_label}, row {i + 1}"}),
             choice.render(f"{name}_{i}_field", right, {"id": f"id_{name}_{i}_field", "aria-label": f"Laurel field, row {i + 1}"}))
            for i, (left, right) in enumerate(rows)))
        return format_html(
            '<table class="laurel-related laurel-pairs" data-pairs="{}"><thead><tr><th scope="col">{}</th><th scope="col">Laurel field</th>'
            '</tr></thead><tbody>{}</tbody></table><input type="hidden" name="{}_rows" value="{}">'
            '<button type="button" class="laurel-button" data-pairs-add="{}" data-pairs-max="{}" hidden>Add a row</button>',
            name, self.name_label, cells, name, len(rows), name, MAX_ROWS)

    def value_from_datadict(self, data, files, name):
        try:
            count = min(int(data.get(f"{name}_rows", 0)), MAX_ROWS)
        except (TypeError, ValueError):
            count = 0
        items = []
        for i in range(count):
            left, right = (data.get(f"{name}_{i}_name") or "").strip(), (data.get(f"{name}_{i}_field") or "").strip()
            if left or right:
                items.append(f"{left}={right}")
        return ",".join(items)

    def value_omitted_from_data(self, data, files, name):
        return f"{name}_rows" not in data


def _default_shown(setting: Setting) -> str:
    if setting.pairs:
        return "Default: " + ", ".join(f"{a} → {b}" for a, b in pairs_split(setting.default)) + "."
    return f"Default: {setting.default}." if setting.default else ""


def setting_form_field(kind: str, name: str, setting: Setting) -> forms.Field:
    """The form field for one declared setting, with its help, its default shown and its code name (docs and commands use it)."""
    help_text = " ".join(filter(None, [setting.help[:1].upper() + setting.help[1:] + ".", _default_shown(setting),
                                       "Required." if setting.required else "", f"(Setting {name}.)"]))
    common = {"required": False, "label": setting_label(name, setting), "help_text": help_text}
    if setting.pairs:
        left = {"properties": "HubSpot property", "fields": "Salesforce field"}.get(name, "Name")
        return forms.CharField(widget=PairsTableWidget(fields=setting.pairs, name_label=left), initial=setting.default, **common)
    if setting.choices and setting.many:
        common["help_text"] = f"Tick those it takes; none ticked: all of them. (Setting {name}, comma-separated.)"
        return forms.MultipleChoiceField(choices=[(c, c) for c in setting.choices],
                                         widget=unfold_widgets.UnfoldAdminCheckboxSelectMultipleWidget, **common)
    if setting.choices:
        return forms.ChoiceField(choices=[(c, c) for c in setting.choices], initial=setting.default, **common)
    placeholder = {"placeholder": setting.default} if setting.default else {}
    return forms.CharField(initial=setting.default, widget=forms.TextInput(attrs={"size": 60, **placeholder}), **common)


def settings_form_fields() -> dict[str, forms.Field]:
    """Every declared setting of every kind with settings (not rest, which has its own fields), by form field name."""
    return {setting_field_name(kind, name): setting_form_field(kind, name, setting)
            for kind, connector in sorted(connectors_load().items()) if getattr(connector, "settings_clean", None) is None
            for name, setting in connector.settings.items()}


def settings_initial(kind: str, stored: dict) -> dict:
    """The fields' values for a stored connection of `kind`."""
    initial = {}
    for name, setting in connector_for(kind).settings.items():
        value = str(stored.get(name, "") or "")
        initial[setting_field_name(kind, name)] = [v.strip() for v in value.split(",") if v.strip()] if setting.many else value
    return initial


def settings_from_form(kind: str, cleaned: dict) -> dict:
    """The settings the fields of `kind` hold, as `connection_settings_clean` takes them (empty: the default)."""
    values = {}
    for name, setting in connector_for(kind).settings.items():
        value = cleaned.get(setting_field_name(kind, name))
        values[name] = ",".join(value) if isinstance(value, list) else (value or "").strip()
    return values


def settings_fieldsets(*, kind: str | None) -> list:
    """A fieldset per kind: the connection's own open, the others folded (chosen on a new connection)."""
    fieldsets = []
    for name, connector in sorted(connectors_load().items()):
        if getattr(connector, "settings_clean", None) is not None or (kind is not None and name != kind):
            continue
        description = "" if kind is not None else f"Used only when the kind is {connector.label}."
        fieldsets.append((f"{connector.label} settings", {
            "fields": [setting_field_name(name, setting) for setting in connector.settings],
            "classes": [] if kind is not None else ["collapse"], "description": description}))
    return fieldsets
