"""Programmes in the pipeline: who satisfies one, awarding it once, and following a constituent's revocation."""
