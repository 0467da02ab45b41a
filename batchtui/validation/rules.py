"""The rule registry: every code the validator can report, with what it checks, why, and the
source of the fact behind it (source tags as in ``BATCH_API.md``: SDK, SPEC, GUIDE, LS, AZ...).

The registry drives the severity of each finding and generates the rules reference
(``batchtui rules``). Codes follow OpenAI's own where it has one (``invalid_json_line``,
``missing_required_parameter``, ``invalid_url``, ``invalid_request``, ``streaming_unsupported``,
``unknown_parameter``, ``unsupported_parameter``; Azure's ``duplicate_custom_id``,
``model_mismatch``, ``too_many_tasks``, ``empty_file``); the others are batchtui's and say so in
their source.

Each rule also says what OpenAI does with such a line (:attr:`Rule.openai`): fail the whole
batch at validation, accept the batch and fail that request with a 400 when it runs, refuse the
upload, or accept it. The emulator judges input files by exactly this (one source of truth).
Rules of output and error files (scope ``output``) are about files that are read, never
submitted (``NOT_SUBMITTED``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from batchtui.validation.findings import Finding, Severity

if TYPE_CHECKING:
    from batchtui.validation.providers import Provider

ERROR, WARNING, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO

# What OpenAI does with a line that breaks a rule.
BATCH = "batch"  # the batch fails at validation (errors.data), nothing runs
REQUEST = "request"  # the batch runs; this request fails with a 400 in the error file
UPLOAD = "upload"  # the Files API refuses the upload (400)
ACCEPTED = "accepted"  # OpenAI runs it
NOT_SUBMITTED = "not submitted"  # a rule of output and error files, which are read, not sent
# The envelope, the body's model and its missing required parameters fail the batch (LS:
# "Model parameter is required." in errors.data); a wrong value deeper in the body fails the
# request when it runs. Resolved per finding by :func:`openai_stage`.
DEPENDS = "batch or request"

STAGE_TEXT = {
    BATCH: "fails the whole batch at validation",
    REQUEST: "accepts the batch, fails this request with a 400",
    UPLOAD: "refuses the upload",
    ACCEPTED: "accepts it",
    NOT_SUBMITTED: "does not apply: output and error files are read, not submitted",
    DEPENDS: "fails the batch (envelope, model, missing parameter) or this request (a value "
    "inside the body)",
}


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    severity: Severity
    # "line", "envelope", "body", "file" or "output" (output and error files): where in the
    # reference it is listed
    scope: str
    title: str
    what: str
    why: str
    source: str
    openai: str = BATCH  # one of the stages above

    def to_dict(self) -> dict[str, str]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "scope": self.scope,
            "title": self.title,
            "what": self.what,
            "why": self.why,
            "source": self.source,
            "openai": self.openai,
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
        openai=UPLOAD,
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
        openai=UPLOAD,
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
        "behaviour is undocumented; an empty line is not valid JSON, so batchtui takes the "
        "strict reading (invalid_json_line) rather than risk the batch.",
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
        openai=UPLOAD,
    ),
    Rule(
        "utf8_bom",
        WARNING,
        "line",
        "UTF-8 byte order mark",
        what="The file starts with the bytes EF BB BF (a BOM), as some Windows editors write.",
        why="Azure rejects BOM files with a misleading deployment-name error; OpenAI's "
        "handling is undocumented. Save as UTF-8 without BOM.",
        source='AZ batch.md "Known issues"; OpenAI: unverified',
        openai=ACCEPTED,
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
        openai=ACCEPTED,
    ),
    Rule(
        "no_final_newline",
        INFO,
        "line",
        "No newline at the end of the file",
        what="The last line is not terminated by a newline.",
        why="Harmless for OpenAI, but appending another request with `>>` or `cat` glues it "
        "to the last line and makes that line invalid JSON.",
        source='CB and GUIDE samples write json.dumps(obj) + "\\n"; FORMATS.md §5 (14 real '
        "files without one, every raw Anthropic results download)",
        openai=ACCEPTED,
    ),
    Rule(
        "merge_conflict_marker",
        ERROR,
        "line",
        "Git merge-conflict marker",
        what="A line that starts with <<<<<<<, ======= or >>>>>>>: an unresolved git merge "
        "left both versions of the file in it.",
        why='Not JSON, so OpenAI fails the batch ("This line is not parseable as valid '
        'JSON."); in an output or error file it means two versions of the results were '
        "merged. Resolve the conflict and keep one version of each line.",
        source="git-merge(1) 'How conflicts are presented'; LS (invalid JSON fails the batch)",
    ),
    Rule(
        "lfs_pointer",
        ERROR,
        "line",
        "Git LFS pointer instead of the data",
        what="The file is a Git LFS pointer (version https://git-lfs.github.com/spec/v1, oid, "
        "size): the repository stores the real file elsewhere. Reported once, on line 1.",
        why="The pointer's lines are not JSON; the data is fetched by `git lfs pull`.",
        source="git-lfs docs/spec.md (pointer file format v1); FORMATS.md §5 (pointer files "
        "named .jsonl in real repositories)",
    ),
    Rule(
        "mixed_kinds",
        ERROR,
        "line",
        "Line of another kind than the file",
        what="A line whose kind differs from the file's: an output or error line in a batch "
        "input, a request in an output file, or an Anthropic or Gemini line among OpenAI ones "
        "(usually two files concatenated). Reported once per line, naming both kinds, instead "
        "of every missing field.",
        why='A batch input holds only requests: OpenAI fails the batch ("Missing required '
        "parameter: 'method'\"). In an output file such a line is no answer to anything.",
        source="FORMATS.md §1.2 (mixed files); SPEC-old BatchRequestInput and BatchRequestOutput",
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
        why="A wrong type in the envelope fails the batch; in the body, OpenAI answers the "
        "request with a 400 invalid_type (\"Invalid type for 'temperature': ...\").",
        source="SDK TypedDicts (types via sdk_snapshot.json); SPEC; LS (invalid_type for metadata)",
        openai=DEPENDS,
    ),
    Rule(
        "invalid_method",
        ERROR,
        "envelope",
        "method is not POST",
        what='The method is anything but "POST".',
        why="Batch requests are POST requests to the endpoint: \"Invalid value: 'GET'. "
        "Supported values are: 'POST'\" (code invalid_method).",
        source="SPEC-old BatchRequestInput (method enum [POST]); GUIDE; console.groq.com/docs/batch "
        "(the errors.data entry of an OpenAI-compatible service)",
    ),
    Rule(
        "invalid_url",
        ERROR,
        "envelope",
        "url is not the batch endpoint",
        what="The url is not one of the provider's batch endpoints (for OpenAI the SDK's list; "
        "an Azure-style /chat/completions gets a hint), or differs from the url most lines use.",
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
        source="SPEC-old BatchRequestInput (four properties); OpenAI: unverified",
        openai=ACCEPTED,
    ),
    Rule(
        "empty_custom_id",
        ERROR,
        "envelope",
        "Empty custom_id",
        what="custom_id is the empty string.",
        why="Results are matched to requests by custom_id; an empty id cannot be joined.",
        source='GUIDE; BATCH_API.md "things to get right" #7; OpenAI: unverified',
    ),
    Rule(
        "custom_id_too_long",
        ERROR,
        "envelope",
        "custom_id too long",
        what="custom_id is longer than the provider allows: 512 characters on OpenAI (and "
        "Azure), 64 on Together; not checked where no limit is documented (Groq).",
        why="Long ids are rejected by batch services; keep ids short.",
        source="GUIDE 'Prepare your batch file' (the JSONL format: 512); "
        "docs.together.ai/docs/inference/batch/tutorial ('max 64 chars'); "
        "anthropics/anthropic-sdk-python#984 (Anthropic: 64); see batchtui rules --provider",
    ),
    Rule(
        "duplicate_custom_id",
        ERROR,
        "envelope",
        "custom_id used twice",
        what="A custom_id already used on an earlier line (reported on the later line, "
        "naming the first).",
        why='custom_id must be unique within a batch: "The custom_id for this request is a '
        "duplicate of another request. The custom_id parameter must be unique for each request "
        'in a batch." Output order is not guaranteed, so results are joined by id.',
        source="SPEC-old BatchRequestInput; GUIDE; AZ error codes (duplicate_custom_id); CB; "
        "community.openai.com/t/723696 (OpenAI's message)",
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
        "(1-2048 items, not empty), EditImageBodyJsonParam (images required)",
        openai=DEPENDS,
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
        openai=REQUEST,
    ),
    Rule(
        "value_out_of_range",
        ERROR,
        "body",
        "Number or length out of range",
        what="temperature outside 0-2, top_p outside 0-1, frequency/presence penalty outside "
        "-2..2, n outside 1-128 (images 1-10), top_logprobs outside 0-20, max_output_tokens "
        "below 16, other token limits below 1, embedding dimensions below 1; strings and "
        "arrays longer or shorter than allowed (safety_identifier, prompts, images).",
        why="The request fails with a 400 when the batch runs: \"Invalid 'max_output_tokens': "
        'integer below minimum value. Expected a value >= 16, but got 8 instead."',
        source="SPEC CreateChatCompletionRequest, ModelResponseProperties, CreateResponse "
        "(max_output_tokens minimum 16), CreateEmbeddingRequest, CreateCompletionRequest, "
        "CreateImageRequest, EditImageBodyJsonParam, CreateVideoJsonBody; FORMATS.md §3 "
        "(OpenAI's wording, smoke test 2026-09-24)",
        openai=REQUEST,
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
        ERROR,
        "body",
        "Unknown body parameter",
        what="A body (or message, content part) key that the SDK's request types for the "
        "endpoint do not declare, where those types are complete (every endpoint but "
        "/v1/images/edits), e.g. messages or max_tokens on /v1/responses. The hint names the "
        'parameter to use, or the closest known name ("did you mean max_tokens?").',
        why='OpenAI accepts the batch and answers each such request with a 400: "Unknown '
        "parameter: 'max_tokens'.\"",
        source="SDK TypedDict keys (sdk_snapshot.json); completeness checked against the SPEC "
        "request schemas (facts.SDK_TYPES_COMPLETE); FORMATS.md §3 (OpenAI's wording, smoke "
        "test 2026-09-24)",
        openai=REQUEST,
    ),
    Rule(
        "unlisted_parameter",
        WARNING,
        "body",
        "Parameter the SDK's types do not list",
        what="A body key the SDK does not declare, where its types are known to be "
        "incomplete: /v1/images/edits (the SDK types the multipart form, not the JSON body), "
        "and the bodies of other providers (Groq, Together), which take parameters of their "
        "own.",
        why="Probably a typo (the hint names the closest known name), but the service may know "
        "it: a warning, not an error.",
        source="SDK image_edit_params vs SPEC EditImageBodyJsonParam; provider profiles",
        openai=ACCEPTED,
    ),
    Rule(
        "unsupported_parameter",
        ERROR,
        "body",
        "Parameter that moved in the Responses API",
        what="A /v1/responses body sets a Chat Completions parameter that has a new place: "
        "response_format (now text.format) or reasoning_effort (now reasoning.effort).",
        why='OpenAI accepts the batch and fails every such request: "Unsupported parameter: '
        "'response_format'. In the Responses API, this parameter has moved to 'text.format'.\"",
        source="FORMATS.md §3: real error file errors/responses-response_format-moved.jsonl "
        "(code unsupported_parameter, param null); smoke test 2026-09-24 (reasoning_effort)",
        openai=REQUEST,
    ),
    Rule(
        "max_tokens_reasoning_model",
        ERROR,
        "body",
        "max_tokens sent to a reasoning model",
        what="A chat request to an o-series or gpt-5-family (or later) model sets max_tokens, "
        "whatever its reasoning effort.",
        why="OpenAI fails the request: \"Unsupported parameter: 'max_tokens' is not supported "
        "with this model. Use 'max_completion_tokens' instead.\" Model family judged by name.",
        source="SPEC CreateChatCompletionRequest (max_tokens not compatible with o-series); "
        "FORMATS.md §3 (OpenAI's wording; refused on gpt-6-luna even with effort none)",
        openai=REQUEST,
    ),
    Rule(
        "temperature_reasoning_model",
        ERROR,
        "body",
        "temperature or top_p sent to a reasoning model that reasons",
        what="temperature or top_p other than 1 on a reasoning model whose reasoning effort "
        "(the request's, or the model's default where known) is not 'none': the o-series and "
        "gpt-5/-mini/-nano/-pro always reason, gpt-6 and gpt-5.6 default to 'medium'. gpt-5.1 "
        "(default 'none') and any request that sets effort 'none' may use them.",
        why="OpenAI fails the request: \"Unsupported value: 'temperature' does not support 0.7 "
        'with this model. Only the default (1) value is supported." (Responses: '
        "\"Unsupported parameter: 'temperature' is not supported with this model.\")",
        source="FORMATS.md §3 (smoke test 2026-09-24: temperature/top_p only with effort none) "
        "and §2.1 (gpt-5.1 with temperature 0 accepted, effort none echoed)",
        openai=REQUEST,
    ),
    Rule(
        "temperature_effort_unknown",
        WARNING,
        "body",
        "temperature on a reasoning model of unknown default effort",
        what="temperature or top_p other than 1 on a reasoning model whose default reasoning "
        "effort batchtui does not know (e.g. gpt-5.2 to gpt-5.5), with no effort in the request.",
        why="Accepted only if the model's default effort is 'none'; set reasoning effort "
        "'none' explicitly to be sure.",
        source="FORMATS.md §3 (temperature/top_p only with effort none); default efforts: "
        "facts._DEFAULT_EFFORT",
        openai=ACCEPTED,
    ),
    Rule(
        "unknown_model",
        WARNING,
        "body",
        "Model name the SDK does not list",
        what="body.model is none of the model names the installed openai SDK lists for the "
        "endpoint (ChatModel, ResponsesModel, EmbeddingModel, ImageModel, VideoModel, ...), "
        "nor a fine-tune of one. OpenAI profile only (Azure uses deployment names).",
        why="OpenAI fails the batch at validation: \"The provided model '...' is not supported "
        'by the Batch API." (model_not_found). A warning: models newer than the SDK exist.',
        source="SDK model Literals (sdk_snapshot.json models); LS (model_not_found at validation)",
    ),
    Rule(
        "batch_model_alias",
        WARNING,
        "body",
        "A '-batch' model alias",
        what="body.model ends in '-batch' (gpt-4o-mini-batch), the habit of Azure deployment "
        "names, under the OpenAI profile.",
        why='OpenAI accepted such a file and failed every request: 403 "Project `proj_...` '
        'does not have access to model `gpt-4o-mini-2024-07-18-batch`" (model_not_found).',
        source="FORMATS.md §3 (errors/curator-403-batch-alias-and-expired.jsonl, a real error "
        "file); openai/openai-python#3071 (404 for a -batch alias)",
        openai=REQUEST,
    ),
    # -- output and error files ----------------------------------------------------------
    Rule(
        "result_custom_id",
        ERROR,
        "output",
        "Output line without a usable custom_id",
        what="A line of an output or error file whose custom_id is missing, not a string, or "
        "empty.",
        why="Results are joined to their requests by custom_id alone (output order is not "
        "input order), so such an answer belongs to no request.",
        source='GUIDE "Retrieve the results" (custom_id maps results to requests); SPEC-old '
        "BatchRequestOutput; FORMATS.md §2.2 (join on custom_id, never on position)",
        openai=NOT_SUBMITTED,
    ),
    Rule(
        "result_shape",
        ERROR,
        "output",
        "Output line without a status, body or error",
        what="A line of an output or error file that cannot be read as an answer or a "
        "failure: neither response nor error; response not an object; no integer "
        "status_code; a 2xx status without a body object; a 4xx/5xx status with no error "
        "(in response.body.error or error); response null with no error; error neither an "
        "object nor a string. Azure's error lines (no id, no body, error.message an object) "
        "and vLLM's (body null, error a string) are well-formed.",
        why='OpenAI writes {"id", "custom_id", "response": {"status_code", "request_id", '
        '"body"}, "error"}; a failure carries its error in response.body.error (HTTP) or in '
        "error (batch_expired). A line with neither was cut or rewritten by something else.",
        source='SPEC-old BatchRequestOutput; GUIDE "Retrieve the results"; FORMATS.md §2.2 '
        "(OpenAI, Azure and vLLM lines from real files and vLLM run_batch.py)",
        openai=NOT_SUBMITTED,
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
        "Too many requests",
        what="The file holds more requests than the provider takes: 50,000 on OpenAI, Groq "
        "and Together, 100,000 on Azure.",
        why="Split the file (batchtui split --provider ...).",
        source="SDK batch_create_params docstring; GUIDE; AZ error codes (too_many_tasks); "
        "see batchtui rules --provider",
    ),
    Rule(
        "file_too_large",
        ERROR,
        "file",
        "File too large",
        what="The file is larger than the provider takes: 200 MB (209,715,200 bytes) on "
        "OpenAI, Azure and Groq, 100 MB on Together.",
        why='"The batch input file is larger than the 209715200 maximum for the gpt-4o model. '
        'Please try again with a smaller batch." Split the file (batchtui split).',
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
    Rule(
        "foreign_format",
        ERROR,
        "file",
        "Another format than an OpenAI batch input",
        what="The file is another provider's batch file (Anthropic Message Batches requests "
        "or results, Gemini batch requests or results) or an OpenAI fine-tuning file. "
        "Reported once, on line 1, naming the format, what differs and the fix, instead of "
        "every line's missing custom_id, method, url and body.",
        why="OpenAI fails such a batch at validation: no line has method, url and body "
        '("Missing required parameter"). Request files convert: batchtui convert FILE --to '
        "chat|responses.",
        source="FORMATS.md §1 and §2.3-2.7 (real files of each format); "
        "docs.anthropic.com/en/api/creating-message-batches; "
        "ai.google.dev/gemini-api/docs/batch-mode; OpenAI fine-tuning guide (chat format)",
    ),
    Rule(
        "unknown_format",
        ERROR,
        "file",
        "No line is a batch request",
        what="No line of the file's head has the shape of any batch file: e.g. "
        "{prompt, completion} (legacy fine-tuning), DPO pairs, chat bodies without their "
        "envelope, a JSON state file. Reported once, on line 1, naming what the lines look "
        "like.",
        why="A batch input line is {custom_id, method, url, body}; OpenAI fails a batch "
        "without them at validation.",
        source="FORMATS.md §1.1 rule 11 (look-alikes found in real repositories); SPEC-old "
        "BatchRequestInput",
    ),
]

RULES: dict[str, Rule] = {rule.code: rule for rule in _RULES}
SCOPES = ("line", "envelope", "body", "file", "output")
SCOPE_TITLES = {
    "line": "Line",
    "envelope": "Envelope",
    "body": "Body",
    "file": "File",
    "output": "Output and error files",
}


def severity(code: str) -> Severity:
    return RULES[code].severity


_ENVELOPE_PATHS = frozenset({"custom_id", "method", "url", "body", "body.model"})


def openai_stage(finding: Finding) -> str:
    """What OpenAI does with the line of ``finding``: BATCH, REQUEST, UPLOAD or ACCEPTED
    (NOT_SUBMITTED for the rules of output and error files).

    A rule whose stage DEPENDS fails the batch in the envelope, for the body's model, and for
    a missing required body parameter (LS: "Model parameter is required.", "Messages
    parameter is required." in errors.data); any other body value fails only its request.
    """
    rule = RULES.get(finding.code)
    if rule is None:  # a rule this build does not know: errors fail the batch
        return BATCH if finding.severity is Severity.ERROR else ACCEPTED
    if rule.openai != DEPENDS:
        return rule.openai
    path = finding.path
    if path is None or path in _ENVELOPE_PATHS or not path.startswith("body."):
        return BATCH
    if finding.message.endswith("parameter is required.") and path.count(".") == 1:
        return BATCH
    return REQUEST


def reference(fmt: str = "text", provider: Provider | None = None) -> str:
    """The rules reference in ``text``, ``markdown`` or ``json``; with ``provider``, its
    limits (each with its source) come first."""
    rules = sorted(_RULES, key=lambda r: (SCOPES.index(r.scope), r.code))
    limits = provider.limits() if provider is not None else []
    if fmt == "json":
        import json

        data: object = [r.to_dict() for r in rules]
        if provider is not None:
            data = {
                "provider": provider.name,
                "limits": [{"what": w, "value": v, "source": src} for w, v, src in limits],
                "rules": data,
            }
        return json.dumps(data, indent=2) + "\n"
    if fmt == "markdown":
        out = [
            "# batchtui validation rules",
            "",
            "Generated by `batchtui rules --format markdown` from `batchtui/validation/rules.py`.",
            "",
        ]
        if provider is not None:
            out += [
                f"## Limits: {provider.title}",
                "",
                "| what | value | source |",
                "|---|---|---|",
            ]
            out += [f"| {w} | {v} | {src} |" for w, v, src in limits]
            out.append("")
        for scope in SCOPES:
            out += [f"## {SCOPE_TITLES[scope]}", ""]
            out += [
                "| code | severity | what | why | OpenAI | source |",
                "|---|---|---|---|---|---|",
            ]
            for r in rules:
                if r.scope == scope:
                    cells = [
                        f"`{r.code}`",
                        r.severity.value,
                        r.what,
                        r.why,
                        STAGE_TEXT[r.openai],
                        r.source,
                    ]
                    out.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
            out.append("")
        return "\n".join(out)
    out = []
    if provider is not None:
        out.append(f"limits of the {provider.name} profile ({provider.title}):")
        for what, value, src in limits:
            out.append(f"  {what}: {value}")
            out.append(f"    source: {src}")
        out.append("")
    for r in rules:
        out.append(f"{r.code} ({r.severity.value}, {r.scope}): {r.title}")
        out.append(f"  what:   {r.what}")
        out.append(f"  why:    {r.why}")
        out.append(f"  openai: {STAGE_TEXT[r.openai]}")
        out.append(f"  source: {r.source}")
        out.append("")
    return "\n".join(out)
