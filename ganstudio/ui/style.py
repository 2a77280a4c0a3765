"""Tab 5, StyleGAN style mixing and noise: the paper's mixing grid (row seeds x column seeds, with the W layers
chosen by a preset or per-layer checkboxes taken from the columns), truncation psi and cutoff, noise mode,
global and per-layer noise strengths, a noise seed, and a "noise only" view of what the noise changes."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

import gradio as gr

from .. import inference, options
from ..checkpoint import GanModel
from ..errors import InputError
from ..models.base import Task
from .cards import card_markdown
from .components import ModelCheckboxGroup
from .handlers import bind
from .live import LIVE, live, on_arrival, timed
from .provenance import file_stem, stamp
from .state import Session, Studio
from .tabs import AppWidgets, Handler, Shown, TabUI
from .widgets import (gallery, model_header, output_gallery, output_image, parse_seeds, random_seed, seed_box,
                      seed_value, slider)

TAB = "style"
GUIDE = ("**Try this:** switch **W layers from the columns** between coarse, middle and fine, or drag **ψ**: the "
         "grid follows. Each cell is its row's face with the chosen layers' styles taken from its column's face "
         "([style mixing](https://arxiv.org/abs/1812.04948), StyleGAN section 3.1).")
PRESET_INFO = ("the generator takes one style vector per layer: coarse = pose and shape, middle = features, "
               "fine = colours and detail")
PSI_INFO = "truncation: below 1 pulls styles towards the average face (cleaner, less varied); 1 = none"
NOISE_INFO = "per-pixel noise adds detail such as texture; it does not change who the face is"
CUSTOM = "custom"  # the preset radio's value once layers are ticked by hand
# Sliders made for per-layer noise: a 1024-px StyleGAN2 has 18 W rows and 17 noise inputs.
MAX_NOISE_LAYERS = int(options.TRUNCATION_CUTOFF.maximum) - 1


def layer_strengths(model: GanModel, global_strength: float, per_layer: str | None) -> float | list[float]:
    """The noise strength argument of the core: one number, or one per layer (global x per-layer multiplier).

    ``per_layer`` is comma-separated multipliers in layer order (empty: all 1); missing ones count as 1.
    """
    inference.require_task(model, Task.STYLE)
    options.NOISE_STRENGTH.check("noise strength", float(global_strength))
    n = model.generator.num_noise_layers
    parts = [p for p in re.split(r"[,\s]+", (per_layer or "").strip()) if p]
    try:
        mults = [float(p) for p in parts[:n]]
    except ValueError:
        raise InputError("per-layer noise strengths must be numbers separated by commas") from None
    if not all(math.isfinite(m) for m in mults):
        raise InputError("per-layer noise strengths must be finite numbers (not nan or inf)")
    mults += [1.0] * (n - len(mults))
    if all(m == 1.0 for m in mults):
        return float(global_strength)
    return [options.NOISE_STRENGTH.clamp(float(global_strength) * m) for m in mults]


def select_model(studio: Studio, model_id: str, session: Session,
                 progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Load a StyleGAN model and show its card, its W layers and its noise inputs.

    Args:
        model_id: catalog id of a StyleGAN2 model.
    Returns:
        The model card, the preset and W-layer checkboxes (set to coarse), the truncation cutoff range, and the
        per-layer noise strengths (all 1, one slider per noise input).
    """
    model, entry = studio.load(model_id, session, progress)
    g = model.generator
    group_of = {i: name for name, idx in g.layer_groups().items() for i in idx}
    layers = gr.update(choices=[(f"{i} {group_of.get(i, '')}".strip(), i) for i in range(g.n_latent)],
                       value=inference.style_layers(model, options.STYLE_PRESETS[0]))
    cutoff = gr.update(maximum=g.n_latent, value=options.TRUNCATION_CUTOFF.default)
    noise = [gr.update(visible=i < g.num_noise_layers, value=1.0, label=f"noise {i} ({g.noise_resolution(i)} px)")
             for i in range(MAX_NOISE_LAYERS)]
    return (card_markdown(model, entry), options.STYLE_PRESETS[0], layers, cutoff, "", *noise)


