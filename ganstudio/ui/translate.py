"""Tab 3, image-to-image: upload or draw an input (a sketch pad for edge-map models, a palette pad in the
model's label colours for label-map models), choose the direction (CycleGAN, DiscoGAN), how the size is
fitted, and pix2pix's deterministic or stochastic (paper) mode; input and output side by side."""

from __future__ import annotations

import html
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gradio as gr
from PIL import Image

from .. import inference, options
from ..checkpoint import GanModel
from ..errors import InputError
from .cards import card_markdown
from .components import DrawingPad, NormModeRadio, UploadImage
from .handlers import bind
from .live import LIVE, live, on_arrival, timed
from .provenance import file_stem, stamp
from .state import Session, Studio
from .tabs import AppWidgets, Handler, Shown, TabUI, tab_spec
from .widgets import example_files, model_header, output_gallery, output_image, seed_box, seed_value

TAB = "translate"
GUIDE = ("**Try this:** click another example below or upload your own; the output follows (drag the line in "
         "**Before / after** to compare). SPADE paints emoji from a region map, pix2pix from a sketch; CycleGAN and "
         "DiscoGAN swap emoji styles without paired examples, kept honest by "
         "[cycle consistency](https://junyanz.github.io/CycleGAN/). **Compare models** runs every model on one emoji.")
MODE_INFO = ("pix2pix's paper keeps dropout on as its noise; deterministic turns it off; stored statistics use the "
             "normalisation averages saved in training")
FIT_INFO = ("the networks take only some sizes: pad keeps your picture's shape and crops the output back; resize "
            "squashes it as the papers' test scripts do")
