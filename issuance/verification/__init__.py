"""Verifying a presented file for anyone (/verify, POST /api/v1/verify): read it within bounds, check its credential."""
