#!/usr/bin/env python
"""Laurel's command-line entry point."""
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "credentials_site.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as exc:
        # Unsafe or invalid settings: one line that names the variable, not a traceback.
        sys.exit(f"laurel: refusing to start: {exc}")


if __name__ == "__main__":
    main()
