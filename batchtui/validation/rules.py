"""The rule registry: every code the validator can report, with what it checks, why, and the
source of the fact behind it (source tags as in ``BATCH_API.md``: SDK, SPEC, GUIDE, LS, AZ...).

The registry drives the severity of each finding and generates the rules reference
(``batchtui rules``). Codes follow OpenAI's own where it has one (``invalid_json_line``,
``missing_required_parameter``, ``invalid_url``, ``invalid_request``, ``streaming_unsupported``;
Azure's ``duplicate_custom_id``, ``model_mismatch``, ``too_many_tasks``, ``empty_file``); the
others are batchtui's and say so in their source.
"""

from __future__ import annotations

from dataclasses import dataclass

from batchtui.validation.findings import Severity

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    scope: str  # "line", "envelope", "body" or "file": where in the reference it is listed
    title: str
    what: str
    why: str
    source: str

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "scope": self.scope,
            "title": self.title,
            "what": self.what,
            "why": self.why,
            "source": self.source,
        }


_RULES: list[Rule] = [
    # -- line level ----------------------------------------------------------------------
    Rule(
        "invalid_json_line",
        ERROR,
        "line",
        "Line is not a JSON object",
        what="The line does not parse as JSON, or parses to something other than an object. A "
        "\\ud800-\\udfff escape without its other half counts as not parsing (strict parsers "
        "such as orjson refuse it; Python's json alone accepts it).",
        why='OpenAI fails the whole batch: "This line is not parseable as valid JSON." A lone '
        'surrogate cannot be encoded as UTF-8; strict JSON servers reject it with 400 "no low '
        "surrogate in string\" (observed for Anthropic's API and DeepSeek; for OpenAI unverified).",
        source="LS (OpenAI reply quoted in test_batches_errors.py); AZ error codes; "
        "anthropics/claude-code#6508, JohnnyZ93/oai-compatible-copilot#206 (lone surrogates)",
    ),
    Rule(
        "multiline_json",
        ERROR,
        "line",
        "Pretty-printed JSON instead of JSONL",
        what="The file starts with a JSON value spread over several lines (an indented object "
        "or an array of requests). Reported once, on line 1, instead of on every line.",
        why="A batch file holds one complete request object per line (JSONL); every line of "
        "a pretty-printed document is invalid JSON on its own.",
        source='GUIDE "Prepare your batch file"; SPEC-old BatchRequestInput',
    ),
    Rule(
        "not_text",
        ERROR,
        "line",
        "Not a UTF-8 text file",
        what="The file is gzip- or zip-compressed, UTF-16 encoded, or binary (NUL bytes). "
        "Reported once, on line 1, instead of on every line.",
        why='The Files API takes only UTF-8 .jsonl files: "Invalid file for Batch API. Must '
        'be utf-8 encoded".',
        source="mkht/PSOpenAI#19 (captured OpenAI reply); BerriAI/litellm#37527 (.jsonl only)",
    ),
    Rule(
        "line_too_long",
        ERROR,
        "line",
        "Line too long to check",
        what="A line longer than 64 MiB (67,108,864 bytes). It is reported without being read "
        "into memory, so its content is not checked.",
        why="No request is that large (OpenAI's per-request payload limits are tens of MB at "
        "most), and parsing such a line would take gigabytes of memory.",
        source="batchtui (memory bound); OpenAI's exact per-request limit: unverified",
    ),
    Rule(
        "blank_line",
        ERROR,
        "line",
        "Blank line",
        what="An empty (or whitespace-only) line between requests.",
        why="Each line must be a request; the JSONL format has no blank lines. OpenAI's "
        "behaviour is undocumented, so batchtui fails early rather than risk the batch.",
        source="wardi/jsonlines#100 (JSONL spec); OpenAI: unverified (BATCH_API.md §3)",
    ),
    Rule(
        "invalid_utf8",
        ERROR,
        "line",
        "Bytes that are not UTF-8",
        what="The line contains bytes that are not valid UTF-8.",
        why='The Files API rejects the upload: "Invalid file for Batch API. Must be utf-8 '
        'encoded".',
        source="mkht/PSOpenAI#19 (captured OpenAI reply)",
    ),
    Rule(
        "utf8_bom",
        WARNING,
        "line",
        "UTF-8 byte order mark",
        what="The file starts with the bytes EF BB BF (a BOM), as some Windows editors write.",
        why="Azure rejects BOM files with a misleading deployment-name error; OpenAI's "
        "handling is undocumented. Save as UTF-8 without BOM.",
        source='AZ batch.md "Known issues"',
    ),
    Rule(
        "crlf_line_ending",
        INFO,
        "line",
        "Windows (CRLF) line endings",
        what="Lines end with \\r\\n. Reported once, on the first such line.",
        why="JSON parsers treat the \\r as whitespace, so this is harmless for OpenAI, but "
        "tools that split on \\n alone keep the \\r.",
        source="batchtui (RFC 8259 whitespace); GUIDE samples use \\n",
    ),
    Rule(
        "no_final_newline",
        INFO,
        "line",
        "No newline at the end of the file",
        what="The last line is not terminated by a newline.",
        why="Harmless for OpenAI, but appending another request with `>>` or `cat` glues it "
        "to the last line and makes that line invalid JSON.",
        source='CB and GUIDE samples write json.dumps(obj) + "\\n"',
    ),
    # -- envelope ------------------------------------------------------------------------
    Rule(
        "missing_required_parameter",
        ERROR,
        "envelope",
        "Missing custom_id, method, url or body",
        what="One of the four required request keys is absent; the path names it.",
        why="OpenAI reports each missing key: \"Missing required parameter: 'custom_id'.\"",
        source="LS (OpenAI reply quoted); SPEC-old BatchRequestInput; GUIDE",
    ),
    Rule(
        "invalid_type",
        ERROR,
        "envelope",
        "Wrong JSON type",
        what="A field has the wrong JSON type: custom_id/method/url not strings, body not an "
        "object, or a body parameter whose type the SDK declares otherwise (e.g. "
        "temperature as a string, max_tokens as 100.5).",
        why="The request is rejected with a 400 invalid_type error.",
        source="SDK TypedDicts (types via sdk_snapshot.json); SPEC; LS (invalid_type for metadata)",
    ),
    Rule(
        "invalid_method",
        ERROR,
        "envelope",
        "method is not POST",
        what='The method is anything but "POST".',
        why="Batch requests are POST requests to the endpoint; only POST is supported.",
        source="SPEC-old BatchRequestInput (method enum [POST]); GUIDE",
    ),
    Rule(
        "invalid_url",
        ERROR,
        "envelope",
        "url is not the batch endpoint",
        what="The url is not one of the SDK's batch endpoints (an Azure-style "
        "/chat/completions gets a hint), or differs from the url most lines use.",
        why="Every line's url must equal the batch's endpoint: \"The URL provided for this "
        'request does not match the batch endpoint."',
        source="SDK batch_create_params.endpoint (list via sdk_snapshot.json); LS "
        "test_batch_endpoint_mismatch; openai/openai-python#2497; AZ (url forms)",
    ),
    Rule(
        "unknown_key",
        WARNING,
        "envelope",
        "Unknown top-level key",
        what="A key other than custom_id, method, url and body at the top level of a line.",
        why="Not part of a batch request; it is ignored at best, and is often a misplaced "
        "body parameter (e.g. model outside body).",
        source="SPEC-old BatchRequestInput (four properties)",
    ),
    Rule(
        "empty_custom_id",
        ERROR,
        "envelope",
        "Empty custom_id",
        what="custom_id is the empty string.",
        why="Results are matched to requests by custom_id; an empty id cannot be joined.",
        source='GUIDE; BATCH_API.md "things to get right" #7',
    ),
    Rule(
        "custom_id_too_long",
        ERROR,
        "envelope",
        "custom_id longer than 512 characters",
        what="custom_id has more than 512 characters.",
        why="Long ids are rejected or truncated by batch services; OpenAI documents no "
        "limit, Together and Anthropic enforce 64, so keep ids short.",
        source="batchtui issue #3 (limit 512); docs.together.ai; "
        "anthropics/anthropic-sdk-python#984",
    ),
    Rule(
        "duplicate_custom_id",
        ERROR,
        "envelope",
        "custom_id used twice",
        what="A custom_id already used on an earlier line (reported on the later line, "
        "naming the first).",
        why="custom_id must be unique within a batch: output order is not guaranteed, so "
        "results are joined by id.",
        source="SPEC-old BatchRequestInput; GUIDE; AZ error codes (duplicate_custom_id); CB",
    ),
    # -- body ----------------------------------------------------------------------------
    Rule(
        "invalid_request",
        ERROR,
        "body",
        "Required body field missing or empty",
        what="A required body field is missing, empty or too long: model; chat messages "
        "(missing or an empty list) and each message's role/content/tool_call_id; "
        "embeddings input (empty, or over 2,048 items); completions prompt; moderations "
        "input; required keys of content parts.",
        why='OpenAI fails the line: "Model parameter is required." / "Messages parameter '
        'is required."',
        source="LS (OpenAI replies quoted); SDK TypedDict required keys; SPEC "
        "CreateChatCompletionRequest (messages minItems 1), CreateEmbeddingRequest "
        "(1-2048 items, not empty)",
    ),
    Rule(
        "invalid_value",
        ERROR,
        "body",
        "Value not among the allowed ones",
        what="A field restricted to fixed values has another: message role, content part "
        "type, image detail, audio format, encoding_format, reasoning_effort, "
        "service_tier, Responses input item type...",
        why="The request is rejected: \"Invalid value: '...'. Supported values are: ...\".",
        source="SDK Literal types (via sdk_snapshot.json); LS (invalid_value wording)",
    ),
    Rule(
        "value_out_of_range",
        ERROR,
        "body",
        "Number out of range",
        what="temperature outside 0-2, top_p outside 0-1, frequency/presence penalty outside "
        "-2..2, n outside 1-128, top_logprobs outside 0-20, token limits below 1, "
        "embedding dimensions below 1.",
        why="The request fails with a 400 error when the batch runs.",
        source="SPEC CreateChatCompletionRequest, ModelResponseProperties, "
        "CreateEmbeddingRequest, CreateCompletionRequest (minimum/maximum)",
    ),
    Rule(
        "streaming_unsupported",
        ERROR,
        "body",
        "stream: true",
        what='The body sets "stream": true.',
        why='The whole batch fails: "Streaming is not supported in the Batch API."',
        source="LS (OpenAI reply quoted, param body.stream); GUIDE (moderations too)",
    ),
    Rule(
        "unknown_parameter",
        WARNING,
        "body",
        "Unknown body parameter",
        what="A body (or message/content part) key the SDK does not declare for the endpoint, "
        'with the closest known name ("did you mean max_tokens?").',
        why="OpenAI rejects unrecognized arguments with a 400 error; usually a typo or a "
        "parameter of another endpoint. A warning because a newer API may know it.",
        source="SDK TypedDict keys (via sdk_snapshot.json); SPEC additionalProperties",
    ),
    Rule(
        "max_tokens_reasoning_model",
        ERROR,
        "body",
        "max_tokens sent to a reasoning model",
        what="A chat request to an o-series or gpt-5-family model sets max_tokens.",
        why="Reasoning models reject max_tokens; they take max_completion_tokens, which also "
        "counts the reasoning tokens. Model family judged by name.",
        source="SPEC CreateChatCompletionRequest (max_tokens deprecated, not compatible with "
        "o-series); SDK completion_create_params docstrings",
    ),
    Rule(
        "response_format_moved",
        ERROR,
        "body",
        "response_format sent to /v1/responses",
        what="A /v1/responses body sets response_format.",
        why="The Responses API takes structured-output settings under text.format; "
        "response_format is a Chat Completions parameter.",
        source="SDK response_create_params (no response_format; text: "
        "ResponseTextConfigParam); AZ examples",
    ),
    # -- file level ----------------------------------------------------------------------
    Rule(
        "model_mismatch",
        ERROR,
        "file",
        "Model differs from the rest of the file",
        what="body.model differs from the model most lines use (reported on each such line "
        "once the whole file is read).",
        why='"Each input file can only include requests to a single model."',
        source="GUIDE; AZ error codes (model_mismatch)",
    ),
    Rule(
        "too_many_tasks",
        ERROR,
        "file",
        "More than 50,000 requests",
        what="The file holds more than 50,000 requests.",
        why="A batch takes at most 50,000 requests; split the file (batchtui split).",
        source="SDK batch_create_params docstring; GUIDE; AZ error codes (too_many_tasks)",
    ),
    Rule(
        "file_too_large",
        ERROR,
        "file",
        "File larger than 200 MB",
        what="The file is larger than 200 MB (209,715,200 bytes).",
        why="The Batch API takes input files up to 200 MB; split the file (batchtui split).",
        source="SDK batch_create_params docstring; GUIDE; error text quoted at "
        "errerrors.blogspot.com 2024-07 (209715200)",
    ),
    Rule(
        "too_many_embedding_inputs",
        ERROR,
        "file",
        "More than 50,000 embedding inputs",
        what="The embedding inputs summed over all /v1/embeddings lines exceed 50,000 (an "
        "array of strings counts each item).",
        why="Embedding batches are limited to 50,000 inputs across all requests.",
        source="SDK batch_create_params docstring; GUIDE rate limits",
    ),
    Rule(
        "empty_file",
        ERROR,
        "file",
        "No requests",
        what="The file is empty or holds only blank lines.",
        why="An empty file cannot be uploaded or run as a batch.",
        source="AZ error codes (empty_file, empty_batch); LS (upload needs a valid line)",
    ),
]

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
SCOPES = ("line", "envelope", "body", "file")


def severity(code: str) -> Severity:
    return RULES[code].severity


def reference(fmt: str = "text") -> str:
    """The rules reference in ``text``, ``markdown`` or ``json``."""
    rules = sorted(_RULES, key=lambda r: (SCOPES.index(r.scope), r.code))
    if fmt == "json":
        import json

        return json.dumps([r.to_dict() for r in rules], indent=2) + "\n"
    if fmt == "markdown":
        out = [
            "# batchtui validation rules",
            "",
            "Generated by `batchtui rules --format markdown` from `batchtui/validation/rules.py`.",
            "",
        ]
        for scope in SCOPES:
            out += [f"## {scope.capitalize()}", ""]
            out += ["| code | severity | what | why | source |", "|---|---|---|---|---|"]
            for r in rules:
                if r.scope == scope:
                    cells = [f"`{r.code}`", r.severity.value, r.what, r.why, r.source]
                    out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
            out.append("")
        return "\n".join(out)
    out = []
    for r in rules:
        out.append(f"{r.code} ({r.severity.value}, {r.scope}): {r.title}")
        out.append(f"  what:   {r.what}")
        out.append(f"  why:    {r.why}")
        out.append(f"  source: {r.source}")
        out.append("")
    return "\n".join(out)
