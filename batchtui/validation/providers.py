"""Provider profiles: the limits and rules of each service that takes OpenAI-shaped batch files.

OpenAI's own Batch API is the default. Azure OpenAI runs the same service with other limits
and deployment names for models; Groq and Together accept the same JSONL lines with their own
limits. Every figure names where it comes from; one no source documents is ``None`` with the
source saying "undocumented", and then nothing is checked against it.

Chosen by ``--provider`` or detected from ``OPENAI_BASE_URL`` (:func:`detect`). Source tags
are those of ``BATCH_API.md`` (SDK, SPEC, GUIDE, AZ, ...), or a URL.

The one source of every limit: the validator, ``split``, and the browser (which checks a file's
size and line count at open with :func:`file_limits`, long before validation reaches the end).
So this module imports nothing heavy: the standard library and the SDK snapshot (a small JSON
file), never the validator (the package's ``__init__`` loads that lazily).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import urlsplit

T = TypeVar("T")

MIB = 1024 * 1024
# OpenAI's file limits, also the fallback where a profile documents none (split needs numbers).
_OPENAI_MAX_REQUESTS = 50_000
_OPENAI_MAX_FILE_BYTES = 200 * MIB  # OpenAI's own error text says 209,715,200 bytes


@dataclass(frozen=True, slots=True)
class Sourced(Generic[T]):
    """A value and where it comes from."""

    value: T
    source: str


def _sdk_endpoints() -> tuple[str, ...]:
    """BatchCreateParams.endpoint of the SDK (via sdk_snapshot.json), in the SDK's order."""
    from batchtui.validation import sdk_snapshot

    snap = sdk_snapshot.load()
    return tuple(snap.get("batch_endpoints_in_order") or snap["batch_endpoints"])


OPENAI_ENDPOINTS = _sdk_endpoints()


@dataclass(frozen=True, slots=True)
class Provider:
    name: str
    title: str
    # Batch limits; None = undocumented, not checked.
    max_requests: Sourced[int | None]
    max_file_bytes: Sourced[int | None]
    max_embedding_inputs: Sourced[int | None]
    max_custom_id: Sourced[int | None]
    # The ``url`` forms a line may carry, each mapped to the OpenAI endpoint whose body rules
    # apply (None: a body batchtui has no rules for, e.g. Groq's audio transcriptions).
    urls: Sourced[Mapping[str, str | None]]
    completion_windows: Sourced[str]
    # Envelope keys a line must have (Together needs only custom_id and body).
    envelope_required: Sourced[tuple[str, ...]]
    # The endpoint a line without ``url`` is judged by (Together), else None.
    default_endpoint: str | None
    one_model: Sourced[bool]  # every line names the same model
    one_url: Sourced[bool]  # every line has the same url (the batch's endpoint)
    # True: ``model`` is a deployment name chosen by the user (Azure), not a model name, so
    # it is not compared with the SDK's model names.
    deployment_names: Sourced[bool]
    # True: the SDK's request types are OpenAI's own, so a key they lack is unknown to the
    # service. False for services that accept parameters of their own (Groq, Together).
    openai_bodies: Sourced[bool]
    hosts: tuple[str, ...]  # OPENAI_BASE_URL host suffixes that select this profile

    def limits(self) -> list[tuple[str, str, str]]:
        """(what, value, source) rows, for ``batchtui rules --provider``."""

        def count(v: int | None, unit: str = "") -> str:
            return "undocumented (not checked)" if v is None else f"{v:,}{unit}"

        size = self.max_file_bytes.value
        rows = [
            ("requests per file", count(self.max_requests.value), self.max_requests.source),
            (
                "bytes per file",
                count(size) + (f" ({size / MIB:,.0f} MiB)" if size else ""),
                self.max_file_bytes.source,
            ),
            (
                "embedding inputs per file",
                count(self.max_embedding_inputs.value),
                self.max_embedding_inputs.source,
            ),
            (
                "custom_id length",
                count(self.max_custom_id.value, " characters"),
                self.max_custom_id.source,
            ),
            ("line urls", ", ".join(self.urls.value), self.urls.source),
            ("completion window", self.completion_windows.value, self.completion_windows.source),
            (
                "line keys required",
                ", ".join(self.envelope_required.value),
                self.envelope_required.source,
            ),
            (
                "one model per file",
                "yes" if self.one_model.value else "no",
                self.one_model.source,
            ),
            ("one url per file", "yes" if self.one_url.value else "no", self.one_url.source),
            (
                "model is",
                "a deployment name" if self.deployment_names.value else "a model name",
                self.deployment_names.source,
            ),
        ]
        return rows

    def part_limits(self) -> tuple[int, int]:
        """(requests, bytes) each part of a split must fit: this profile's limits, OpenAI's
        where it documents none."""
        return (
            self.max_requests.value or _OPENAI_MAX_REQUESTS,
            self.max_file_bytes.value or _OPENAI_MAX_FILE_BYTES,
        )


