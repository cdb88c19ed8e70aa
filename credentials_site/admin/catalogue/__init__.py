"""The catalogue in the admin: organisations, courses, rules, achievements, memberships, API keys, signing keys."""

from credentials_site.admin.catalogue import api_keys, courses, programmes, rules, sign_in_rules, user_tokens  # noqa: F401  (registers the model admins)
