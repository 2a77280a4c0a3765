"""Tab 1, random generation: a grid of samples per seed, truncation for StyleGAN, D's class guesses,
interpolation between two seeds as an animation, and PNGs that restore their settings when dropped back."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from .. import images as imgs
from .. import inference, options
from . import cards
from ..errors import InputError
from ..models.base import Task
from .cards import card_markdown
from .features import class_names, has_class_head, has_truncation
from .handlers import bind
from .live import LIVE, live, on_arrival, timed
from .provenance import file_stem, stamp
from .state import Session, Studio
from .tabs import AppWidgets, Handler, Shown, TabUI
from .widgets import (dice, gallery, model_header, output_gallery, output_image, random_seed, seed_box, seed_value,
                      slider)

TAB = "generate"
GUIDE = ("**Try this:** press **🎲 Surprise me** or drag **ψ** and the grid follows. Then open **Compare models on "
         "the same seeds** below: the MNIST models differ in loss only, and some show "
         "[mode collapse](https://developers.google.com/machine-learning/gan/problems#mode-collapse) "
         "(the same few digits again and again).")
PSI_INFO = "truncation: below 1 trades variety for typical, cleaner images (StyleGAN); 1 = none"
COMPARE_MAX = 6  # models side by side at most


# ---------------------------------------------------------------------------------------------
# handlers: a few lines each around ganstudio.inference


def select_model(studio: Studio, model_id: str, session: Session,
                 progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Load a model for random generation and show its card.

    Args:
        model_id: catalog id of the model (see the Models tab's list_models).
    Returns:
        The model card, and which controls apply to it: truncation (StyleGAN), the discriminator's class guess
        (models whose discriminator classifies), and the class used when interpolating (conditional models).
    """
    model, entry = studio.load(model_id, session, progress)
    names = class_names(model)
    return (card_markdown(model, entry),
            gr.update(visible=has_truncation(model)),
            gr.update(visible=has_class_head(model), value=has_class_head(model)),
            gr.update(visible=bool(names), choices=[(n, i) for i, n in enumerate(names)], value=0 if names else None))


