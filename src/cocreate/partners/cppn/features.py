"""Image features for learning taste, computed from pixels, and reading uploads.

Every feature is computed on a 64 × 64 sRGB image (a genome's preview is
rendered at 128 × 128 and box-averaged down; an upload is box-resized to
64 × 64, ignoring its aspect ratio), is finite, and lies in [0, 1]:

Colour, in OKLab (L lightness, a green–red, b blue–yellow, C chroma, h hue):

* ``lightness_mean`` — mean L.
* ``lightness_std`` — standard deviation of L, × 2.
* ``a_mean``, ``b_mean`` — mean a and b, mapped to [0, 1] around 0.5 (neutral).
* ``a_std``, ``b_std`` — standard deviations of a and b, / 0.3.
* ``chroma_mean``, ``chroma_std`` — mean and standard deviation of C, / 0.33 and / 0.17.
* ``hue_cos``, ``hue_sin`` — the chroma-weighted circular mean hue as (cos, sin) mapped to [0, 1].
* ``hue_concentration`` — length of that mean resultant: 1 for one hue, 0 for hues all around.
* ``warmth`` — 0.5 + mean chroma along the warm (orange, 55°) – cool (blue) axis / 0.6.

Composition:

* ``symmetry_lr``, ``symmetry_tb``, ``symmetry_rot90`` — 1 minus the mean absolute OKLab
  difference between the image and its left-right mirror, top-bottom mirror and quarter
  turn, relative to twice the mean deviation from the mean colour (1: symmetric;
  about 0.3: unrelated halves; 0: opposite).
* ``complexity`` — PNG-compressed size (level 9) / raw size of the 64 × 64 RGB image.
* ``entropy`` — Shannon entropy of L in 32 bins / 5 bits.
* ``edge_density`` — share of pixels whose Sobel gradient of L exceeds 0.25.
* ``gradient_mean`` — mean Sobel gradient magnitude of L / 0.5.
* ``orientation_cos``, ``orientation_sin``, ``orientation_strength`` — the dominant
  gradient orientation: the magnitude-weighted circular mean of doubled gradient angles
  (the first moment of the orientation histogram) as (cos, sin) mapped to [0, 1], and
  its resultant length (0: no preferred orientation, 1: all one way).
* ``freq_centroid`` — centroid of the radial power spectrum of the Hann-windowed L, in
  cycles per pixel / 0.5 (0: smooth, 1: pixel-scale detail).
* ``freq_high`` — share of spectral power above 0.25 cycles per pixel.
"""

from __future__ import annotations

import io
import math
import warnings
from collections.abc import Callable

import numpy as np
from PIL import Image

from ...errors import ContentTooLarge, InvalidContent
from ...media import sniff

SIZE = 64
"""Side of the image the features are computed on."""

FEATURE_NAMES: tuple[str, ...] = (
    "lightness_mean",
    "lightness_std",
    "a_mean",
    "a_std",
    "b_mean",
    "b_std",
    "chroma_mean",
    "chroma_std",
    "hue_cos",
    "hue_sin",
    "hue_concentration",
    "warmth",
    "symmetry_lr",
    "symmetry_tb",
    "symmetry_rot90",
    "complexity",
    "entropy",
    "edge_density",
    "gradient_mean",
    "orientation_cos",
    "orientation_sin",
    "orientation_strength",
    "freq_centroid",
    "freq_high",
)

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
MAX_UPLOAD_PIXELS = 40_000_000
ACCEPTS = ("image/png", "image/jpeg")
_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG"}


# -- reading uploads ---------------------------------------------------------------


