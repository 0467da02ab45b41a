"""Emulator settings and the Batch API limits it enforces.

Every limit here comes from /work/shared/BATCH_API.md (sections 1, 3, 6); the timings are the
emulator's own choice, picked so that a demo at ``--speed 60`` shows every phase within a
minute or two.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from batchtui.validation.providers import OPENAI_ENDPOINTS

# The endpoint Literal of the SDK (BATCH_API.md §1), in the SDK's order: the validator's list.
BATCH_ENDPOINTS: tuple[str, ...] = OPENAI_ENDPOINTS
COMPLETION_WINDOWS: tuple[str, ...] = ("24h",)
UPLOAD_PURPOSES: tuple[str, ...] = (
    "assistants",
    "batch",
    "fine-tune",
    "vision",
    "user_data",
    "evals",
)

MAX_BATCH_FILE_BYTES = 209_715_200  # 200 MiB: the figure OpenAI's own error text quotes
MAX_FILE_BYTES = 512 * 1024 * 1024
MAX_REQUESTS = 50_000
METADATA_MAX_PAIRS = 16
METADATA_MAX_KEY = 64
METADATA_MAX_VALUE = 512
FILE_EXPIRY_MIN = 3600
FILE_EXPIRY_MAX = 2_592_000
BATCH_FILE_DEFAULT_EXPIRY = 30 * 86_400  # purpose=batch files expire after 30 days
WINDOW_SECONDS = 86_400

# Metadata keys that inject faults into one batch (values are strings, as metadata must be).
META_PREFIX = "emulator."
META_FAIL_VALIDATION = "emulator.fail_validation"  # an error code, or "1" = token_limit_exceeded
META_FAIL_FRACTION = "emulator.fail_fraction"  # 0..1 share of requests that fail
META_EXPIRE = "emulator.expire"  # share of requests done when the 24 h window ends (0..1)
META_PROCESSING_SECONDS = "emulator.processing_seconds"  # in_progress duration
META_RATE_LIMIT = "emulator.rate_limit"  # "N" or "N/RETRY_AFTER": 429s on this batch's routes
META_SERVER_ERROR = "emulator.server_error"  # "N": 500s on this batch's routes
META_SLOW = "emulator.slow"  # seconds of latency on this batch's routes
META_DROP_DOWNLOAD = "emulator.drop_download"  # "N": drop N downloads of its files halfway
META_KEYS = (
    META_FAIL_VALIDATION,
    META_FAIL_FRACTION,
    META_EXPIRE,
    META_PROCESSING_SECONDS,
    META_RATE_LIMIT,
    META_SERVER_ERROR,
    META_SLOW,
    META_DROP_DOWNLOAD,
)


@dataclass
class EmulatorOptions:
    """How the emulator behaves. Tests usually want ``speed=0`` (a clock that only moves when
    told to) and a fixed ``seed``; the standalone server runs at ``speed=1``."""

    host: str = "127.0.0.1"
    port: int = 0
    # None: any non-empty bearer token is accepted; otherwise only these keys.
    api_keys: tuple[str, ...] | None = None
    speed: float = 1.0
    start_time: float | None = None  # emulated Unix time at start; None = now
    seed: int = 0
    data_dir: Path | None = None  # file contents live here; None = a temp dir removed on close
    # Save files' and batches' metadata and the clock in data_dir/state.json after each change
    # and restore them at start, so a restart keeps everything (`batchtui emulator --data-dir`).
    keep_state: bool = False
    # Timing of the lifecycle, in emulated seconds.
    validation_seconds: float = 20.0
    processing_seconds: float = 60.0  # base in_progress duration ...
    seconds_per_request: float = 0.05  # ... plus this much per request
    finalizing_seconds: float = 15.0
    cancelling_seconds: float = 10.0
    window_seconds: int = WINDOW_SECONDS
    # Outcomes.
    failure_rate: float = 0.0  # share of requests that fail with an HTTP-style error
    http_errors_in_output: bool = False  # some providers put 4xx/5xx lines in the output file
    clean_error_file_id: str | None = None  # "" mimics providers that send "" when clean
    cancelled_lines: bool = True  # unprocessed requests of a cancelled batch -> error lines
    # The enqueued-token limit (token_limit_exceeded at validation beyond it): per model
    # (``--queue-limit MODEL=TOKENS``; a dated snapshot shares its model's queue), and for
    # every other model. Tokens are counted with batchtui's own counter (batchtui.cost).
    queue_limits: Mapping[str, int] = field(default_factory=dict)
    enqueued_token_limit: int | None = None
    # Who the emulator pretends the caller is (the token_limit_exceeded message names the
    # organization; the Admin API lists this one project).
    organization_id: str = "org-emulator"
    project_id: str = "proj_emulator"
    # Admin keys: when set, the Admin API's project list and project rate limits are served
    # (``--admin-key``) and only these keys may read them.
    admin_keys: tuple[str, ...] | None = None
    max_requests: int = MAX_REQUESTS
    max_batch_file_bytes: int = MAX_BATCH_FILE_BYTES
    # Provider quirks seen in the wild (BATCH_API.md §8), applied to every batch object:
    # "uppercase_status" (Together), "null_counts" and "empty_file_ids" (Azure),
    # "no_model" and "no_usage" (older API versions and other providers).
    quirks: frozenset[str] = frozenset()
    # Transport.
    supports_range: bool = True  # honour Range on file content (lets downloads resume)
    latency: float = 0.0  # real seconds added to every answer


QUIRKS = frozenset({"uppercase_status", "null_counts", "empty_file_ids", "no_model", "no_usage"})
