"""Builders for cost tests: image data URLs and batch lines."""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path
from typing import Any


def png_bytes(width: int, height: int) -> bytes:
    """A real (tiny-data) PNG header: signature and IHDR chunk, then an empty IEND."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(ihdr)) + b"IHDR" + ihdr
    chunk += struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    iend = struct.pack(">I", 0) + b"IEND" + struct.pack(">I", zlib.crc32(b"IEND"))
    return b"\x89PNG\r\n\x1a\n" + chunk + iend


def data_url(data: bytes, media: str = "image/png") -> str:
    return f"data:{media};base64," + base64.b64encode(data).decode()


def png_url(width: int, height: int) -> str:
    return data_url(png_bytes(width, height))


def line(body: dict[str, Any], url: str = "/v1/chat/completions", n: int = 1) -> str:
    return json.dumps(
        {"custom_id": f"r{n}", "method": "POST", "url": url, "body": body}, ensure_ascii=False
    )


def write_lines(path: Path, lines: list[str], end: str = "\n") -> Path:
    path.write_text("".join(item + end for item in lines), encoding="utf-8")
    return path
