"""The Textual application: four modes (File, Batches, Results, Jobs) and the app-wide keys."""

from __future__ import annotations

import asyncio
import gc
import importlib
import os
import time
from collections.abc import Callable, Iterable
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker

from batchtui.core.errors import UserError
from batchtui.core.text import safe
from batchtui.jsonl import LineIndex
from batchtui.ui.context import AppContext
from batchtui.ui.screens.file import FileScreen
from batchtui.ui.screens.help import HelpScreen, key_label
from batchtui.ui.worker_errors import failure_message

if TYPE_CHECKING:
    from batchtui.api.service import BatchService
    from batchtui.core.settings import Settings
    from batchtui.ui.api_loop import ApiLoop
    from batchtui.validation.pieces import HeadStart
    from batchtui.validation.providers import Provider

MODE_LABELS = (("file", "File"), ("batches", "Batches"), ("results", "Results"), ("jobs", "Jobs"))

# Seconds after start-up before the collector freezes what start-up built.
QUIET_GC_AFTER = 1.0


class BatchTUI(App[int]):
    """``batchtui``: browse a batch file, watch batches, understand results."""

    help_title = "Everywhere"

    # The File screen's styles and what every screen shares; the Batches and Results screens
    # bring their own (CSS_PATH on each), parsed when they are first shown.
    CSS_PATH = ["app.tcss"]
    TITLE = "batchtui"
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "mode('file')", "File", id="app.mode_file"),
        Binding("2", "mode('batches')", "Batches", id="app.mode_batches"),
        Binding("3", "mode('results')", "Results", id="app.mode_results"),
        Binding("4", "mode('jobs')", "Jobs", id="app.mode_jobs"),
        Binding("question_mark,f1", "help", "Keys", id="app.help"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(
        self,
        index: LineIndex | None = None,
        *,
        start_line: int | None = None,
        follow: bool = False,
        validate: bool = True,
        initial_mode: str | None = None,
        download_dir: str | None = None,
        notify_desktop: bool = False,
        notify_cmd: str | None = None,
        settings: Settings | None = None,
        provider: Provider | None = None,
        service: BatchService | None = None,
        clock: Callable[[], float] = time.time,
        wall_clock: Callable[[], float] = time.time,
        validation_head: HeadStart | None = None,
    ) -> None:
        """``validation_head``: worker processes the command line started for the file's
        first validation (see :func:`batchtui.validation.pieces.head_start`)."""
        self.initial_mode = initial_mode or ("file" if index is not None else "batches")
        # The first mode is the one Textual starts in: its screen is built at start-up and
        # styled as its widgets mount. (Switching to it from Textual's own blank screen
        # restyled and laid out every widget twice more before the first frame.)
        self.DEFAULT_MODE = self.initial_mode  # type: ignore[misc]  # read by App.__init__
        super().__init__()
        for mode in ("file", "batches", "results", "jobs"):
            self.add_mode(mode, partial(self._make_screen, mode))
        self.validation_head = validation_head
        # The command line's flags: they win over the settings' other sources.
        self._flags: dict[str, tuple[Any, str]] = {
            "download_dir": (download_dir, "--download-dir"),
            "notify.desktop": (True if notify_desktop else None, "--notify-desktop"),
            "notify.command": (notify_cmd, "--notify-cmd"),
        }
        self.settings = settings  # loaded after the first frame (see get_settings)
        self._api: ApiLoop | None = None  # where every API call runs (see get_api)
        self._early_theme()
        self.index = index
        self.start_line = start_line
        self.follow = follow
        self.validate = validate
        self.context = AppContext(service, clock, wall_clock)
        self.download_dir = download_dir or os.getcwd()
        self.notify_desktop = notify_desktop
        self.notify_cmd = notify_cmd
        self.provider = provider  # whose limits and rules the File mode applies (None: OpenAI's)
        self.results_args: dict[str, Any] = {}
        self.file_screen: FileScreen | None = None  # the File mode's screen, once built
        self.file_filter: tuple[Any, str] | None = None  # lines the next File screen shows
        self.query_mode = "text"  # the mode of / and & (Ctrl+R), remembered for the session
        self.last_input = 0.0  # time.monotonic() of the last key or click

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.MouseDown)):
            self.last_input = time.monotonic()
        await super().on_event(event)

    def input_idle(self, seconds: float) -> bool:
        """No key or click for ``seconds``: a moment for work that holds the interpreter
        (loading a tokenizer) without a key press waiting behind it."""
        return time.monotonic() - self.last_input >= seconds

    # -- settings ------------------------------------------------------------------------

    def _early_theme(self) -> None:
        """The theme before the first frame, read without the settings model (pydantic
        costs ~90 ms there); :meth:`_apply_settings` checks it and reports a bad one.

        Also notes whether there is anything for the TUI to apply: without a config file
        or a BATCHTUI_* variable it reads, the model is not loaded at start-up at all (the
        dashboard loads it when it needs the API settings)."""
        from batchtui.core.config_file import peek, tui_has_settings

        self._user_settings = tui_has_settings()
        if not self._user_settings:
            return
        try:
            name, _ = peek("theme")
        except UserError:
            return  # the settings load reports it
        if isinstance(name, str) and name in self.available_themes:
            self.theme = name

    async def get_settings(self) -> Settings:
        """The settings (``core.settings``), loaded on first use in a thread. Raises
        UserError (one line) for a bad config file or variable."""
        if self.settings is not None:
            return self.settings
        module = await asyncio.to_thread(importlib.import_module, "batchtui.core.settings")
        loaded: Settings = await asyncio.to_thread(module.load_settings, self._flags)
        self.settings = loaded
        return loaded

    async def _apply_settings(self) -> None:
        """Theme, key bindings, notifications and the download directory from the settings;
        a bad value is a toast (the rest still applies)."""
        from batchtui.ui import preferences

        try:
            settings = await self.get_settings()
        except UserError as exc:
            self.notify(exc.message, title="Settings", severity="error", timeout=15)
            return
        problems = await asyncio.to_thread(preferences.problems, settings)
        for message in problems.values():
            self.notify(message, title="Settings", severity="error", timeout=15)
        if settings.theme and "theme" not in problems and settings.theme != self.theme:
            self.theme = settings.theme
        keymap = {k: v for k, v in settings.keys.items() if f"keys.{k}" not in problems}
        if keymap:
            self.set_keymap(keymap)
        directory = settings.download_dir
        self.download_dir = str(directory.expanduser()) if directory else os.getcwd()
        self.notify_desktop = settings.notify.desktop
        self.notify_cmd = settings.notify.command

    def _make_screen(self, mode: str) -> Screen[Any]:
        screen: Screen[Any]
        if mode == "file":
            lines, label = self.file_filter or (None, "")
            self.file_filter = None
            screen = self.file_screen = FileScreen(
                self.index,
                start_line=self.start_line,
                follow=self.follow,
                provider=self.provider,
                filter_lines=lines,
                filter_label=label,
            )
        elif mode == "batches":
            from batchtui.ui.screens.batches import BatchesScreen

            screen = BatchesScreen()
        elif mode == "jobs":
            from batchtui.ui.jobs.screen import JobsScreen

            screen = JobsScreen()
        else:
            from batchtui.ui.screens.results import ResultsScreen

            screen = ResultsScreen(**self.results_args)
        # Textual re-parses every stylesheet and restyles the whole app, twice, when a mode's
        # new screen has not seen the current CSS (measured: the largest cost of the first
        # frame after the imports). A new screen needs none of that: its own CSS_PATH is
        # loaded by Textual when it is installed, and its widgets are styled as they mount.
        screen._css_update_count = self._css_update_count
        return screen

    async def _reset_mode(self, mode: str) -> None:
        """Drop a mode's screen so it is built afresh (new file, new results)."""
        if self.current_mode == mode:
            await self.switch_mode("batches" if mode != "batches" else "file")
        await self.remove_mode(mode)
        self.add_mode(mode, partial(self._make_screen, mode))

    async def open_file(
        self,
        path: str,
        line: int | None = None,
        *,
        filter_lines: Any = None,
        filter_label: str = "",
    ) -> None:
        """Show ``path`` in the File mode, at 1-based ``line``; with ``filter_lines`` (0-based,
        sorted, an ``array('q')``) only those lines, as a filter named ``filter_label``."""
        try:
            index = LineIndex(path)
        except UserError as exc:
            self.notify(safe(exc.message), severity="error")
            return
        self.index = index
        self.start_line = line
        self.file_filter = (filter_lines, filter_label) if filter_lines is not None else None
        await self._reset_mode("file")
        await self.switch_mode("file")

    async def open_job(self, name: str) -> None:
        """Show the Jobs mode with the cursor on job ``name``."""
        from batchtui.ui.jobs.screen import JobsScreen

        await self.action_mode("jobs")
        screen = self.screen
        if isinstance(screen, JobsScreen):
            screen.select_job(name)

    async def open_results(self, **kwargs: Any) -> None:
        """Show the Results mode for the given input/output/error files."""
        self.results_args = kwargs
        await self._reset_mode("results")
        await self.switch_mode("results")

    def announce_batch(self, batch: Any, message: str, ring: bool = True) -> None:
        """A batch reached a terminal state: bell, and the optional desktop/command hooks."""
        if ring:
            self.bell()
        if self.notify_desktop:
            # OSC 9 (iTerm2, WezTerm, kitty, Windows Terminal) and OSC 777 (urxvt, foot, VTE).
            note = safe(message).replace(";", ",")[:200]
            driver = self._driver
            if driver is not None:
                driver.write(f"\x1b]9;{note}\x07\x1b]777;notify;batchtui;{note}\x07")
        if self.notify_cmd:
            # Server text: an environment value cannot hold a NUL (the command would not run).
            env = dict(
                os.environ,
                BATCHTUI_BATCH_ID=batch.id.replace("\0", ""),
                BATCHTUI_BATCH_STATUS=batch.display_status.replace("\0", ""),
            )
            self.run_worker(
                _run_notify_cmd(self.notify_cmd, env), group="notify", exit_on_error=False
            )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Every toast shows its text as it is. Messages carry typed text, file names and
        server values: as markup, a stray ``[/x]`` ended the app and ``[@click=…]`` made a
        live action. So ``markup`` is ignored (always off), and the text passes the one
        sanitiser. Screens and widgets reach this through ``Widget.notify``."""
        super().notify(
            safe(message, keep_newlines=True),
            title=safe(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The app's own workers (submit, notify command): a failure is said, never lost."""
        message = failure_message(self, event)
        if message is None:
            return
        what = {"submit": "Submitting failed", "notify": "The --notify-cmd failed"}.get(
            event.worker.group or "", "A background task failed"
        )
        self.notify(f"{what}: {message}", severity="error", timeout=10)

    def action_submit_file(self) -> None:
        from batchtui.ui.submit import submit_flow

        self.run_worker(submit_flow(self), group="submit", exclusive=True, exit_on_error=False)

    async def get_service(self) -> BatchService:
        """The API service, made on first use (``import openai`` runs off the UI thread).

        Raises UserError with what to set when there is no API key.
        """
        service = self.context.service
        if service is None:
            settings = await self.get_settings()
            module = await asyncio.to_thread(importlib.import_module, "batchtui.api.service")
            quiet_gc()  # the SDK's thousands of classes are here to stay
            from batchtui.api.config import ClientSettings

            service = self.context.service = module.BatchService(
                ClientSettings.from_settings(settings)
            )
        if not service.settings.api_key:
            # No "press r": the environment of a running process does not change, and r
            # means "raw" on the File screen, where a submit meets this message too.
            raise UserError(
                "No API key. Set OPENAI_API_KEY (and OPENAI_BASE_URL for another provider or "
                "a proxy) and start batchtui again. To look around without a key, run "
                "`batchtui demo`."
            )
        return service

    async def get_api(self) -> ApiLoop:
        """The one loop and client every API call of the TUI runs on (``ui/api_loop.py``),
        made on first use. Raises UserError as :meth:`get_service` does."""
        service = await self.get_service()
        if self._api is None:
            from batchtui.ui.api_loop import ApiLoop

            self._api = ApiLoop(service)
        return self._api

    async def on_mount(self) -> None:
        # One restyle now that the first screen's widgets are all mounted: colours worked
        # out against a parent's background (auto text colours) settle only then.
        self.screen.update_node_styles(animate=False)
        # After the first frame and the work it starts (a full collection right after the
        # frame kept it from the terminal for as long as it took).
        self.set_timer(QUIET_GC_AFTER, quiet_gc)
        if self._user_settings:
            self.call_after_refresh(
                self.run_worker, self._apply_settings(), group="settings", exit_on_error=False
            )

    async def on_unmount(self) -> None:
        if self._api is not None:
            await self._api.close()
        service = self.context.service
        if service is not None:
            await service.close()  # close the HTTP connections on the loop that opened them

    async def action_mode(self, mode: str) -> None:
        if self.current_mode != mode:
            await self.switch_mode(mode)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Every key of the current screen as an "Area: action" command, then Textual's own."""
        area = help_title(screen) or "View"
        seen: set[str] = set()
        for node, title in ((screen, area), (self, "App")):
            for binding in _own_bindings(node):
                if not binding.description or binding.action in seen:
                    continue
                seen.add(binding.action)
                yield SystemCommand(
                    f"{title}: {binding.description}",
                    f"key: {key_label(binding.key)}",
                    partial(self.run_action, binding.action, node),
                )
        for mode, label in MODE_LABELS:
            yield SystemCommand(f"Go to: {label}", "switch view", partial(self.action_mode, mode))
        yield from super().get_system_commands(screen)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        sections = []
        focused = self.focused
        if focused is not None and help_title(focused):
            sections.append((help_title(focused), help_rows(focused)))
        sections.append((help_title(self.screen) or "This screen", help_rows(self.screen)))
        sections.append(("Everywhere", help_rows(self)))
        extra = getattr(self.screen, "help_sections", None)
        if callable(extra):
            sections.extend(extra())  # e.g. the File screen's search and filter syntax
        self.push_screen(HelpScreen(sections))


