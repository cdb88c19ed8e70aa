"""A model field for a secret Laurel must use again (a source's signing secret): encrypted at rest with the key
encryption key, as connections' secrets and signing keys are (`secret_encrypt`, courses/keys/crypto.py).

Python reads and writes the text; the database holds only its Fernet token, a new one at every save. So a
query can ask whether one is set (`""` stays `""`), never what it is.
"""

import json

from django.db import models

from .crypto import secret_decrypt, secret_encrypt


class EncryptedSecretField(models.TextField):
    description = "Text encrypted at rest with LAUREL_KEY_ENCRYPTION_KEY"

    def from_db_value(self, value, expression, connection):
        if not value:
            return value
        return secret_decrypt(token=value)

    def get_prep_value(self, value):
        value = models.Field.get_prep_value(self, value)  # not TextField's: its to_python is a subclass's to undo
        if not value:
            return value
        return secret_encrypt(text=str(value))


class EncryptedJSONField(EncryptedSecretField):
    """A dict of secrets (a source's secret settings: a web-services token, an API token) kept as one encrypted
    JSON text; an empty dict is stored as an empty string."""

    description = "A JSON object encrypted at rest with LAUREL_KEY_ENCRYPTION_KEY"

    def from_db_value(self, value, expression, connection):
        return json.loads(super().from_db_value(value, expression, connection) or "{}")

    def get_prep_value(self, value):
        if isinstance(value, str):  # a lookup or default given as text
            value = json.loads(value or "{}")
        return super().get_prep_value(json.dumps(value, sort_keys=True) if value else "")

    def to_python(self, value):
        if isinstance(value, str):
            return json.loads(value or "{}")
        return value

    def value_to_string(self, obj):
        return json.dumps(self.value_from_object(obj))
