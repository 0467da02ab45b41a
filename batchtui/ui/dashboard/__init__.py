"""The Batches screen's parts (the screen itself is ``ui/screens/batches.py``):

- ``rows``: which batches show (filters), in which columns, as which cells, and which rows a
  poll changed (so a poll redraws only those);
- ``detail``: the side pane: one batch in full, its line errors and the selected error;
- ``polling``: the schedule of polls, their status line, and the one loop and client that
  every API call of the dashboard runs on (``ApiLoop``: why a loop of its own, measured);
- ``actions``: cancel, download, open results, open the input at a line, copy the id.
"""
