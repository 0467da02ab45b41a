"""The emulator's clock: real time scaled by a speed factor, plus manual jumps."""

from __future__ import annotations

import time


class EmulatorClock:
    """Emulated Unix time.

    ``now() = start + (real seconds elapsed) * speed + (sum of advance() calls)``. With
    ``speed=0`` the clock only moves through :meth:`advance`, which is what tests want.
    """

    def __init__(self, start: float | None = None, speed: float = 1.0) -> None:
        if speed < 0:
            raise ValueError("speed must be >= 0")
        self._base = time.time() if start is None else float(start)
        self._real0 = time.monotonic()
        self._speed = float(speed)

    def now(self) -> float:
        return self._base + (time.monotonic() - self._real0) * self._speed

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        if value < 0:
            raise ValueError("speed must be >= 0")
        # Re-anchor so that changing speed never makes time jump.
        self._base = self.now()
        self._real0 = time.monotonic()
        self._speed = float(value)

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the clock does not go backwards")
        self._base += seconds
