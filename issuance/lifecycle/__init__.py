"""A credential after it is issued: expiry, renewal reminders, renewal, and the gates on bulk sends."""
