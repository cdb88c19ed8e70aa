"""A badge image drawn in the organisation's colours, for achievements that have no image of their own."""

import io
import math
from functools import cache
from pathlib import Path

from django.conf import settings
from PIL import Image, ImageDraw, ImageFont

SIZE = 600
_SCALE = 2  # drawn at twice the size, then scaled down: smooth edges without an anti-aliasing library
FONTS = Path(settings.BASE_DIR) / "static" / "fonts"


@cache
def _font(name: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / name), size)


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return tuple(int(value[i : i + 2], 16) for i in (0, 2, 4))


def _mix(colour, other, share: float):
    return tuple(round(a + (b - a) * share) for a, b in zip(colour, other))


def _leaf(cx: float, cy: float, length: float, width: float, angle: float) -> list[tuple[float, float]]:
    points = []
    for side in (1, -1):
        for step in range(13):
            t = step / 12 if side == 1 else 1 - step / 12
            x, y = (t - 0.5) * length, side * width / 2 * math.sin(math.pi * t)
            points.append((cx + x * math.cos(angle) - y * math.sin(angle), cy + x * math.sin(angle) + y * math.cos(angle)))
    return points


def _laurel(draw: ImageDraw.ImageDraw, centre: float, radius: float, colour) -> None:
    """Two sprays of leaves climbing the lower half of the disc, like a laurel wreath."""
    for mirror in (1, -1):
        for step in range(7):
            theta = math.radians(105 + step * 19)
            x, y = centre + mirror * radius * math.cos(theta), centre + radius * math.sin(theta)
            tangent = theta + math.pi / 2 if mirror == 1 else math.pi - theta - math.pi / 2
            draw.polygon(_leaf(x, y, 46 * _SCALE, 17 * _SCALE, tangent + mirror * 0.45), fill=colour)


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if not line or font.getlength(candidate) <= width:
            line = candidate
        else:
            lines.append(line)
            line = word
    return lines + ([line] if line else [])


def _title_lines(title: str, width: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    for size in range(64, 26, -4):
        font = _font("NotoSerif-Bold.ttf", size * _SCALE)
        lines = _wrap(title, font, width)
        if len(lines) <= 3 and all(font.getlength(line) <= width for line in lines):
            return font, lines
    font = _font("NotoSerif-Bold.ttf", 26 * _SCALE)
    lines = _wrap(title, font, width)[:3]
    return font, lines[:2] + [lines[2][:18] + "…"] if len(lines) == 3 else lines


def badge_image_render(*, title: str, organization_name: str, primary: str, accent: str) -> bytes:
    size = SIZE * _SCALE
    centre = size / 2
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    primary_rgb, accent_rgb = _rgb(primary), _rgb(accent)
    white = (255, 255, 255)
    draw.ellipse([4 * _SCALE, 4 * _SCALE, size - 4 * _SCALE, size - 4 * _SCALE], fill=accent_rgb)
    inset = 26 * _SCALE
    draw.ellipse([inset, inset, size - inset, size - inset], fill=primary_rgb)
    ring = 44 * _SCALE
    draw.ellipse([ring, ring, size - ring, size - ring], outline=_mix(accent_rgb, primary_rgb, 0.35), width=3 * _SCALE)
    _laurel(draw, centre, 205 * _SCALE, _mix(accent_rgb, primary_rgb, 0.15))

    font, lines = _title_lines(title, 330 * _SCALE)
    line_height = font.size * 1.18
    top = centre - 20 * _SCALE - line_height * len(lines) / 2
    for number, line in enumerate(lines):
        draw.text((centre, top + line_height * (number + 0.5)), line, font=font, fill=white, anchor="mm")
    name = organization_name.upper()
    for caption_size in (22, 19, 16):
        caption = _font("NotoSans-SemiBold.ttf", caption_size * _SCALE)
        if caption.getlength(name) <= 300 * _SCALE:
            break
    while caption.getlength(name) > 300 * _SCALE and len(name) > 4:
        name = name[:-2].rstrip() + "…"
    rule_y = top + line_height * len(lines) + 22 * _SCALE
    draw.line([centre - 40 * _SCALE, rule_y, centre + 40 * _SCALE, rule_y], fill=accent_rgb, width=3 * _SCALE)
    draw.text((centre, rule_y + 30 * _SCALE), name, font=caption, fill=_mix(white, accent_rgb, 0.25), anchor="mm")

    out = io.BytesIO()
    image.resize((SIZE, SIZE), Image.LANCZOS).save(out, format="PNG", optimize=True)
    return out.getvalue()
