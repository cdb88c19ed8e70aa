"""Laurel's REST API, one folder per version."""