COMPARE_SUBJECTS = ("smiley", "heart", "flower")  # example names: <input kind>_<subject>.png
CANVAS_SIDE = 384  # drawing canvas side in pixels; the model's fit mode maps it to what the net accepts
FIT_LABELS = {"pad": "Pad to what the net accepts, crop back", "resize": "Resize to the training size"}
MODE_LABELS = {"per-image": "Per-image statistics", "paper": "Paper (dropout on, seeded)",
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
                    seed: int, precision: str, session: Session,
                    progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Translate an image with an image-to-image GAN (pix2pix, CycleGAN, DiscoGAN, SPADE).

    Args:
        model_id: catalog id of the model.
        image: the input image, any size (label-map models read each pixel's nearest palette colour).
        direction: "AB" (the model's generator) or "BA" (the reverse generator of CycleGAN and DiscoGAN).
        fit: "pad" (pad to the sizes the network accepts, crop the output back) or "resize" (squash to the
            training size and back, as the reference test scripts do).
        mode: "per-image" (normalisation statistics of the input itself; old name "deterministic"), "paper"
            (pix2pix: the same with dropout on as the noise source, seeded) or "eval" (stored statistics).
        seed: seed of the dropout noise in paper mode.
        precision: "exact" (fp32, the same image every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        The input as the model read it, the output at the input's size (PNG with its settings), and how the size
        was fitted.
    """
    if image is None:
        raise InputError("upload an image first (or draw one in the Draw tab)")
    return _translate(studio, model_id, image, direction, fit, mode, seed, precision, session, progress)


def translate_drawing(studio: Studio, model_id: str, drawing: dict | None, direction: str, fit: str, mode: str,
                      seed: int, precision: str, session: Session,
                      progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Translate a drawing from the sketch / palette pad (same settings as translate_image).

    Args:
        model_id: catalog id of the model.
        drawing: the image editor's value; its flattened picture ("composite") is the input.
        direction: "AB" or "BA" (two-way models).
        fit: "pad" or "resize".
        mode: "per-image", "paper" or "eval".
        seed: seed of the dropout noise in paper mode.
        precision: "exact" (fp32, the same image every time; the default) or "fast" (bf16 where the hardware has it).
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
    return _translate(studio, model_id, picture, direction, fit, mode, seed, precision, session, progress)


def _translate(studio: Studio, model_id: str, image: Any, direction: str, fit: str, mode: str, seed: int,
               precision: str, session: Session, progress: gr.Progress) -> tuple:
    model, entry = studio.load(model_id, session, progress)
    r = inference.translate(model, image, direction=direction or "AB", fit=fit, mode=mode, seed=seed_value(seed),
                            precision=precision)
    params = stamp(r.params, model, entry)
    stem = file_stem(entry, direction or "AB", mode)
    return (studio.png(r.input, {}, f"{stem}-input"), studio.png(r.output, params, f"{stem}-output"),
            f"{r.fit[0].upper()}{r.fit[1:]}; {r.seconds:.2f} s on {model.device}.")


def input_kind(model: GanModel) -> str:
    """What the model reads: "edges", "labels" or "photo" (the prefix of its example inputs)."""
    return model.meta.input_kind or "photo"


def _example_kind(image: str | None) -> str | None:
    """The input kind of a bundled example (Gradio keeps the file name of its copy), None for other images."""
    if not image:
        return None
    names = {Path(p).name for p in example_files("")}
    name = Path(image).name
    return name.split("_", 1)[0] if name in names else None


def refresh(studio: Studio, model_id: str, image: str | None, direction: str, fit: str, mode: str, seed: int,
            precision: str, session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """The upload tab's result for the model just chosen: when the input is missing or an example of another
    kind (a sketch for a label-map model), the model's own example goes in (and its change translates it);
    otherwise the input is translated again."""
    model, _ = studio.load(model_id, session, progress)
    kind = input_kind(model)
    if image is None or _example_kind(image) not in (None, kind):
        examples = example_files(kind)
        if examples:  # served from the output folder, wherever the app was started (the name tells its kind)
            first = Path(examples[0])
            return (studio.write(first.read_bytes(), first.name), *(gr.update() for _ in range(3)))
        if image is None:
            return tuple(gr.update() for _ in range(4))
    return (gr.update(), *_translate(studio, model_id, image, direction, fit, mode, seed, precision, session, progress))


def compare_translations(studio: Studio, subject: str, precision: str, session: Session,
                         progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Every image-to-image model on the same emoji, each from its own kind of input (a sketch for pix2pix, a
    region map for SPADE, the Noto emoji for CycleGAN and DiscoGAN), with default settings.

    Args:
        subject: which bundled example emoji: "smiley", "heart" or "flower".
        precision: "exact" (fp32, the same image every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        Input and output of every model that has an input of that emoji (PNG outputs with their settings), captioned,
        and a summary.
    """
    if subject not in COMPARE_SUBJECTS:
        raise InputError(f"subject must be one of {', '.join(COMPARE_SUBJECTS)}")
    items, names = [], []
    for e in studio.entries:
        if e.task not in tab_spec(TAB).tasks:
            continue
        model, entry = studio.load(e.id, session, progress)
        found = [p for p in example_files(f"{input_kind(model)}_{subject}")]
        if not found:
            continue
        r = inference.translate(model, found[0], mode=inference.default_translate_mode(model),
                                precision=precision)
        stem = file_stem(entry, "compare", subject)
        name = model.family.label
        items += [(studio.png(r.input, {}, f"{stem}-input"), f"{name} reads: {input_kind(model)}"),
                  (studio.png(r.output, stamp(r.params, model, entry), f"{stem}-output"), f"{name} makes")]
        names.append(entry.title)
    if not items:
        raise InputError(f"no model here has an example input of the {subject}")
    return items, f"The {subject} through {len(names)} models: " + "; ".join(names) + "."


def follow_input(studio: Studio, model_id: str, image: str | None, direction: str, fit: str, mode: str, seed: int,
                 precision: str, session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """translate_image for controls that change: a cleared input changes nothing."""
    if image is None:
        return tuple(gr.update() for _ in range(3))
    return _translate(studio, model_id, image, direction, fit, mode, seed, precision, session, progress)


def before_after(before: str | None, after: str | None) -> tuple | None:
    """The before / after slider's value."""
    return (before, after) if before and after else None


def render(studio: Studio, session: gr.State) -> TabUI:
    """Build the tab's widgets (inside the current ``gr.Tab``)."""
    ui = SimpleNamespace()
    gr.Markdown(GUIDE, elem_classes=["guide"])
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            ui.picker, ui.card = model_header(studio, TAB)
            ui.direction = gr.Radio([("A → B", "AB"), ("B → A", "BA")], value="AB", label="Direction",
                                    visible=False)
            ui.fit = gr.Radio([(FIT_LABELS.get(f, f), f) for f in options.FIT_MODES], value=options.DEFAULT_FIT,
                              label="Input size", info=FIT_INFO)
            ui.mode = NormModeRadio([(MODE_LABELS.get(m, m), m) for m in options.TRANSLATE_MODES],
                                    value=options.DEFAULT_TRANSLATE_MODE, label="Inference mode", visible=False,
                               info=MODE_INFO)
            ui.seed = seed_box("Dropout seed (paper mode)", visible=False)
            ui.fit_info = gr.Markdown()
        with gr.Column(scale=3, min_width=300):
            with gr.Tabs():
                with gr.Tab("Upload", id="upload"):
                    with gr.Row():
                        ui.image = UploadImage(label="Input (any size)", elem_id="translate-input", type="filepath",
                                               image_mode=None, sources=["upload", "clipboard"], height=300,
                                               min_width=200)
                        ui.out_upload = output_image("Output (PNG with its settings)", "translate-output", 300,
                                                     min_width=200)
                        ui.slider = gr.ImageSlider(label="Before / after (drag the line)", type="filepath",
                                                   height=300, min_width=200, elem_id="translate-slider",
                                                   elem_classes=["pixelated", "enlarge"], interactive=False)
                    ui.run = gr.Button("Translate", variant="primary", elem_id="translate-run")
                    examples = example_files("edges") + example_files("labels") + example_files("photo")
                    if examples:
                        gr.Examples(examples, inputs=[ui.image], label="Example inputs", elem_id="translate-examples",
                                    examples_per_page=12)
                    ui.read = output_image("Input as the model read it", "translate-read", 160)
                with gr.Tab("Draw", id="draw"):
                    ui.legend = gr.HTML("Pick a model to get a drawing pad that fits it.")
                    with gr.Row():
                        ui.pad = DrawingPad(elem_id="translate-pad", type="pil", image_mode="RGBA",
                                            label="Drawing", layers=False, canvas_size=(CANVAS_SIDE, CANVAS_SIDE),
                                            fixed_canvas=True, sources=["upload", "clipboard"], format="png",
                                            height=440)
                        ui.out_draw = output_image("Output (PNG with its settings)", "translate-draw-output", 440)
                    ui.run_draw = gr.Button("Translate drawing", variant="primary", elem_id="translate-run-draw")
                with gr.Tab("Compare models", id="compare") as ui.compare_tab:
                    with gr.Row(equal_height=True):
                        ui.subject = gr.Radio(list(COMPARE_SUBJECTS), value=COMPARE_SUBJECTS[0], label="Emoji",
                                              info="each model reads its own kind of input of this emoji")
                        ui.run_compare = gr.Button("Compare", variant="primary", scale=0, min_width=120)
                    ui.compare_summary = gr.Markdown()
                    ui.compared = output_gallery("Input and output of every model", columns=4,
                                                 elem_id="translate-compared")
    return TabUI(ui, picker=ui.picker)


def listen(studio: Studio, app: AppWidgets, tab: TabUI) -> Shown:
    """Wire the tab's events; results follow the controls. Returns what runs when the tab is first shown."""
    ui, session, precision = tab.widgets, app.session, app.precision
    select = Handler(bind(studio, select_model), [ui.picker, session],
                     [ui.card, ui.direction, ui.mode, ui.seed, ui.pad, ui.legend])
    settings = [ui.direction, ui.fit, ui.mode, ui.seed, precision, session]
    upload_out = [ui.read, ui.out_upload, ui.fit_info]
    slide = (before_after, [ui.read, ui.out_upload], ui.slider)
    quiet = dict(api_visibility="private", queue=False, show_progress="hidden")
    # the first result: the model's own example goes in, and its change translates it
    arrive = Handler(bind(studio, on_arrival(refresh, 4), gpu=True), [ui.out_upload, ui.picker, ui.image, *settings],
                     [ui.image, *upload_out])
    picked = ui.picker.change(*select, api_name="translate_select_model", concurrency_id="load")
    translated = ui.run.click(bind(studio, timed(translate_image), gpu=True), [ui.picker, ui.image, *settings],
                              upload_out, api_name="translate", concurrency_id="inference")
    ui.run_draw.click(bind(studio, translate_drawing, gpu=True), [ui.picker, ui.pad, *settings],
                      [ui.read, ui.out_draw, ui.fit_info], api_name="translate_drawing", concurrency_id="inference")
    compare = bind(studio, compare_translations, gpu=True)
    ui.run_compare.click(compare, [ui.subject, precision, session], [ui.compared, ui.compare_summary],
                         api_name="compare_translations", concurrency_id="inference")
    # private events after the named endpoints, which keep the plain names
    translated.then(*slide, **quiet)
    picked.then(bind(studio, timed(refresh), gpu=True), [ui.picker, ui.image, *settings], [ui.image, *upload_out],
                **LIVE).then(*slide, **quiet)
    gr.on([ui.image.change, ui.direction.input, ui.fit.input, ui.mode.input, ui.seed.change],
          bind(studio, live(follow_input, 3, note=2), gpu=True), [ui.picker, ui.image, *settings], upload_out,
          **LIVE).then(*slide, **quiet)
    gr.on([ui.compare_tab.select, ui.subject.input], compare, [ui.subject, precision, session],
          [ui.compared, ui.compare_summary], **LIVE)
    return Shown(select, arrive)
