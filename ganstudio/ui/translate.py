"""Tab 3, image-to-image: upload or draw an input (a sketch pad for edge-map models, a palette pad in the
model's label colours for label-map models), choose the direction (CycleGAN, DiscoGAN), how the size is
fitted, and pix2pix's deterministic or stochastic (paper) mode; input and output side by side."""

from __future__ import annotations

import html
from types import SimpleNamespace
from typing import Any

import gradio as gr
from PIL import Image

from .. import inference, options
from ..checkpoint import GanModel
from ..errors import InputError
from .common import (DrawingPad, Session, Studio, UploadImage, bind, card_markdown, example_files, file_stem,
                     output_image, picker, seed_box, seed_value, stamp)

TAB = "translate"
CANVAS_SIDE = 384  # drawing canvas side in pixels; the model's fit mode maps it to what the net accepts
FIT_LABELS = {"pad": "Pad to what the net accepts, crop back", "resize": "Resize to the training size"}
MODE_LABELS = {"deterministic": "Deterministic", "paper": "Paper (dropout on, seeded)",
               "eval": "Stored statistics (eval)"}


def _hex(rgb: Any) -> str:
    r, g, b = (int(v) for v in rgb[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def canvas_for(model: GanModel) -> tuple[Image.Image, gr.Brush, str]:
    """The drawing pad that fits the model: (background, brush, legend HTML).

    Label-map models get their palette as fixed brush colours over the first label; edge-map models a black
    pen on white; photo models a white canvas and ordinary colours.
    """
    palette = model.meta.palette
    if palette:
        colours = [_hex(p["color"]) for p in palette]
        legend = " ".join(
            f'<span style="white-space:nowrap;margin-right:10px"><span style="display:inline-block;width:14px;'
            f'height:14px;background:{c};border:1px solid #888;vertical-align:middle"></span> '
            f'{html.escape(str(p.get("name", i)))}</span>' for i, (p, c) in enumerate(zip(palette, colours)))
        background = Image.new("RGB", (CANVAS_SIDE, CANVAS_SIDE), tuple(int(v) for v in palette[0]["color"][:3]))
        brush = gr.Brush(colors=colours, default_color=colours[min(1, len(colours) - 1)], color_mode="fixed",
                         default_size=12)
        return background, brush, "Paint with the model's label colours: " + legend
    background = Image.new("RGB", (CANVAS_SIDE, CANVAS_SIDE), (255, 255, 255))
    if model.meta.input_kind == "edges":
        return background, gr.Brush(colors=["#000000"], default_color="#000000", color_mode="fixed",
                                    default_size=3), "Draw black edges on white (a sketch pad)."
    return background, gr.Brush(default_size=8), "Draw or paint an input picture."


def select_model(studio: Studio, model_id: str, session: Session,
                 progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Load an image-to-image model and set up its controls.

    Args:
        model_id: catalog id of the model.
    Returns:
        The model card, the direction choice (two-way models), the modes that differ for the model (with its
        default chosen) and the dropout seed (models with dropout), and a drawing pad that fits the model's input.
    """
    model, entry = studio.load(model_id, session, progress)
    a, b = (model.meta.domains or ["A", "B"])[:2]
    two_way = "generator_ba" in model.modules
    modes = inference.translate_modes(model)
    background, brush, legend = canvas_for(model)
    pad = gr.ImageEditor(value={"background": background, "layers": [], "composite": None}, brush=brush)
    return (card_markdown(model, entry),
            gr.update(visible=two_way, choices=[(f"{a} → {b}", "AB"), (f"{b} → {a}", "BA")], value="AB"),
            gr.update(visible=len(modes) > 1, choices=[(MODE_LABELS.get(m, m), m) for m in modes],
                      value=inference.default_translate_mode(model)),
            gr.update(visible="paper" in modes),
            pad, legend)


def translate_image(studio: Studio, model_id: str, image: str | None, direction: str, fit: str, mode: str,
                    seed: int, session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Translate an image with an image-to-image GAN (pix2pix, CycleGAN, DiscoGAN, SPADE).

    Args:
        model_id: catalog id of the model.
        image: the input image, any size (label-map models read each pixel's nearest palette colour).
        direction: "AB" (the model's generator) or "BA" (the reverse generator of CycleGAN and DiscoGAN).
        fit: "pad" (pad to the sizes the network accepts, crop the output back) or "resize" (squash to the
            training size and back, as the reference test scripts do).
        mode: "deterministic", "paper" (pix2pix: dropout on as the noise source, seeded) or "eval" (stored
            normalisation statistics).
        seed: seed of the dropout noise in paper mode.
    Returns:
        The input as the model read it, the output at the input's size (PNG with its settings), and how the size
        was fitted.
    """
    if image is None:
        raise InputError("upload an image first (or draw one in the Draw tab)")
    return _translate(studio, model_id, image, direction, fit, mode, seed, session, progress)


def translate_drawing(studio: Studio, model_id: str, drawing: dict | None, direction: str, fit: str, mode: str,
                      seed: int, session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Translate a drawing from the sketch / palette pad (same settings as translate_image).

    Args:
        model_id: catalog id of the model.
        drawing: the image editor's value; its flattened picture ("composite") is the input.
        direction: "AB" or "BA" (two-way models).
        fit: "pad" or "resize".
        mode: "deterministic", "paper" or "eval".
        seed: seed of the dropout noise in paper mode.
    Returns:
        The input as the model read it, the output, and how the size was fitted.
    """
    picture = (drawing or {}).get("composite")
    if picture is None:
        raise InputError("draw something first")
    if isinstance(picture, Image.Image) and picture.mode == "RGBA":
        # strokes over a transparent canvas: put them on the pad's background colour
        base = (drawing or {}).get("background")
        ground = base.convert("RGBA") if isinstance(base, Image.Image) and base.size == picture.size else \
            Image.new("RGBA", picture.size, (255, 255, 255, 255))
        picture = Image.alpha_composite(ground, picture).convert("RGB")
    return _translate(studio, model_id, picture, direction, fit, mode, seed, session, progress)


def _translate(studio: Studio, model_id: str, image: Any, direction: str, fit: str, mode: str, seed: int,
               session: Session, progress: gr.Progress) -> tuple:
    model, entry = studio.load(model_id, session, progress)
    r = inference.translate(model, image, direction=direction or "AB", fit=fit, mode=mode, seed=seed_value(seed),
                            precision=session.precision)
    params = stamp(r.params, model, entry)
    stem = file_stem(entry, direction or "AB", mode)
    return (studio.png(r.input, {}, f"{stem}-input"), studio.png(r.output, params, f"{stem}-output"),
            f"{r.fit[0].upper()}{r.fit[1:]}; {r.seconds:.2f} s on {model.device}.")


def render(studio: Studio, session: gr.State) -> SimpleNamespace:
    """Build the tab's widgets (inside the current ``gr.Tab``) and wire them."""
    ui = SimpleNamespace()
    with gr.Row():
        with gr.Column(scale=1, min_width=300):
            ui.picker = picker(studio, TAB)
            gr.Markdown(studio.note(TAB), visible=bool(studio.note(TAB)))
            with gr.Accordion("Model card", open=False):
                ui.card = gr.Markdown("Pick a model to see its card.")
            ui.direction = gr.Radio([("A → B", "AB"), ("B → A", "BA")], value="AB", label="Direction",
                                    visible=False)
            ui.fit = gr.Radio([(FIT_LABELS.get(f, f), f) for f in options.FIT_MODES], value=options.DEFAULT_FIT,
                              label="Input size")
            ui.mode = gr.Radio([(MODE_LABELS.get(m, m), m) for m in options.PIX2PIX_MODES],
                               value=options.DEFAULT_PIX2PIX_MODE, label="Inference mode", visible=False)
            ui.seed = seed_box("Dropout seed (paper mode)", visible=False)
            ui.read = output_image("Input as the model read it", "translate-read", 200)
            ui.fit_info = gr.Markdown()
        with gr.Column(scale=3):
            with gr.Tabs():
                with gr.Tab("Upload", id="upload"):
                    with gr.Row():
                        ui.image = UploadImage(label="Input (any size)", elem_id="translate-input", type="filepath",
                                            image_mode=None, sources=["upload", "clipboard"], height=380)
                        ui.out_upload = output_image("Output (PNG with its settings)", "translate-output", 380)
                    ui.run = gr.Button("Translate", variant="primary", elem_id="translate-run")
                    examples = example_files("edges") + example_files("labels") + example_files("photo")
                    if examples:
                        gr.Examples(examples, inputs=[ui.image], label="Example inputs", elem_id="translate-examples")
                with gr.Tab("Draw", id="draw"):
                    ui.legend = gr.HTML("Pick a model to get a drawing pad that fits it.")
                    with gr.Row():
                        ui.pad = DrawingPad(elem_id="translate-pad", type="pil", image_mode="RGBA",
                                                label="Drawing", layers=False, canvas_size=(CANVAS_SIDE, CANVAS_SIDE),
                                                fixed_canvas=True, sources=["upload", "clipboard"], format="png",
                                                height=440)
                        ui.out_draw = output_image("Output (PNG with its settings)", "translate-draw-output", 440)
                    ui.run_draw = gr.Button("Translate drawing", variant="primary", elem_id="translate-run-draw")
    listen(studio, session, ui)
    return ui


def listen(studio: Studio, session: gr.State, ui: SimpleNamespace) -> None:
    ui.select = (bind(studio, select_model), [ui.picker, session],
                 [ui.card, ui.direction, ui.mode, ui.seed, ui.pad, ui.legend])
    ui.picker.change(*ui.select, api_name="translate_select_model", concurrency_id="load")
    settings = [ui.direction, ui.fit, ui.mode, ui.seed, session]
    ui.run.click(bind(studio, translate_image, gpu=True), [ui.picker, ui.image, *settings],
                 [ui.read, ui.out_upload, ui.fit_info], api_name="translate", concurrency_id="inference")
    ui.run_draw.click(bind(studio, translate_drawing, gpu=True), [ui.picker, ui.pad, *settings],
                      [ui.read, ui.out_draw, ui.fit_info], api_name="translate_drawing", concurrency_id="inference")
