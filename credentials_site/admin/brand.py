"""Whether an organisation's logo will be seen on the band of its primary colour (emails, public page)."""

from PIL import Image, UnidentifiedImageError

# WCAG's minimum contrast for large graphics and user-interface parts.
MIN_CONTRAST = 3.0


def _luminance(rgb: tuple[int, int, int]) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    light, dark = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def hex_rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))


def logo_ink(image: Image.Image) -> tuple[int, int, int] | None:
    """The average colour of the logo's visible pixels (its ink), or None for a fully transparent image."""
    rgba = image.convert("RGBA")
    rgba.thumbnail((128, 128))
    raw = rgba.tobytes()
    visible = [tuple(raw[i:i + 3]) for i in range(0, len(raw), 4) if raw[i + 3] >= 128]
    if not visible:
        return None
    return tuple(round(sum(p[i] for p in visible) / len(visible)) for i in range(3))


def logo_contrast_warning(organization) -> str | None:
    """A sentence for staff when the logo's ink is too close to the band's colour, or None."""
    try:
        with organization.logo.open("rb") as file, Image.open(file) as image:
            ink = logo_ink(image)
    except (OSError, UnidentifiedImageError, ValueError):
        return "The logo could not be read as an image; emails will show the organisation's name instead until it is replaced."
    if ink is None:
        return None
    ratio = contrast_ratio(ink, hex_rgb(organization.primary_color))
    if ratio >= MIN_CONTRAST:
        return None
    return (f"The logo may be hard to see on the primary colour (contrast {ratio:.1f}:1; at least {MIN_CONTRAST:.0f}:1 is "
            "recommended). Upload a version in white or a light colour, or choose a darker primary colour.")
