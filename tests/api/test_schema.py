"""The published OpenAPI schema against the live server: generated requests, no 5xx, every answer as documented."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from courses.access.user_tokens import user_token_create

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES_PER_OPERATION = 50
# No 5xx, and every answer as documented: status, content type, headers and body. (Whether a
# schema-valid page number past the end must be a 2xx is a question of taste, not of the schema.)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


def _operation_check(operation, headers: dict):
    # Valid requests and invalid ones (a date that does not exist, a page that is not a number …).
    cases = st.one_of(operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases)
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def check(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    return check


def test_it_answers_every_generated_request_as_the_schema_documents(live_server, admin_user):
    headers = {"Authorization": f"Token {user_token_create(user=admin_user)[1]}"}
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/?format=json")
    schema.config.update(base_url=live_server.url)
    failures = {}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 9, [operation.label for operation in operations]
    for operation in operations:
        try:
            _operation_check(operation, headers)()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures[operation.label] = str(exc)[:3000]
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