def generate_grid(studio: Studio, model_id: str, seed: int, n: int, psi: float, guesses: bool, precision: str,
                  session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Random images from a GAN as a grid. The same model and seed always give the same images.

    Args:
        model_id: catalog id of the model.
        seed: random seed (a non-negative 31-bit integer).
        n: number of images in the grid.
        psi: truncation psi for StyleGAN models (1 = none; ignored by other models).
        guesses: caption each image with the discriminator's class guess (ACGAN, SGAN, InfoGAN checkpoints).
        precision: "exact" (fp32, the same images every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        The grid (PNG whose metadata holds the model id, revision, seed and parameters), the single images with
        captions, and a one-line summary.
    """
    model, entry = studio.load(model_id, session, progress)
    r = inference.sample_grid(model, seed=seed_value(seed), n=int(n), psi=float(psi), precision=precision,
                              with_guesses=bool(guesses) and has_class_head(model))
    params = stamp(r.params, model, entry)
    stem = file_stem(entry, "seed", int(seed))
    return (studio.png(r.grid, params, f"{stem}-grid"), gallery(studio, r.images, params, r.captions, stem),
            f"{len(r.images)} images, seed {int(seed)}, {r.seconds:.2f} s on {model.device}")


def interpolate(studio: Studio, model_id: str, seed_a: int, seed_b: int, frames: int, fps: float, space: str,
                fmt: str, label: int | None, psi: float, precision: str, session: Session,
                progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Walk through latent space from seed A's image to seed B's and render it as a looping animation.

    Args:
        model_id: catalog id of the model.
        seed_a: seed of the first image.
        seed_b: seed of the last image.
        frames: number of frames.
        fps: frames per second of the animation.
        space: "slerp" (spherical, the usual for Gaussian latents) or "lerp" (straight line).
        fmt: animation format, "gif" or "webp".
        label: class index kept fixed along the walk (conditional models; ignored by others).
        psi: truncation psi for StyleGAN models.
        precision: "exact" (fp32, the same images every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        The animation file, and every frame as a PNG with its parameters.
    """
    model, entry = studio.load(model_id, session, progress)
    if fmt not in options.ANIMATION_FORMATS:
        raise InputError(f"format must be one of {options.ANIMATION_FORMATS}")
    options.INTERP_FPS.check("frames per second", fps)
    progress(0.2, desc=f"Rendering {int(frames)} frames")
    cls = int(label) if Task.CONDITIONAL in model.tasks and label is not None else None
    r = inference.interpolate(model, seed_a=seed_value(seed_a), seed_b=seed_value(seed_b), frames=int(frames),
                              label=cls, space=space, psi=float(psi), fps=float(fps), precision=precision)
    # Small models (28 px digits) are enlarged without smoothing so the animation is visible in a browser.
    shown = [imgs.upscale_for_display(f) for f in r.frames]
    data = imgs.animation_bytes(shown, fps=float(fps), fmt=fmt.upper())
    params = stamp(r.params, model, entry, fps=float(fps))
    stem = file_stem(entry, "interp", int(seed_a), int(seed_b))
    captions = [f"t = {i / (len(r.frames) - 1):.2f}" for i in range(len(r.frames))]
    return studio.write(data, f"{stem}.{fmt}"), gallery(studio, r.frames, params, captions, stem)


def compare_models(studio: Studio, model_ids: list[str], seed: int, n: int, precision: str, session: Session,
                   progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Several models side by side on the same seed: one grid each, in the order given.

    Args:
        model_ids: catalog ids of up to six models of the random-generation tab.
        seed: random seed, the same for every model (models with the same latent size get the same latents).
        n: number of images per grid.
        precision: "exact" (fp32, the same images every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        The grids (PNGs with their settings) captioned with each model's name and quality, and a summary.
    """
    if not model_ids:
        raise InputError("tick at least one model to compare")
    if len(model_ids) > COMPARE_MAX:
        raise InputError(f"compare at most {COMPARE_MAX} models at once")
    items, seconds = [], 0.0
    for model_id in model_ids:
        model, entry = studio.load(model_id, session, progress)
        r = inference.sample_grid(model, seed=seed_value(seed), n=int(n), precision=precision)
        seconds += r.seconds
        quality = cards.quality_sentence(model.meta.metrics)
        items.append((studio.png(r.grid, stamp(r.params, model, entry), file_stem(entry, "seed", int(seed), "grid")),
                      f"{entry.title}" + (f" · {quality}" if quality else "")))
    return items, f"{len(items)} models, {int(n)} images each, seed {int(seed)}, {seconds:.2f} s"


def restore_png(studio: Studio, file: str | None, session: Session) -> tuple:
    """Read the settings stored in a PNG that GAN Studio made and put them back into this tab.

    Args:
        file: a PNG saved from GAN Studio (its text metadata holds the model id, revision, seed and parameters).
    Returns:
        Model, seed, number of images, psi, seed A, seed B, frames and path space (unchanged where the PNG does
        not say), and every parameter the PNG holds.
    """
    if not file:
        raise InputError("drop a PNG saved from GAN Studio")
    params = imgs.read_png_params(imgs.open_image(file))  # a broken file is refused with a sentence
    if params is None:
        raise InputError("this image holds no GAN Studio settings (only PNGs saved from GAN Studio do)")
    model_id = params.get("model_id")
    if model_id and not any(e.id == model_id for e in studio.all_entries(session)):
        gr.Warning(f"model {model_id!r} is not in this session's catalog: load it in the Models tab first")
        model_id = None

    def keep(key: str) -> Any:
        return params[key] if key in params else gr.update()

    return (model_id or gr.update(), keep("seed"), keep("n"), keep("psi"), keep("seed_a"), keep("seed_b"),
            keep("frames"), keep("space"), params)


# ---------------------------------------------------------------------------------------------
# widgets and wiring


def render(studio: Studio, session: gr.State) -> TabUI:
    """Build the tab's widgets (inside the current ``gr.Tab``)."""
    ui = SimpleNamespace()
    gr.Markdown(GUIDE, elem_classes=["guide"])
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.picker, ui.card = model_header(studio, TAB)
            ui.n = slider(options.NUM_IMAGES, "Number of images")
            ui.psi = slider(options.PSI, "Truncation ψ (1 = none)", visible=False, info=PSI_INFO)
            ui.guesses = gr.Checkbox(False, label="Show the discriminator's class guess", visible=False)
            with gr.Row(equal_height=True):
                ui.seed = seed_box(min_width=90)
                ui.dice = dice()
                ui.run = gr.Button("Generate", variant="primary", elem_id="generate-run", scale=0, min_width=100)
            with gr.Accordion("Restore settings from a PNG", open=False):
                ui.restore = gr.File(label="Drop a PNG saved from GAN Studio", file_types=[".png"], type="filepath")
                ui.restored = gr.JSON(label="Settings found in the PNG")
        with gr.Column(scale=2, min_width=300):
            ui.grid = output_image("Grid (PNG with its settings)", "generate-grid", 420)
            ui.summary = gr.Markdown()
            ui.images = output_gallery("Images")
    random_ids = [e.id for e in studio.entries if e.task == Task.RANDOM.value]
    with gr.Accordion("Compare models on the same seeds", open=False, elem_id="generate-compare") as ui.compare_box:
        with gr.Row():
            ui.compare_ids = gr.CheckboxGroup(studio.choices(TAB, None), value=random_ids[:4], scale=3,
                                              label=f"Models (up to {COMPARE_MAX})", elem_id="generate-compare-ids")
            with gr.Column(scale=1, min_width=200):
                ui.compare_seed = seed_box("Seed (the same for every model)")
                with gr.Row():
                    ui.compare_dice = dice()
                    ui.run_compare = gr.Button("Compare", variant="primary", min_width=100)
        ui.compare_summary = gr.Markdown()
        ui.compared = output_gallery("Side by side: one grid per model", columns=4, elem_id="generate-compared")
    with gr.Accordion("Interpolate between two seeds", open=False):
        with gr.Row():
            ui.seed_a = seed_box("Seed A", 0)
            ui.seed_b = seed_box("Seed B", 1)
            ui.frames = slider(options.INTERP_FRAMES, "Frames")
            ui.fps = slider(options.INTERP_FPS, "Frames per second")
        with gr.Row():
            ui.space = gr.Radio(list(options.INTERP_SPACES), value=options.INTERP_SPACES[0], label="Path",
                                info="slerp follows the sphere where Gaussian latents live; lerp a straight line")
            ui.fmt = gr.Radio(list(options.ANIMATION_FORMATS), value=options.DEFAULT_ANIMATION_FORMAT,
                              label="Animation format")
            # choices follow the model; the core checks the value
            ui.label = gr.Dropdown(label="Class (conditional models)", choices=[], value=None, visible=False,
                                   allow_custom_value=True)
            ui.run_interp = gr.Button("Interpolate", variant="primary")
        with gr.Row():
            ui.animation = output_image("Animation", "generate-animation", 320)
            ui.frames_out = output_gallery("Frames")
    return TabUI(ui, picker=ui.picker)


def listen(studio: Studio, app: AppWidgets, tab: TabUI) -> Shown:
    """Wire the tab's events; the grid follows the controls. Returns what runs when the tab is first shown."""
    ui, session, precision = tab.widgets, app.session, app.precision
    select = Handler(bind(studio, select_model), [ui.picker, session], [ui.card, ui.psi, ui.guesses, ui.label])
    grid_in = [ui.picker, ui.seed, ui.n, ui.psi, ui.guesses, precision, session]
    grid_out = [ui.grid, ui.images, ui.summary]
    # the first grid appears when the tab is first shown (app.py), a new model's grid as soon as it is picked
    arrive = Handler(bind(studio, on_arrival(generate_grid, 3), gpu=True), [ui.grid, *grid_in], grid_out)
    # named endpoints first: a private event of the same function registered earlier would take the plain name
    picked = ui.picker.change(*select, api_name="generate_select_model", concurrency_id="load")
    ui.dice.click(random_seed, None, ui.seed, api_name="random_seed", concurrency_limit=None, show_progress="hidden")
    ui.run.click(bind(studio, timed(generate_grid), gpu=True), grid_in, grid_out, api_name="generate_grid",
                 concurrency_id="inference")
    compare_in = [ui.compare_ids, ui.compare_seed, ui.n, precision, session]
    compare_out = [ui.compared, ui.compare_summary]
    ui.run_compare.click(bind(studio, compare_models, gpu=True), compare_in, compare_out, api_name="compare_models",
                         concurrency_id="inference")
    ui.run_interp.click(bind(studio, interpolate, gpu=True),
                        [ui.picker, ui.seed_a, ui.seed_b, ui.frames, ui.fps, ui.space, ui.fmt, ui.label, ui.psi,
                         precision, session],
                        [ui.animation, ui.frames_out], api_name="interpolate", concurrency_id="inference")
    ui.restore.upload(bind(studio, restore_png), [ui.restore, session],
                      [ui.picker, ui.seed, ui.n, ui.psi, ui.seed_a, ui.seed_b, ui.frames, ui.space, ui.restored],
                      api_name="restore_png", concurrency_limit=None)

    picked.then(bind(studio, timed(generate_grid), gpu=True), grid_in, grid_out, **LIVE)
    gr.on([ui.seed.change, ui.n.release, ui.psi.release, ui.guesses.input],
          bind(studio, live(generate_grid, 3, note=2), gpu=True), grid_in, grid_out, **LIVE)
    ui.compare_dice.click(random_seed, None, ui.compare_seed, api_visibility="private", concurrency_limit=None,
                          show_progress="hidden")
    gr.on([ui.compare_box.expand, ui.compare_ids.input, ui.compare_seed.change],
          bind(studio, compare_models, gpu=True), compare_in, compare_out, **LIVE)
    return Shown(select, arrive)
