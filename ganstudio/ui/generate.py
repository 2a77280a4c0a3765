"""Tab 1, random generation: a grid of samples per seed, truncation for StyleGAN, D's class guesses,
interpolation between two seeds as an animation, and PNGs that restore their settings when dropped back."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import gradio as gr

from .. import images as imgs
from .. import inference, options
from ..errors import InputError
from ..models.base import Task
from .common import (Session, Studio, bind, card_markdown, class_names, dice, file_stem, gallery, has_class_head,
                     has_mean_latent, output_gallery, output_image, picker, random_seed, seed_box, seed_value,
                     slider, stamp)

TAB = "generate"


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
            gr.update(visible=has_mean_latent(model)),
            gr.update(visible=has_class_head(model), value=has_class_head(model)),
            gr.update(visible=bool(names), choices=[(n, i) for i, n in enumerate(names)], value=0 if names else None))


def generate_grid(studio: Studio, model_id: str, seed: int, n: int, psi: float, guesses: bool, session: Session,
                  progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Random images from a GAN as a grid. The same model and seed always give the same images.

    Args:
        model_id: catalog id of the model.
        seed: random seed (a non-negative 31-bit integer).
        n: number of images in the grid.
        psi: truncation psi for StyleGAN models (1 = none; ignored by other models).
        guesses: caption each image with the discriminator's class guess (ACGAN, SGAN, InfoGAN checkpoints).
    Returns:
        The grid (PNG whose metadata holds the model id, revision, seed and parameters), the single images with
        captions, and a one-line summary.
    """
    model, entry = studio.load(model_id, session, progress)
    r = inference.sample_grid(model, seed=seed_value(seed), n=int(n), psi=float(psi), precision=session.precision,
                              with_guesses=bool(guesses) and has_class_head(model))
    params = stamp(r.params, model, entry)
    stem = file_stem(entry, "seed", int(seed))
    return (studio.png(r.grid, params, f"{stem}-grid"), gallery(studio, r.images, params, r.captions, stem),
            f"{len(r.images)} images, seed {int(seed)}, {r.seconds:.2f} s on {model.device}")


def interpolate(studio: Studio, model_id: str, seed_a: int, seed_b: int, frames: int, fps: float, space: str,
                fmt: str, label: int | None, psi: float, session: Session,
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
                              label=cls, space=space, psi=float(psi), fps=float(fps), precision=session.precision)
    # Small models (28 px digits) are enlarged without smoothing so the animation is visible in a browser.
    shown = [imgs.upscale_for_display(f) for f in r.frames]
    data = imgs.animation_bytes(shown, fps=float(fps), fmt=fmt.upper())
    params = stamp(r.params, model, entry, fps=float(fps))
    stem = file_stem(entry, "interp", int(seed_a), int(seed_b))
    captions = [f"t = {i / (len(r.frames) - 1):.2f}" for i in range(len(r.frames))]
    return studio.write(data, f"{stem}.{fmt}"), gallery(studio, r.frames, params, captions, stem)


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


def render(studio: Studio, session: gr.State) -> SimpleNamespace:
    """Build the tab's widgets (inside the current ``gr.Tab``) and wire them."""
    ui = SimpleNamespace()
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            ui.picker = picker(studio, TAB)
            gr.Markdown(studio.note(TAB), visible=bool(studio.note(TAB)))
            with gr.Accordion("Model card", open=True):
                ui.card = gr.Markdown("Pick a model to see its card.")
            with gr.Row(equal_height=True):
                ui.seed = seed_box()
                ui.dice = dice()
            ui.n = slider(options.NUM_IMAGES, "Number of images")
            ui.psi = slider(options.PSI, "Truncation ψ (1 = none)", visible=False)
            ui.guesses = gr.Checkbox(False, label="Show the discriminator's class guess", visible=False)
            ui.run = gr.Button("Generate", variant="primary", elem_id="generate-run")
            with gr.Accordion("Restore settings from a PNG", open=False):
                ui.restore = gr.File(label="Drop a PNG saved from GAN Studio", file_types=[".png"], type="filepath")
                ui.restored = gr.JSON(label="Settings found in the PNG")
        with gr.Column(scale=2):
            ui.grid = output_image("Grid (PNG with its settings)", "generate-grid", 440)
            ui.summary = gr.Markdown()
            ui.images = output_gallery("Images")
    with gr.Accordion("Interpolate between two seeds", open=False):
        with gr.Row():
            ui.seed_a = seed_box("Seed A", 0)
            ui.seed_b = seed_box("Seed B", 1)
            ui.frames = slider(options.INTERP_FRAMES, "Frames")
            ui.fps = slider(options.INTERP_FPS, "Frames per second")
        with gr.Row():
            ui.space = gr.Radio(list(options.INTERP_SPACES), value=options.INTERP_SPACES[0], label="Path")
            ui.fmt = gr.Radio(list(options.ANIMATION_FORMATS), value=options.DEFAULT_ANIMATION_FORMAT,
                              label="Animation format")
            # choices follow the model; the core checks the value
            ui.label = gr.Dropdown(label="Class (conditional models)", choices=[], value=None, visible=False,
                                   allow_custom_value=True)
            ui.run_interp = gr.Button("Interpolate", variant="primary")
        with gr.Row():
            ui.animation = output_image("Animation", "generate-animation", 320)
            ui.frames_out = output_gallery("Frames")
    listen(studio, session, ui)
    return ui


def listen(studio: Studio, session: gr.State, ui: SimpleNamespace) -> None:
    ui.select = (bind(studio, select_model), [ui.picker, session], [ui.card, ui.psi, ui.guesses, ui.label])
    ui.picker.change(*ui.select, api_name="generate_select_model", concurrency_id="load")
    ui.dice.click(random_seed, None, ui.seed, api_name="random_seed", concurrency_limit=None, show_progress="hidden")
    ui.run.click(bind(studio, generate_grid, gpu=True), [ui.picker, ui.seed, ui.n, ui.psi, ui.guesses, session],
                 [ui.grid, ui.images, ui.summary], api_name="generate_grid", concurrency_id="inference")
    ui.run_interp.click(bind(studio, interpolate, gpu=True),
                        [ui.picker, ui.seed_a, ui.seed_b, ui.frames, ui.fps, ui.space, ui.fmt, ui.label, ui.psi,
                         session],
                        [ui.animation, ui.frames_out], api_name="interpolate", concurrency_id="inference")
    ui.restore.upload(bind(studio, restore_png), [ui.restore, session],
                      [ui.picker, ui.seed, ui.n, ui.psi, ui.seed_a, ui.seed_b, ui.frames, ui.space, ui.restored],
                      api_name="restore_png", concurrency_limit=None)