def preset_layers(studio: Studio, model_id: str, preset: str, session: Session) -> list[int] | dict:
    """The W+ layers a preset takes from the column seeds.

    Args:
        model_id: catalog id of a StyleGAN2 model.
        preset: "coarse" (pose, face shape), "middle" (features, hair style) or "fine" (colours, micro detail).
    Returns:
        The layer indices.
    """
    if preset not in options.STYLE_PRESETS:
        return gr.update()  # "custom": the ticked layers stay as they are
    model, _ = studio.load(model_id, session)
    return inference.style_layers(model, preset)


def style_mix(studio: Studio, model_id: str, row_seeds: str, col_seeds: str, preset: str, layers: list[int],
              psi: float, cutoff: int, noise_mode: str, noise_strength: float, noise_seed: int, per_layer: str,
              precision: str, session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """The StyleGAN style-mixing figure: each row seed's image takes the chosen W layers from each column seed.

    Args:
        model_id: catalog id of a StyleGAN2 model.
        row_seeds: seeds of the rows, e.g. "1, 2, 3, 4" or "1-4" (a few: the grid is rows x columns).
        col_seeds: seeds of the columns.
        preset: "coarse", "middle" or "fine" W layers from the columns; "custom" uses ``layers``.
        layers: W+ row indices taken from the columns when preset is "custom".
        psi: truncation psi (1 = none).
        cutoff: truncate only the first ``cutoff`` W rows (0 = all).
        noise_mode: "random" (drawn from noise_seed), "const" (the model's stored noise) or "none".
        noise_strength: global noise strength.
        noise_seed: seed of the random noise.
        per_layer: per-layer noise multipliers, comma-separated in layer order (empty = all 1).
        precision: "exact" (fp32, the same image every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        The mixing grid (first row: column sources, first column: row sources) as a PNG with its settings, and a
        summary.
    """
    model, entry = studio.load(model_id, session, progress)
    chosen = preset if preset in options.STYLE_PRESETS else [int(i) for i in (layers or [])]
    if not chosen:
        raise InputError("tick at least one W layer to take from the columns (or pick a preset)")
    rows, cols = parse_seeds(row_seeds, "row seeds"), parse_seeds(col_seeds, "column seeds")
    r = inference.style_mix(model, row_seeds=rows, col_seeds=cols, layers=chosen, psi=float(psi),
                            cutoff=int(cutoff) or None, noise_mode=noise_mode, noise_seed=seed_value(noise_seed),
                            noise_strength=layer_strengths(model, noise_strength, per_layer),
                            precision=precision)
    params = stamp(r.params, model, entry)
    return (studio.png(r.grid, params, file_stem(entry, "mix")),
            f"{len(rows)} x {len(cols)} mixes, W layers {r.params['layers']} from the columns, {r.seconds:.2f} s")


def render_style(studio: Studio, model_id: str, seed: int, psi: float, cutoff: int, noise_mode: str,
                 noise_strength: float, noise_seed: int, per_layer: str, precision: str,
                 session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> str:
    """One StyleGAN image with full control of truncation and noise.

    Args:
        model_id: catalog id of a StyleGAN2 model.
        seed: seed of the latent.
        psi: truncation psi (1 = none).
        cutoff: truncate only the first ``cutoff`` W rows (0 = all).
        noise_mode: "random", "const" or "none".
        noise_strength: global noise strength.
        noise_seed: seed of the random noise.
        per_layer: per-layer noise multipliers, comma-separated (empty = all 1).
        precision: "exact" (fp32, the same image every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        The image as a PNG with its settings.
    """
    model, entry = studio.load(model_id, session, progress)
    r = inference.render_style(model, seed=seed_value(seed), psi=float(psi), cutoff=int(cutoff) or None,
                               noise_mode=noise_mode, noise_seed=seed_value(noise_seed),
                               noise_strength=layer_strengths(model, noise_strength, per_layer),
                               precision=precision)
    return studio.png(r.grid, stamp(r.params, model, entry), file_stem(entry, "seed", int(seed)))


def noise_only(studio: Studio, model_id: str, seed: int, psi: float, noise_strength: float, per_layer: str,
               precision: str, session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """What the per-layer noise changes: one latent under four noise draws, and the per-pixel spread across them.

    Args:
        model_id: catalog id of a StyleGAN2 model.
        seed: seed of the latent (the styles stay fixed).
        psi: truncation psi.
        noise_strength: global noise strength.
        per_layer: per-layer noise multipliers, comma-separated (empty = all 1); set a layer to 0 to see what
            it alone contributes.
        precision: "exact" (fp32, the same image every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        A row [draw 1 .. draw 4, standard deviation] as a PNG, and the single images.
    """
    model, entry = studio.load(model_id, session, progress)
    r = inference.noise_variation(model, seed=seed_value(seed), psi=float(psi),
                                  noise_strength=layer_strengths(model, noise_strength, per_layer),
                                  precision=precision)
    params = stamp(r.params, model, entry)
    stem = file_stem(entry, "noise", int(seed))
    return studio.png(r.grid, params, stem), gallery(studio, r.images, params, r.captions, stem)


def surprise_seeds() -> tuple[str, str]:
    """Four new random row seeds and four column seeds (the "surprise me" button)."""
    return tuple(", ".join(str(random_seed()) for _ in range(4)) for _ in range(2))  # type: ignore[return-value]


def render(studio: Studio, session: gr.State) -> TabUI:
    """Build the tab's widgets (inside the current ``gr.Tab``)."""
    ui = SimpleNamespace()
    gr.Markdown(GUIDE, elem_classes=["guide"])
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.picker, ui.card = model_header(studio, TAB)
            with gr.Row():
                ui.rows = gr.Textbox("1, 2, 3, 4", label=f"Row seeds (up to {options.MIX_SEEDS})", min_width=120)
                ui.cols = gr.Textbox("5, 6, 7, 8", label=f"Column seeds (up to {options.MIX_SEEDS})", min_width=120)
            ui.preset = gr.Radio([*options.STYLE_PRESETS, CUSTOM], value=options.STYLE_PRESETS[0],
                                 label="W layers from the columns", info=PRESET_INFO)
            with gr.Row(equal_height=True):
                ui.dice = gr.Button("🎲 Surprise me", size="sm", min_width=120)
                ui.run = gr.Button("Mix styles", variant="primary", elem_id="style-run", min_width=120)
            ui.psi = slider(options.PSI, "Truncation ψ (1 = none)", info=PSI_INFO)
            with gr.Accordion("W layers one by one, truncation cutoff", open=False):
                ui.layers = ModelCheckboxGroup([], value=[], label="Per-layer (ticking one means custom)")
                ui.cutoff = slider(options.TRUNCATION_CUTOFF, "Truncation cutoff (first N W rows; 0 = all)")
            with gr.Accordion("Noise", open=False):
                ui.noise_mode = gr.Radio(list(options.NOISE_MODES), value=options.DEFAULT_NOISE_MODE,
                                         label="Noise mode", info=NOISE_INFO)
                ui.noise_strength = slider(options.NOISE_STRENGTH, "Global noise strength")
                with gr.Row(equal_height=True):
                    ui.noise_seed = seed_box("Noise seed (random mode)")
                with gr.Accordion("Per-layer noise strengths (multiply the global one)", open=False):
                    ui.per_layer_sliders = [slider(options.NOISE_STRENGTH, f"noise {i}", value=1.0, visible=False)
                                            for i in range(MAX_NOISE_LAYERS)]
                    ui.per_layer = gr.Textbox("", label="Per-layer multipliers (comma-separated; empty = all 1)")
        with gr.Column(scale=2, min_width=300):
            ui.grid = output_image("Style-mixing grid (PNG with its settings)", "style-grid", 500)
            ui.summary = gr.Markdown()
            with gr.Row(equal_height=True):
                ui.seed = seed_box("Seed for one image / noise only")
                ui.run_one = gr.Button("Render one image")
                ui.run_noise = gr.Button("Noise only", elem_id="style-run-noise")
            with gr.Row():
                ui.one = output_image("One image", "style-one", 256)
                ui.noise_grid = output_image("Noise only: four noise draws and their spread", "style-noise", 256)
            ui.noise_images = output_gallery("Noise draws", columns=5)
    return TabUI(ui, picker=ui.picker)


def listen(studio: Studio, app: AppWidgets, tab: TabUI) -> Shown:
    """Wire the tab's events; results follow the controls. Returns what runs when the tab is first shown."""
    ui, session, precision = tab.widgets, app.session, app.precision
    select = Handler(bind(studio, select_model), [ui.picker, session],
                     [ui.card, ui.preset, ui.layers, ui.cutoff, ui.per_layer, *ui.per_layer_sliders])
    noise = [ui.noise_mode, ui.noise_strength, ui.noise_seed, ui.per_layer, precision, session]
    mix_in = [ui.picker, ui.rows, ui.cols, ui.preset, ui.layers, ui.psi, ui.cutoff, *noise]
    mix_out = [ui.grid, ui.summary]
    arrive = Handler(bind(studio, on_arrival(style_mix, 2), gpu=True), [ui.grid, *mix_in], mix_out)
    picked = ui.picker.change(*select, api_name="style_select_model", concurrency_id="load")
    ui.preset.change(bind(studio, preset_layers), [ui.picker, ui.preset, session], ui.layers,
                     api_name="style_preset_layers", concurrency_limit=None, show_progress="hidden")
    # Ticking a layer by hand makes the choice custom; the sliders write their values into one text field,
    # which is what the API takes. Both happen in the browser.
    ui.run.click(bind(studio, timed(style_mix), gpu=True), mix_in, mix_out, api_name="style_mix",
                 concurrency_id="inference")
    ui.run_one.click(bind(studio, render_style, gpu=True), [ui.picker, ui.seed, ui.psi, ui.cutoff, *noise], ui.one,
                     api_name="render_style", concurrency_id="inference")
    ui.run_noise.click(bind(studio, noise_only, gpu=True),
                       [ui.picker, ui.seed, ui.psi, ui.noise_strength, ui.per_layer, precision, session],
                       [ui.noise_grid, ui.noise_images], api_name="noise_only", concurrency_id="inference")
    # private events after the named endpoints, which keep the plain names
    picked.then(bind(studio, timed(style_mix), gpu=True), mix_in, mix_out, **LIVE)
    mix_live = bind(studio, live(style_mix, 2, note=1), gpu=True)
    ui.layers.input(None, None, ui.preset, js=f"() => '{CUSTOM}'").then(mix_live, mix_in, mix_out, **LIVE)
    for s in ui.per_layer_sliders:
        s.release(None, ui.per_layer_sliders, ui.per_layer, js="(...v) => v.map(x => +(+x).toFixed(2)).join(', ')")
    ui.dice.click(surprise_seeds, None, [ui.rows, ui.cols], api_visibility="private", concurrency_limit=None,
                  show_progress="hidden").then(bind(studio, timed(style_mix), gpu=True), mix_in, mix_out, **LIVE)
    gr.on([ui.rows.submit, ui.cols.submit, ui.rows.blur, ui.cols.blur, ui.preset.input, ui.psi.release,
           ui.cutoff.release, ui.noise_mode.input, ui.noise_strength.release, ui.noise_seed.change,
           ui.per_layer.change], mix_live, mix_in, mix_out, **LIVE)
    return Shown(select, arrive)
