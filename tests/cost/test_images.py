"""Image sizes from data URLs, and OpenAI's image token formulas against its worked examples."""

from __future__ import annotations

import struct

import pytest

from batchtui.cost import images
from batchtui.cost.images import PatchRule, TileRule, data_url_size, image_tokens, rule_for
from tests.cost.helpers import data_url, png_bytes

GPT4O = TileRule(85, 170)

# -- the guide's worked examples ("Images and vision", "Calculating costs") -------------------


def test_tile_examples_from_the_guide() -> None:
    assert image_tokens(1024, 1024, "high", GPT4O) == 765  # 4 tiles * 170 + 85
    assert image_tokens(2048, 4096, "high", GPT4O) == 1105  # 768x1536: 6 tiles
    assert image_tokens(4096, 8192, "low", GPT4O) == 85  # low: fixed


def test_tile_formula_edges() -> None:
    assert image_tokens(1024, 1024, "auto", GPT4O) == 765  # auto counted as high
    assert image_tokens(512, 512, "high", GPT4O) == 255  # never scaled up: one tile
    assert image_tokens(513, 500, "high", GPT4O) == 425  # two tiles
    assert image_tokens(1024, 1024, "original", GPT4O) == 765  # no original level: high
    assert image_tokens(0, 100, "high", GPT4O) == 0


def test_patch_examples_from_the_guide() -> None:
    one = PatchRule(1.0)
    assert image_tokens(1024, 1024, "high", one) == 1024  # 32 x 32 patches
    assert image_tokens(1800, 2400, "high", one) == 1452  # shrunk to 1056 x 1408: 33 x 44
    assert images.patch_count(1800, 2400, 1536, 2048) == 1452


def test_patch_multipliers_and_budgets() -> None:
    assert image_tokens(1800, 2400, "high", rule_for("gpt-4.1-mini")[0]) == round(1452 * 1.62)
    assert image_tokens(1024, 1024, "high", rule_for("gpt-4.1-nano")[0]) == round(1024 * 2.46)
    assert image_tokens(1024, 1024, "high", rule_for("o4-mini")[0]) == round(1024 * 1.72)
    # low has no documented rule on patch models: counted like high (an upper bound).
    assert image_tokens(1024, 1024, "low", rule_for("o4-mini")[0]) == round(1024 * 1.72)
    # A huge image is capped at the budget whatever its shape.
    for w, h in ((10000, 10000), (4000, 1474), (20000, 300), (2049, 513)):
        assert images.patch_count(w, h, 1536, 2048) <= 1536
    # gpt-5.4: high allows 2500 patches / 2048 px, original 10000 / 6000 px.
    rule = rule_for("gpt-5.4")[0]
    # 2048 px gives 64 x 64 = 4096 patches, over 2500: shrunk to 1600 px, 50 x 50 patches.
    assert image_tokens(4000, 4000, "high", rule) == 2500
    assert image_tokens(4000, 4000, "original", rule) == images.patch_count(4000, 4000, 10000, 6000)
    assert image_tokens(4000, 4000, "auto", rule) == 2500  # auto is high on gpt-5.4
    assert image_tokens(4000, 4000, "auto", rule_for("gpt-5.5")[0]) == images.patch_count(
        4000, 4000, 10000, 6000
    )  # and original on gpt-5.5


def test_patch_count_never_exceeds_the_budget_over_many_shapes() -> None:
    for w in range(100, 6001, 97):
        for h in (31, 33, 500, 1000, 2047, 2049, 4096, 7000):
            n = images.patch_count(w, h, 1536, 2048)
            assert 0 < n <= 1536, (w, h, n)


@pytest.mark.parametrize(
    ("model", "rule", "assumed"),
    [
        ("gpt-4o", TileRule(85, 170), False),
        ("gpt-4o-2024-08-06", TileRule(85, 170), False),
        ("gpt-4o-mini", TileRule(2833, 5667), False),
        ("gpt-4o-mini-2024-07-18", TileRule(2833, 5667), False),
        ("gpt-4.1", TileRule(85, 170), False),
        ("gpt-4.1-mini-2025-04-14", PatchRule(1.62), False),
        ("gpt-4.1-nano", PatchRule(2.46), False),
        ("o1", TileRule(75, 150), False),
        ("o3-2025-04-16", TileRule(75, 150), False),
        ("o4-mini", PatchRule(1.72), False),
        ("gpt-5", TileRule(70, 140), False),
        ("gpt-5-2025-08-07", TileRule(70, 140), False),
        ("gpt-5-mini", PatchRule(1.62), False),
        ("gpt-5-nano", PatchRule(2.46), False),
        ("computer-use-preview", TileRule(65, 129), False),
        ("ft:gpt-4o-mini-2024-07-18:acme::x1", TileRule(2833, 5667), False),
        ("my-vision-deployment", TileRule(85, 170), True),
        ("gpt-5.1", TileRule(85, 170), True),  # not in the guide's tables
    ],
)
def test_model_families(model: str, rule: images.ImageRule, assumed: bool) -> None:
    assert rule_for(model) == (rule, assumed)


def test_gpt_4o_mini_tile_costs() -> None:
    assert image_tokens(1024, 1024, "high", rule_for("gpt-4o-mini")[0]) == 2833 + 4 * 5667
    assert image_tokens(1024, 1024, "low", rule_for("gpt-4o-mini")[0]) == 2833


