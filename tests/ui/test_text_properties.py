"""Property test: random strings mixing markup, escapes, C1, bidi, lone surrogates and newlines
typed into every prompt of the TUI. The app never crashes, nothing raw reaches the screen, and
every toast shows its message exactly (no markup interpreted, no click action made live).

One app per example, many strings per app: a Pilot session costs far more than a keystroke.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from textual.widgets._toast import Toast

from batchtui.api.config import ClientSettings
from batchtui.api.records import RecordStore
from batchtui.api.service import BatchService
from batchtui.emulator.options import EmulatorOptions
from batchtui.emulator.server import EmulatorServer
from batchtui.jsonl import LineIndex
from batchtui.ui.app import BatchTUI
from batchtui.ui.screens.batches import BatchesScreen
from batchtui.ui.widgets.prompt import PromptBar
from tests.results.builders import http_error, ok, request, write_lines
from tests.ui.conftest import REPO, screen_text, settle

PIECES = [
    "[/x]",
    "[/]",
    "[b]",
    "[bold red]",
    "[@click=app.quit]",
    "[link=https://x]",
    "\\",
    "\\e",
    "\\u202e",
    "\x1b]0;pwned\x07",
    "\x1b[2J",
    "\x00",
    "\x9b",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200f",
    "\ufeff",
    "\ud800",
    "\udfff",
    "\n",
    "\r",
    "\t",
    "한국어",
    "😀",
    "12",
    "-1",
    "req-",
]
hostile = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=3)), min_size=1, max_size=10
).map("".join)
RAW = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b\u200e\u200f\u2028\u2029\u202a-\u202e"
    "\u2060-\u2064\u2066-\u2069\ufeff\ud800-\udfff]"
)
CHAT = REPO / "batchtui" / "examples" / "chat.jsonl"
# Every piece at least once, whatever the generator draws (explicit examples always run).
# Controls first in one, markup first in another: status lines and titles cut long text.
ALL_PIECES = ["".join(PIECES[9:] + PIECES[:9]), "".join(PIECES), "".join(reversed(PIECES))]
# No shrinking: each example is a whole Pilot session; a failure prints its strings anyway.
# One or two generated examples (plus the explicit one) keep the suite fast.
PROPERTY = settings(
    max_examples=1,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def check_screen(app: BatchTUI, what: str) -> None:
    assert app.is_running, f"the app ended after {what}"
    text = screen_text(app)
    raw = RAW.findall(text)
    assert not raw, f"raw {raw!r} on screen after {what}"
    for toast in app.screen.query(Toast):
        note = toast._notification
        assert not note.markup
        assert not RAW.findall(note.message + note.title)
        content = toast.render()
        # Shown exactly: markup would drop brackets, a click action would add a meta span.
        assert str(content).endswith(note.message), (str(content), note.message)
        assert not any("@click" in str(getattr(s, "style", "")) for s in content.spans)


async def submit(pilot: Any, ask: Callable[[], object], prompt_id: str, typed: str) -> None:
    """Open a prompt by its action (the keys themselves are tested elsewhere; pressing them
    costs a frame each), type ``typed`` over its default as a paste would, press Enter."""
    app = pilot.app
    ask()
    prompt = app.screen.query_one(f"#{prompt_id}", PromptBar)
    prompt.value = ""
    prompt.insert_text_at_cursor(typed)
    drawn = prompt.render_line(0).text
    assert not RAW.findall(drawn), f"raw {RAW.findall(drawn)!r} drawn in the prompt"
    await prompt.action_submit()
    await settle(pilot)
    await pilot.pause()  # toasts are mounted after the message that raises them
    check_screen(app, f"{typed!r} in the {prompt.kind} prompt")


def run_app(app: BatchTUI, drive: Callable[[Any], Awaitable[None]], size=(80, 24)) -> None:  # type: ignore[no-untyped-def]
    async def go() -> None:
        async with app.run_test(size=size, notifications=True) as pilot:
            await settle(pilot)
            await drive(pilot)
            assert app.is_running

    asyncio.run(go())


@PROPERTY
@example(strings=ALL_PIECES)
@given(strings=st.lists(hostile, min_size=2, max_size=2))
def test_file_prompts_take_anything(strings: list[str]) -> None:
    app = BatchTUI(LineIndex(CHAT), validate=False)

    async def drive(pilot: Any) -> None:
        screen = app.screen
        for typed in strings:
            for kind in ("goto", "search", "custom_id"):
                await submit(pilot, lambda k=kind: screen.action_prompt(k), "prompt", typed)
                app.clear_notifications()
            screen.action_search_next(1)  # the next match of the last search, by its label
            await settle(pilot)
            check_screen(app, f"n after searching {typed!r}")

    run_app(app, drive)


@settings(PROPERTY, max_examples=1)
@example(strings=ALL_PIECES[:2])
@given(strings=st.lists(hostile, min_size=2, max_size=2))
def test_results_prompts_take_anything(strings: list[str], tmp_path_factory: Any) -> None:
    tmp: Path = tmp_path_factory.mktemp("results")
    # The strings are a custom_id, the failure's code and its message too (ASCII JSON: lone
    # halves escaped).
    cid = f"b{strings[1]}"
    inp = write_lines(tmp / "in.jsonl", [request("a"), json.dumps(request(cid)).encode()])
    out = write_lines(tmp / "out.jsonl", [ok("a")])
    failure = http_error(cid, 400, strings[0], strings[1])
    err = write_lines(tmp / "err.jsonl", [json.dumps(failure).encode()])
    app = BatchTUI(None, initial_mode="results", validate=False)
    app.results_args = {"input_path": str(inp), "output_path": str(out), "error_path": str(err)}

    async def drive(pilot: Any) -> None:
        screen = app.screen
        check_screen(app, "joining")
        screen.select_group(screen.result.histogram()[0].id)  # its code titles the list
        await settle(pilot)
        check_screen(app, "filtering by the failure group")
        for typed in strings[:1]:  # each prompt costs a frame or a worker: one string
            for kind in ("search", "custom_id", "goto"):  # / i :
                await submit(pilot, lambda k=kind: screen.action_find(k), "results-prompt", typed)
                app.clear_notifications()
            screen.action_search_next(1)
            await settle(pilot)
            check_screen(app, f"n after searching the results for {typed!r}")
            # x asks where to write the retry file, E where to export: the typed text is a
            # file name (kept inside the test's folder).
            for ask, suffix in (
                (screen.action_export_retry, ".jsonl"),
                (screen.action_export_results, ".csv"),
            ):
                name = f"{tmp}/p-{typed}{suffix}"
                await submit(pilot, ask, "results-prompt", name)
                if app.screen is not screen:  # "Overwrite?": check it, then say no
                    check_screen(app, f"asking to overwrite {name!r}")
                    app.screen.dismiss(False)
                    await settle(pilot)
                check_screen(app, f"exporting to {name!r}")
                app.clear_notifications()

    run_app(app, drive)


@settings(PROPERTY, max_examples=1)
@example(strings=ALL_PIECES)
@given(strings=st.lists(hostile, min_size=2, max_size=2))
def test_batches_filter_takes_anything(strings: list[str], tmp_path_factory: Any) -> None:
    tmp: Path = tmp_path_factory.mktemp("batches")

    async def go() -> None:
        options = EmulatorOptions(speed=0.0, seed=3, start_time=1_760_000_000.0, data_dir=tmp)
        async with EmulatorServer(options) as emu:
            service = BatchService(
                ClientSettings(api_key="sk-test", base_url=emu.base_url, max_retries=0),
                records=RecordStore(tmp / "records.json"),
            )
            app = BatchTUI(None, initial_mode="batches", service=service, clock=emu.state.now)
            async with app.run_test(size=(100, 30), notifications=True) as pilot:
                await settle(pilot)
                assert isinstance(app.screen, BatchesScreen)
                screen = app.screen
                for typed in strings:
                    screen.action_filter_text()
                    box = screen.query_one("#batch-filter")
                    box.value = ""
                    box.insert_text_at_cursor(typed)
                    await settle(pilot)
                    check_screen(app, f"filtering by {typed!r}")
                    screen.action_clear_filter()
            await service.close()

    asyncio.run(go())
