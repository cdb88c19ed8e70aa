"""Version 1 of the API: the completion webhook and the staff view of events."""