@dataclass(frozen=True, slots=True)
class LimitNote:
    """A file-level limit a file breaks, known before validation reads it."""

    code: str  # the rule the validator reports at the end
    message: str
    short: str  # how a status line names it: "over 200 MB"


def file_limits(
    size: int, lines: int, provider: Provider | None = None, *, lines_final: bool = True
) -> list[LimitNote]:
    """The limits of ``provider`` (default OpenAI's) that ``size`` bytes and ``lines`` lines
    already break.

    The size is known when a file is opened and its line count once indexing gets there,
    long before the validator reaches the end (where it reports ``file_too_large`` and
    ``too_many_tasks`` with the exact request count): saying so at once saves reading a
    gigabyte to learn the file must be split anyway. ``lines_final`` is False while the count
    is still growing; a count over the limit is over it whatever comes next. Lines stand in
    for requests here: a request takes one line, and only blank lines (rare) make the
    validator's final count lower.
    """
    provider = provider or OPENAI
    out = []
    most_bytes = provider.max_file_bytes.value
    if most_bytes is not None and size > most_bytes:
        out.append(
            LimitNote(
                "file_too_large",
                f"{size / MIB:,.1f} MB: over the {_size(most_bytes)} a batch input file may have",
                f"over {_size(most_bytes)}",
            )
        )
    most_requests = provider.max_requests.value
    if most_requests is not None and lines > most_requests:
        count = f"{lines:,}" if lines_final else f"{lines:,}+"
        out.append(
            LimitNote(
                "too_many_tasks",
                f"{count} lines: over the {most_requests:,} requests a batch takes",
                f"over {most_requests:,} requests",
            )
        )
    return out


def _size(n: int) -> str:
    return f"{n // MIB:,} MB" if n % MIB == 0 else f"{n:,} bytes"


_SDK_LIMITS = (
    "SDK batch_create_params docstring (openai 3.57.0): 'The file can contain up to 50,000 "
    "requests, and can be up to 200 MB in size'; GUIDE 'Rate limits'"
)
_SDK_EMBEDDINGS = (
    "SDK batch_create_params docstring: '/v1/embeddings batches are also restricted to a "
    "maximum of 50,000 embedding inputs across all requests in the batch'"
)
_OPENAI_CUSTOM_ID = (
    "GUIDE 'Prepare your batch file' (the JSONL format, "
    "https://developers.openai.com/api/docs/guides/batch#1-prepare-your-batch-file); the SDK "
    "and SPEC carry no limit"
)
_ENVELOPE = ("custom_id", "method", "url", "body")

