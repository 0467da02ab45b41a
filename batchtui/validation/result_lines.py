"""The rules of an OpenAI batch output or error file, one parsed line at a time.

A well-formed output or error file has no findings: every line has a custom_id (a string),
and either a response with an integer ``status_code`` and a ``body`` object (an answer), or an
error somewhere (a failure). The shapes accepted are the real ones (FORMATS.md §2.2):

* OpenAI: ``{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}``;
  HTTP failures carry ``response.body.error``, others ``response: null`` + ``error`` object;
* Azure: no ``id``; error lines have no ``body`` and ``error.message`` is an object;
* vLLM: error lines have ``body: null`` and ``error`` a string;
* Zhipu: no ``error`` key at all; Doubleword: ``request_id`` null.

Duplicate ids are the engine's business (it keeps the id -> line map), as is a line that does
not parse. Lines of another kind (a request in an output file, an Anthropic result among
OpenAI lines) get one ``mixed_kinds`` finding each, not a finding per missing field.

:class:`ResultChecker` has the interface of :class:`~batchtui.validation.checks.RequestChecker`
(``check(obj, line, out) -> (custom_id, url, model, embedding inputs)``), so the engine runs
either; it also counts output and error lines (:attr:`ResultChecker.tally`) to settle the
file's kind over all its lines, since the sniff saw only the head.
"""

from __future__ import annotations

from typing import Any

from batchtui.jsonl.kinds import Kind, KindTally, LineKind, line_kind
from batchtui.validation.checks import add, kind, quote
from batchtui.validation.findings import Finding

_MISSING: Any = object()
_RESULT_KINDS = (LineKind.OUTPUT, LineKind.ERROR)
# The endpoint an answer came from, told by its body's "object" (SDK response types).
_ENDPOINT_OF = {
    "chat.completion": "/v1/chat/completions",
    "response": "/v1/responses",
    "text_completion": "/v1/completions",
    "list": "/v1/embeddings",  # CreateEmbeddingResponse
}


def mixed_line(line: int, found: LineKind, file_kind: Kind, out: list[Finding]) -> None:
    """One finding for a line of another kind than its file's."""
    fix = (
        "Keep requests in the input file and answers in the output file."
        if found in (LineKind.INPUT, LineKind.OUTPUT, LineKind.ERROR)
        else "Keep each provider's lines in a file of their own."
    )
    add(
        out,
        line,
        "mixed_kinds",
        f"This line is {found.title}, in {file_kind.title}.",
        None,
        fix,
    )


def _has_error(value: Any) -> bool:
    return value is not None and value != "" and value != {}


class KindCounter:
    """The line kinds a line checker has met, each line counted once.

    The engine checks lines in order, and re-derives only lines it has checked already
    (:meth:`Validator.findings_at`, from any thread): so a line is counted the first time it
    is seen, when its number passes :attr:`counted_to`. A part of a file checked in another
    process sends its counts back (:meth:`export_state`, :meth:`absorb_state`)."""

    def __init__(self) -> None:
        self.tally = KindTally()
        self.counted_to = 0  # lines up to here (1-based) are counted

    def export_state(self) -> tuple[dict[LineKind, int], int]:
        return dict(self.tally.counts), self.counted_to

    def absorb_state(self, state: tuple[dict[LineKind, int], int]) -> None:
        counts, counted_to = state
        self.tally.counts.update(counts)
        self.counted_to = max(self.counted_to, counted_to)


class ResultChecker(KindCounter):
    """Checks one parsed line of an output or error file. The only state is the tally of
    line kinds (see :class:`KindCounter`)."""

    def __init__(self, file_kind: Kind = Kind.OUTPUT) -> None:
        super().__init__()
        self.file_kind = file_kind

    def check(
        self, obj: dict[str, Any], line: int, out: list[Finding]
    ) -> tuple[str | None, str | None, str | None, int]:
        """Check one output or error line (``line`` is 1-based); append findings to ``out``.
        Returns ``(custom_id if usable, the endpoint the answer's object comes from, the
        answer's model, 0)``."""
        found = line_kind(obj)
        if line > self.counted_to:
            self.counted_to = line
            self.tally.add(found)
        if found not in _RESULT_KINDS and found is not LineKind.UNKNOWN:
            mixed_line(line, found, self.file_kind, out)
            return None, None, None, 0

        custom_id = obj.get("custom_id", _MISSING)
        valid_id: str | None = None
        if custom_id is _MISSING:
            add(
                out,
                line,
                "result_custom_id",
                "This line has no custom_id: its answer cannot be matched to a request.",
                "custom_id",
            )
        elif type(custom_id) is not str:
            add(
                out,
                line,
                "result_custom_id",
                f"custom_id is {kind(custom_id)} ({quote(custom_id)}), not a string.",
                "custom_id",
            )
        elif not custom_id:
            add(out, line, "result_custom_id", "custom_id is empty.", "custom_id")
        else:
            valid_id = custom_id

        response = obj.get("response", _MISSING)
        error = obj.get("error")
        endpoint = model = None
        if error is not None and type(error) not in (dict, str):
            _shape(out, line, f"error is {kind(error)}; expected an object or a string.", "error")
        if response is _MISSING or response is None:
            if not _has_error(error):
                what = "no response" if response is _MISSING else "response is null"
                _shape(
                    out,
                    line,
                    f"This line has {what} and no error: it is neither an answer nor a failure.",
                    "response",
                )
        elif type(response) is not dict:
            _shape(out, line, f"response is {kind(response)}; expected an object.", "response")
        else:
            endpoint, model = self._response(response, error, line, out)
        return valid_id, endpoint, model, 0

    def _response(
        self, response: dict[str, Any], error: Any, line: int, out: list[Finding]
    ) -> tuple[str | None, str | None]:
        """The endpoint and model of an answer (None for a failure), checking its shape."""
        status = response.get("status_code", _MISSING)
        body = response.get("body", _MISSING)
        if status is _MISSING:
            _shape(out, line, "response has no status_code.", "response.status_code")
            return None, None
        if type(status) is not int:
            _shape(
                out,
                line,
                f"response.status_code is {kind(status)} ({quote(status)}); expected an integer.",
                "response.status_code",
            )
            return None, None
        if 200 <= status < 300:
            if type(body) is not dict:
                what = "missing" if body is _MISSING else f"{kind(body)}"
                _shape(
                    out,
                    line,
                    f"response.body is {what}: a status-{status} answer carries the "
                    "endpoint's response object.",
                    "response.body",
                )
                return None, None
            model = body.get("model")
            obj = body.get("object")
            endpoint = _ENDPOINT_OF.get(obj) if type(obj) is str else None
            return endpoint, model if type(model) is str else None
        if status >= 400:
            body_error = body.get("error") if type(body) is dict else None
            if not _has_error(body_error) and not _has_error(error):
                _shape(
                    out,
                    line,
                    f"A status-{status} response with no error: neither response.body.error "
                    "nor error says what went wrong.",
                    "response",
                )
        return None, None


def _shape(out: list[Finding], line: int, message: str, path: str) -> None:
    add(out, line, "result_shape", message, path)
