"""Object ids in the shapes OpenAI uses (never assume them elsewhere: proxies re-encode ids)."""

from __future__ import annotations

import random
import string

_ALNUM = string.ascii_letters + string.digits


class IdMaker:
    """Deterministic ids from one seeded RNG (so a seeded demo looks the same every run)."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng

    def hex(self, n: int) -> str:
        return f"{self._rng.getrandbits(n * 4):0{n}x}"

    def alnum(self, n: int) -> str:
        return "".join(self._rng.choices(_ALNUM, k=n))

    def file_id(self) -> str:
        return "file-" + self.alnum(22)

    def batch_id(self) -> str:
        return "batch_" + self.hex(32)

    def batch_request_id(self, created: int | None = None) -> str:
        """``batch_req_`` + 32 hex; real ones start with the Unix time in hex and carry
        "8190" at hex 12-15 (FORMATS.md §5: batch_req_6920b256e1888190b89b2df40d2737b0)."""
        if created is None:
            return "batch_req_" + self.hex(32)
        return f"batch_req_{created & 0xFFFFFFFF:08x}{self.hex(4)}8190{self.hex(16)}"

    def request_id(self) -> str:
        """An HTTP ``x-request-id`` (``req_`` + 32 hex)."""
        return "req_" + self.hex(32)

    def line_request_id(self) -> str:
        """``response.request_id`` of an output line: 32 hex, no prefix (real files)."""
        return self.hex(32)
