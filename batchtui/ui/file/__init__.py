"""The File view's parts, each a mixin of `FileScreen` (ui/screens/file.py), which keeps the
layout, indexing, the detail pane, validation and the status bar: `search` (the prompts,
go to line, search), `filter` (the filter view and its export), `edit` (the editor and
splitting), `results` (the results of an output or error file)."""
