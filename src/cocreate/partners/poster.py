"""A poster designer: palette, typography and layout as parameters, rendered to SVG.

:class:`PosterPartner` is a :class:`~cocreate.partners.parametric.ParametricPartner`
whose parameters are a design system in miniature:

* palette — background hue/saturation/lightness and two accent hues set
  relative to it (0.5 is complementary), their saturation and lightness;
  the text colour is chosen for contrast with the background;
* typography — a web-safe font family, weight, case, title size and
  letter spacing;
* layout — alignment, the title's height on the page, margins, a grid of
  ``columns`` × ``rows`` carrying a shape motif (circles, squares, stripes,
  triangles, rings, or none) at a scale, opacity and rotation.

The title is the intention's brief (its criteria become a small subtitle);
both are carried unchanged by every operator and escaped for XML. The SVG
keeps its own parameters in a ``<metadata>`` element, so the partner can
describe and adopt a poster it made.
"""

from __future__ import annotations

import colorsys
import json
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any, ClassVar
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from ..errors import InvalidContent
from ..model import Genome, Intention
from .parametric import Choice, Float, Int, ParametricPartner, ParametricSpace

__all__ = ["FONTS", "PosterPartner"]

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH, HEIGHT = 600, 848  # 1 : sqrt(2), the A-series proportion
_META_ID = "cocreate-params"

FONTS: dict[str, str] = {
    "helvetica": "Helvetica, Arial, sans-serif",
    "georgia": "Georgia, 'Times New Roman', serif",
    "courier": "'Courier New', Courier, monospace",
    "trebuchet": "'Trebuchet MS', Helvetica, sans-serif",
    "verdana": "Verdana, Geneva, sans-serif",
    "times": "'Times New Roman', Times, serif",
    "impact": "Impact, 'Arial Black', sans-serif",
    "palatino": "'Palatino Linotype', Palatino, 'Book Antiqua', serif",
}
# rough advance width of a character, in ems, per family (for wrapping the title)
_ADVANCE = {"courier": 0.6, "impact": 0.5, "verdana": 0.62, "georgia": 0.55}

SPACE = ParametricSpace(
    [
        Float("bg_hue", 0.0, 1.0, description="background hue (0 red, 1/3 green, 2/3 blue)"),
        Float("bg_saturation", 0.0, 1.0, description="background saturation"),
        Float("bg_lightness", 0.04, 0.97, description="background lightness"),
        Float("accent_shift", 0.0, 1.0, description="first accent hue, relative to background"),
        Float("accent2_shift", 0.0, 1.0, description="second accent hue, relative to background"),
        Float("accent_saturation", 0.2, 1.0, description="accent saturation"),
        Float("accent_lightness", 0.2, 0.85, description="accent lightness"),
        Choice("font", tuple(FONTS), description="font family (web-safe)"),
        Choice("weight", ("normal", "bold"), description="font weight"),
        Choice("uppercase", (False, True), description="title in capitals"),
        Float("title_size", 0.05, 0.16, description="title size, share of the width"),
        Float("letter_spacing", -0.03, 0.25, description="letter spacing, in ems"),
        Choice("align", ("left", "centre", "right"), description="title alignment"),
        Float("title_y", 0.12, 0.88, description="title height on the page (0 top, 1 bottom)"),
        Float("margin", 0.04, 0.16, description="margin, share of the width"),
        Int("columns", 1, 6, description="grid columns of the motif"),
        Int("rows", 1, 8, description="grid rows of the motif"),
        Choice(
            "motif",
            ("circles", "squares", "stripes", "triangles", "rings", "none"),
            description="shape motif",
        ),
        Float("motif_scale", 0.15, 1.0, description="motif size within its cell"),
        Float("motif_opacity", 0.15, 1.0, description="motif opacity"),
        Float("rotation", -45.0, 45.0, description="motif rotation, degrees"),
    ]
)

