"""Cost in the File screen: the report header's estimate (a sample first, then the exact count,
in the background), the detail pane's token count of the line, and the submit dialog's cost
and queue rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from batchtui.api.service import BatchService
from batchtui.cost.count import RequestCounter
from batchtui.cost.estimate import estimate, saving_line
from batchtui.cost.queue import short_tokens
from batchtui.cost.scan import count_file
from batchtui.emulator import samples
from batchtui.emulator.server import EmulatorServer
from batchtui.jsonl import LineIndex
from batchtui.ui.app import BatchTUI
from batchtui.ui.estimate import COUNTING, DONE, SAMPLE, EstimateState, run_estimate
from batchtui.ui.screens.dialogs import ConfirmDialog, SubmitDialog
from batchtui.ui.screens.file import FileScreen
from batchtui.ui.widgets.detail import DetailView
from tests.ui.conftest import REPO, screen_text, settle, wait_for

CHAT = REPO / "batchtui" / "examples" / "chat.jsonl"


async def test_report_header_shows_the_estimate_once_counted() -> None:
    app = BatchTUI(LineIndex(CHAT), validate=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, FileScreen) and screen.estimate_state.exact
        await pilot.press("v")
        await settle(pilot)
        text = screen_text(app)
        expected = estimate(count_file(CHAT))
        assert saving_line(expected.cost) in text, text
        assert f"{expected.tokens.input_tokens:,} input tokens" in text
        assert f"output at most {short_tokens(expected.tokens.output_max)}" in text


async def test_a_slow_count_never_delays_the_screen(monkeypatch: Any) -> None:
    import threading

    import batchtui.ui.estimate as estimate_module

    release = threading.Event()
    real = estimate_module.run_estimate

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)  # a tokenizer that takes its time, or a huge file
        return real(*args, **kwargs)

    monkeypatch.setattr(estimate_module, "run_estimate", slow)
    app = BatchTUI(LineIndex(CHAT), validate=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, FileScreen)
        await wait_for(
            pilot,
            lambda: screen.validation_snapshot is not None and screen.validation_snapshot.done,
            "validation",
        )
        await pilot.press("j")
        await pilot.pause()
        assert "chat-001-ko" in screen_text(app) and screen.line_list.cursor == 1
        assert screen.estimate_state is None  # still counting, and nobody waits for it
        release.set()
        await settle(pilot)
        assert screen.estimate_state is not None and screen.estimate_state.exact


async def test_the_cost_waits_for_the_validation(monkeypatch: Any) -> None:
    """The tokenizer's load and the sample took a core from the validation's workers (the
    TUI's launch -> complete report was ~2x the headless run): they start once it is done."""
    import threading

    import batchtui.ui.estimate as estimate_module
    import batchtui.validation.parallel as parallel

    release = threading.Event()
    real_run = parallel.run_parallel

    def held(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)  # a big file's validation, still running
        return real_run(*args, **kwargs)

    calls: list[str] = []

    def spy(name: str, real: Any) -> Any:
        def call(*args: Any, **kwargs: Any) -> Any:
            calls.append(name)
            return real(*args, **kwargs)

        return call

    monkeypatch.setattr(parallel, "run_parallel", held)
    monkeypatch.setattr(estimate_module, "_COUNTER", None)  # no tokenizer loaded yet
    for name in ("count_line", "run_estimate", "wait_until"):
        real = getattr(estimate_module, name, None)
        monkeypatch.setattr(estimate_module, name, spy(name, real), raising=False)
    app = BatchTUI(LineIndex(CHAT), validate=True)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, FileScreen)
        await wait_for(pilot, lambda: bool(calls), "the estimate worker")
        await pilot.press("j")
        screen.flush_pending()
        await pilot.pause()
        assert screen.validation_running and screen.line_list.cursor == 1
        assert calls == ["wait_until"]  # no count of the line, no sample
        assert "tokens in" not in str(screen.query_one(DetailView).border_title)
        release.set()
        await settle(pilot)
        assert {"count_line", "run_estimate"} <= set(calls)
        assert screen.estimate_state is not None and screen.estimate_state.exact
        assert "tokens in" in str(screen.query_one(DetailView).border_title)


async def test_the_tokenizer_loads_when_the_keys_rest(monkeypatch: Any) -> None:
    """Loading the tokenizer holds the interpreter for ~0.15 s: the first line count and the
    estimate wait for a moment without keys, so no key press waits behind the load."""
    import time

    import batchtui.ui.estimate as estimate_module

    monkeypatch.setattr(estimate_module, "_COUNTER", None)  # no tokenizer loaded yet
    loads: list[str] = []
    real_count, real_run = estimate_module.count_line, estimate_module.run_estimate

    def count(*args: Any) -> Any:
        loads.append("count_line")
        return real_count(*args)

    def run(*args: Any, **kwargs: Any) -> Any:
        loads.append("run_estimate")
        return real_run(*args, **kwargs)

    monkeypatch.setattr(estimate_module, "count_line", count)
    monkeypatch.setattr(estimate_module, "run_estimate", run)
    app = BatchTUI(LineIndex(CHAT), validate=True)
    app.last_input = time.monotonic() + 3600  # keys keep coming
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert isinstance(screen, FileScreen)
        await wait_for(pilot, lambda: not screen.validation_pending, "validation")
        await pilot.press("j")
        app.last_input = time.monotonic() + 3600
        screen.flush_pending()
        for _ in range(20):  # a busy stretch: the workers look, and wait
            await pilot.pause()
        assert loads == [] and not estimate_module.line_counter_ready()
        assert "tokens in" not in str(screen.query_one(DetailView).border_title)
        app.last_input = 0.0  # the keys rest
        await settle(pilot)
        assert {"count_line", "run_estimate"} <= set(loads)
        assert "tokens in" in str(screen.query_one(DetailView).border_title)
        assert screen.estimate_state is not None


