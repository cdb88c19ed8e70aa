"""Presets: mappings shipped with Laurel as JSON files in presets/, one per system; adding a system is one file.

A preset file holds `mapping` (the shape of docs/lms/mapped.md) and `settings`: each setting either
`sets` mapping keys (by their dotted place in the mapping, `{value}` standing for what staff give) or
offers `choices`, each a part of the mapping to put in place (LearnWorlds' static token or HMAC).
"""

import copy
import json
import re
from functools import cache
from pathlib import Path

from ..settings_schema import SettingsError
from .mapping import MappingError, mapping_clean

PRESETS_DIR = Path(__file__).parent / "presets"
SAFE_VALUE = re.compile(r"^[^\[\]\n]{1,120}$")


def preset_names() -> list[str]:
    return sorted(path.stem for path in PRESETS_DIR.glob("*.json"))


@cache
def _preset_file(name: str) -> dict:
    return json.loads((PRESETS_DIR / f"{name}.json").read_text(encoding="utf-8"))


def preset_get(name: str) -> dict:
    if name not in preset_names():
        raise SettingsError(f"No preset {name!r}; presets: {', '.join(preset_names())}.")
    return copy.deepcopy(_preset_file(name))


def _put(mapping: dict, place: str, value) -> None:
    *parents, last = place.split(".")
    target = mapping
    for key in parents:
        if key in target and target[key] is None:
            return  # a part the preset's choices turned off: its details have nothing to set
        target = target.setdefault(key, {})
    target[last] = value


def preset_mapping(name: str, settings: dict | None = None) -> dict:
    """The preset's mapping with `settings` applied, validated; SettingsError naming a bad or unknown setting."""
    preset = preset_get(name)
    declared = preset.get("settings", {})
    unknown = sorted(set(settings or {}) - set(declared))
    if unknown:
        raise SettingsError(f"Unknown setting {', '.join(unknown)} for the {name} preset; its settings: {', '.join(declared) or 'none'}.")
    mapping = preset["mapping"]
    for key, spec in declared.items():
        value = (settings or {}).get(key, spec.get("default"))
        if value in (None, ""):
            continue
        value = str(value).strip()
        if "choices" in spec:
            if value not in spec["choices"]:
                raise SettingsError(f"{key} must be one of {', '.join(spec['choices'])}, not {value!r}.")
            for place, part in spec["choices"][value].items():
                _put(mapping, place, part)
            continue
        if not SAFE_VALUE.match(value):
            raise SettingsError(f"{key} must be a field's name or reference (no brackets), not {value!r}.")
        for place, template in spec["sets"].items():
            _put(mapping, place, template.replace("{value}", value))
    try:
        return mapping_clean(mapping)
    except MappingError as exc:
        raise SettingsError(f"The {name} preset with these settings is not valid: " + "; ".join(exc.errors)) from None
