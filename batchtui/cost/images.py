"""Image inputs: their size from a ``data:`` URL's first bytes, and their cost in tokens.

Sizes are read from the headers of PNG, JPEG, GIF and WebP (the formats the API accepts),
decoding only the base64 characters that hold them: a JPEG's segments are walked by decoding
small windows at computed offsets, so a 10 MB image costs a few kilobytes of work.

The token formulas are OpenAI's, from the guide "Images and vision"
(https://developers.openai.com/api/docs/guides/images-vision), sections "Model sizing behavior"
and "Calculating costs" (text as of 2026):

* **Tile formula** (gpt-4o, gpt-4.1, gpt-4.5, gpt-4o-mini, gpt-5, o1, o3, computer-use):
  ``detail: low`` costs the base tokens; ``high`` (and ``auto``) scales the image to fit in
  2048x2048, then so that its shortest side is 768 px (never up), counts the 512-px tiles that
  cover it and costs ``base + tile * tiles``. Base/tile: gpt-5 70/140; 4o, 4.1, 4.5 85/170;
  4o-mini 2833/5667; o1, o1-pro, o3 75/150; computer-use-preview 65/129. Worked examples:
  1024x1024 high on gpt-4o is 765, 2048x4096 high is 1105, any size low is 85.
* **Patch formula** (gpt-4.1-mini/nano, o4-mini, gpt-5-mini/nano, gpt-5.2, gpt-5.4...): the image
  is scaled to fit the model's maximum dimension, then, if it needs more 32-px patches than the
  model's budget, shrunk by ``sqrt(32² * budget / (w * h))`` adjusted so that it fits in whole
  patches; the patch count (capped at the budget) times the model's multiplier is the token
  count. Budgets: 1536 patches / 2048 px; gpt-5.4 and gpt-5.5 2500 / 2048 px at ``high`` and
  10000 / 6000 px at ``original`` (``auto`` is ``high`` on gpt-5.4, ``original`` on gpt-5.5).
  Multipliers: gpt-4.1-mini, gpt-5-mini, gpt-5.4-mini 1.62; gpt-4.1-nano, gpt-5-nano,
  gpt-5.4-nano 2.46; o4-mini 1.72; 1 where the guide lists none. Worked examples: 1024x1024 is
  1024 patches, 1800x2400 is 1452.

Where the guide is silent the estimate leans high, and says so: ``auto`` counts as ``high``
on tile models (the model may pick ``low``); ``low`` on a patch model counts like ``high``
(the guide gives no low rule for them; forum measurements found ``low`` has no effect there);
the multiplied count is rounded to the nearest token. A model the guide does not list is
counted with gpt-4o's tile formula and marked as assumed.
"""

from __future__ import annotations

import base64
import binascii
import math
import struct
from dataclasses import dataclass

# How many base64 characters are decoded at a time while looking for a header.
_WINDOW_CHARS = 4096
# Give up on a JPEG whose size marker is not found within this many decoded bytes.
_JPEG_SCAN_LIMIT = 4 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class ImageSize:
    format: str  # "png", "jpeg", "gif", "webp"
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class TileRule:
    base: int
    tile: int


@dataclass(frozen=True, slots=True)
class PatchRule:
    multiplier: float
    budget: int = 1536
    max_dim: int = 2048
    original_budget: int | None = None  # models with a ``detail: original`` level
    original_max_dim: int | None = None
    auto_is_original: bool = False


ImageRule = TileRule | PatchRule

