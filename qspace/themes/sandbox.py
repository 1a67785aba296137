"""Render a pack's module templates in Jinja2's sandbox, within a time, size and call budget.

Layers, each enough on its own for what it covers:
1. templatecheck refuses, before compiling, what can be seen statically (`_` attributes,
   autoescape blocks, includes of other files, unknown filters, scripts and event handlers);
2. ImmutableSandboxedEnvironment refuses unsafe attributes and mutation at render time;
3. the budget below bounds time, calls, string sizes and output (Jinja's sandbox does not
   protect against denial of service: its docs say so), and only data reaches templates;
4. the output goes through a bleach allowlist, so no attribute trick can leave a script.
"""

from __future__ import annotations

import contextvars
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import jinja2
from jinja2 import filters as jinja_filters
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from qspace.themes.templatecheck import ALLOWED_FILTERS, UNSAFE_ATTRIBUTES, template_problems

MAX_SECONDS: Final = 0.25
MAX_OUTPUT_CHARS: Final = 256 * 1024
MAX_STRING_CHARS: Final = 256 * 1024
MAX_SEQUENCE_ITEMS: Final = 10_000
MAX_STEPS: Final = 200_000  # calls, attribute and item lookups, loop turns
MAX_INT_BITS: Final = 4096
MAX_RANGE: Final = 10_000
# str methods that build output of any size from small arguments (center(10**9), ...).
_UNBOUNDED_METHODS: Final = frozenset(
    {"center", "ljust", "rjust", "zfill", "expandtabs", "replace", "join", "format"}
    | {"format_map", "encode", "translate", "maketrans", "splitlines"}
)


class BudgetExceeded(SecurityError):
    """A template used more time, calls or memory than a module render is allowed."""


@dataclass
class Budget:
    """What one render may still spend; installed in a context variable for its duration."""

    deadline: float
    steps: int = 0

    def tick(self) -> None:
        """Spend one step; raises BudgetExceeded past MAX_STEPS or the deadline."""
        self.steps += 1
        if self.steps > MAX_STEPS:
            raise BudgetExceeded(f"more than {MAX_STEPS} steps")
        if self.steps % 64 == 0 and time.monotonic() > self.deadline:
            raise BudgetExceeded(f"rendering took longer than {MAX_SECONDS}s")


_budget: contextvars.ContextVar[Budget | None] = contextvars.ContextVar(
    "theme_budget", default=None
)


def _tick() -> None:
    budget = _budget.get()
    if budget is not None:
        budget.tick()


def _check_size(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_STRING_CHARS:
        raise BudgetExceeded(f"a string longer than {MAX_STRING_CHARS} characters")
    if isinstance(value, list | tuple) and len(value) > MAX_SEQUENCE_ITEMS:
        raise BudgetExceeded(f"a list longer than {MAX_SEQUENCE_ITEMS} items")
    return value


class _BudgetedRange:
    """range() for templates: at most MAX_RANGE items, each iteration counted in the budget."""

    def __init__(self, *args: int) -> None:
        self.items = range(*args)
        if len(self.items) > MAX_RANGE:
            raise BudgetExceeded(f"range() longer than {MAX_RANGE}")

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self) -> Iterator[int]:
        for item in self.items:
            _tick()
            yield item


def _counted(iterable: Any) -> Iterator[Any]:
    """Yield from `iterable`, counting each turn of a template loop in the budget."""
    for item in iterable:
        _tick()
        yield item


_COUNTED: Final = "_qs_counted"


def _count_loop_turns(tree: nodes.Template) -> nodes.Template:
    """Wrap every `{% for %}` iterable in _counted(), so nested loops over data are budgeted."""
    for loop in tree.find_all(nodes.For):
        call = nodes.Call(nodes.Name(_COUNTED, "load"), [loop.iter], [], None, None)
        loop.iter = call.set_lineno(loop.lineno)
    return tree


