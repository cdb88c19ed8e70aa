"""Laurel's own date formats per language (settings.FORMAT_MODULE_PATH); a language not here keeps Django's."""
