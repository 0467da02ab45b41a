"""One finding for a whole file that is not what a batch file should be.

A Gemini or Anthropic file checked as an OpenAI batch input would get six findings a line
(missing method, url, body, unknown keys...) and no word about what it is. Instead such a
file gets ONE finding, on line 1, that names its format, says what differs and how to fix it
(:func:`whole_file_finding`); its lines are then not reported one by one. The same goes for
a file whose lines are of no batch kind at all (``unknown_format``) and for a Git LFS pointer.

What a file is comes from :mod:`batchtui.jsonl.kinds` (the sniff of its head).
"""

from __future__ import annotations

from batchtui.jsonl.kinds import GENERIC_SHAPE, Kind, Layout, Sniff
from batchtui.validation.findings import Finding
from batchtui.validation.rules import RULES

CONVERT_HINT = (
    "Convert it to an OpenAI batch input: batchtui convert FILE --to chat --model MODEL "
    "(or --to responses)."
)

# (what the lines are, what differs from an OpenAI batch input, the fix)
_FOREIGN: dict[Kind, tuple[str, str, str]] = {
    Kind.ANTHROPIC_REQUESTS: (
        '{"custom_id", "params"} lines',
        "OpenAI needs method, url and body on every line, the system prompt as a message, "
        "and an OpenAI model",
        CONVERT_HINT,
    ),
    Kind.ANTHROPIC_RESULTS: (
        '{"custom_id", "result": {"type": ...}} lines',
        "it holds answers, not requests (a file to read, not to submit)",
        "Browse it with batchtui FILE. OpenAI results are read with batchtui results --output OUT.",
    ),
    Kind.GEMINI_REQUESTS: (
        '{"key", "request": {"contents": ...}} lines',
        "OpenAI needs custom_id, method, url and body on every line, with roles user and "
        "assistant and an OpenAI model",
        CONVERT_HINT,
    ),
    Kind.GEMINI_RESULTS: (
        '{"key", "response": {"candidates": ...}} lines',
        "it holds answers, not requests (a file to read, not to submit)",
        "Browse it with batchtui FILE.",
    ),
    Kind.FINETUNE_CHAT: (
        '{"messages": [...]} lines, with no custom_id, url or model',
        "a batch line is a request, {custom_id, method, url, body}, and a training file "
        "is uploaded for fine-tuning, not run as a batch",
        "Upload it with purpose fine-tune to train a model; to run its prompts as a batch, "
        "wrap each in a request with a model (and without the final assistant answer).",
    ),
}
_LAYOUT_NOTE = {
    Layout.CONCATENATED: " Its objects are glued together without newlines (not JSONL).",
    Layout.PRETTY: " It is pretty-printed over several lines (not JSONL).",
}


def _finding(code: str, message: str, hint: str | None) -> Finding:
    return Finding(1, RULES[code].severity, code, message, None, hint)


def whole_file_finding(found: Sniff) -> Finding | None:
    """The one finding that stands for every line of a file of ``found``'s kind, or None
    when its lines are checked one by one (OpenAI input, output and error files, mixed files,
    files whose lines did not parse)."""
    if found.layout is Layout.LFS_POINTER:
        return _finding(
            "lfs_pointer",
            "The file is a Git LFS pointer, not the data: the repository keeps the real file "
            "in LFS storage. Its lines are not reported one by one.",
            "Fetch the data: git lfs pull (or git lfs fetch && git lfs checkout FILE).",
        )
    kind = found.kind
    if kind.foreign:
        lines, differs, fix = _FOREIGN[kind]
        message = (
            f"This is {kind.title} ({lines}), not an OpenAI batch input: {differs}."
            + _LAYOUT_NOTE.get(found.layout, "")
            + " Its lines are not reported one by one."
        )
        return _finding("foreign_format", message, fix)
    if (
        kind is Kind.UNKNOWN
        and not found.mixed
        and found.shape is not None
        # Pretty-printed objects of no known shape: the layout is the news (multiline_json).
        and not (found.layout is Layout.PRETTY and found.shape.startswith(GENERIC_SHAPE))
    ):
        message = (
            f"No line looks like a batch request: {found.reason}. A batch input line is "
            '{"custom_id", "method": "POST", "url", "body"}. Its lines are not reported one '
            "by one."
        )
        hint = None
        if "envelope" in found.shape:
            hint = (
                'Wrap each body: {"custom_id": "request-1", "method": "POST", "url": '
                '"/v1/chat/completions", "body": {...}}.'
            )
        return _finding("unknown_format", message, hint)
    return None
