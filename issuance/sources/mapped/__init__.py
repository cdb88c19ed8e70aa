"""The mapped dialect: a sender connected by a mapping (JSON) instead of a module, and the presets shipped with Laurel."""