def read_upload(content: bytes, media_type: str | None = None) -> Image.Image:
    """Decode a person's PNG or JPEG into an RGB image, refusing anything doubtful.

    Raises ``InvalidContent`` naming the problem: not bytes, empty, over
    25 MB, not a PNG/JPEG (or not the declared type), over 40 megapixels
    (decompression bombs), or damaged. Transparency is flattened onto white.
    """
    if not isinstance(content, bytes | bytearray | memoryview):
        raise InvalidContent(f"an image must be bytes, not {type(content).__name__}")
    content = bytes(content)
    if not content:
        raise InvalidContent("the image is empty")
    if len(content) > MAX_UPLOAD_BYTES:
        raise ContentTooLarge(
            f"the image is {len(content):,} bytes, over the limit of {MAX_UPLOAD_BYTES:,}"
        )
    found = sniff(content[:16])
    if found not in ACCEPTS:
        raise InvalidContent(
            f"the content is not a PNG or JPEG image (it looks like {found or 'unknown data'})"
        )
    if media_type is not None and media_type != found:
        if media_type not in ACCEPTS:
            raise InvalidContent(f"unsupported media type {media_type!r} (accepted: PNG, JPEG)")
        raise InvalidContent(f"the content is declared {media_type} but is {found}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(content), formats=[_FORMATS[found]]) as probe:
                w, h = probe.size
                if w * h > MAX_UPLOAD_PIXELS:
                    raise ContentTooLarge(
                        f"the image is {w} × {h} = {w * h:,} pixels, over the limit of "
                        f"{MAX_UPLOAD_PIXELS:,} (a decompression bomb?)"
                    )
                probe.verify()
            image = Image.open(io.BytesIO(content), formats=[_FORMATS[found]])
            image.load()
    except InvalidContent:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InvalidContent(f"the image is too large to decode safely: {exc}") from None
    except Exception as exc:  # Pillow raises many kinds for damaged files
        raise InvalidContent(f"the image cannot be decoded: {exc}") from None
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def thumbnail(image: Image.Image) -> np.ndarray:
    """The SIZE × SIZE × 3 uint8 box-averaged thumbnail of an RGB image."""
    return np.asarray(image.resize((SIZE, SIZE), Image.Resampling.BOX), dtype=np.uint8)


def downsample(rgb: np.ndarray, factor: int) -> np.ndarray:
    """Box-average an (H, W, 3) uint8 image by an integer factor."""
    h, w, _ = rgb.shape
    blocks = rgb.reshape(h // factor, factor, w // factor, factor, 3).astype(np.float32)
    return np.rint(blocks.mean(axis=(1, 3))).astype(np.uint8)


def halve(planes: np.ndarray) -> np.ndarray:
    """Box-average (..., H, W) uint8 planes by two: :func:`downsample`'s numbers, from
    integer sums (a sum of four bytes over 4 is exact in float32, so the rounding is too)."""
    s = planes[..., 0::2, :].astype(np.uint16)
    s += planes[..., 1::2, :]
    s = s[..., 0::2] + s[..., 1::2]
    return np.rint(s * np.float32(0.25)).astype(np.uint8)


# -- colour -------------------------------------------------------------------------

_M1 = np.array(
    [
        [0.4122214708, 0.5363325363, 0.0514459929],
        [0.2119034982, 0.6806995451, 0.1073969566],
        [0.0883024619, 0.2817188376, 0.6299787005],
    ]
)
_M2 = np.array(
    [
        [0.2104542553, 0.7936177850, -0.0040720468],
        [1.9779984951, -2.4285922050, 0.4505937099],
        [0.0259040371, 0.7827717662, -0.8086757660],
    ]
)


def _linear_table() -> np.ndarray:
    c = np.arange(256, dtype=np.float64) / 255.0
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


_LINEAR = _linear_table()
"""Linear light of each sRGB byte: a lookup, where a power per channel of each pixel was."""


def oklab(rgb: np.ndarray) -> np.ndarray:
    """OKLab (L, a, b) of uint8 sRGB pixels, shape (..., 3)."""
    lms = np.cbrt(_LINEAR[rgb] @ _M1.T)
    return lms @ _M2.T


def rgb_to_hsv(rgb: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """HSV planes (hue in turns) of uint8 sRGB pixels."""
    c = rgb.astype(np.float64) / 255.0
    r, g, b = c[..., 0], c[..., 1], c[..., 2]
    v = c.max(axis=-1)
    span = v - c.min(axis=-1)
    s = np.where(v > 0, span / np.maximum(v, 1e-12), 0.0)
    safe = np.maximum(span, 1e-12)
    h = np.where(
        v == r, ((g - b) / safe) % 6.0, np.where(v == g, (b - r) / safe + 2.0, (r - g) / safe + 4.0)
    )
    h = np.where(span > 0, h / 6.0, 0.0)
    return h, s, v


def colour_stats(rgb: np.ndarray) -> dict[str, float]:
    """HSV statistics used to fit a palette: circular mean hue and its concentration
    (weighted by saturation × value), mean saturation, mean and std of value."""
    h, s, v = rgb_to_hsv(rgb)
    weight = s * v
    total = float(weight.sum())
    z = complex(
        float((weight * np.cos(2 * np.pi * h)).sum()), float((weight * np.sin(2 * np.pi * h)).sum())
    )
    return {
        "hue": (math.atan2(z.imag, z.real) / (2 * math.pi)) % 1.0 if total > 1e-9 else 0.0,
        "hue_concentration": abs(z) / total if total > 1e-9 else 0.0,
        "saturation": float(s.mean()),
        "value": float(v.mean()),
        "value_std": float(v.std()),
    }


# -- features -----------------------------------------------------------------------


def _mean(x: np.ndarray) -> np.ndarray:
    """Mean over each picture of a batch (all axes but the first)."""
    return x.reshape(len(x), -1).mean(axis=1)


def _circular(angles: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, ...]:
    """Per picture: (cos, sin) of the weighted circular mean mapped to [0, 1], and its
    resultant length; (0.5, 0.5, 0) where there is no weight or no preferred direction."""
    total = weights.reshape(len(weights), -1).sum(axis=1)
    some = total > 1e-12
    safe = np.where(some, total, 1.0)
    c = (weights * np.cos(angles)).reshape(len(weights), -1).sum(axis=1) / safe
    s = (weights * np.sin(angles)).reshape(len(weights), -1).sum(axis=1) / safe
    r = np.array([math.hypot(x, y) for x, y in zip(c, s, strict=True)])
    ok = some & (r > 1e-12)
    r_safe = np.where(ok, r, 1.0)
    return (
        np.where(ok, 0.5 + 0.5 * c / r_safe, 0.5),
        np.where(ok, 0.5 + 0.5 * s / r_safe, 0.5),
        np.where(ok, r, 0.0),
    )


def _distance(planes: tuple[np.ndarray, ...], others: tuple[np.ndarray, ...]) -> np.ndarray:
    """Per picture, the mean over pixels of the summed absolute OKLab differences (the
    channels added in order, as a sum over the last axis adds them: faster on planes)."""
    (L, a, b), (L2, a2, b2) = planes, others
    d = np.abs(L - L2)
    d += np.abs(a - a2)
    d += np.abs(b - b2)
    return _mean(d)


def _symmetry(planes: tuple[np.ndarray, ...], turned: Callable, spread: np.ndarray) -> np.ndarray:
    other = tuple(turned(x) for x in planes)
    return 1.0 - _distance(planes, other) / (2.0 * spread + 1e-3)


def _png_ratio(rgb: np.ndarray) -> float:
    buf = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buf, "PNG", compress_level=9)
    return len(buf.getvalue()) / rgb.size


def _sobel(planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = np.pad(planes, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gx = (p[:, :-2, 2:] + 2 * p[:, 1:-1, 2:] + p[:, 2:, 2:]) - (
        p[:, :-2, :-2] + 2 * p[:, 1:-1, :-2] + p[:, 2:, :-2]
    )
    gy = (p[:, :-2, :-2] + 2 * p[:, :-2, 1:-1] + p[:, :-2, 2:]) - (
        p[:, 2:, :-2] + 2 * p[:, 2:, 1:-1] + p[:, 2:, 2:]
    )
    return gx / 4.0, gy / 4.0  # gy points up


_WINDOW = np.outer(np.hanning(SIZE), np.hanning(SIZE))
_RADIUS = np.hypot(np.fft.fftfreq(SIZE)[:, None], np.fft.fftfreq(SIZE)[None, :])
_HIGH = np.flatnonzero(_RADIUS > 0.25)


def _spectrum(planes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    g = len(planes)
    centred = planes - _mean(planes)[:, None, None]
    power = np.abs(np.fft.fft2(centred * _WINDOW)) ** 2
    total = power.reshape(g, -1).sum(axis=1)
    some = total > 1e-12
    safe = np.where(some, total, 1.0)
    centroid = (_RADIUS * power).reshape(g, -1).sum(axis=1) / safe / 0.5
    high = np.ascontiguousarray(power.reshape(g, -1)[:, _HIGH]).sum(axis=1) / safe
    return np.where(some, centroid, 0.0), np.where(some, high, 0.0)


def _entropy(lightness: np.ndarray) -> np.ndarray:
    """Shannon entropy of each picture's L in 32 bins of [0, 1] / 5 bits.

    The bins are ``np.histogram``'s: ``32 · L`` is exact, so its floor is the bin (the
    last bin keeps L = 1).
    """
    g = len(lightness)
    bins = np.minimum((np.clip(lightness, 0.0, 1.0) * 32.0).astype(np.intp), 31)
    bins = bins.reshape(g, -1) + 32 * np.arange(g)[:, None]
    out = np.empty(g)
    for k, counts in enumerate(np.bincount(bins.ravel(), minlength=32 * g).reshape(g, 32)):
        p = counts[counts > 0] / counts.sum()
        out[k] = -(p * np.log2(p)).sum() / 5.0
    return out


def features_many(rgb: np.ndarray) -> np.ndarray:
    """The feature vectors (see the module docstring), shape (len, 24), of a batch of
    SIZE × SIZE × 3 uint8 images, shape (len, SIZE, SIZE, 3).

    Every step works on the whole batch, so a round's pool costs a few array operations
    per feature rather than a few per feature per picture; only the compressed size is
    taken picture by picture.
    """
    rgb = np.asarray(rgb)
    g = len(rgb)
    if g == 0:
        return np.empty((0, len(FEATURE_NAMES)))
    lab = oklab(rgb)
    L, a, b = planes = tuple(np.ascontiguousarray(lab[..., k]) for k in range(3))
    chroma = np.hypot(a, b)
    hue = np.arctan2(b, a)
    hue_cos, hue_sin, hue_conc = _circular(hue, chroma)
    warmth = 0.5 + _mean(chroma * np.cos(hue - math.radians(55.0))) / 0.6

    mean_colour = lab.reshape(g, -1, 3).mean(axis=1)
    spread = _distance(planes, tuple(mean_colour[:, k, None, None] for k in range(3)))
    sym_lr = _symmetry(planes, lambda x: x[:, :, ::-1], spread)
    sym_tb = _symmetry(planes, lambda x: x[:, ::-1, :], spread)
    sym_rot = _symmetry(planes, lambda x: np.rot90(x, axes=(1, 2)), spread)

    gx, gy = _sobel(L)
    magnitude = np.hypot(gx, gy)
    orient_cos, orient_sin, orient_strength = _circular(2.0 * np.arctan2(gy, gx), magnitude)
    centroid, high = _spectrum(L)

    flat_l, flat_a, flat_b = (x.reshape(g, -1) for x in (L, a, b))
    values = np.stack(
        [
            flat_l.mean(axis=1),
            2.0 * flat_l.std(axis=1),
            0.5 + flat_a.mean(axis=1) / 0.6,
            flat_a.std(axis=1) / 0.3,
            0.5 + flat_b.mean(axis=1) / 0.7,
            flat_b.std(axis=1) / 0.3,
            _mean(chroma) / 0.33,
            chroma.reshape(g, -1).std(axis=1) / 0.17,
            hue_cos,
            hue_sin,
            hue_conc,
            warmth,
            sym_lr,
            sym_tb,
            sym_rot,
            np.array([_png_ratio(x) for x in rgb]),
            _entropy(L),
            _mean(magnitude > 0.25),
            _mean(magnitude) / 0.5,
            orient_cos,
            orient_sin,
            orient_strength,
            centroid,
            high,
        ],
        axis=1,
    )
    return np.clip(np.nan_to_num(values), 0.0, 1.0)


def features(rgb: np.ndarray) -> np.ndarray:
    """The feature vector (see the module docstring) of a SIZE × SIZE × 3 uint8 image."""
    return features_many(np.asarray(rgb)[None])[0]
