"""The one error type pipeline steps raise, saying whether trying again could help, and how an error is kept as text."""


class StepFailed(Exception):
    """A step could not finish. `permanent` failures park the issuance at once; others are retried.

    `code`, when given, is the park reason staff filter parked issuances on (`score_missing`).
    """

    def __init__(self, message: str, *, permanent: bool, code: str = ""):
        super().__init__(message)
        self.permanent, self.code = permanent, code


class ClaimLost(Exception):
    """Another worker took this issuance over (our lease ran out); our work is rolled back."""


class StepWaiting(Exception):
    """The step's outside effect is in hand elsewhere (an email queued in the outbox): look again at `retry_at`.

    Waiting is not failing: it does not count towards the attempts that park an issuance.
    """

    def __init__(self, message: str, *, retry_at):
        super().__init__(message)
        self.retry_at = retry_at


def text_storable(value: str) -> str:
    """`value` with what no database can store as text (lone surrogates, NUL) written as escapes."""
    if "\x00" in value:
        value = value.replace("\x00", "\\x00")
    if value.isascii():
        return value
    return value.encode("utf-8", "backslashreplace").decode("utf-8")
