"""The pipeline's admin pages are tested on the fixtures their domain's tests use, imported from there.

Only the fixtures every module here means the same by live in this file: a real SMTP server, the
Harbour Academy organisation and the credential-issuing catalogue of the Open Badges tests. Where two
domains mean different things by one name (`organization`, `course`), or a fixture is autouse in its
domain (`private_targets_allowed`, `media_in_tmp`), the test module imports it itself, so it applies
to that module only.
"""

from tests.delivery.conftest import smtp_server  # noqa: F401 (fixtures)
from tests.openbadges.conftest import academy, first_aid, issue  # noqa: F401 (fixtures)
from tests.pipeline.conftest import org, smtp  # noqa: F401 (fixtures)
