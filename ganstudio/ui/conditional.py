"""Tab 2, class-conditional generation: one row per class with the same latents in every row, InfoGAN's
categorical and continuous codes, and the discriminator's class guess for each image (ACGAN, InfoGAN)."""

from __future__ import annotations

from types import SimpleNamespace

import gradio as gr

from .. import inference, options
from ..checkpoint import GanModel
from ..errors import InputError
from .cards import card_markdown
from .components import ModelCheckboxGroup
from .features import class_names, has_class_head, num_continuous_codes
from .handlers import bind
from .live import LIVE, live, on_arrival, timed
from .provenance import file_stem, stamp
from .state import Session, Studio
from .tabs import AppWidgets, Handler, Shown, TabUI
from .widgets import (dice, gallery, model_header, output_gallery, output_image, random_seed, seed_box, seed_value,
                      slider)

TAB = "conditional"
GUIDE = ("**Try this:** untick a few classes or press **🎲 Surprise me**: each column keeps its noise, so only the "
         "class changes down a column ([conditional GAN](https://arxiv.org/abs/1411.1784)). With InfoGAN, drag a "
         "code: it found factors such as slant or width without labels ([InfoGAN](https://arxiv.org/abs/1606.03657)).")
CODE_INFO = "a factor InfoGAN learned on its own, without labels (e.g. slant or width)"
# Sliders made for InfoGAN's continuous codes; a model with more codes keeps the rest at 0 (their mean).
MAX_CODES = 4


