"""A local OpenAI-compatible Files + Batches server, for tests and ``batchtui demo``.

Importing this package is cheap: the server (aiohttp) loads only when one of the names below
is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from batchtui.core.lazy import lazy_exports

if TYPE_CHECKING:
    from batchtui.emulator.demo import seed_demo
    from batchtui.emulator.faults import FaultRule, Faults
    from batchtui.emulator.options import EmulatorOptions
    from batchtui.emulator.server import EmulatorServer
    from batchtui.emulator.threaded import EmulatorThread

__all__ = [
    "EmulatorOptions",
    "EmulatorServer",
    "EmulatorThread",
    "FaultRule",
    "Faults",
    "seed_demo",
]

_LAZY = {
    "EmulatorOptions": "batchtui.emulator.options",
    "EmulatorServer": "batchtui.emulator.server",
    "FaultRule": "batchtui.emulator.faults",
    "Faults": "batchtui.emulator.faults",
    "seed_demo": "batchtui.emulator.demo",
    "EmulatorThread": "batchtui.emulator.threaded",
}


__getattr__ = lazy_exports(__name__, _LAZY)