def _own_bindings(node: object) -> list[Binding]:
    out = []
    for b in getattr(node, "BINDINGS", []):
        if isinstance(b, Binding):
            out.append(b)
    return out


def help_title(node: object) -> str:
    """The area a user knows ("File", "Line errors"), never a class name; "" for a widget
    whose keys are not worth listing (an input box, a button)."""
    return str(getattr(node, "help_title", "") or "")


def help_rows(node: object) -> list[tuple[str, str]]:
    """``(keys, what they do)`` for the help dialog: a widget's own list, else its bindings."""
    rows = getattr(node, "help_rows", None)
    if callable(rows):
        return list(rows())
    out = [(b.key, b.description) for b in _own_bindings(node) if b.description]
    if isinstance(node, App):
        out.append((node.COMMAND_PALETTE_BINDING, "Command palette (every action by name)"))
    return out


def quiet_gc() -> None:
    """Move everything alive after start-up out of the collector's sight and collect less often.

    Measured: with keys held down, full collections over Textual's and the SDK's objects took
    50-190 ms and caused most key presses slower than 100 ms; frozen, they take a fraction.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)
    gc.enable()  # (the command line turns it off for the start-up)


async def _run_notify_cmd(cmd: str, env: dict[str, str]) -> None:
    proc = await asyncio.create_subprocess_shell(
        cmd,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    await proc.wait()
