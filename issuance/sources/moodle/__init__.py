"""Moodle: the webhook plugin's events, polling Moodle, and the web-services client both use."""
