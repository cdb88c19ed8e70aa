"""Canvas: Live Events pushed as signed JWTs, the key set that verifies them, and polling Canvas REST."""
