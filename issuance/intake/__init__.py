"""Intake: receiving completions (webhook, CSV), validating them, and the exception queue."""
