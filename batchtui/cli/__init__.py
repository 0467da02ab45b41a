"""The command line: the one place that composes the layers.

``main`` parses ``batchtui [FILE]`` and the subcommands; each command group lives in a module
of its own here (``validate``, ``estimate``, ``results``, ``batches``, ``emulator``, ``demo``,
``browse``), wires the domain packages (``jsonl``, ``validation``, ``cost``, ``api``,
``results``, ``emulator``) and the Textual app (``ui``) together, and imports only
``argparse`` at module level so that ``batchtui --help`` and browsing a file stay fast.
No other package imports this one.
"""

from batchtui.cli.entry import COMMANDS, main, run

__all__ = ["COMMANDS", "main", "run"]
