"""Signals after issue: a credential's status changed (revoked, suspended, restored, expired).

Sent inside the transaction that changed it, so a receiver's writes commit or roll back with it.
Programmes follow their constituents through it (`issuance/programmes/policy.py`, connected in
`IssuanceConfig.ready`).
"""

from django.dispatch import Signal

# kwargs: credential, from_status, to_status, reason
credential_status_changed = Signal()
