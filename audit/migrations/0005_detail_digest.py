from django.db import migrations, models
import django.db.models.deletion


def rekey_chain(apps, schema_editor):
    # Verifies the chain as 0003 defined it, then seals each detail and chains the digests (ADR 0007).
    from audit.chain import audit_chain_rekey

    audit_chain_rekey(apps.get_model("audit", "AuditRecord"), apps.get_model("audit", "AuditChainHead"))


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0004_audit_record_organization'),
    ]

    operations = [
        migrations.AddField(
            model_name="auditrecord",
            name="detail_salt",
            field=models.CharField(blank=True, editable=False, max_length=32),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="detail_digest",
            field=models.CharField(blank=True, editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="redacted_by",
            field=models.ForeignKey(blank=True, editable=False, help_text="The erasure record that rewrote this detail.",
                                    null=True, on_delete=django.db.models.deletion.PROTECT, related_name="redacted",
                                    to="audit.auditrecord"),
        ),
        migrations.RunPython(rekey_chain, migrations.RunPython.noop),
    ]