OPENAI = Provider(
    name="openai",
    title="OpenAI Batch API",
    max_requests=Sourced(_OPENAI_MAX_REQUESTS, _SDK_LIMITS),
    max_file_bytes=Sourced(
        _OPENAI_MAX_FILE_BYTES,
        _SDK_LIMITS + "; error text 'larger than the 209715200 maximum' "
        "(errerrors.blogspot.com 2024-07)",
    ),
    max_embedding_inputs=Sourced(50_000, _SDK_EMBEDDINGS),
    max_custom_id=Sourced(512, _OPENAI_CUSTOM_ID),
    urls=Sourced(
        {e: e for e in OPENAI_ENDPOINTS},
        "SDK BatchCreateParams.endpoint Literal (openai 3.57.0; same list in SPEC "
        "CreateBatchRequest)",
    ),
    completion_windows=Sourced("24h", "SDK BatchCreateParams.completion_window Literal['24h']"),
    envelope_required=Sourced(
        _ENVELOPE, "LS (each missing key is its own missing_required_parameter); SPEC-old"
    ),
    default_endpoint=None,
    one_model=Sourced(True, "GUIDE: 'each input file can only include requests to a single model'"),
    one_url=Sourced(
        True, "LS test_batch_endpoint_mismatch (invalid_url); openai/openai-python#2497"
    ),
    deployment_names=Sourced(False, "SDK (model names: ChatModel, ResponsesModel, ...)"),
    openai_bodies=Sourced(True, "OpenAI's own API"),
    hosts=("api.openai.com",),
)

AZURE = Provider(
    name="azure",
    title="Azure OpenAI global batch",
    max_requests=Sourced(
        100_000,
        "AZ batch.md error codes: too_many_tasks, 'exceeds the maximum allowed value of "
        "100,000'; AZ includes/global-batch-limits.md",
    ),
    max_file_bytes=Sourced(200 * MIB, "AZ includes/global-batch-limits.md (200 MB)"),
    max_embedding_inputs=Sourced(
        None, "undocumented: AZ batch.md FAQ says embeddings models are not supported in batch"
    ),
    max_custom_id=Sourced(
        512, "undocumented for Azure; OpenAI's figure kept (" + _OPENAI_CUSTOM_ID + ")"
    ),
    urls=Sourced(
        {
            "/chat/completions": "/v1/chat/completions",
            "/v1/chat/completions": "/v1/chat/completions",
            "/v1/responses": "/v1/responses",
        },
        "AZ includes/batch/batch-python.md ('/chat/completions' with dated API versions; "
        "'/v1/chat/completions' and '/v1/responses' with the v1 API); AZ batch.md FAQ "
        "(no embeddings)",
    ),
    completion_windows=Sourced(
        "24h", "AZ batch.md ('24h' in every example; jobs are not expired after 24 h)"
    ),
    envelope_required=Sourced(_ENVELOPE, "AZ batch.md input format (custom_id, method, url, body)"),
    default_endpoint=None,
    one_model=Sourced(
        True, "AZ batch.md error codes: model_mismatch (one deployment name per file)"
    ),
    one_url=Sourced(True, "AZ batch.md error codes: url_mismatch"),
    deployment_names=Sourced(
        True,
        "AZ batch.md: body.model is the Global-Batch deployment name; error model_not_found "
        "means the deployment name was not found",
    ),
    openai_bodies=Sourced(True, "AZ: Azure OpenAI runs OpenAI's models and API shapes"),
    hosts=(".openai.azure.com", ".services.ai.azure.com", ".cognitiveservices.azure.com"),
)