_GPT4O = TileRule(85, 170)
# Longest model-name prefix wins ("gpt-4o-mini" before "gpt-4o"); a name matches a prefix when
# it equals it or continues with "-" (dated snapshots such as gpt-4o-2024-08-06).
RULES: dict[str, ImageRule] = {
    "gpt-5": TileRule(70, 140),
    "gpt-5-chat-latest": TileRule(70, 140),
    "gpt-4o": _GPT4O,
    "chatgpt-4o-latest": _GPT4O,
    "gpt-4.1": _GPT4O,
    "gpt-4.5": _GPT4O,
    "gpt-4.5-preview": _GPT4O,
    "gpt-4o-mini": TileRule(2833, 5667),
    "o1": TileRule(75, 150),
    "o1-pro": TileRule(75, 150),
    "o3": TileRule(75, 150),
    "computer-use-preview": TileRule(65, 129),
    "gpt-4.1-mini": PatchRule(1.62),
    "gpt-4.1-nano": PatchRule(2.46),
    "o4-mini": PatchRule(1.72),
    "gpt-5-mini": PatchRule(1.62),
    "gpt-5-nano": PatchRule(2.46),
    "gpt-5.4-mini": PatchRule(1.62),
    "gpt-5.4-nano": PatchRule(2.46),
    "gpt-5.2": PatchRule(1.0),
    "gpt-5.2-codex": PatchRule(1.0),
    "gpt-5.2-chat-latest": PatchRule(1.0),
    "gpt-5.3-codex": PatchRule(1.0),
    "gpt-5-codex-mini": PatchRule(1.0),
    "gpt-5.1-codex-mini": PatchRule(1.0),
    "gpt-5.4": PatchRule(1.0, 2500, 2048, 10000, 6000),
    "gpt-5.5": PatchRule(1.0, 2500, 2048, 10000, 6000, auto_is_original=True),
}
_BY_LENGTH = sorted(RULES, key=len, reverse=True)


def rule_for(model: str) -> tuple[ImageRule, bool]:
    """The image rule for ``model`` and whether it is assumed (the guide does not list it)."""
    name = model.lower()
    if name.startswith("ft:"):
        name = name[3:].split(":", 1)[0]
    for prefix in _BY_LENGTH:
        if name == prefix or name.startswith(prefix + "-"):
            return RULES[prefix], False
    return _GPT4O, True


def tile_tokens(width: int, height: int, detail: str, rule: TileRule) -> int:
    if detail == "low":
        return rule.base
    w, h = width, height
    if max(w, h) > 2048:
        scale = 2048 / max(w, h)
        w, h = int(w * scale), int(h * scale)
    if min(w, h) > 768:
        scale = 768 / min(w, h)
        w, h = int(w * scale), int(h * scale)
    tiles = math.ceil(w / 512) * math.ceil(h / 512)
    return rule.base + rule.tile * tiles


def patch_count(width: int, height: int, budget: int, max_dim: int) -> int:
    """32-px patches covering the image after OpenAI's resizing (steps A-C of the guide)."""
    w, h = float(width), float(height)
    if max(w, h) > max_dim:
        scale = max_dim / max(w, h)
        w, h = w * scale, h * scale
    if math.ceil(w / 32) * math.ceil(h / 32) > budget:
        shrink = math.sqrt(32 * 32 * budget / (w * h))
        wp, hp = w * shrink / 32, h * shrink / 32
        shrink *= min(math.floor(wp) / wp, math.floor(hp) / hp)
        # Integer pixels, rounded down: a width that is a patch multiple up to float error
        # (1055.9999 for 1056) must not round up into one more patch.
        w, h = float(int(w * shrink + 1e-6)), float(int(h * shrink + 1e-6))
    return min(budget, math.ceil(w / 32) * math.ceil(h / 32))


def patch_tokens(width: int, height: int, detail: str, rule: PatchRule) -> int:
    original = detail == "original" or (detail == "auto" and rule.auto_is_original)
    if original and rule.original_budget is not None and rule.original_max_dim is not None:
        patches = patch_count(width, height, rule.original_budget, rule.original_max_dim)
    else:
        patches = patch_count(width, height, rule.budget, rule.max_dim)
    return math.floor(patches * rule.multiplier + 0.5)  # half up (round() is half-even)


