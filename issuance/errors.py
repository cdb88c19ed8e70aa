"""The one error type pipeline steps raise, saying whether trying again could help."""


class StepFailed(Exception):
    """A step could not finish. `permanent` failures park the issuance at once; others are retried."""

    def __init__(self, message: str, *, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


class ClaimLost(Exception):
    """Another worker took this issuance over (our lease ran out); our work is rolled back."""


class StepWaiting(Exception):
    """The step's outside effect is in hand elsewhere (an email queued in the outbox): look again at `retry_at`.

    Waiting is not failing: it does not count towards the attempts that park an issuance.
    """

    def __init__(self, message: str, *, retry_at):
        super().__init__(message)
        self.retry_at = retry_at
