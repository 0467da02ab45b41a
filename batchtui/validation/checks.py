"""Per-request checks: the envelope (custom_id, method, url, body) and the body per endpoint.

This is the hot path: one call per line on an already parsed ``dict``. Good lines allocate
almost nothing (no Finding, no path string); the path and message of a finding are built
only when something is wrong. Everything stateful across lines (duplicate ids, the majority
url and model, counts) lives in :mod:`batchtui.validation.tally`; :class:`RequestChecker` is
the input file's line checker (:mod:`batchtui.validation.ruleset`).
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from batchtui.core.text import safe
from batchtui.validation import facts as F
from batchtui.validation.findings import Finding
from batchtui.validation.providers import OPENAI, Provider
from batchtui.validation.rules import RULES

_MISSING: Any = object()
_SEV = {code: rule.severity for code, rule in RULES.items()}
_CACHE_LIMIT = 4096  # bound for the per-string caches below (suggestions, url hints)


def quote(value: object, limit: int = 60) -> str:
    """A short, terminal-safe rendering of user data for a message."""
    if isinstance(value, str):
        text = value if len(value) <= limit else value[:limit] + "…"
        return "'" + safe(text) + "'"
    if isinstance(value, bool) or value is None:
        return "true" if value is True else "false" if value is False else "null"
    if isinstance(value, (int, float)):
        return repr(value)
    return F.KIND_OF.get(type(value), type(value).__name__)


def join(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    if not key.isidentifier():
        key = quote(key, 40)
    return f"{path}.{key}" if path else key


_SURROGATE = re.compile("[\ud800-\udfff]")


def lone_surrogate(value: object) -> tuple[str, str] | None:
    """The first string (or key) holding half of a surrogate pair: ``(path, character)``.

    Only Python's own JSON parser lets one through (``"\ud800"`` with no low half after it);
    orjson, the emulator and strict servers refuse such a line, and the string cannot be
    encoded as UTF-8. Walked without recursion: the parser already bounded the depth.
    """
    stack: list[tuple[str, object]] = [("", value)]
    while stack:
        path, v = stack.pop()
        if isinstance(v, str):
            m = _SURROGATE.search(v)
            if m is not None:
                return path, m.group()
        elif isinstance(v, dict):
            for k, x in reversed(v.items()):
                m = _SURROGATE.search(k)
                if m is not None:
                    return join(path, k), m.group()
                stack.append((join(path, k), x))
        elif isinstance(v, list):
            stack.extend((join(path, i), x) for i, x in reversed(list(enumerate(v))))
    return None


def add(
    out: list[Finding],
    line: int | None,
    code: str,
    message: str,
    path: str | None = None,
    hint: str | None = None,
) -> None:
    out.append(Finding(line, _SEV[code], code, message, path, hint))


def kind(value: object) -> str:
    return F.KIND_OF.get(type(value), "a value")


# The facts of one request that the engine carries across lines.
LineFacts = tuple[str | None, str | None, str | None, int]  # custom_id, url, model, inputs


class RequestChecker:
    """Checks one parsed request line. Stateless across lines except bounded caches."""

    def __init__(self, facts: F.Facts | None = None, provider: Provider = OPENAI) -> None:
        self.facts = facts or F.facts()
        self.provider = provider
        # url on the line -> the endpoint whose body rules apply (None: no rules known).
        self._urls: dict[str, str | None] = dict(provider.urls.value)
        self._url_names = tuple(self._urls)
        self._bodies = self.facts.bodies
        self._required = frozenset(provider.envelope_required.value)
        self._max_custom_id = provider.max_custom_id.value
        self._model_names = not provider.deployment_names.value and provider.name == "openai"
        self._openai_bodies = provider.openai_bodies.value
        self._suggestions: dict[tuple[int, str], str | None] = {}
        self._url_hints: dict[str, tuple[str, str | None]] = {}
        self._reasoning: dict[str, bool] = {}
        self._known_models: dict[tuple[str, str], bool] = {}
        # Whether an unknown key inside the body being checked is an error (see _complete).
        self._nested_complete = True
        self._install_extras()

    def _install_extras(self) -> None:
        chat = self._bodies.get("/v1/chat/completions")
        messages = chat.params.keys.get("messages") if chat else None
        items = messages.items if messages else None
        if items is not None and items.variants is not None:
            assistant = items.variants.table.get("assistant")
            if assistant is not None:
                assistant.extra = _assistant_needs_content

    # -- the envelope ----------------------------------------------------------------------

    def check(self, obj: dict[str, Any], line: int, out: list[Finding]) -> LineFacts:
        """Check one request object (``line`` is 1-based); append findings to ``out``."""
        if not obj.keys() <= F.ENVELOPE_KEYS:
            for key in obj:
                if key not in F.ENVELOPE_KEYS:
                    self._unknown_key(key, obj, line, out)

        custom_id = obj.get("custom_id", _MISSING)
        valid_id: str | None = None
        most = self._max_custom_id
        if custom_id is _MISSING:
            add(
                out,
                line,
                "missing_required_parameter",
                "Missing required parameter: 'custom_id'.",
                "custom_id",
            )
        elif type(custom_id) is not str:
            add(
                out,
                line,
                "invalid_type",
                f"custom_id must be a string, not {kind(custom_id)} ({quote(custom_id)}).",
                "custom_id",
                f'Quote it: "custom_id": "{custom_id}".' if type(custom_id) is int else None,
            )
        elif not custom_id:
            add(out, line, "empty_custom_id", "custom_id is empty.", "custom_id")
        elif most is not None and len(custom_id) > most:
            add(
                out,
                line,
                "custom_id_too_long",
                f"custom_id has {len(custom_id):,} characters; {self.provider.title} takes at "
                f"most {most}.",
                "custom_id",
            )
        else:
            valid_id = custom_id

        method = obj.get("method", _MISSING)
        if method is _MISSING:
            if "method" in self._required:
                add(
                    out,
                    line,
                    "missing_required_parameter",
                    "Missing required parameter: 'method'.",
                    "method",
                )
        elif type(method) is not str:
            add(
                out, line, "invalid_type", f"method must be a string, not {kind(method)}.", "method"
            )
        elif method != "POST":
            add(
                out,
                line,
                "invalid_method",
                f"Invalid value: {quote(method)}. Supported values are: 'POST'.",
                "method",
                'Write it in capitals: "POST".' if method.upper() == "POST" else None,
            )

        url = obj.get("url", _MISSING)
        endpoint: str | None = None  # whose body rules apply
        url_key: str | None = None  # what counts towards the majority url
        if url is _MISSING:
            if "url" in self._required:
                add(
                    out,
                    line,
                    "missing_required_parameter",
                    "Missing required parameter: 'url'.",
                    "url",
                )
            endpoint = self.provider.default_endpoint
        elif type(url) is not str:
            add(out, line, "invalid_type", f"url must be a string, not {kind(url)}.", "url")
        elif url in self._urls:
            url_key = url
            endpoint = self._urls[url]
        else:
            hint, endpoint = self._url_hint(url)
            add(
                out,
                line,
                "invalid_url",
                f"url {quote(url)} is not a Batch API endpoint."
                if self.provider is OPENAI
                else f"url {quote(url)} is not a batch url of the {self.provider.title}.",
                "url",
                hint,
            )

        body = obj.get("body", _MISSING)
        model: str | None = None
        inputs = 0
        if body is _MISSING:
            add(
                out,
                line,
                "missing_required_parameter",
                "Missing required parameter: 'body'.",
                "body",
            )
        elif type(body) is not dict:
            add(
                out,
                line,
                "invalid_type",
                f"body must be an object (the endpoint's request), not {kind(body)}.",
                "body",
            )
        else:
            model, inputs = self._check_body(body, endpoint, line, out)
        return valid_id, url_key, model, inputs

    def _unknown_key(self, key: str, obj: dict[str, Any], line: int, out: list[Finding]) -> None:
        hint = None
        suggestion = self._suggest(key, _ENVELOPE_NAMES)
        if suggestion is not None and suggestion not in obj:
            hint = f"Did you mean {suggestion!r}?"
        elif key == "model" or (isinstance(obj.get("body"), dict) and key in _BODY_WORDS):
            hint = f"Move {quote(key)} inside body."
        add(
            out,
            line,
            "unknown_key",
            f"Unknown top-level key {quote(key)}; a request line has custom_id, method, url "
            "and body.",
            join("", key),
            hint,
        )

    def _url_hint(self, url: str) -> tuple[str, str | None]:
        """(hint, endpoint whose body rules still apply) for a url that is not an endpoint."""
        cached = self._url_hints.get(url)
        if cached is not None:
            return cached
        endpoints = self._url_names
        stripped = url.strip()
        guess: str | None = None
        hint: str
        if self.provider is not OPENAI:
            close = difflib.get_close_matches(stripped, endpoints, n=1, cutoff=0.6)
            guess = close[0] if close else None
            hint = (f"Did you mean {guess!r}? " if guess else "") + (
                f"{self.provider.title} takes: " + ", ".join(endpoints) + "."
            )
            result = (hint, self._urls.get(guess) if guess else None)
            if len(self._url_hints) < _CACHE_LIMIT:
                self._url_hints[url] = result
            return result
        if "/v1" + stripped in endpoints:
            guess = "/v1" + stripped
            hint = (
                f"This is the Azure OpenAI form (dated API versions). OpenAI, and Azure's v1 "
                f"API, need {guess!r}."
            )
        elif "://" in stripped:
            path = "/" + stripped.split("://", 1)[1].partition("/")[2].partition("?")[0]
            guess = next((e for e in endpoints if path.endswith(e)), None)
            hint = "Use the path only" + (
                f": {guess!r}." if guess else ", e.g. '/v1/chat/completions'."
            )
        else:
            normal = "/" + stripped.strip("/").lower()
            if not normal.startswith("/v1/"):
                normal = "/v1" + normal
            if normal in endpoints:
                guess = normal
                hint = f"Did you mean {guess!r}?"
            else:
                close = difflib.get_close_matches(stripped, sorted(endpoints), n=1, cutoff=0.6)
                if close:
                    guess = close[0]
                    hint = f"Did you mean {guess!r}?"
                else:
                    hint = "Batch endpoints: " + ", ".join(endpoints) + "."
        result = (hint, guess)
        if len(self._url_hints) < _CACHE_LIMIT:
            self._url_hints[url] = result
        return result

    def _suggest(self, name: str, names: tuple[str, ...]) -> str | None:
        key = (id(names), name)
        try:
            return self._suggestions[key]
        except KeyError:
            pass
        close = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
        result = close[0] if close else None
        if len(self._suggestions) >= _CACHE_LIMIT:
            self._suggestions.clear()
        self._suggestions[key] = result
        return result

    # -- the body ----------------------------------------------------------------------------

    def _check_body(
        self, body: dict[str, Any], endpoint: str | None, line: int, out: list[Finding]
    ) -> tuple[str | None, int]:
        if body.get("stream") is True:
            add(
                out,
                line,
                "streaming_unsupported",
                "Streaming is not supported in the Batch API.",
                "body.stream",
                'Remove "stream": true (or set it to false).',
            )
        spec = self._bodies.get(endpoint) if endpoint is not None else None

        model = body.get("model", _MISSING)
        if model is _MISSING:
            # Required where the SDK requires it, and for /v1/responses (optional in the SDK,
            # as a stored prompt may name it, but batch validation requires it: LS).
            # Moderations default to omni-moderation-latest; for endpoints whose bodies are
            # not modelled (images, videos) or an unknown url, nothing is claimed.
            if spec is not None and (
                "model" in spec.params.required_set or endpoint == "/v1/responses"
            ):
                add(out, line, "invalid_request", "Model parameter is required.", "body.model")
            model = None
        elif type(model) is not str:
            if spec is None:
                add(
                    out,
                    line,
                    "invalid_type",
                    f"model must be a string, not {kind(model)}.",
                    "body.model",
                )
            model = None  # the parameter loop below reports the type
        elif not model:
            add(out, line, "invalid_request", "Model parameter is empty.", "body.model")
            model = None
        if spec is None:
            return model, 0
        self._nested_complete = self._complete(spec.endpoint)
        if model is not None and self._model_names and spec.models:
            self._check_model(spec, model, line, out)

        params = spec.params
        keys = params.keys
        if not body.keys() >= params.required_set:
            for name in params.required:
                if name not in body and name != "model":
                    add(
                        out,
                        line,
                        "invalid_request",
                        f"{name.capitalize()} parameter is required.",
                        "body." + name,
                    )
        for name, value in body.items():
            vs = keys.get(name)
            if vs is None:
                if not (value is True and name == "stream"):  # reported above
                    self._unknown_param(spec.endpoint, name, params, line, out)
                continue
            t = type(value)
            if vs.types is not None and t not in vs.types:
                add(
                    out,
                    line,
                    "invalid_type",
                    f"Invalid type for 'body.{name}': expected {vs.expected}, but got "
                    f"{kind(value)}.",
                    "body." + name,
                )
                continue
            if vs.plain:
                continue
            if vs.enum is not None and value not in vs.enum:
                if not (value is True and name == "stream"):
                    add(
                        out,
                        line,
                        "invalid_value",
                        f"Invalid value for 'body.{name}': {quote(value)}. Supported values "
                        f"are: {F.quote_list(sorted(v for v in vs.enum if v is not None))}.",
                        "body." + name,
                    )
                continue
            bounds = vs.bounds
            if bounds is not None and (t is int or t is float):
                lo, hi = bounds
                if (lo is not None and value < lo) or (hi is not None and value > hi):
                    floats = vs.types is None or float in vs.types
                    self._range(name, value, bounds, line, out, floats)
            elif t is str or t is list:
                if vs.max_len is not None and len(value) > vs.max_len:
                    self._length(name, value, vs.max_len, True, line, out)
                elif vs.min_len is not None and len(value) < vs.min_len:
                    self._length(name, value, vs.min_len, False, line, out)
            if vs.deep and (t is dict or t is list):
                self._value(value, vs, "body." + name, line, out)

        ep = spec.endpoint
        if model is not None and ("temperature" in body or "top_p" in body):
            self._sampling(ep, body, model, line, out)
        if ep == "/v1/chat/completions":
            self._chat(body, model, line, out)
            return model, 0
        if ep == "/v1/embeddings":
            return model, self._embeddings(body, line, out)
        if ep == "/v1/responses":
            self._responses(body, line, out)
        elif ep == "/v1/moderations":
            value = body.get("input")
            if value == "" or value == []:
                add(out, line, "invalid_request", "input must not be empty.", "body.input")
        return model, 0

    def _unknown_param(
        self, endpoint: str, name: str, params: F.ObjectSpec, line: int, out: list[Finding]
    ) -> None:
        moved = F.MOVED.get((endpoint, name))
        if moved is not None:
            code, message, instead = moved
            add(out, line, code, message, join("body", name), f"Use {instead}.")
            return
        self._unknown(name, params, "body", line, out, self._complete(endpoint))

    def _complete(self, endpoint: str) -> bool:
        """Are the SDK's types for ``endpoint`` complete for this provider (so an unknown key
        is an error), or known to be incomplete (a warning)?"""
        spec = self._bodies.get(endpoint)
        return self._openai_bodies and spec is not None and spec.complete

    def _unknown(
        self,
        name: str,
        spec: F.ObjectSpec,
        path: str,
        line: int,
        out: list[Finding],
        complete: bool = True,
    ) -> None:
        suggestion = self._suggest(name, spec.names)
        where = join(path, name)
        # OpenAI names the parameter without the "body." of the batch line.
        param = where[5:] if where.startswith("body.") else where
        add(
            out,
            line,
            "unknown_parameter" if complete else "unlisted_parameter",
            f"Unknown parameter: {quote(param, 60)}."
            if complete
            else f"Parameter {quote(param, 60)} is not among the SDK's parameters here.",
            where,
            f"Did you mean {suggestion!r}?" if suggestion else None,
        )

    def _check_model(self, spec: F.BodySpec, model: str, line: int, out: list[Finding]) -> None:
        key = (spec.endpoint, model)
        known = self._known_models.get(key)
        if known is None:
            known = F.known_model(spec.models, model)
            if len(self._known_models) < _CACHE_LIMIT:
                self._known_models[key] = known
        if known:
            return
        if model.endswith("-batch"):
            add(
                out,
                line,
                "batch_model_alias",
                f"The model {quote(model)} is a '-batch' alias, not an OpenAI model name.",
                "body.model",
                "A '-batch' suffix names an Azure deployment (use --provider azure); OpenAI "
                "accepted such a file and answered every request 403 model_not_found.",
            )
            return
        close = difflib.get_close_matches(model, sorted(spec.models), n=1, cutoff=0.8)
        hint = (
            f"Did you mean {close[0]!r}?"
            if close
            else "If it is an Azure deployment name, use --provider azure."
        )
        add(
            out,
            line,
            "unknown_model",
            f"The model {quote(model)} is not among the {len(spec.models)} model names the "
            f"openai SDK ({self.facts.openai_version}) lists for {spec.endpoint}.",
            "body.model",
            hint,
        )

    def _range(
        self,
        name: str,
        value: float,
        bounds: tuple[float | None, float | None],
        line: int,
        out: list[Finding],
        decimal: bool = False,
    ) -> None:
        """OpenAI's own wording: "Invalid 'max_output_tokens': integer below minimum value.
        Expected a value >= 16, but got 8 instead." (FORMATS.md §3); "decimal" for a parameter
        of type number (temperature), whatever the value's own type."""
        lo, hi = bounds
        number = "decimal" if decimal else "integer"
        if lo is not None and value < lo:
            what, want = f"{number} below minimum value", f">= {_num(lo)}"
        else:
            what, want = f"{number} above maximum value", f"<= {_num(hi)}"
        add(
            out,
            line,
            "value_out_of_range",
            f"Invalid '{name}': {what}. Expected a value {want}, but got {quote(value)} instead.",
            "body." + name,
        )

    def _length(
        self, name: str, value: str | list[Any], limit: int, too_long: bool, line: int, out: list
    ) -> None:
        """OpenAI's wording for string and array lengths (as for metadata values)."""
        thing = "string" if type(value) is str else "array"
        what = f"{thing} too long" if too_long else f"{thing} too short"
        bound = "maximum" if too_long else "minimum"
        add(
            out,
            line,
            "value_out_of_range",
            f"Invalid '{name}': {what}. Expected {'a string' if thing == 'string' else 'an array'}"
            f" with {bound} length {limit:,}, but got {'a string' if thing == 'string' else 'an array'}"
            f" with length {len(value):,} instead.",
            "body." + name,
        )

    def _sampling(
        self, endpoint: str, body: dict[str, Any], model: str, line: int, out: list[Finding]
    ) -> None:
        """temperature and top_p on a reasoning model: accepted only with effort "none"."""
        if not self._is_reasoning(model):
            return
        if endpoint == "/v1/chat/completions":
            effort = body.get("reasoning_effort")
        elif endpoint == "/v1/responses":
            reasoning = body.get("reasoning")
            effort = reasoning.get("effort") if type(reasoning) is dict else None
        else:
            return
        default = F.default_effort(model)
        if effort is None:
            effort = default
        if effort == "none" and default != F.ALWAYS_REASONS:
            return
        for name in ("temperature", "top_p"):
            value = body.get(name)
            if value is None or type(value) not in (int, float) or value == 1:
                continue
            if effort == F.UNKNOWN_EFFORT:
                add(
                    out,
                    line,
                    "temperature_effort_unknown",
                    f"{name} {quote(value)} on {quote(model)}: accepted only with reasoning effort "
                    "'none', and this model's default effort is not known to batchtui.",
                    "body." + name,
                    "Set reasoning effort 'none' in the request, or drop " + name + ".",
                )
                continue
            if endpoint == "/v1/chat/completions":
                message = (
                    f"Unsupported value: '{name}' does not support {_num(value)} with this "
                    "model. Only the default (1) value is supported."
                )
            else:
                message = f"Unsupported parameter: '{name}' is not supported with this model."
            hint = (
                f"{quote(model)} always reasons: drop {name}."
                if default == F.ALWAYS_REASONS
                else f"Reasoning models take {name} only with reasoning effort 'none'; set it, "
                f"or drop {name}."
            )
            add(out, line, "temperature_reasoning_model", message, "body." + name, hint)

    def _is_reasoning(self, model: str) -> bool:
        reasoning = self._reasoning.get(model)
        if reasoning is None:
            reasoning = F.is_reasoning_model(model)
            if len(self._reasoning) < _CACHE_LIMIT:
                self._reasoning[model] = reasoning
        return reasoning

    # -- nested values (messages, content parts, ...) ----------------------------------------
    # One call per object (message, content part), none per scalar: paths are built only for
    # a finding or to descend into a container.

    def _value(self, value: Any, vs: F.ValueSpec, path: str, line: int, out: list[Finding]) -> None:
        """Descend into a container whose own type already matched ``vs.types``."""
        if type(value) is dict:
            if vs.variants is not None:
                self._variant(value, vs.variants, path, line, out)
            elif vs.shape is not None:
                self._object(value, vs.shape, path, line, out)
            return
        items = vs.items
        if items is None or type(value) is not list:
            return
        types = items.types
        enum = items.enum
        variants = items.variants
        shape = items.shape
        nested = items.items is not None
        for j, item in enumerate(value):
            t = type(item)
            if types is not None and t not in types:
                add(
                    out,
                    line,
                    "invalid_type",
                    f"Invalid type for '{path}[{j}]': expected {items.expected}, but got "
                    f"{kind(item)}.",
                    f"{path}[{j}]",
                )
            elif enum is not None and item not in enum:
                add(
                    out,
                    line,
                    "invalid_value",
                    f"Invalid value for '{path}[{j}]': {quote(item)}.",
                    f"{path}[{j}]",
                )
            elif t is dict:
                if variants is not None:
                    tag = item.get(variants.key)
                    spec = variants.table.get(tag) if type(tag) is str else None
                    if spec is not None:  # the common case, without building the path
                        self._object(item, spec, path, line, out, j)
                    else:
                        self._variant(item, variants, f"{path}[{j}]", line, out)
                elif shape is not None:
                    self._object(item, shape, path, line, out, j)
            elif t is list and nested:
                self._value(item, items, f"{path}[{j}]", line, out)

    def _variant(
        self, obj: dict[str, Any], variants: F.Variants, path: str, line: int, out: list[Finding]
    ) -> None:
        key = variants.key
        tag = obj.get(key, _MISSING)
        spec = variants.table.get(tag) if type(tag) is str else None
        if spec is not None:
            self._object(obj, spec, path, line, out)
        elif tag is _MISSING:
            add(
                out,
                line,
                "invalid_request",
                f"Missing required parameter: '{path}.{key}'.",
                f"{path}.{key}",
            )
        else:
            add(
                out,
                line,
                "invalid_value",
                f"Invalid value for '{path}.{key}': {quote(tag)}. Supported values are: "
                f"{variants.expected}.",
                f"{path}.{key}",
            )

    def _object(
        self,
        obj: dict[str, Any],
        spec: F.ObjectSpec,
        path: str,
        line: int,
        out: list[Finding],
        index: int = -1,
    ) -> None:
        """Check an object of a known shape. With ``index`` >= 0 the object is
        ``path[index]``; that path string is built only for a finding or to descend."""
        if not obj.keys() >= spec.required_set:
            here = path if index < 0 else f"{path}[{index}]"
            for name in spec.required:
                if name not in obj:
                    add(
                        out,
                        line,
                        "invalid_request",
                        f"Missing required parameter: '{here}.{name}'.",
                        f"{here}.{name}",
                    )
        keys = spec.keys
        for name, value in obj.items():
            vs = keys.get(name)
            if vs is None:
                here = path if index < 0 else f"{path}[{index}]"
                self._unknown(name, spec, here, line, out, self._nested_complete)
                continue
            t = type(value)
            types = vs.types
            if types is not None and t not in types:
                here = path if index < 0 else f"{path}[{index}]"
                add(
                    out,
                    line,
                    "invalid_type",
                    f"Invalid type for '{here}.{name}': expected {vs.expected}, but got "
                    f"{kind(value)}.",
                    f"{here}.{name}",
                )
                continue
            if vs.plain:
                continue
            enum = vs.enum
            if enum is not None:
                if value not in enum:
                    here = path if index < 0 else f"{path}[{index}]"
                    add(
                        out,
                        line,
                        "invalid_value",
                        f"Invalid value for '{here}.{name}': {quote(value)}. Supported values "
                        f"are: {F.quote_list(sorted(v for v in enum if v is not None))}.",
                        f"{here}.{name}",
                    )
            elif vs.deep and (t is dict or t is list):
                here = path if index < 0 else f"{path}[{index}]"
                self._value(value, vs, f"{here}.{name}", line, out)
        if spec.extra is not None:
            spec.extra(obj, path if index < 0 else f"{path}[{index}]", line, out)

    # -- per endpoint ------------------------------------------------------------------------

    def _chat(self, body: dict[str, Any], model: str | None, line: int, out: list[Finding]) -> None:
        messages = body.get("messages")
        if type(messages) is list and not messages:
            add(
                out,
                line,
                "invalid_request",
                "Invalid 'messages': empty array. Expected an array with minimum length 1, but "
                "got an empty array instead.",
                "body.messages",
            )
        if model is not None and "max_tokens" in body and self._is_reasoning(model):
            add(
                out,
                line,
                "max_tokens_reasoning_model",
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                "'max_completion_tokens' instead.",
                "body.max_tokens",
                f"{quote(model)} is a reasoning model: max_completion_tokens also counts the "
                "reasoning tokens, so allow more than before.",
            )

    def _embeddings(self, body: dict[str, Any], line: int, out: list[Finding]) -> int:
        """Check ``input`` and return how many embedding inputs it holds."""
        value: Any = body.get("input")  # JSON: judged by its type() (fast), not isinstance
        t = type(value)
        if t is str:
            if not value:
                add(
                    out, line, "invalid_request", "input must not be an empty string.", "body.input"
                )
            return 1
        if t is not list:
            return 0
        n = len(value)
        if n == 0:
            add(out, line, "invalid_request", "input must not be an empty array.", "body.input")
            return 0
        if n > F.MAX_EMBEDDING_ARRAY:
            add(
                out,
                line,
                "invalid_request",
                f"input has {n:,} items; a request takes at most {F.MAX_EMBEDDING_ARRAY:,}.",
                "body.input",
                "Spread the inputs over several requests.",
            )
        first = type(value[0])
        if first is int:  # one input given as token ids
            for j, item in enumerate(value):
                if type(item) is not int:
                    add(
                        out,
                        line,
                        "invalid_type",
                        f"Invalid type for 'body.input[{j}]': expected an integer (token id), "
                        f"but got {kind(item)}.",
                        f"body.input[{j}]",
                    )
                    break
            return 1
        # Report the first bad item only: an array holds up to 2,048 of them.
        for j, item in enumerate(value):
            it = type(item)
            if it is str:
                if not item:
                    add(
                        out,
                        line,
                        "invalid_request",
                        f"body.input[{j}] is an empty string.",
                        f"body.input[{j}]",
                    )
                    break
            elif it is list:
                if not item or any(type(tok) is not int for tok in item):
                    add(
                        out,
                        line,
                        "invalid_type",
                        f"Invalid type for 'body.input[{j}]': expected a non-empty array of "
                        "token ids.",
                        f"body.input[{j}]",
                    )
                    break
            else:
                add(
                    out,
                    line,
                    "invalid_type",
                    f"Invalid type for 'body.input[{j}]': expected a string, but got {kind(item)}.",
                    f"body.input[{j}]",
                )
                break
        return n

    def _responses(self, body: dict[str, Any], line: int, out: list[Finding]) -> None:
        value = body.get("input")
        if type(value) is not list:
            return
        f = self.facts
        for j, item in enumerate(value):
            path = f"body.input[{j}]"
            if type(item) is not dict:
                add(
                    out,
                    line,
                    "invalid_type",
                    f"Invalid type for '{path}': expected an object, but got {kind(item)}.",
                    path,
                )
                continue
            tag = item.get("type")
            if "role" in item and (tag is None or tag == "message"):
                spec = (
                    f.responses_assistant_message
                    if item.get("role") == "assistant"
                    else f.responses_message
                )
                self._object(item, spec, path, line, out)
            elif tag is None:
                add(
                    out,
                    line,
                    "invalid_request",
                    f"Missing required parameter: '{path}.role' (a message) or '{path}.type'.",
                    path,
                )
            elif type(tag) is not str or tag not in f.responses_item_types:
                add(
                    out,
                    line,
                    "invalid_value",
                    f"Invalid value for '{path}.type': {quote(tag)}.",
                    f"{path}.type",
                )


def _num(value: float | None) -> str:
    """2 rather than 2.0, as OpenAI writes bounds and values."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _assistant_needs_content(obj: dict[str, Any], path: str, line: int, out: list[Finding]) -> None:
    """SDK: an assistant message's content is "Required unless tool_calls or function_call
    is specified"."""
    if obj.get("content") is None and not obj.get("tool_calls") and not obj.get("function_call"):
        add(
            out,
            line,
            "invalid_request",
            f"Missing required parameter: '{path}.content' (an assistant message needs content, "
            "tool_calls or function_call).",
            f"{path}.content",
        )


_ENVELOPE_NAMES = tuple(sorted(F.ENVELOPE_KEYS))
# Keys that belong in body when found at the top level of a request.
_BODY_WORDS = frozenset(
    {"model", "messages", "input", "prompt", "temperature", "max_tokens", "stream", "tools"}
)
