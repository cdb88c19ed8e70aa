"""Step 6, deliver: emails go through the outbox, are sent once, and their fate is recorded.

The pipeline calls `issuance.delivery.sending.delivery_send_credential_email` and
`delivery_send_still_needed_email`; both return a `results.DeliveryResult`.
"""
