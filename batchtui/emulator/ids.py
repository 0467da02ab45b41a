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

    def batch_request_id(self) -> str:
        return "batch_req_" + self.hex(32)

    def request_id(self) -> str:
        return "req_" + self.hex(32)
