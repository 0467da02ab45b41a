"""Text is data in the TUI: typed text, file content and server values are never parsed as
markup, and no control or bidi character reaches the screen. Toasts are rendered here
(``notifications=True``): that is where markup in a message used to crash the app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import Static

from batchtui.api.models import BatchErrorView, BatchView, RequestCounts
from batchtui.api.poller import PollResult
from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.batches import BatchesScreen
from batchtui.ui.screens.dialogs import ConfirmDialog
from tests.results.builders import http_error, ok, request, write_lines
from tests.ui.conftest import REPO, screen_text, settle, wait_for
from tests.ui.test_results_view import plain

CHAT = REPO / "batchtui" / "examples" / "chat.jsonl"


def toasts(app: BatchTUI) -> list[tuple[str, bool]]:
    return [(n.message, n.markup) for n in app._notifications]


async def type_prompt(pilot: Any, key: str, text: str) -> None:
    await pilot.press(key)
    prompt = pilot.app.screen.query_one("#prompt")
    prompt.insert_text_at_cursor(text)  # typed as is: pilot key names cannot spell "[" etc.
    await pilot.press("enter")
    await settle(pilot)


async def test_typed_markup_in_prompts_is_shown_as_typed(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(CHAT)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        for key, typed, shown in (
            ("colon", "[/x]", "Not a line number: [/x]"),
            ("slash", "[/INST]", "Not found: “[/INST]”"),
            ("i", "[bold red]X[/]", "Not found: custom_id [bold red]X[/]"),
        ):
            await type_prompt(pilot, key, typed)
            assert app.is_running, f"{typed!r} in the {key} prompt ended the app"
            assert (shown, False) in toasts(app)
            await wait_for(pilot, lambda s=shown: s in screen_text(app), f"toast {shown!r}")
            app.clear_notifications()


async def test_a_click_action_in_a_search_is_not_live(make_app) -> None:  # type: ignore[no-untyped-def]
    app = make_app(CHAT)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        typed = "[b]zzz[/b] [@click=app.quit]QQ[/]"
        await type_prompt(pilot, "slash", typed)
        await wait_for(pilot, lambda: "QQ" in screen_text(app), "the not-found toast")
        assert "[@click=app.quit]QQ[/]" in screen_text(app)
        from textual.widgets._toast import Toast

        (toast,) = app.screen.query(Toast)
        content = toast.render()
        spans = getattr(content, "spans", [])
        assert not any("@click" in str(getattr(s, "style", "")) for s in spans)
        assert "[b]zzz[/b]" in str(content)


async def test_results_copy_of_a_custom_id_with_markup(tmp_path: Path) -> None:
    cid = "req-[/x]-1"
    inp = write_lines(tmp_path / "in.jsonl", [request(cid), request("req-2")])
    out = write_lines(tmp_path / "out.jsonl", [ok(cid)])
    err = write_lines(
        tmp_path / "err.jsonl", [http_error("req-2", 400, "[/bad]", "[bold]no[/] \x1b]0;t\x07")]
    )
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = {"input_path": str(inp), "output_path": str(out), "error_path": str(err)}
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("y")
        await wait_for(pilot, lambda: f"Copied {cid}" in screen_text(app), "the copied toast")
        assert app.is_running
        await pilot.press("]")  # the failure: its code and message are data too
        await settle(pilot)
        text = screen_text(app)
        assert "[/bad]" in text and "[bold]no[/]" in text
        assert "\x1b" not in text and "\x07" not in text


def _hostile_batch(status: str = "failed") -> BatchView:
    return BatchView(
        id="batch_[/x]\u202eevil",
        status=status,
        raw_status=status,
        endpoint="/v1/[b]chat[/b]",
        model="[/m]",
        created_at=1_760_000_000,
        expires_at=1_760_086_400,
        request_counts=RequestCounts(10, 0, 0),
        metadata={"description": "[/d] \x1b[31mred", "[i]k[/i]\x07": "[/v]\nrow"},
        errors=(BatchErrorView(code="[/c]", message="[red]bad[/] \x9b2J", line=3, param=None),),
    )


async def test_server_values_on_the_dashboard_are_not_markup(service, emu, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = BatchTUI(None, initial_mode="batches", service=service, clock=emu.state.now)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BatchesScreen)
        if screen.polls.timer is not None:
            screen.polls.timer.stop()
        batch = _hostile_batch("in_progress")
        screen.apply_result(PollResult([batch], None, 60.0, emu.state.now(), None))
        await settle(pilot)
        assert app.is_running
        side = screen.query_one("#batch-side")
        assert "[/x]" in str(side.border_title) and "\u202e" not in str(side.border_title)
        detail = plain(screen.query_one("#batch-detail-text", Static).content)
        for shown in ("[/d] \\e[31mred", "[i]k[/i]\\a", "[/v]\\nrow", "[/m]", "[b]chat[/b]"):
            assert shown in detail, shown
        text = screen_text(app)
        assert "[/c]" in text and "[red]bad[/]" in text
        assert not [c for c in "\x1b\x07\x9b\u202e" if c in text], text

        await pilot.press("y")
        await wait_for(pilot, lambda: "Copied batch_[/x]" in screen_text(app), "copied toast")
        await pilot.press("x")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the dialog")
        assert "[/x]" in screen_text(app) and "\u202e" not in screen_text(app)
        await pilot.press("n")
        await settle(pilot)

        # The batch finishes: the announcement toast carries its id.
        done = _hostile_batch("failed")
        from batchtui.api.poller import Change

        result = PollResult([done], None, 60.0, emu.state.now(), None, [Change(batch, done)])
        screen.apply_result(result)
        await settle(pilot)
        assert app.is_running
        assert any("batch_[/x]" in m and not markup for m, markup in toasts(app))


async def test_a_pasted_control_sequence_is_drawn_visibly_and_searched_as_is(make_app) -> None:  # type: ignore[no-untyped-def]
    from textual import events

    app = make_app(CHAT)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        prompt = app.screen.query_one("#prompt")
        prompt.post_message(events.Paste("a\x1b]0;pwned\x07b\u202ec"))
        await pilot.pause()
        assert prompt.value == "a\x1b]0;pwned\x07b\u202ec"  # the value is what was given
        drawn = screen_text(app)
        assert "a␛]0;pwned␇b\ufffdc" in drawn
        assert not any(c in drawn for c in "\x1b\x07\u202e")


async def test_an_export_name_the_os_cannot_take_is_refused(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request("a"), request("b")])
    err = write_lines(tmp_path / "err.jsonl", [http_error("b", 400, "bad", "no")])
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = {"input_path": str(inp), "error_path": str(err)}
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for name, why in (("r\x00.jsonl", "NUL"), ("r\ud800.jsonl", "lone surrogate")):
            await pilot.press("x")
            prompt = app.screen.query_one("#results-prompt")
            prompt.value = f"{tmp_path}/{name}"
            await pilot.press("enter")
            await settle(pilot)
            assert app.is_running
            assert any(why in m for m, _ in toasts(app)), toasts(app)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["err.jsonl", "in.jsonl"]


async def test_a_lone_surrogate_line_is_invalid_in_the_browser_too(make_app, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json

    from batchtui.ui.widgets.detail import DetailView

    good = json.dumps(request("ok-1"))
    bad = json.dumps(request("a\ud800b"))  # ASCII JSON: a \ud800 escape with no low half
    path = tmp_path / "s.jsonl"
    path.write_text(f"{good}\n{bad}\n")
    app = make_app(path, validate=True)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await wait_for(pilot, lambda: not app.screen.validation_running, "validation")
        await pilot.press("j", "s")  # the bad line, and rows as summaries
        await settle(pilot)
        detail = plain(app.screen.query_one(DetailView).query_one(Static).content)
        assert "Not valid JSON" in detail
        assert "invalid_json_line at custom_id" in detail and "\\ud800" in detail
        text = screen_text(app)
        assert "1 error" in text and "\ud800" not in text


def test_a_status_code_that_is_not_a_number_is_data() -> None:
    from batchtui.ui.transcript import transcript

    turns = transcript({"custom_id": "a", "response": {"status_code": "\x1b]0;x\x07[/b]"}})
    shown = "\n".join(t.plain for t in turns)
    assert "\\e]0;x\\a[/b]" in shown and "\x1b" not in shown


async def test_a_failure_code_in_the_export_prompt_status(tmp_path: Path) -> None:
    inp = write_lines(tmp_path / "in.jsonl", [request("a"), request("b")])
    err = write_lines(tmp_path / "err.jsonl", [http_error("b", 400, "X\x1b[2J\u202e", "no")])
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = {"input_path": str(inp), "error_path": str(err)}
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        screen.select_group(screen.result.histogram()[0].id)  # type: ignore[attr-defined]
        await pilot.press("x")
        await settle(pilot)
        text = screen_text(app)
        assert "failure group X\\e[2J\\u202e" in text
        assert "\x1b" not in text and "\u202e" not in text
        await pilot.press("escape")  # the prompt closes: the status line names the view
        await settle(pilot)
        text = screen_text(app)
        assert "failure group X\\e[2J\\u202e" in text
        assert "\x1b" not in text and "\u202e" not in text


async def test_a_file_that_cannot_be_reopened_is_named_safely(
    make_app, tmp_path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    # A relative name, so the status bar shows it whole however long tmp_path is.
    monkeypatch.chdir(tmp_path)
    folder = Path("d\x1b]0;pwned\x07\u202e")
    folder.mkdir()
    path = folder / "f.jsonl"
    path.write_text('{"custom_id": "a"}\n')
    app = make_app(path)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        path.unlink()
        app.screen.reopen("File changed on disk: reloaded.")
        await settle(pilot)
        text = screen_text(app)  # the status bar cuts the long name short
        assert "d\\e]" in text and "\x1b" not in text and "\u202e" not in text