class _BoundedCodeGenerator(CodeGenerator):
    """Routes `~` (string concatenation) through the environment's size check."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.checked(")
        super().visit_Concat(node, frame)
        self.write(")")


@jinja2.pass_eval_context
def _bounded_join(
    eval_ctx: jinja2.nodes.EvalContext, value: Any, d: str = "", attribute: Any = None
) -> str:
    items = list(value)
    estimate = len(d) * max(len(items) - 1, 0) + sum(len(str(item)) for item in items)
    if estimate > MAX_STRING_CHARS:
        raise BudgetExceeded(f"join() would exceed {MAX_STRING_CHARS} characters")
    return str(jinja_filters.sync_do_join(eval_ctx, items, d, attribute))


class _LoudUnsafeUndefined(jinja2.Undefined):
    """Undefined that prints as "" like Jinja's default, except when a sandbox rule made it.

    Printing `x|attr(name)` of an unsafe attribute then fails loudly instead of rendering
    nothing, so a pack probing the sandbox is reported rather than silently tolerated.
    """

    def __str__(self) -> str:
        if self._undefined_exception is SecurityError:
            self._fail_with_undefined_error()
        return super().__str__()


class ThemeSandbox(ImmutableSandboxedEnvironment):
    """The environment of one pack's templates: sandboxed, autoescaped and budgeted."""

    code_generator_class = _BoundedCodeGenerator
    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        return attr not in UNSAFE_ATTRIBUTES and super().is_safe_attribute(obj, attr, value)

    def is_safe_callable(self, obj: Any) -> bool:
        bound_to_str = isinstance(getattr(obj, "__self__", None), str)
        if bound_to_str and getattr(obj, "__name__", "") in _UNBOUNDED_METHODS:
            return False
        return super().is_safe_callable(obj)

    def compile(  # type: ignore[override]
        self,
        source: str | nodes.Template,
        name: str | None = None,
        filename: str | None = None,
        raw: bool = False,
        defer_init: bool = False,
    ) -> Any:
        """Compile like Jinja, after wrapping loop iterables (Environment.compile takes a tree)."""
        tree = self.parse(source, name, filename) if isinstance(source, str) else source
        return super().compile(_count_loop_turns(tree), name, filename, raw, defer_init)

    def checked(self, value: Any) -> Any:
        """Size-check a value a template built (concatenation, arithmetic)."""
        _tick()
        return _check_size(value)

    def call_binop(
        self, context: jinja2.runtime.Context, operator: str, left: Any, right: Any
    ) -> Any:
        """Arithmetic and concatenation with `+ * ** %`, refusing results too large to build."""
        _tick()
        if operator == "%" and isinstance(left, str):
            raise SecurityError("'%' formatting is not available: join text with ~")
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    limit = MAX_STRING_CHARS if isinstance(seq, str) else MAX_SEQUENCE_ITEMS
                    if len(seq) * times > limit:
                        raise BudgetExceeded("a repeated value would be too large")
        if isinstance(left, int) and isinstance(right, int):
            if operator == "*" and left.bit_length() + right.bit_length() > MAX_INT_BITS:
                raise BudgetExceeded("a number would be too large")
            if operator == "**" and right > 0 and left.bit_length() * right > MAX_INT_BITS:
                raise BudgetExceeded("a number would be too large")
        return _check_size(super().call_binop(context, operator, left, right))

    def call(
        __self, __context: jinja2.runtime.Context, __obj: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """Every call a template makes (macros included) costs a step; results are size-checked."""
        _tick()
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj: Any, attribute: str) -> Any:
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        _tick()
        return super().getitem(obj, argument)


@dataclass(eq=False)  # Jinja keys its template cache on the loader: keep identity hashing
class PackLoader(jinja2.BaseLoader):
    """Serves only the pack's own allowed templates, each checked by templatecheck on load."""

    templates_root: Path
    names: frozenset[str] = field(default_factory=frozenset)

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str | None, Callable[[], bool]]:
        root = self.templates_root.resolve()
        path = root / template
        # realpath differs from the path if any component is a symlink (packs have none).
        if template not in self.names or os.path.realpath(path) != str(path) or not path.is_file():
            raise jinja2.TemplateNotFound(template)
        source = path.read_text(encoding="utf-8")
        mtime = path.stat().st_mtime_ns
        problems = template_problems(environment, template, source, self.names.__contains__)
        if problems:
            first = problems[0]
            raise jinja2.TemplateSyntaxError(first.reason, first.line, template, first.file)
        return source, None, lambda: path.exists() and path.stat().st_mtime_ns == mtime


def make_environment(
    templates_root: Path, names: frozenset[str], asset: Callable[[str], str]
) -> ThemeSandbox:
    """Build the sandbox for one pack's templates (`names` relative to `templates_root`).

    `asset(path)` is the `asset()` function templates call to get a URL of a pack file.
    """
    env = ThemeSandbox(
        loader=PackLoader(templates_root, names),
        autoescape=True,
        undefined=_LoudUnsafeUndefined,
        auto_reload=True,
        cache_size=64,
    )
    env.filters = {name: env.filters[name] for name in ALLOWED_FILTERS}
    env.filters["join"] = _bounded_join
    env.globals = {
        "range": _BudgetedRange,
        "dict": dict,
        "cycler": env.globals["cycler"],
        "joiner": env.globals["joiner"],
        "asset": asset,
        _COUNTED: _counted,
    }
    return env


def plain_context(value: Any, key: str = "", counter: list[int] | None = None) -> Any:
    """Copy a template context, keeping only dicts, lists, strings, numbers, booleans and None.

    Values under a key ending in `_html` become Markup (the app has sanitized them); every other
    string is escaped on output. Raises TypeError for anything else (models, dates, functions)
    and ValueError past 20,000 values.
    """
    counter = counter if counter is not None else [0]
    counter[0] += 1
    if counter[0] > 20_000:
        raise ValueError("template context has more than 20000 values")
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return Markup(value) if key.endswith("_html") else str(value)
    if isinstance(value, list | tuple):
        return [plain_context(item, key, counter) for item in value]
    if isinstance(value, dict):
        copied = {}
        for name, item in value.items():
            if not isinstance(name, str):
                raise TypeError(f"template context keys must be strings, not {name!r}")
            copied[name] = plain_context(item, name, counter)
        return copied
    raise TypeError(
        f"template context values must be plain data, not {type(value).__name__} "
        f"(under {key or 'the top level'!r})"
    )


def render_budgeted(template: jinja2.Template, context: dict[str, Any]) -> str:
    """Render under a fresh Budget, stopping once the output passes MAX_OUTPUT_CHARS.

    Raises BudgetExceeded, jinja2.TemplateError (SecurityError included) or whatever the
    template's own operations raise (ZeroDivisionError, ...).
    """
    token = _budget.set(Budget(deadline=time.monotonic() + MAX_SECONDS))
    try:
        size = 0
        pieces = []
        for piece in template.generate(context):
            size += len(piece)
            if size > MAX_OUTPUT_CHARS:
                raise BudgetExceeded(f"output longer than {MAX_OUTPUT_CHARS} characters")
            _tick()
            pieces.append(piece)
        return "".join(pieces)
    finally:
        _budget.reset(token)
