"""Credentials brought over from another platform (issuance/imports): each original, once per learner, and the uploads
staff bring them in with."""

from django.conf import settings
from django.db import models

from courses.models import Organization

from .issuances import Issuance, Learner


class ImportSource(models.TextChoices):
    CREDLY = "credly", "Credly"
    ACCREDIBLE = "accredible", "Accredible"
    BADGR = "badgr", "Badgr / Canvas Credentials"
    OB2 = "ob2", "Open Badges 2.0"


class ImportedCredential(models.Model):
    """One original credential, re-issued by Laurel through the issuance it opened.

    One row per learner and original id (a unique constraint): importing the same export twice, or the same
    Badgr assertion as a Badgr file and as an Open Badges 2.0 URL, re-issues it once.
    """

    organization_path = "issuance__organization"  # how a row reaches its organisation (courses/access/tenancy.py)

    issuance = models.OneToOneField(Issuance, on_delete=models.PROTECT, related_name="imported")
    learner = models.ForeignKey(Learner, on_delete=models.PROTECT, related_name="imported_credentials")
    source = models.CharField(max_length=12, choices=ImportSource.choices)
    original_id = models.CharField(max_length=500, help_text="The credential's id on the platform it came from.")
    original_url = models.URLField(max_length=1000, blank=True, help_text="Its public address there, if it had one.")
    source_badge = models.CharField(max_length=300, help_text="The badge, template or group it was, as the file named it.")
    file_name = models.CharField(max_length=200, blank=True)
    row = models.PositiveIntegerField(help_text="Its row (or line) in the file.")
    imported_at = models.DateTimeField(auto_now_add=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", help_text="Empty when imported with manage.py.")
    upload = models.ForeignKey("CredentialImportUpload", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="imported_credentials",
                               help_text="The admin upload it came from; empty with manage.py, or once that is deleted.")
    upload_note = models.CharField(max_length=300, blank=True, help_text=(
        "What became of the upload it came from (deleted, when and by whom): the credential stays."))

    class Meta:
        ordering = ["-imported_at"]
        constraints = [models.UniqueConstraint(fields=["learner", "original_id"], name="imported_once_per_learner")]

    def __str__(self):
        return f"{self.get_source_display()} {self.original_id}"


class CredentialImportUpload(models.Model):
    """A file staff uploaded in the admin, kept as received between the mapping, the dry run and the import."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, verbose_name="organisation",
                                     related_name="credential_import_uploads")
    source = models.CharField(max_length=12, choices=ImportSource.choices)
    file_name = models.CharField(max_length=200)
    body = models.BinaryField()
    mapping = models.JSONField(default=dict, blank=True, help_text="Source badge (id or name) → course code.")
    columns = models.JSONField(default=dict, blank=True, help_text="Field → the file's column, where it differs.")
    fetched = models.JSONField(default=dict, blank=True, help_text=(
        "For a list of Open Badges 2.0 assertion URLs: what each address answered when first asked, so the dry run, "
        "its views and the import read the same answers."))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    summary = models.TextField(blank=True, help_text="What the import did.")
    file_removed_at = models.DateTimeField(null=True, blank=True, help_text=(
        "When its stored file was removed, past LAUREL_IMPORT_UPLOAD_RETENTION_DAYS: the record and its summary stay."))

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = "credential import"

    def __str__(self):
        return f"{self.file_name} ({self.get_source_display()})"