# XML 1.0 forbids most control characters, even escaped
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str, limit: int) -> str:
    text = _BAD_XML.sub("", str(text))
    text = re.sub(r"[\ud800-\udfff]", "", text)  # lone surrogates cannot be encoded
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _hex(h: float, s: float, lightness: float) -> str:
    r, g, b = colorsys.hls_to_rgb(h % 1.0, min(max(lightness, 0), 1), min(max(s, 0), 1))
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _luminance(hex_colour: str) -> float:
    def chan(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * chan(r) + 0.7152 * chan(g) + 0.0722 * chan(b)


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def _wrap(text: str, per_line: int, max_lines: int = 4) -> list[str]:
    words = text.split() or [""]
    lines: list[str] = []
    line = ""
    for w in words:
        while len(w) > per_line:  # a word longer than the line is cut
            if line:
                lines.append(line)
                line = ""
            lines.append(w[:per_line])
            w = w[per_line:]
        if not line:
            line = w
        elif len(line) + 1 + len(w) <= per_line:
            line += " " + w
        else:
            lines.append(line)
            line = w
    if line:
        lines.append(line)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[: max(per_line - 1, 1)].rstrip() if len(last) >= per_line else last) + "…"
    return lines


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".") if abs(x) < 1e6 else "0"


class PosterPartner(ParametricPartner):
    """An SVG poster partner (see the module docstring)."""

    name: ClassVar[str] = "poster"
    domain: ClassVar[str] = "design"
    media_type: ClassVar[str] = "image/svg+xml"
    model_id: ClassVar[str] = "parametric-poster"
    version: ClassVar[str] = "1"
    source_type: ClassVar[str] = "algorithmicMedia"
    accepts: ClassVar[tuple[str, ...]] = ("image/svg+xml",)
    space: ClassVar[ParametricSpace] = SPACE

    def fixed_from(self, intention: Intention | None) -> dict[str, Any]:
        if intention is None:
            return {"title": "Untitled", "subtitle": ""}
        title = _clean(intention.brief, 200) or "Untitled"
        subtitle = _clean(" · ".join(intention.criteria), 120)
        return {"title": title, "subtitle": subtitle}

    # -- rendering ------------------------------------------------------------------------
    def render_params(
        self, params: Mapping[str, Any], fixed: Mapping[str, Any], size: int | None
    ) -> bytes:
        p = params
        W, H = WIDTH, HEIGHT
        bg = _hex(p["bg_hue"], p["bg_saturation"], p["bg_lightness"])
        a1 = _hex(p["bg_hue"] + p["accent_shift"], p["accent_saturation"], p["accent_lightness"])
        a2 = _hex(
            p["bg_hue"] + p["accent2_shift"],
            p["accent_saturation"],
            1.0 - 0.5 * p["accent_lightness"],
        )
        dark, light = _hex(p["bg_hue"], 0.3, 0.08), _hex(p["bg_hue"], 0.2, 0.97)
        ink = dark if _contrast(bg, dark) >= _contrast(bg, light) else light

        m = p["margin"] * W
        parts: list[str] = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            f'<svg xmlns="{SVG_NS}" width="{size or W}" height="{round((size or W) * H / W)}" '
            f'viewBox="0 0 {W} {H}" role="img">',
        ]
        title = _clean(str(fixed.get("title") or "Untitled"), 200)
        subtitle = _clean(str(fixed.get("subtitle") or ""), 120)
        if p["uppercase"]:
            title = title.upper()
        parts.append(f"<title>{escape(title)}</title>")
        meta = json.dumps({"params": dict(p), "fixed": dict(fixed)}, sort_keys=True)
        parts.append(f'<metadata id="{_META_ID}">{escape(meta)}</metadata>')
        parts.append(f'<rect width="{W}" height="{H}" fill="{bg}"/>')

        # the motif grid, rotated about the page centre
        parts += self._motif(p, a1, a2, m)

        # the title
        fs = p["title_size"] * W
        adv = _ADVANCE.get(p["font"], 0.56) * (1.12 if p["uppercase"] else 1.0)
        adv += p["letter_spacing"] + (0.04 if p["weight"] == "bold" else 0.0)
        # the title size is the preferred one: shrink it until the title fits in 4 lines
        while True:
            per_line = max(4, int((W - 2 * m) / (fs * max(adv, 0.3))))
            lines = _wrap(title, per_line, max_lines=99)
            if len(lines) <= 4 or fs <= 0.03 * W:
                break
            fs *= 0.85
        lines = _wrap(title, per_line)
        anchor = {"left": "start", "centre": "middle", "right": "end"}[p["align"]]
        x = {"left": m, "centre": W / 2, "right": W - m}[p["align"]]
        lead = fs * 1.15
        block = lead * (len(lines) - 1)
        y0 = min(max(p["title_y"] * H - block / 2, m + fs), H - m - block - fs * 0.6)
        family = quoteattr(FONTS[p["font"]])
        parts.append(
            f'<text x="{_f(x)}" y="{_f(y0)}" font-family={family} font-size="{_f(fs)}" '
            f'font-weight="{p["weight"]}" letter-spacing="{p["letter_spacing"]:.3f}em" '
            f'text-anchor="{anchor}" fill="{ink}">'
        )
        for k, line in enumerate(lines):
            dy = "0" if k == 0 else _f(lead)
            parts.append(f'<tspan x="{_f(x)}" dy="{dy}">{escape(line)}</tspan>')
        parts.append("</text>")
        if subtitle:
            sy = y0 + block + fs * 0.6 + 0.035 * W
            if sy > H - m:
                sy = y0 - fs - 0.02 * W
            parts.append(
                f'<text x="{_f(x)}" y="{_f(sy)}" font-family={family} '
                f'font-size="{_f(0.032 * W)}" text-anchor="{anchor}" fill="{ink}" '
                f'opacity="0.8">{escape(subtitle)}</text>'
            )
        parts.append("</svg>")
        return ("\n".join(parts) + "\n").encode("utf-8")

    @staticmethod
    def _motif(p: Mapping[str, Any], a1: str, a2: str, m: float) -> list[str]:
        if p["motif"] == "none":
            return []
        W, H = WIDTH, HEIGHT
        cols, rows = int(p["columns"]), int(p["rows"])
        cw, ch = (W - 2 * m) / cols, (H - 2 * m) / rows
        r = 0.5 * min(cw, ch) * p["motif_scale"]
        out = [
            f'<g transform="rotate({_f(p["rotation"])} {_f(W / 2)} {_f(H / 2)})" '
            f'opacity="{p["motif_opacity"]:.3f}">'
        ]
        for i in range(cols):
            if p["motif"] == "stripes":
                x = m + i * cw + cw * (1 - p["motif_scale"]) / 2
                fill = a1 if i % 2 == 0 else a2
                out.append(
                    f'<rect x="{_f(x)}" y="{_f(m)}" width="{_f(cw * p["motif_scale"])}" '
                    f'height="{_f(H - 2 * m)}" fill="{fill}"/>'
                )
                continue
            for j in range(rows):
                cx, cy = m + (i + 0.5) * cw, m + (j + 0.5) * ch
                fill = a1 if (i + j) % 2 == 0 else a2
                if p["motif"] == "circles":
                    out.append(f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(r)}" fill="{fill}"/>')
                elif p["motif"] == "rings":
                    out.append(
                        f'<circle cx="{_f(cx)}" cy="{_f(cy)}" r="{_f(r)}" fill="none" '
                        f'stroke="{fill}" stroke-width="{_f(max(r * 0.2, 1))}"/>'
                    )
                elif p["motif"] == "squares":
                    out.append(
                        f'<rect x="{_f(cx - r)}" y="{_f(cy - r)}" width="{_f(2 * r)}" '
                        f'height="{_f(2 * r)}" fill="{fill}"/>'
                    )
                else:  # triangles
                    pts = " ".join(
                        f"{_f(cx + r * math.sin(a))},{_f(cy - r * math.cos(a))}"
                        for a in (0.0, 2 * math.pi / 3, 4 * math.pi / 3)
                    )
                    out.append(f'<polygon points="{pts}" fill="{fill}"/>')
        out.append("</g>")
        return out

    # -- reading a poster back -----------------------------------------------------------
    @staticmethod
    def _read(content: bytes) -> dict[str, Any] | None:
        if not content or len(content) > 4_000_000 or b"<!ENTITY" in content[:4096]:
            return None
        try:
            root = ET.fromstring(content)
        except (ET.ParseError, ValueError):
            return None
        meta = root.find(f"{{{SVG_NS}}}metadata[@id='{_META_ID}']")
        if meta is None or not meta.text:
            return None
        try:
            data = json.loads(meta.text)
        except ValueError:
            return None
        return data if isinstance(data, dict) and isinstance(data.get("params"), dict) else None

    def params_from_content(self, content: bytes) -> dict[str, Any] | None:
        data = self._read(content)
        return None if data is None else data["params"]

    def adopt(self, content: bytes, media_type: str, rng: np.random.Generator) -> Genome:
        if media_type not in self.accepts:
            raise InvalidContent(f"the poster partner cannot start from {media_type}")
        data = self._read(content)
        if data is None:
            raise InvalidContent("not a poster this partner made (no readable parameters)")
        fixed = data.get("fixed") if isinstance(data.get("fixed"), dict) else {}
        return self.validate(self._genome(data["params"], fixed))
