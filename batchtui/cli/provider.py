"""``--provider``: whose limits and rules apply, for ``validate``, ``split`` and the browser.

argparse only at module level (``--help`` stays fast); the profiles load when asked for.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from batchtui.validation.providers import Provider

PROVIDER_NAMES = ("openai", "azure", "groq", "together")  # providers.PROVIDERS, kept import-free


def add_provider(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument(
        "--provider",
        choices=PROVIDER_NAMES,
        default=None,
        help=f"whose {what} apply (default: detected from OPENAI_BASE_URL, else openai); "
        "`batchtui rules --provider NAME` lists them with their sources",
    )


def provider_from(args: argparse.Namespace, *, announce: bool = False) -> Provider:
    """The profile ``--provider`` names, else the settings' ``provider`` (BATCHTUI_PROVIDER,
    the config file), else the one OPENAI_BASE_URL points at.

    Read through ``core.config_file`` (no pydantic: ~90 ms a validate run need not pay);
    an unknown name is still one line naming where it was set.
    """
    from batchtui.validation.providers import OPENAI

    return _choose(args, announce=announce, lazy=False) or OPENAI


def chosen_provider(args: argparse.Namespace) -> Provider | None:
    """:func:`provider_from`, or None (OpenAI's) when neither the flag, the settings nor
    OPENAI_BASE_URL choose one: the browser's start-up then does not load the profiles."""
    return _choose(args, announce=False, lazy=True)


def _choose(args: argparse.Namespace, *, announce: bool, lazy: bool) -> Provider | None:
    from batchtui.core.config_file import peek

    name, source = (None, None) if args.provider is not None else peek("provider")
    base_url = peek("api.base_url")[0] if args.provider is None and name is None else None
    if lazy and args.provider is None and name is None and not base_url:
        return None  # nothing chose one: OpenAI's, without loading the profiles

    from batchtui.core.console import echo
    from batchtui.core.errors import UserError
    from batchtui.validation import providers

    if args.provider is not None:
        return providers.get(args.provider)
    if name is not None:
        if name not in providers.PROVIDERS:
            raise UserError(
                f"{source}: provider must be one of {', '.join(providers.PROVIDERS)}, got {name!r}"
            )
        profile, reason = providers.PROVIDERS[name], f"provider from {source}"
    else:
        profile, reason = providers.detect(base_url)
    if announce and profile is not providers.OPENAI:
        echo(
            f"batchtui: checking against the {profile.name} profile ({reason}); "
            "--provider openai to change",
            err=True,
        )
    return profile