def image_tokens(width: int, height: int, detail: str, rule: ImageRule) -> int:
    """Tokens of one image of ``width`` x ``height`` at ``detail`` (low/high/auto/original)."""
    if width <= 0 or height <= 0:
        return 0
    if isinstance(rule, PatchRule):
        return patch_tokens(width, height, detail, rule)
    return tile_tokens(width, height, detail, rule)


# -- reading sizes ---------------------------------------------------------------------------


class _Base64Reader:
    """Random access to the bytes of a base64 payload without decoding all of it."""

    def __init__(self, payload: str) -> None:
        self.payload = payload
        self.size = len(payload) // 4 * 3  # an upper bound (padding aside)

    def read(self, offset: int, length: int) -> bytes:
        """Up to ``length`` bytes starting at byte ``offset`` (fewer at the end)."""
        if offset < 0 or length <= 0 or offset >= self.size:
            return b""
        group = offset // 3
        end_group = (offset + length + 2) // 3
        chunk = self.payload[group * 4 : end_group * 4]
        try:
            data = base64.b64decode(chunk, validate=False)
        except (binascii.Error, ValueError):
            return b""
        skip = offset - group * 3
        return data[skip : skip + length]


def parse_data_url(url: str) -> str | None:
    """The base64 payload of a ``data:...;base64,`` URL, or None."""
    if not url.startswith("data:"):
        return None
    comma = url.find(",", 0, 256)
    if comma < 0 or not url[5:comma].lower().endswith(";base64"):
        return None
    return url[comma + 1 :]


def data_url_size(url: str) -> ImageSize | None:
    """The format and pixel size of the image in a ``data:`` URL, or None if unreadable."""
    payload = parse_data_url(url)
    if payload is None:
        return None
    if any(c in payload[:_WINDOW_CHARS] for c in " \n\r\t"):
        payload = "".join(payload.split())  # whitespace breaks the offset arithmetic
    return image_size(_Base64Reader(payload))


def image_size(reader: _Base64Reader) -> ImageSize | None:
    head = reader.read(0, 32)
    if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR" and len(head) >= 24:
        w, h = struct.unpack(">II", head[16:24])
        return ImageSize("png", w, h)
    if head[:6] in (b"GIF87a", b"GIF89a") and len(head) >= 10:
        w, h = struct.unpack("<HH", head[6:10])
        return ImageSize("gif", w, h)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _webp_size(head)
    if head[:2] == b"\xff\xd8":
        return _jpeg_size(reader)
    return None


def _webp_size(head: bytes) -> ImageSize | None:
    kind = head[12:16]
    if kind == b"VP8 " and len(head) >= 30 and head[23:26] == b"\x9d\x01\x2a":
        w, h = struct.unpack("<HH", head[26:30])
        return ImageSize("webp", w & 0x3FFF, h & 0x3FFF)
    if kind == b"VP8L" and len(head) >= 25 and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return ImageSize("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1)
    if kind == b"VP8X" and len(head) >= 30:
        w = int.from_bytes(head[24:27], "little") + 1
        h = int.from_bytes(head[27:30], "little") + 1
        return ImageSize("webp", w, h)
    return None


# Start-of-frame markers that carry the image size (not DHT C4, JPG C8, DAC CC).
_SOF = frozenset({0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF})


def _jpeg_size(reader: _Base64Reader) -> ImageSize | None:
    pos = 2
    while pos < min(reader.size, _JPEG_SCAN_LIMIT):
        seg = reader.read(pos, 9)
        if len(seg) < 4 or seg[0] != 0xFF:
            return None
        marker = seg[1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # no length field
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no size before them
            return None
        length = int.from_bytes(seg[2:4], "big")
        if marker in _SOF:
            if len(seg) < 9:
                return None
            h, w = struct.unpack(">HH", seg[5:9])
            return ImageSize("jpeg", w, h)
        if length < 2:
            return None
        pos += 2 + length
    return None
