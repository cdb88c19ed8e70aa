"""A sentence of Laurel's kept with its values, so the verify page can say it in its visitor's language while the
API, the logs and every other caller read it in English."""

from dataclasses import dataclass, field

from django.utils.translation import gettext


@dataclass(frozen=True)
class Sentence:
    """`message` is marked with gettext_noop where it is written; a value may itself be a Sentence."""

    message: str
    params: dict = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message % {key: str(value) for key, value in self.params.items()} if self.params else self.message

    def translated(self) -> str:
        """The sentence in the active language (English when none is), each value put in by name, never concatenated."""
        if not self.params:
            return gettext(self.message)
        return gettext(self.message) % {key: value.translated() if isinstance(value, Sentence) else value
                                        for key, value in self.params.items()}