def select_model(studio: Studio, model_id: str, session: Session,
                 progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Load a class-conditional model and show its card and its classes.

    Args:
        model_id: catalog id of the model.
    Returns:
        The model card, the class picker (every class selected), one slider per continuous code (InfoGAN),
        and whether the discriminator's class guess is available.
    """
    model, entry = studio.load(model_id, session, progress)
    names = class_names(model)
    n_codes = num_continuous_codes(model)
    label = "Categorical code" if n_codes else "Classes (one row each)"
    codes = [gr.update(visible=i < n_codes, value=options.INFOGAN_CODE.default) for i in range(MAX_CODES)]
    return (card_markdown(model, entry), gr.update(choices=names, value=names, label=label),
            *codes, gr.update(visible=has_class_head(model), value=has_class_head(model)))


def class_indices(model: GanModel, classes: list[str | int]) -> list[int]:
    """Class names (or indices) -> label indices of ``model``."""
    names = class_names(model)
    out = []
    for c in classes:
        if str(c) in names:
            out.append(names.index(str(c)))
        elif isinstance(c, int) or str(c).isdigit():
            out.append(int(c))  # the core checks the range
        else:
            raise InputError(f"unknown class {c!r}; this model's classes are: {', '.join(names)}")
    return out


def generate_per_class(studio: Studio, model_id: str, classes: list[str], per_class: int, seed: int, guesses: bool,
                       code_1: float, code_2: float, code_3: float, code_4: float, precision: str,
                       session: Session,
                       progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """One row per chosen class, the same latents in every row, so only the class changes down a column.

    Args:
        model_id: catalog id of a class-conditional model (cGAN, ACGAN, InfoGAN).
        classes: the classes to show, by name or index (InfoGAN: values of the categorical code).
        per_class: images per class (columns).
        seed: random seed of the shared latents.
        guesses: caption each image with the discriminator's class guess (ACGAN and InfoGAN checkpoints).
        code_1: InfoGAN continuous code 1 (other models ignore the codes).
        code_2: InfoGAN continuous code 2.
        code_3: InfoGAN continuous code 3.
        code_4: InfoGAN continuous code 4.
        precision: "exact" (fp32, the same images every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        The grid (PNG with its settings in the metadata), the single images with captions, and a summary.
    """
    model, entry = studio.load(model_id, session, progress)
    if not classes:
        raise InputError("choose at least one class")
    n_codes = num_continuous_codes(model)
    sliders = [float(c) for c in (code_1, code_2, code_3, code_4)]  # MAX_CODES of them
    codes = (sliders[:n_codes] + [options.INFOGAN_CODE.default] * max(0, n_codes - MAX_CODES)) if n_codes else None
    guessed = bool(guesses) and has_class_head(model)
    r = inference.sample_per_class(model, seed=seed_value(seed), classes=class_indices(model, classes),
                                   per_class=int(per_class), codes=codes, precision=precision,
                                   with_guesses=guessed)
    params = stamp(r.params, model, entry)
    stem = file_stem(entry, "classes", "seed", int(seed))
    names = class_names(model)
    asked = [names[c] for c in r.params["classes"] for _ in range(int(per_class))]
    captions = [f"{a} · {g}" for a, g in zip(asked, r.captions)] if guessed else r.captions
    return (studio.png(r.grid, params, f"{stem}-grid"), gallery(studio, r.images, params, captions, stem),
            f"{len(classes)} classes x {int(per_class)} images, seed {int(seed)}, {r.seconds:.2f} s")


def render(studio: Studio, session: gr.State) -> TabUI:
    """Build the tab's widgets (inside the current ``gr.Tab``)."""
    ui = SimpleNamespace()
    gr.Markdown(GUIDE, elem_classes=["guide"])
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.picker, ui.card = model_header(studio, TAB)
            ui.classes = ModelCheckboxGroup(choices=[], value=[], label="Classes (one row each)")
            ui.per_class = slider(options.PER_CLASS, "Images per class")
            ui.codes = [slider(options.INFOGAN_CODE, f"Continuous code {i + 1}", visible=False, info=CODE_INFO)
                        for i in range(MAX_CODES)]
            ui.guesses = gr.Checkbox(False, label="Show the discriminator's class guess", visible=False)
            with gr.Row(equal_height=True):
                ui.seed = seed_box(min_width=90)
                ui.dice = dice()
                ui.run = gr.Button("Generate", variant="primary", scale=0, min_width=100, elem_id="conditional-run")
        with gr.Column(scale=2, min_width=300):
            ui.grid = output_image("One row per class (PNG with its settings)", "conditional-grid", 460)
            ui.summary = gr.Markdown()
            ui.images = output_gallery("Images")
    return TabUI(ui, picker=ui.picker)


def listen(studio: Studio, app: AppWidgets, tab: TabUI) -> Shown:
    """Wire the tab's events; results follow the controls. Returns what runs when the tab is first shown."""
    ui, session, precision = tab.widgets, app.session, app.precision
    select = Handler(bind(studio, select_model), [ui.picker, session], [ui.card, ui.classes, *ui.codes, ui.guesses])
    grid_in = [ui.picker, ui.classes, ui.per_class, ui.seed, ui.guesses, *ui.codes, precision, session]
    grid_out = [ui.grid, ui.images, ui.summary]
    arrive = Handler(bind(studio, on_arrival(generate_per_class, 3), gpu=True), [ui.grid, *grid_in], grid_out)
    picked = ui.picker.change(*select, api_name="conditional_select_model", concurrency_id="load")
    ui.dice.click(random_seed, None, ui.seed, api_name="conditional_random_seed", concurrency_limit=None,
                  show_progress="hidden")
    ui.run.click(bind(studio, timed(generate_per_class), gpu=True), grid_in, grid_out, api_name="generate_per_class",
                 concurrency_id="inference")
    # after the named endpoints, which keep the plain names
    picked.then(bind(studio, timed(generate_per_class), gpu=True), grid_in, grid_out, **LIVE)
    gr.on([ui.classes.input, ui.per_class.release, ui.seed.change, ui.guesses.input, *(c.release for c in ui.codes)],
          bind(studio, live(generate_per_class, 3, note=2), gpu=True), grid_in, grid_out, **LIVE)
    return Shown(select, arrive)
