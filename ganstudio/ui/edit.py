"""Tab 4, attribute editing (StarGAN): toggles for the model's attributes (a radio per mutually exclusive
group such as hair colour), every single-attribute edit at once as in the paper's figures, and an intensity
slider that moves the label vector from the input's own attributes to the target."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import gradio as gr

from .. import inference, options
from ..checkpoint import GanModel
from ..errors import InputError
from .cards import card_markdown
from .components import ModelCheckboxGroup, ModelRadio, NormModeRadio, UploadImage
from .handlers import bind
from .live import LIVE, live, on_arrival, timed
from .provenance import file_stem, stamp
from .state import Session, Studio
from .tabs import AppWidgets, Handler, Shown, TabUI
from .widgets import example_files, gallery, model_header, output_gallery, output_image

TAB = "edit"
GUIDE = ("**Try this:** pick another skin tone or design on the left and drag **Intensity**: the edit follows, and "
         "**Before / after** shows it against the input. One generator makes every edit from a label it is given "
         "([StarGAN](https://arxiv.org/abs/1711.09020)); the top row shows each single edit at once.")
INTENSITY_INFO = "moves the label from what the model reads in the input (0) to your choice (1)"
MAX_GROUPS = 3  # radios made for mutually exclusive attribute groups; more groups fall back to checkboxes
FIT_LABELS = {"pad": "Pad and crop back", "resize": "Resize to the training size (reference)"}
MODE_LABELS = {"per-image": "Per-image statistics (reference)", "eval": "Stored statistics (eval)"}


def _pretty(name: str) -> str:
    return name.replace("_", " ")


def attribute_layout(model: GanModel) -> tuple[list[list[str]], list[str]]:
    """(groups shown as radios, attributes shown as checkboxes) of a model."""
    names = inference.attribute_names(model)
    groups = [[n for n in g if n in names] for g in (model.meta.attribute_groups or [])][:MAX_GROUPS]
    grouped = {n for g in groups for n in g}
    return groups, [n for n in names if n not in grouped]


def _controls(model: GanModel, source: list[float] | None) -> list[dict]:
    """Updates of the group radios and the checkbox group; with ``source``, set to the detected attributes."""
    groups, singles = attribute_layout(model)
    names = inference.attribute_names(model)
    out = []
    for i in range(MAX_GROUPS):
        if i < len(groups):
            g = groups[i]
            value = max(g, key=lambda n: source[names.index(n)]) if source else None
            out.append(gr.update(visible=True, choices=[(_pretty(n), n) for n in g], value=value,
                                 label="One of: " + ", ".join(_pretty(n) for n in g)))
        else:
            out.append(gr.update(visible=False, choices=[], value=None))
    on = [n for n in singles if source and source[names.index(n)] >= 0.5]
    out.append(gr.update(visible=bool(singles), choices=[(_pretty(n), n) for n in singles], value=on))
    return out


def select_model(studio: Studio, model_id: str, session: Session,
                 progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Load an attribute-editing model (StarGAN) and show its attributes as toggles.

    Args:
        model_id: catalog id of the model.
    Returns:
        The model card, one radio per mutually exclusive attribute group, and the other attributes as toggles.
    """
    model, entry = studio.load(model_id, session, progress)
    return (card_markdown(model, entry), *_controls(model, None))


