"""The entry point: help, version, bad paths, and that every browse option reaches the app."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from batchtui import __version__
from batchtui.cli.browse import build_app
from batchtui.cli.entry import COMMANDS, _browse_parser, _subcommand_names, _subcommand_parser, main
from batchtui.core.errors import UserError

EXAMPLE = Path(__file__).resolve().parents[1] / "batchtui" / "examples" / "chat.jsonl"


def test_static_command_list_matches_the_registered_subcommands() -> None:
    assert sorted(COMMANDS) == sorted(_subcommand_names(_subcommand_parser()))


def test_browsing_does_not_import_subcommand_modules() -> None:
    code = (
        "import sys, batchtui.cli.entry as c\n"
        "c._browse_parser(c.COMMANDS)\n"
        "print(any(m.startswith(('batchtui.validation', 'batchtui.api', 'batchtui.results'))"
        " for m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_browse_options_build_the_app() -> None:
    parser = _browse_parser(COMMANDS)
    args = parser.parse_args(
        [
            str(EXAMPLE),
            "--line",
            "3",
            "--follow",
            "--no-validate",
            "--download-dir",
            "/tmp",
            "--notify-desktop",
            "--notify-cmd",
            "true",
        ]
    )
    app = build_app(args)
    assert app.start_line == 3 and app.follow and not app.validate
    assert app.download_dir == "/tmp" and app.notify_desktop and app.notify_cmd == "true"
    app.index.close()


def test_the_browser_takes_the_provider_from_the_flag_or_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`batchtui FILE` checks against the same profile `batchtui validate FILE` would."""
    parser = _browse_parser(COMMANDS)
    monkeypatch.setenv("BATCHTUI_PROVIDER", "groq")
    app = build_app(parser.parse_args([str(EXAMPLE), "--no-validate"]))
    assert app.provider is not None and app.provider.name == "groq"
    app.index.close()
    app = build_app(parser.parse_args([str(EXAMPLE), "--no-validate", "--provider", "azure"]))
    assert app.provider is not None and app.provider.name == "azure"
    app.index.close()
    monkeypatch.setenv("BATCHTUI_PROVIDER", "nope")
    with pytest.raises(UserError, match="provider must be one of"):
        build_app(parser.parse_args([str(EXAMPLE), "--no-validate"]))


def test_the_validation_workers_started_early_apply_the_apps_provider(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The workers forked before the app check pieces with the rules of the provider the
    app's validator uses; workers of another provider's rules are not adopted."""
    from batchtui.validation import pieces, providers

    asked: list[object] = []
    monkeypatch.setattr(pieces, "head_start", lambda index, **kw: asked.append(kw) or None)
    monkeypatch.setenv("BATCHTUI_PROVIDER", "azure")
    app = build_app(_browse_parser(COMMANDS).parse_args([str(EXAMPLE)]))
    app.index.close()
    assert asked == [{"provider": providers.AZURE}] and app.provider is providers.AZURE
    head = pieces.HeadStart("f", (1, 2), 0, [], None, None, -1, provider=providers.AZURE)  # type: ignore[arg-type]

    class Ix:
        path, file_id = "f", (1, 2)

    assert head.matches(Ix(), providers.AZURE)  # type: ignore[arg-type]
    assert not head.matches(Ix(), providers.OPENAI)  # type: ignore[arg-type]
    assert not head.matches(Ix())  # type: ignore[arg-type]


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert __version__ in capsys.readouterr().out


@pytest.mark.parametrize("target", ["missing.jsonl", "."])
def test_bad_paths_are_one_line_and_exit_2(tmp_path: Path, target: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui", str(tmp_path / target)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("batchtui: ")
    assert "Traceback" not in proc.stderr


def test_help_lists_subcommands() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "batchtui", "--help"], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0
    for word in ("validate", "results", "batches", "demo", "emulator"):
        assert word in proc.stdout


@pytest.mark.parametrize(
    ("argv", "suggestion"),
    [
        (["validat", "f.jsonl"], "validate"),
        (["validat"], "validate"),
        (["batchs", "list"], "batches"),
    ],
)
def test_a_mistyped_command_suggests_the_right_one(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    suggestion: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"batchtui: unknown command '{argv[0]}'; did you mean '{suggestion}'?\n"


def test_a_file_named_like_a_command_typo_still_opens(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "validat").write_text("")
    opened: list[str] = []
    monkeypatch.setattr("batchtui.cli.browse.launch", lambda args: opened.append(args.file) or 0)
    assert main(["validat"]) == 0
    assert opened == ["validat"]


def test_a_missing_file_is_not_taken_for_a_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("batchtui.cli.browse.launch", lambda args: 0)
    main(["results.jsonl"])
    assert "did you mean" not in capsys.readouterr().err