# -- reading sizes -----------------------------------------------------------------------


def gif(width: int, height: int) -> bytes:
    return b"GIF89a" + struct.pack("<HH", width, height) + b"\x00\x00\x00" + b"\x3b"


def jpeg(width: int, height: int, exif_bytes: int = 0, progressive: bool = False) -> bytes:
    out = b"\xff\xd8"
    out += b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    if exif_bytes:
        # Big APP1 segments (EXIF, XMP) come before the frame header in camera files.
        payload = b"Exif\x00\x00" + b"\x00" * (exif_bytes - 6)
        while payload:
            piece, payload = payload[:65000], payload[65000:]
            out += b"\xff\xe1" + struct.pack(">H", len(piece) + 2) + piece
    out += b"\xff\xdb" + struct.pack(">H", 67) + b"\x00" + bytes(64)  # a quantisation table
    marker = b"\xff\xc2" if progressive else b"\xff\xc0"
    out += marker + struct.pack(">HBHHB", 17, 8, height, width, 3) + bytes(9)
    out += b"\xff\xda" + struct.pack(">H", 12) + bytes(10) + b"\x00" * 32 + b"\xff\xd9"
    return out


def webp_vp8(width: int, height: int) -> bytes:
    frame = b"\x00\x00\x00" + b"\x9d\x01\x2a" + struct.pack("<HH", width, height) + bytes(10)
    chunk = b"VP8 " + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_vp8l(width: int, height: int) -> bytes:
    bits = (width - 1) | ((height - 1) << 14)
    frame = b"\x2f" + bits.to_bytes(4, "little") + bytes(10)
    chunk = b"VP8L" + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def webp_vp8x(width: int, height: int) -> bytes:
    frame = b"\x10\x00\x00\x00" + (width - 1).to_bytes(3, "little")
    frame += (height - 1).to_bytes(3, "little")
    chunk = b"VP8X" + struct.pack("<I", len(frame)) + frame
    return b"RIFF" + struct.pack("<I", 4 + len(chunk) + 8) + b"WEBP" + chunk + bytes(8)


@pytest.mark.parametrize(
    ("data", "media", "expected"),
    [
        (png_bytes(1024, 768), "image/png", ("png", 1024, 768)),
        (png_bytes(1, 70000), "image/png", ("png", 1, 70000)),
        (gif(640, 480), "image/gif", ("gif", 640, 480)),
        (jpeg(1920, 1080), "image/jpeg", ("jpeg", 1920, 1080)),
        (jpeg(800, 600, progressive=True), "image/jpeg", ("jpeg", 800, 600)),
        (jpeg(4032, 3024, exif_bytes=150_000), "image/jpeg", ("jpeg", 4032, 3024)),
        (webp_vp8(1000, 700), "image/webp", ("webp", 1000, 700)),
        (webp_vp8l(16383, 2), "image/webp", ("webp", 16383, 2)),
        (webp_vp8x(5000, 3000), "image/webp", ("webp", 5000, 3000)),
        (png_bytes(300, 200), "image/jpeg", ("png", 300, 200)),  # the bytes decide
    ],
)
def test_sizes_from_headers(data: bytes, media: str, expected: tuple[str, int, int]) -> None:
    size = data_url_size(data_url(data, media) + "A" * 1000)  # trailing pixel data ignored
    assert size is not None
    assert (size.format, size.width, size.height) == expected


def test_jpeg_header_is_found_without_decoding_the_whole_payload(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = data_url(jpeg(640, 480, exif_bytes=200_000) + bytes(3_000_000), "image/jpeg")
    decoded: list[int] = []
    real = images.base64.b64decode

    def spy(chunk: str, validate: bool = False) -> bytes:
        decoded.append(len(chunk))
        return real(chunk, validate=validate)

    monkeypatch.setattr(images.base64, "b64decode", spy)
    size = data_url_size(url)
    assert size is not None and (size.width, size.height) == (640, 480)
    assert sum(decoded) < 10_000  # a few small windows, not the 4 MB payload


@pytest.mark.parametrize(
    "url",
    [
        "data:image/png;base64,",
        "data:image/png;base64,!!!notbase64!!!",
        "data:image/png," + "iVBORw0KGgo=",  # not base64-flagged
        "data:image/svg+xml;base64," + "PHN2Zz48L3N2Zz4=",  # SVG: not an accepted format
        data_url(b"\xff\xd8\xff\xd9", "image/jpeg"),  # a JPEG that ends before its frame
        data_url(b"\xff\xd8\xff\xe0\x00\x01", "image/jpeg"),  # a bad segment length
        data_url(b"BM" + bytes(60), "image/bmp"),
        "https://example.com/cat.png",
    ],
)
def test_unreadable_images_are_none(url: str) -> None:
    assert data_url_size(url) is None


def test_base64_with_line_breaks() -> None:
    encoded = data_url(png_bytes(333, 444))
    head, payload = encoded.split(",", 1)
    wrapped = head + "," + "\n".join(payload[i : i + 76] for i in range(0, len(payload), 76))
    size = data_url_size(wrapped)
    assert size is not None and (size.width, size.height) == (333, 444)