def test_the_sample_comes_first_then_the_exact_count_after_validation(tmp_path: Path) -> None:
    path = samples.write_jsonl(tmp_path / "big.jsonl", samples.chat_requests(3000, seed=5))
    seen: list[EstimateState] = []
    validated = []

    def validation_done() -> bool:
        validated.append(len(seen))
        return len(validated) > 3  # "validation" ends after a few polls

    final = run_estimate(
        str(path), seen.append, lambda: False, exact_after=validation_done, exact_below=0
    )
    phases = [s.phase for s in seen]
    assert phases[0] == SAMPLE and phases[-1] == DONE and COUNTING in phases
    assert validated[0] == 1  # the sample was reported before waiting for validation
    exact = count_file(path)
    assert final is not None and final.exact
    assert final.tokens == {"gpt-4o-mini": exact.input_tokens}
    assert seen[0].estimate is not None and seen[0].estimate.tokens.approximate
    assert abs(seen[0].estimate.tokens.input_tokens - exact.input_tokens) / exact.input_tokens < 0.1
    assert run_estimate(str(path), seen.append, lambda: True, exact_below=0) is None  # cancelled


async def test_detail_title_shows_the_lines_tokens() -> None:
    app = BatchTUI(LineIndex(CHAT), validate=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        await settle(pilot)
        import orjson

        line = orjson.loads(CHAT.read_bytes().splitlines()[2])
        count = RequestCounter().count(line["url"], line["body"])
        assert not isinstance(count, str)
        title = str(app.screen.query_one(DetailView).border_title)
        assert title.startswith("Line 3 ·")
        assert title.endswith(f"· {count.input_tokens:,} tokens in, ≤{count.output_max:,} out")


# ------------------------------------------------------------------------ submit


def submit_app(path: Path, service: BatchService, emu: EmulatorServer) -> BatchTUI:
    return BatchTUI(LineIndex(path), service=service, clock=emu.state.now, validate=True)


def dialog_facts(app: BatchTUI) -> dict[str, str]:
    dialog = app.screen
    assert isinstance(dialog, SubmitDialog)
    facts: dict[str, str] = {}
    for label, value in dialog.facts:
        facts[label] = f"{facts[label]} | {value}" if label in facts else value
    return facts


async def test_submit_dialog_shows_cost_and_queue(
    service: BatchService, emu: EmulatorServer, tmp_path: Path, monkeypatch: Any
) -> None:
    path = samples.write_jsonl(tmp_path / "in.jsonl", samples.chat_requests(20, seed=3))
    exact = estimate(count_file(path))
    needed = exact.tokens.input_tokens
    emu.options.admin_keys = ("sk-admin-ui",)
    emu.options.queue_limits = {"gpt-4o-mini": needed + 500}
    await emu.stop_listening()  # routes are made at start: serve the Admin API too
    await emu.start()
    monkeypatch.setenv("OPENAI_ADMIN_KEY", "sk-admin-ui")
    app = submit_app(path, service, emu)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, SubmitDialog), "the submit dialog")
        facts = dialog_facts(app)
        assert facts["tokens"].startswith(f"{needed:,} input, at most ")
        # The batch price, the standard price and the saving, as `batchtui estimate` says them.
        assert facts["cost"] == saving_line(exact.cost)
        assert facts["queue"] == (
            f"gpt-4o-mini: needs {short_tokens(needed)} tokens, {short_tokens(needed + 500)} "
            "free: fits | limits: Admin API, project proj_emulator"
        )
        text = screen_text(app)
        assert "at batch price" in text and "you save" in text and "Submit (Enter)" in text
        await pilot.press("enter")
        await settle(pilot)
        (batch,) = await service.list_batches()
        record = service.records.find(batch.id)
        assert record is not None and record.input_tokens == {"gpt-4o-mini": needed}

        # The same file again: the queue now holds the first one, and says so first.
        await emu.advance(emu.options.validation_seconds)
        await pilot.press("1")
        await settle(pilot)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog), "the queue warning")
        body = str(app.screen.body)  # type: ignore[attr-defined]
        assert f"needs {short_tokens(needed)} tokens, 500 free: wait for {batch.id}" in body
        await pilot.press("n")
        await settle(pilot)
        assert len(await service.list_batches()) == 1


def test_header_words_each_phase(tmp_path: Path) -> None:
    from batchtui.cost.scan import sample_file
    from batchtui.ui.estimate import FAILED, estimate_text

    path = samples.write_jsonl(tmp_path / "big.jsonl", samples.chat_requests(2000, seed=5))
    sampled = estimate(sample_file(path, exact_below=0))
    sample = estimate_text(EstimateState(SAMPLE, sampled))
    assert sample is not None
    assert saving_line(sampled.cost) in sample.plain
    assert f"≈{short_tokens(sampled.tokens.input_tokens)} input tokens" in sample.plain
    assert f"from {sampled.sampled_lines:,} sampled lines, counting…" in sample.plain
    counting = estimate_text(EstimateState(COUNTING, sampled, 0.45))
    assert counting is not None and "from a sample, counting 45%" in counting.plain
    failed = estimate_text(EstimateState(FAILED, error="no tokenizer data"))
    assert failed is not None and failed.plain == " cost: not estimated (no tokenizer data)"
    empty = samples.write_jsonl(tmp_path / "out.jsonl", [{"custom_id": "x", "response": {}}])
    assert estimate_text(EstimateState(DONE, estimate(count_file(empty)))) is None
