"""The Results view's parts, each a mixin of `ResultsScreen` (ui/screens/results.py), which
keeps the join, the filters and histogram, stepping through failures and the status bar:
`find` (/ n N, i, :), `export` (the retry file and the results export); and `problems`, the
dialog of broken lines."""
