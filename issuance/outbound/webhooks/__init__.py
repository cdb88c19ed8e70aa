"""Outbound webhooks: Laurel's events, signed with Standard Webhooks, to the URLs organisations subscribe."""
