"""Signals other apps listen to without delivery importing them."""

from django.dispatch import Signal

# Sent with `message` (the OutboxMessage) and `result` (a DeliveryResult) whenever a row reaches
# failed, bounced, complained or suppressed, whoever moved it there: a send, the sweep, a tracking
# webhook. The pipeline parks the issuance; receivers must be idempotent (it can arrive twice).
outbox_message_failed = Signal()
