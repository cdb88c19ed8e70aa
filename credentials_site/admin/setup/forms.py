"""The forms of the guided set-up's pages, drawn with the theme's widgets."""

from django import forms
from unfold.widgets import (
    UnfoldAdminCheckboxSelectMultipleWidget, UnfoldAdminColorInputWidget, UnfoldAdminImageFieldWidget, UnfoldAdminRadioSelectWidget,
)

from courses.models import Achievement, CertificateTemplate, CourseSetup, EmailTemplate
from courses.validators import validate_course_code, validate_hex_color
from credentials_site.admin.base import ThemedWidgetsForm

PERCENT = {"min_value": 0, "max_value": 100, "max_digits": 5, "decimal_places": 2, "required": False}


class OrganizationStepForm(ThemedWidgetsForm, forms.Form):
    """Only for an installation with no organisation yet: what `organization_add` needs."""

    name = forms.CharField(max_length=200, label="Organisation name")
    slug = forms.SlugField(max_length=80, help_text="Used in public URLs, e.g. harbour-safety.")
    sender = forms.EmailField(label="Send emails from", help_text="An address on a domain you have set up for sending.")


class CourseStepForm(ThemedWidgetsForm, forms.Form):
    organization = forms.ModelChoiceField(queryset=None, label="Organisation")
    title = forms.CharField(max_length=200, label="Course title", help_text="Also the name of the achievement (badge) it awards.")
    code = forms.CharField(max_length=64, validators=[validate_course_code],
                           help_text="Unique in the organisation; an LMS sends it (or its own id, mapped later).")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="What the learner learned: shown on the badge and the public page.")
    criteria = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Criteria",
                               help_text="What a learner did to earn it. Empty: written from the requirements below when they go live.")
    image = forms.ImageField(required=False, label="Badge image", widget=UnfoldAdminImageFieldWidget,
                             help_text="Optional. Without one, Laurel draws a badge from the name and the organisation's colours.")
    min_score = forms.DecimalField(label="Pass mark (%)", **PERCENT)
    min_attendance = forms.DecimalField(label="Attendance (%)", **PERCENT)
    prerequisites = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=UnfoldAdminCheckboxSelectMultipleWidget,
                                                   help_text="Achievements the learner must already hold, still valid.")
    validity_amount = forms.IntegerField(min_value=1, required=False, label="Valid for", help_text="Empty: it never expires.")
    validity_unit = forms.ChoiceField(choices=[("", "—"), *Achievement.ValidityUnit.choices], required=False, label="Unit")
    no_requirements = forms.BooleanField(required=False, label="No requirements: completing the course is enough")

    def __init__(self, *args, organizations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        several = organizations.count() > 1
        if not several:
            self.fields["organization"].widget = forms.HiddenInput()
            self.fields["organization"].initial = organizations.first()
        achievements = Achievement.objects.filter(organization__in=organizations).select_related("organization")
        self.fields["prerequisites"].queryset = achievements
        if not achievements.exists():
            self.fields["prerequisites"].help_text = "None to choose yet: the organisation has no other achievement."
        if several:
            self.fields["prerequisites"].label_from_instance = lambda a: f"{a.name} — {a.organization.name}"

    def clean(self):
        data = super().clean()
        organization = data.get("organization")
        if organization and any(a.organization_id != organization.pk for a in data.get("prerequisites") or []):
            self.add_error("prerequisites", "Choose prerequisites of the course's own organisation.")
        if data.get("validity_amount") and not data.get("validity_unit"):
            self.add_error("validity_unit", "Choose days, months or years.")
        nothing = data.get("min_score") is None and data.get("min_attendance") is None and not data.get("prerequisites")
        if nothing and not data.get("no_requirements") and not self.errors:
            self.add_error("no_requirements", "Give a pass mark, an attendance minimum or a prerequisite, or tick this box "
                                              "to issue to everyone who completes the course.")
        return data


class LookStepForm(ThemedWidgetsForm, forms.Form):
    design = forms.ModelChoiceField(queryset=None, widget=UnfoldAdminRadioSelectWidget, empty_label=None, label="Starting design",
                                    help_text="The course gets its own copy, which you can change later in Certificate templates.")
    email_template = forms.ModelChoiceField(queryset=None, empty_label=None, label="Credential email")
    primary_color = forms.CharField(validators=[validate_hex_color], widget=UnfoldAdminColorInputWidget, label="Primary colour")
    accent_color = forms.CharField(validators=[validate_hex_color], widget=UnfoldAdminColorInputWidget, label="Accent colour")
    logo = forms.ImageField(required=False, widget=UnfoldAdminImageFieldWidget, help_text="Optional: replaces the organisation's logo.")

    def __init__(self, *args, setup: CourseSetup, brand_editable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        organization = setup.organization
        # Starting designs: the organisation's templates, less the copies earlier set-ups made for their courses.
        designs = CertificateTemplate.objects.filter(organization=organization).exclude(courses__setup__isnull=False).distinct()
        self.fields["design"].queryset = designs
        self.fields["email_template"].queryset = EmailTemplate.objects.filter(organization=organization, kind=EmailTemplate.Kind.CREDENTIAL)
        self.fields["email_template"].label_from_instance = lambda template: template.name
        self.fields["design"].initial = designs.first().pk if designs.exists() else None
        if not brand_editable:  # an editor uses the brand as the organisation's owner set it
            for name in ("primary_color", "accent_color", "logo"):
                del self.fields[name]


class CompletionsStepForm(ThemedWidgetsForm, forms.Form):
    source = forms.ChoiceField(widget=UnfoldAdminRadioSelectWidget, label="Completions come from")
    external_id = forms.CharField(max_length=300, required=False, label="The course's id in that system",
                                  help_text="Only for a source that matches courses by its mapping table: the id it sends for this course.")

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = {str(source.pk): source for source in sources}
        self.fields["source"].choices = [("files", "CSV uploads and rosters only (you can add a source later)")] + [
            (pk, f"{source.name} ({source.get_dialect_display()})") for pk, source in self.sources.items()
        ]
        self.fields["source"].initial = "files"
        if not self.sources:
            del self.fields["external_id"]

    def clean(self):
        data = super().clean()
        source = self.sources.get(data.get("source", ""))
        data.setdefault("external_id", "")
        if source is not None and source.course_matching == source.CourseMatching.BY_MAPPING and not data["external_id"].strip():
            self.add_error("external_id", f"{source.name} matches courses by its mapping table: give the id it sends for this course.")
        data["source_object"] = source
        return data