def all_single_edits(studio: Studio, model_id: str, image: str | None, fit: str, mode: str, precision: str,
                     session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Every single-attribute edit of an image at once, as in the StarGAN paper's figures.

    Each member of an exclusive group (e.g. each hair colour) is set in turn; other attributes are flipped.
    The attributes the model reads from the input (its discriminator's class head) preset the toggles.

    Args:
        model_id: catalog id of a StarGAN model.
        image: the input image (a face for CelebA models), any size.
        fit: "resize" (the reference's pipeline) or "pad".
        mode: "per-image" (normalisation statistics of the input itself, as the reference test; old name
            "reference") or "eval".
        precision: "exact" (fp32, the same image every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        A row [input, edit 1, edit 2, ...] as one PNG, the edits with their names, the toggles set to the
        attributes read from the input, and those attributes in words.
    """
    if image is None:
        raise InputError("upload an image first")
    model, entry = studio.load(model_id, session, progress)
    r = inference.edit_attributes(model, image, all_single_edits=True, fit=fit, mode=mode,
                                  precision=precision)
    params = stamp(r.params, model, entry)
    names = inference.attribute_names(model)
    read = ", ".join(f"{_pretty(n)} {v:.0%}" for n, v in zip(names, r.source_labels))
    items = gallery(studio, r.images, params, [_pretty(n) for n in r.names], file_stem(entry, "edit"))
    return (studio.png(r.grid, params, file_stem(entry, "all-edits")), items, *_controls(model, r.source_labels),
            f"Attributes read from the input: {read}. ({r.seconds:.2f} s)")


def preview_edits(studio: Studio, model_id: str, image: str | None, fit: str, mode: str, precision: str,
                  session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """A new input image (uploaded or an example): show every single edit at once; a cleared one: no change."""
    if image is None:
        return tuple(gr.update() for _ in range(2 + MAX_GROUPS + 2))
    return all_single_edits(studio, model_id, image, fit, mode, precision, session, progress)


def refresh(studio: Studio, model_id: str, image: str | None, fit: str, mode: str, precision: str,
            session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """The tab's result for the model just chosen: without an input, the first example face goes in (and its
    change shows every single edit); with one, every single edit of it again."""
    if image is None:  # the first example face, served from the output folder wherever the app was started
        faces = [Path(p) for p in example_files("face")]
        first = studio.write(faces[0].read_bytes(), faces[0].name) if faces else gr.update()
        return (first, *(gr.update() for _ in range(2 + MAX_GROUPS + 2)))
    return (gr.update(), *all_single_edits(studio, model_id, image, fit, mode, precision, session, progress))


def follow_controls(studio: Studio, model_id: str, image: str | None, group_1: str | None, group_2: str | None,
                    group_3: str | None, attributes: list[str] | None, intensity: float, fit: str, mode: str,
                    precision: str, session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """edit_attributes for controls that change: without an input, nothing changes."""
    if image is None:
        return gr.update(), gr.update()
    return edit_attributes(studio, model_id, image, group_1, group_2, group_3, attributes, intensity, fit, mode,
                           precision, session, progress)


def before_after(before: str | None, after: str | None) -> tuple | None:
    """The before / after slider's value."""
    return (before, after) if before and after else None


def edit_attributes(studio: Studio, model_id: str, image: str | None, group_1: str | None, group_2: str | None,
                    group_3: str | None, attributes: list[str] | None, intensity: float, fit: str, mode: str,
                    precision: str, session: Session, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Edit an image towards the chosen attributes with a StarGAN model.

    Args:
        model_id: catalog id of a StarGAN model.
        image: the input image, any size.
        group_1: the chosen member of the first exclusive group (e.g. a hair colour), or empty to keep it.
        group_2: the chosen member of the second exclusive group, or empty.
        group_3: the chosen member of the third exclusive group, or empty.
        attributes: the other attributes to switch on; those not listed are switched off.
        intensity: 0 keeps the input's own attributes, 1 applies the target fully; between, the label vector is
            interpolated.
        fit: "resize" or "pad".
        mode: "per-image" or "eval".
        precision: "exact" (fp32, the same image every time; the default) or "fast" (bf16 where the hardware has it).
    Returns:
        The edited image (PNG with its settings) and the label vectors used.
    """
    if image is None:
        raise InputError("upload an image first")
    model, entry = studio.load(model_id, session, progress)
    groups, singles = attribute_layout(model)
    for i, choice in enumerate((group_1, group_2, group_3)):
        if choice and (i >= len(groups) or choice not in groups[i]):
            allowed = ", ".join(groups[i]) if i < len(groups) else "nothing (this model has no such group)"
            raise InputError(f"group {i + 1}: {choice!r} is not one of its attributes ({allowed})")
    unknown = [a for a in attributes or [] if a not in singles]
    if unknown:
        raise InputError(f"unknown attributes {unknown}; this model's toggles are: {', '.join(singles) or 'none'}")
    target = {choice: True for choice in (group_1, group_2, group_3)[:len(groups)] if choice}
    target.update({n: n in (attributes or []) for n in singles})
    r = inference.edit_attributes(model, image, target=target, intensity=float(intensity), fit=fit, mode=mode,
                                  precision=precision)
    params = stamp(r.params, model, entry)
    names = inference.attribute_names(model)
    label = ", ".join(f"{_pretty(n)} {v:.2f}" for n, v in zip(names, r.labels[0]))
    return (studio.png(r.images[0], params, file_stem(entry, "edited")),
            f"Label vector: {label} (intensity {float(intensity):.2f}; {r.seconds:.2f} s)")


def render(studio: Studio, session: gr.State) -> TabUI:
    """Build the tab's widgets (inside the current ``gr.Tab``)."""
    ui = SimpleNamespace()
    gr.Markdown(GUIDE, elem_classes=["guide"])
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            ui.picker, ui.card = model_header(studio, TAB)
            ui.groups = [ModelRadio([], value=None, label=f"Group {i + 1}", visible=False) for i in range(MAX_GROUPS)]
            ui.attributes = ModelCheckboxGroup([], value=[], label="Attributes (checked = on)", visible=False)
            ui.intensity = gr.Slider(options.INTENSITY.minimum, options.INTENSITY.maximum,
                                     value=options.INTENSITY.default, step=options.INTENSITY.step,
                                     label="Intensity (0 = input's own attributes, 1 = target)", info=INTENSITY_INFO)
            with gr.Row():
                ui.run_all = gr.Button("Every single edit")
                ui.run = gr.Button("Edit", variant="primary")
            with gr.Accordion("Advanced", open=False):
                ui.fit = gr.Radio([(FIT_LABELS.get(f, f), f) for f in options.FIT_MODES], value="resize",
                                  label="Input size")
                ui.mode = NormModeRadio([(MODE_LABELS.get(m, m), m) for m in options.EDIT_MODES],
                                        value=options.EDIT_MODES[0], label="Normalisation",
                                   info="the reference normalises each image by its own statistics")
        with gr.Column(scale=2, min_width=300):
            ui.row = output_image("Every single-attribute edit: input, then one edit each", "edit-row", 180)
            with gr.Row():
                ui.image = UploadImage(label="Input image (any size)", elem_id="edit-input", type="filepath",
                                       image_mode=None, sources=["upload", "clipboard"], height=220, min_width=160)
                ui.edited = output_image("Edited (PNG with its settings)", "edit-output", 220, min_width=160)
                ui.slider = gr.ImageSlider(label="Before / after (drag the line)", type="filepath", height=220,
                                           min_width=160, elem_id="edit-slider", interactive=False,
                                           elem_classes=["pixelated", "enlarge"])
            faces = example_files("face")
            if faces:
                gr.Examples(faces, inputs=[ui.image], label="Example inputs", elem_id="edit-examples")
            ui.info = gr.Markdown()
            ui.edits = output_gallery("Single edits", columns=6)
    return TabUI(ui, picker=ui.picker)


def listen(studio: Studio, app: AppWidgets, tab: TabUI) -> Shown:
    """Wire the tab's events; results follow the controls. Returns what runs when the tab is first shown."""
    ui, session, precision = tab.widgets, app.session, app.precision
    toggles = [*ui.groups, ui.attributes]
    select = Handler(bind(studio, select_model), [ui.picker, session], [ui.card, *toggles])
    single_args = ([ui.picker, ui.image, ui.fit, ui.mode, precision, session], [ui.row, ui.edits, *toggles, ui.info])
    # the first result: an example face goes in, and its change shows every single edit
    arrive = Handler(bind(studio, on_arrival(refresh, 1 + len(single_args[1])), gpu=True),
                     [ui.row, *single_args[0]], [ui.image, *single_args[1]])
    picked = ui.picker.change(*select, api_name="edit_select_model", concurrency_id="load")
    ui.run_all.click(bind(studio, all_single_edits, gpu=True), *single_args, api_name="all_single_edits",
                     concurrency_id="inference")
    # A new input shows every single edit at once and presets the toggles to what the model reads.
    ui.image.change(bind(studio, preview_edits, gpu=True), *single_args, api_visibility="private",
                    concurrency_id="inference")
    edit_in = [ui.picker, ui.image, *ui.groups, ui.attributes, ui.intensity, ui.fit, ui.mode, precision, session]
    slide = dict(fn=before_after, inputs=[ui.image, ui.edited], outputs=ui.slider, api_visibility="private",
                 queue=False, show_progress="hidden")
    edited = ui.run.click(bind(studio, timed(edit_attributes), gpu=True), edit_in, [ui.edited, ui.info],
                          api_name="edit_attributes", concurrency_id="inference")
    # private events after the named endpoints, which keep the plain names
    edited.then(**slide)
    picked.then(bind(studio, timed(refresh), gpu=True), single_args[0], [ui.image, *single_args[1]], **LIVE)
    gr.on([*(g.input for g in ui.groups), ui.attributes.input, ui.intensity.release],
          bind(studio, live(follow_controls, 2, note=1), gpu=True), edit_in, [ui.edited, ui.info],
          **LIVE).then(**slide)
    return Shown(select, arrive)
