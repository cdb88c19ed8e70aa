"""Organisations' signing keys: Ed25519 crypto and encryption at rest, rotation, and their admin."""