_GROQ_DOCS = "console.groq.com/docs/batch"
GROQ = Provider(
    name="groq",
    title="Groq Batch API",
    max_requests=Sourced(
        50_000,
        f"{_GROQ_DOCS} ('The Files API currently only supports .jsonl files 50,000 lines or "
        "less and up to maximum of 200MB in size')",
    ),
    max_file_bytes=Sourced(
        200 * MIB,
        f"{_GROQ_DOCS} (200MB; the groq-python batch_create_params docstring still says 100 MB)",
    ),
    max_embedding_inputs=Sourced(None, "undocumented: Groq batches take no embeddings"),
    max_custom_id=Sourced(None, f"undocumented ({_GROQ_DOCS})"),
    urls=Sourced(
        {
            "/v1/chat/completions": "/v1/chat/completions",
            "/v1/audio/transcriptions": None,
            "/v1/audio/translations": None,
        },
        f"{_GROQ_DOCS} ('The Groq Batch API currently supports' chat completions, audio "
        "transcriptions and translations)",
    ),
    completion_windows=Sourced(
        "24h to 7d",
        f"{_GROQ_DOCS}; groq/groq-python batch_create_params ('Durations from 24h to 7d')",
    ),
    envelope_required=Sourced(
        _ENVELOPE, f"{_GROQ_DOCS} ('The structure for each line must include' all four)"
    ),
    default_endpoint=None,
    one_model=Sourced(
        False, f"{_GROQ_DOCS} ('Mixed Batch' example: two models, chat and audio lines)"
    ),
    one_url=Sourced(False, f"{_GROQ_DOCS} ('Mixed Batch' example)"),
    deployment_names=Sourced(False, "Groq model ids (not OpenAI's: no model-name check)"),
    openai_bodies=Sourced(
        False, "Groq's own API reference (parameters OpenAI's SDK does not know)"
    ),
    hosts=("api.groq.com",),
)

_TOGETHER = "docs.together.ai/docs/inference/batch"
TOGETHER = Provider(
    name="together",
    title="Together AI Batch API",
    max_requests=Sourced(50_000, f"{_TOGETHER}/overview ('Up to 50,000 requests per batch')"),
    max_file_bytes=Sourced(100 * MIB, f"{_TOGETHER}/overview ('Up to 100 MB per input file')"),
    max_embedding_inputs=Sourced(None, "undocumented"),
    max_custom_id=Sourced(64, f"{_TOGETHER}/tutorial (custom_id: 'max 64 chars')"),
    urls=Sourced(
        {"/v1/chat/completions": "/v1/chat/completions", "/v1/completions": "/v1/completions"},
        f"{_TOGETHER}/overview; togethercomputer/together-python src/together/types/batch.py "
        "(BatchEndpoint)",
    ),
    completion_windows=Sourced(
        "24h", f"{_TOGETHER}/overview ('defaults to 24h and cannot be changed')"
    ),
    envelope_required=Sourced(
        ("custom_id", "body"),
        f"{_TOGETHER}/tutorial ('A request has two fields: a custom_id you choose, and a body')",
    ),
    default_endpoint="/v1/chat/completions",
    one_model=Sourced(True, "undocumented; kept as on OpenAI"),
    one_url=Sourced(True, "undocumented; kept as on OpenAI"),
    deployment_names=Sourced(False, "Together model ids (not OpenAI's: no model-name check)"),
    openai_bodies=Sourced(False, "Together's own API reference"),
    hosts=("api.together.xyz", "api.together.ai"),
)

PROVIDERS: dict[str, Provider] = {p.name: p for p in (OPENAI, AZURE, GROQ, TOGETHER)}


def get(name: str) -> Provider:
    try:
        return PROVIDERS[name]
    except KeyError:
        raise ValueError(f"unknown provider {name!r} (known: {', '.join(PROVIDERS)})") from None


def detect(base_url: str | None) -> tuple[Provider, str]:
    """The profile ``base_url`` (the settings' ``OPENAI_BASE_URL``) points at, and why:
    ``(provider, reason)``.

    No URL, or a host no profile claims (a proxy, the emulator), means OpenAI.
    """
    base = base_url or ""
    if not base:
        return OPENAI, "default"
    host = (urlsplit(base if "://" in base else "https://" + base).hostname or "").lower()
    for provider in PROVIDERS.values():
        for suffix in provider.hosts:
            if host == suffix.lstrip(".") or (suffix.startswith(".") and host.endswith(suffix)):
                return provider, f"OPENAI_BASE_URL host {host}"
    return OPENAI, "default"
