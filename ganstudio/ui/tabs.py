"""The app's tabs, in one table, and what a tab module hands the app.

Every tab is a module of this package with two functions, called by :func:`ganstudio.ui.app.build_app`:

* ``render(studio, session) -> TabUI`` builds the widgets inside the current ``gr.Tab``;
* ``listen(studio, app: AppWidgets, ui: TabUI) -> Shown | None`` wires its events (after every tab is rendered,
  so a tab can use another tab's widgets: the Models tab refreshes every model picker, and every inference event
  reads the Models tab's precision control), and says what runs when the tab is first shown.

Adding a tab: write the module and add one row to :data:`TABS`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from types import ModuleType, SimpleNamespace
from typing import Any, Callable

from ..models.base import Task


@dataclass(frozen=True)
class TabSpec:
    """One row of :data:`TABS`."""

    key: str  # the gr.Tab id, and the prefix of its widgets' element ids
    title: str  # what the visitor reads on the tab
    tasks: tuple[str, ...]  # catalog tasks whose models it offers (the first decides its featured model); () = none
    module: str  # module name under ganstudio.ui

    def load(self) -> ModuleType:
        """The tab's module (imported now: ``import ganstudio.ui`` stays cheap)."""
        return importlib.import_module(f"{__package__}.{self.module}")


# In display order. Any noise-to-image model can make a random grid.
TABS: tuple[TabSpec, ...] = (
    TabSpec("generate", "Random generation", (Task.RANDOM.value, Task.CONDITIONAL.value, Task.STYLE.value),
            "generate"),
    TabSpec("conditional", "Class-conditional", (Task.CONDITIONAL.value,), "conditional"),
    TabSpec("translate", "Image-to-image", (Task.TRANSLATE.value,), "translate"),
    TabSpec("edit", "Attribute editing", (Task.EDIT.value,), "edit"),
    TabSpec("style", "Style mixing and noise", (Task.STYLE.value,), "style"),
    TabSpec("latent", "Latent tools", (Task.STYLE.value, Task.RANDOM.value), "latent"),
    TabSpec("playground", "Playground", (), "playground"),
    TabSpec("models", "Models", (), "models"),
)

MODEL_TABS: tuple[TabSpec, ...] = tuple(t for t in TABS if t.tasks)  # the tabs with a model picker


def tab_spec(key: str) -> TabSpec:
    """The row of :data:`TABS` whose key is ``key``."""
    for spec in TABS:
        if spec.key == key:
            return spec
    raise KeyError(f"no tab {key!r}")


def tabs_showing(task: str) -> list[TabSpec]:
    """The tabs that offer models of catalog task ``task``, in display order."""
    return [spec for spec in MODEL_TABS if task in spec.tasks]


@dataclass(frozen=True)
class Handler:
    """A bound handler with its inputs and outputs: ``event(*handler, **kw)`` registers it."""

    fn: Callable[..., Any]
    inputs: list[Any]
    outputs: list[Any]
    options: dict[str, Any] = field(default_factory=dict)  # event keywords beyond the app's (a concurrency group)

    def __iter__(self):
        return iter((self.fn, self.inputs, self.outputs))


@dataclass(frozen=True)
class Shown:
    """What runs when a tab is first shown (the first tab: when the page loads)."""

    select: Handler | None = None  # load the tab's default model and adapt its controls
    arrive: Handler | None = None  # then its first result (wrapped by ``live.on_arrival``)


@dataclass
class TabUI:
    """What a tab's ``render()`` returns."""

    widgets: SimpleNamespace  # the tab's own widgets by name; only the tab's own ``listen()`` reads them
    picker: Any = None  # its model dropdown (tabs with models), refreshed by the Models tab when a model is added
    precision: Any = None  # a control every inference event takes as its precision input (the Models tab's)
    tab: Any = None  # the gr.Tab holding it (set by the app)


@dataclass
class AppWidgets:
    """What every tab's ``listen()`` may use besides its own widgets."""

    session: Any  # the per-user gr.State holding a ganstudio.ui.state.Session
    precision: Any  # the precision control: "exact" (fp32) or "fast" (bf16 where the hardware has it)
    pickers: dict[str, Any] = field(default_factory=dict)  # tab key -> its model dropdown
