"""A programme awarded to a learner is part of their copy of their data."""

import io
import json
import zipfile

from issuance.models import Issuance
from issuance.privacy.export import learner_export_write
from issuance.privacy.subject import subject_find
from tests.pipeline.conftest import complete, drive


def test_it_puts_the_programme_award_in_the_learners_data_export(smtp, org, courses, make_programme):
    programme = make_programme()
    constituents = [drive(complete(courses[code])).credential for code in ("FA-101", "FS-101", "MH-101")]
    [issuance] = Issuance.objects.filter(course=programme.course)
    credential = drive(issuance).credential

    buffer = io.BytesIO()
    learner_export_write(subject=subject_find(organization_slug=org.slug, email="ann@learners.example"), out=buffer)
    archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))

    [award] = json.loads(archive.read("data/programme_awards.json"))
    assert award["programme_code"] == "WSO" and award["programme_name"] == "Workplace Safety Officer"
    assert award["issuance_id"] == str(issuance.pk) and award["closed_at"] is None
    assert sorted(award["constituent_credentials"]) == sorted(str(c.pk) for c in constituents)
    assert "WSO" in archive.read("data/programme_awards.csv").decode()
    assert "Programmes awarded to you" in archive.read("summary.html").decode()
    assert f"credentials/{credential.pk}.json" in archive.namelist()
