"""Tab 6, latent tools: project an image into a StyleGAN2 (W, then W+ and noise), find latent directions (SeFa)
and move any latent along them, breed children from two or more parents, and walk through latent space as
MP4 / GIF / WebP. Every latent of the session sits in one library (seeds, projections, uploads, edits,
children), so each tool takes any of them.

The library lives in this tab's own ``gr.State`` (:class:`LatentBook`), one per browser session or API client;
it is emptied when another model is picked, because a latent belongs to one model.
"""

from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Callable, Iterator

import gradio as gr

from .. import images as imgs
from .. import options
from ..checkpoint import GanModel
from ..latent import breeding, codes, directions, mixing, projection, walks
from ..latent.codes import Latent, LatentError
from ..latent.directions import Directions
from ..models.base import Task
from .cards import card_markdown
from .handlers import bind, user_error
from .provenance import file_stem, stamp
from .state import Session, Studio
from .tabs import AppWidgets, Handler, Shown, TabUI
from .widgets import output_gallery, output_image, picker, seed_box, seed_value, slider

TAB = "latent"
MAX_ROW = int(options.TRUNCATION_CUTOFF.maximum) - 1  # last W+ row of a 1024-px StyleGAN2
STRIP_ALPHAS = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)  # steps shown in each direction's preview strip


@dataclass
class LatentBook:
    """One user's latents for one model, by name, in the order they were made."""

    model: str = ""  # fingerprint of the model the latents belong to
    latents: dict[str, Latent] = field(default_factory=dict)
    directions: Directions | None = None
    counters: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str, latent: Latent) -> str:
        self.counters[kind] = self.counters.get(kind, 0) + 1
        name = f"{kind} {self.counters[kind]}"
        self.latents[name] = latent
        return name

    def put(self, name: str, latent: Latent) -> str:
        self.latents[name] = latent
        return name

    def get(self, name: str | None) -> Latent:
        if not name:
            raise LatentError("pick a latent first (add a seed, project an image or upload a latent file)")
        if name not in self.latents:
            raise LatentError(f"no latent named {name!r} in this session (latents are kept per model)")
        return self.latents[name]

    def many(self, names: list[str] | str | None) -> list[Latent]:
        names = [names] if isinstance(names, str) else list(names or [])
        return [self.get(n) for n in names]


def _book(model: GanModel, book: LatentBook | None) -> LatentBook:
    """The session's book for ``model`` (emptied when the model changed)."""
    book = book if isinstance(book, LatentBook) else LatentBook()
    fp = codes.model_fingerprint(model)
    if book.model != fp:
        book.model, book.latents, book.directions, book.counters = fp, {}, None, {}
    return book


def _names(book: LatentBook, value: Any = None, multiselect: bool = False) -> dict:
    return gr.update(choices=list(book.latents), value=value if value is not None else ([] if multiselect else None))


def _load(studio: Studio, model_id: str, session: Session, book: LatentBook | None,
          progress: gr.Progress | None = None) -> tuple[GanModel, Any, LatentBook]:
    model, entry = studio.load(model_id, session, progress)
    codes.latent_space(model)  # refuses models without a latent space
    return model, entry, _book(model, book)


def _rows(model: GanModel, start: int, end: int) -> list[int] | None:
    """The W+ rows ``start .. end`` (a row past the model's last means its last); None in z space."""
    if codes.latent_space(model) != "w+":
        return None
    last = model.generator.n_latent - 1
    return directions.layer_range(model, min(int(start), last), min(int(end), last))


def _png(studio: Studio, model: GanModel, entry: Any, latent: Latent, image: Any, stem: str, **extra: Any) -> str:
    return studio.png(image, stamp(codes.png_params(model, latent, **extra), model, entry), file_stem(entry, stem))


def _npz(studio: Studio, entry: Any, latent: Latent, name: str) -> str:
    return studio.write(codes.save_npz(latent), file_stem(entry, name.replace(" ", "-"), latent.digest()) + ".npz")


def bind_stream(studio: Studio, fn: Callable[..., Iterator[Any]]) -> Callable[..., Iterator[Any]]:
    """:func:`handlers.bind` for generator handlers (streamed outputs): errors raised while iterating become
    short messages too, and Gradio still sees a generator function."""
    sig = inspect.signature(fn)

    @functools.wraps(fn)
    def handler(*args: Any, **kwargs: Any) -> Iterator[Any]:
        try:
            yield from fn(studio, *args, **kwargs)
        except Exception as e:  # noqa: BLE001 - every failure must reach the user as a message
            raise user_error(e) from None

    handler.__signature__ = sig.replace(parameters=list(sig.parameters.values())[1:])  # type: ignore[attr-defined]
    return handler


# ---------------------------------------------------------------------------------------------
# handlers: the library


def select_model(studio: Studio, model_id: str, session: Session, book: LatentBook,
                 progress: gr.Progress = gr.Progress(track_tqdm=True)) -> tuple:
    """Load a model for the latent tools: a StyleGAN2 (every tool) or an unconditional random-generation model
    (directions and walks in z).

    Args:
        model_id: catalog id of the model.
    Returns:
        The model card, the layer-range sliders (W+ rows), and the latent lists of every tool.
    """
    model, entry, book = _load(studio, model_id, session, book, progress)
    if codes.latent_space(model) == "w+":
        # values only: a slider's range stays the largest model's (updates to widgets of a tab not shown yet can
        # lose their value), and the handlers read a row past the model's last as its last
        lo, hi = gr.update(value=0, visible=True), gr.update(value=model.generator.n_latent - 1, visible=True)
    else:  # z: no layers to choose
        lo = hi = gr.update(value=0, visible=False)
    return (card_markdown(model, entry), lo, hi, lo, hi, _names(book), _names(book, multiselect=True),
            _names(book, multiselect=True), book)


def add_seed(studio: Studio, model_id: str, seed: int, session: Session, book: LatentBook) -> tuple:
    """Add a seed's latent (W+ of its mapped z, or z) to the session's library.

    Args:
        model_id: catalog id of the model.
        seed: the seed.
    Returns:
        Its image (PNG with settings), its latent as .npz, the library lists (the new latent selected) and a summary.
    """
    model, entry, book = _load(studio, model_id, session, book)
    lat = codes.from_seed(model, seed_value(seed))
    name = book.put(f"seed {int(seed)}", lat)
    return _show(studio, model, entry, book, name)


def _show(studio: Studio, model: GanModel, entry: Any, book: LatentBook, name: str) -> tuple:
    lat = book.latents[name]
    image = codes.render_images(model, [lat])[0]
    return (_png(studio, model, entry, lat, image, name.replace(" ", "-")),
            _npz(studio, entry, lat, name), _names(book, name), _names(book, multiselect=True),
            _names(book, multiselect=True), f"**{name}** added ({lat.space}, digest `{lat.digest()}`)", book)


def show_latent(studio: Studio, model_id: str, name: str, session: Session, book: LatentBook) -> tuple:
    """A library latent's image (PNG with its origin) and file, e.g. when it is picked as the current latent."""
    if not name:
        return None, None
    model, entry, book = _load(studio, model_id, session, book)
    lat = book.get(name)
    image = codes.render_images(model, [lat])[0]
    return _png(studio, model, entry, lat, image, name.replace(" ", "-")), _npz(studio, entry, lat, name)


def upload_latent(studio: Studio, model_id: str, file: str | None, session: Session, book: LatentBook) -> tuple:
    """Load a latent file (.npz saved by GAN Studio, or an NVlabs projector's projected_w.npz) into the library.

    A latent of another model is refused.

    Args:
        model_id: catalog id of the model.
        file: the .npz file.
    Returns:
        Its image, the file, the library lists and a summary.
    """
    if not file:
        raise LatentError("upload a latent file (.npz) first")
    model, entry, book = _load(studio, model_id, session, book)
    if Path(file).stat().st_size > options.MAX_UPLOAD_MB * 2**20:
        raise LatentError(f"latent files are small; this one is over {options.MAX_UPLOAD_MB} MB")
    lat = codes.load_npz(file, model)
    return _show(studio, model, entry, book, book.add("file", lat))


# ---------------------------------------------------------------------------------------------
# handlers: projection


def frame_image(studio: Studio, model_id: str, image: str | None, framing: str, session: Session,
                book: LatentBook) -> str | None:
    """The upload as the model will see it (framed, resized)."""
    if not image:
        return None
    model, entry, _ = _load(studio, model_id, session, book)
    target, fitted = projection.target_tensor(model, image, framing)
    return studio.png(codes.to_images(model, target)[0], {"kind": "projection-target", "framing": fitted.how},
                      file_stem(entry, "target"))


def project(studio: Studio, model_id: str, image: str | None, steps: int, wplus_steps: int, optimize_noise: bool,
            pixel_weight: float, framing: str, seed: int, session: Session, book: LatentBook,
            progress: gr.Progress = gr.Progress()) -> Iterator[tuple]:
    """Project an image into a StyleGAN2: find the W (then W+, and optionally per-layer noise) whose render
    matches it. Streams the current render and loss every few steps; cancel to stop the work.

    Args:
        model_id: catalog id of a StyleGAN2 model.
        image: the image to project (any size; transparency goes over white).
        steps: optimisation steps of one W for every layer.
        wplus_steps: then steps of W+ (one W per layer); 0 = W only.
        optimize_noise: also optimise the per-layer noise maps (with NVlabs' noise regularisation).
        pixel_weight: weight of the pixel loss beside the perceptual one.
        framing: "subject" (crop to the subject on a plain background, centred with a margin) or "center".
        seed: seed of the noise added to W early in the run.
    Returns:
        The framed target, the current render, a status line, the reconstruction (PNG with settings), the
        latent (.npz) and the library lists.
    """
    if not image:
        raise LatentError("upload an image to project first")
    model, entry, book = _load(studio, model_id, session, book)
    codes.need_style(model, "projection")
    settings = projection.ProjectionSettings(steps=int(steps), wplus_steps=int(wplus_steps),
                                             optimize_noise=bool(optimize_noise), pixel_weight=float(pixel_weight),
                                             framing=framing, seed=seed_value(seed)).check()
    target_png = frame_image(studio, model_id, image, framing, session, book)
    for s in projection.project(model, image, settings):
        progress(s.step / s.total, desc=f"{s.stage} step {s.step}/{s.total}")
        if s.result is None:
            preview = studio.png(s.image, {"kind": "projection-progress", "step": s.step}, file_stem(entry, "step"))
            yield (target_png, preview, f"{s.stage} step {s.step} / {s.total}: loss {s.loss:.4f}",
                   *[gr.update() for _ in range(5)], book)
            continue
        r = s.result
        name = book.add("projection", r.latent)
        recon = studio.png(r.reconstruction, stamp(r.params, model, entry), file_stem(entry, "projection"))
        yield (target_png, recon, f"**{name}**: PSNR {r.psnr:.2f} dB, loss {r.loss:.4f}, {r.seconds:.1f} s "
               f"({r.framing})", recon, _npz(studio, entry, r.latent, name), _names(book, name),
               _names(book, multiselect=True), _names(book, multiselect=True), book)


# ---------------------------------------------------------------------------------------------
# handlers: directions


def find_directions(studio: Studio, model_id: str, latent: str, layer_start: int, layer_end: int, k: int,
                    session: Session, book: LatentBook) -> tuple:
    """Closed-form latent directions (SeFa) of the chosen W+ rows' modulation weights (the first layer's weight
    for DCGAN-like models), each previewed as a strip of the chosen latent moved -3 ... +3 standard deviations.

    Args:
        model_id: catalog id of the model.
        latent: name of a latent in the session's library (the strips start from it).
        layer_start: first W+ row of the range (StyleGAN2).
        layer_end: last W+ row of the range.
        k: number of directions.
    Returns:
        The strips (one per direction), the direction choices (for edits and for walks) and a summary.
    """
    model, entry, book = _load(studio, model_id, session, book)
    lat = book.get(latent)
    rows = _rows(model, layer_start, layer_end)
    d = directions.sefa(model, layers=rows, k=int(k))
    book.directions = d
    items = []
    for i in range(len(d)):
        strip = imgs.make_grid(directions.strip(model, lat, d, i, STRIP_ALPHAS), len(STRIP_ALPHAS))
        params = stamp(codes.png_params(model, lat, direction=d.origin, index=i, alphas=list(STRIP_ALPHAS)),
                       model, entry)
        items.append((studio.png(strip, params, file_stem(entry, "direction", i)),
                      f"{d.names[i]}: singular value {float(d.values[i]):.3g}, σ {float(d.sigma[i]):.3g}"))
    where = f"W+ rows {rows[0]}-{rows[-1]}" if rows else "the first layer (z)"
    choices = gr.update(choices=[(n, i) for i, n in enumerate(d.names)], value=0)
    return items, choices, choices, f"{len(d)} directions of {where}; strips show steps {list(STRIP_ALPHAS)} σ"


def apply_direction(studio: Studio, model_id: str, latent: str, direction: int, alpha: float, layer_start: int,
                    layer_end: int, keep: bool, session: Session, book: LatentBook) -> tuple:
    """Move a latent along a direction (found with find_directions) by ``alpha`` standard deviations, over a
    W+ row range.

    Args:
        model_id: catalog id of the model.
        latent: name of a latent in the session's library.
        direction: index of the direction.
        alpha: step in standard deviations of the model's latents along the direction.
        layer_start: first W+ row the edit applies to.
        layer_end: last W+ row.
        keep: add the edited latent to the library.
    Returns:
        The edited image (PNG with settings), its latent (.npz), the library lists and a summary.
    """
    model, entry, book = _load(studio, model_id, session, book)
    if book.directions is None:
        raise LatentError("find directions first")
    lat = book.get(latent)
    rows = _rows(model, layer_start, layer_end)
    moved = directions.edit(model, lat, book.directions, int(direction or 0), float(alpha), rows)
    image = codes.render_images(model, [moved])[0]
    png = _png(studio, model, entry, moved, image, "edit")
    if keep:
        name = book.add("edit", moved)
        return (png, _npz(studio, entry, moved, name), _names(book, latent), _names(book, multiselect=True),
                _names(book, multiselect=True), f"**{name}** added", book)
    same = [gr.update() for _ in range(3)]  # the three library lists, unchanged (one update dict each)
    return (png, _npz(studio, entry, moved, "edit"), *same, f"α = {float(alpha):g}", book)


# ---------------------------------------------------------------------------------------------
# handlers: breeding


def breed(studio: Studio, model_id: str, parents: list[str], n: int, mutation: float, seed: int,
          session: Session, book: LatentBook) -> tuple:
    """Children of two or more parents: each W+ row from a random parent, plus a mutation towards a random
    latent. Children join the library; their PNGs carry the lineage.

    Args:
        model_id: catalog id of a StyleGAN2 model.
        parents: names of two or more latents in the session's library.
        n: number of children.
        mutation: mutation strength (0 = pure crossover).
        seed: seed of the first child (the others use the next seeds).
    Returns:
        The children (gallery), the library lists and a summary.
    """
    model, entry, book = _load(studio, model_id, session, book)
    kids = breeding.breed(model, book.many(parents), n=int(n), mutation=float(mutation), seed=seed_value(seed))
    names = [book.add("child", k) for k in kids]
    pictures = codes.render_images(model, kids)
    items = [(_png(studio, model, entry, k, p, name.replace(" ", "-")), name)
             for k, p, name in zip(kids, pictures, names)]
    # the current latent and keyframes stay as they are (one update each: Gradio consumes an update dict)
    return (items, gr.update(choices=list(book.latents)), _names(book, list(parents), multiselect=True),
            gr.update(choices=list(book.latents)),
            f"{len(kids)} children of {', '.join(parents)}: click one to make it a parent", book)


def make_parent(studio: Studio, model_id: str, name: str, parents: list[str], session: Session,
                book: LatentBook) -> tuple:
    """Make a latent of the library (e.g. a child) a parent, replacing the oldest parent when there are already
    several.

    Args:
        model_id: catalog id of the model.
        name: the latent to make a parent.
        parents: the current parents.
    Returns:
        The new parent list.
    """
    model, _, book = _load(studio, model_id, session, book)
    book.get(name)
    chosen = [p for p in (parents or []) if p != name and p in book.latents]
    chosen = (chosen[1:] if len(chosen) >= 2 else chosen) + [name]
    return _names(book, chosen, multiselect=True), book


def mix_styles(studio: Studio, model_id: str, rows: list[str], cols: list[str], preset: str, session: Session,
               book: LatentBook) -> str:
    """The style-mixing figure with any latents of the library (seeds, projections, children, edits): each row
    latent takes the preset's W+ rows from each column latent.

    Args:
        model_id: catalog id of a StyleGAN2 model.
        rows: names of the row latents.
        cols: names of the column latents.
        preset: "coarse", "middle" or "fine" W+ rows from the columns.
    Returns:
        The grid (first row: column sources, first column: row sources) as a PNG with its settings.
    """
    model, entry, book = _load(studio, model_id, session, book)
    codes.need_style(model, "style mixing")
    groups = model.generator.layer_groups()
    if preset not in groups or not groups[preset]:
        raise LatentError(f"preset must be one of {[k for k, v in groups.items() if v]}")
    m = mixing.mix(model, book.many(rows), book.many(cols), groups[preset])
    params = {"kind": "latent-mix", "model": model.source, "model_fingerprint": book.model, "preset": preset,
              "layers": groups[preset], "rows": [book.get(r).origin for r in rows],
              "columns": [book.get(c).origin for c in cols]}
    return studio.png(m.grid, stamp(params, model, entry), file_stem(entry, "latent-mix"))


def library_lists(book: LatentBook) -> tuple:
    """The library's names for the mixing lists (shown when their tab opens)."""
    names = list(book.latents) if isinstance(book, LatentBook) else []
    return gr.update(choices=names), gr.update(choices=names)


# ---------------------------------------------------------------------------------------------
# handlers: walks


def walk(studio: Studio, model_id: str, mode: str, keyframes: list[str], frames: int, fps: int, fmt: str, loop: bool,
         direction: int, alpha: float, layer_start: int, layer_end: int, session: Session, book: LatentBook,
         progress: gr.Progress = gr.Progress()) -> Iterator[tuple]:
    """A walk through latent space as a video: lerp in W through keyframes, slerp in Z between seed keyframes,
    or along a direction (found with find_directions) from the first keyframe.

    Args:
        model_id: catalog id of the model.
        mode: "lerp-w", "slerp-z" or "direction".
        keyframes: names of latents in the library (in order; one for a direction walk).
        frames: frames in the whole walk.
        fps: frames per second.
        fmt: "mp4" (H.264), "gif" or "webp".
        loop: return to the start (seamless loop).
        direction: index of the direction (direction mode).
        alpha: amplitude in standard deviations (direction mode).
        layer_start: first W+ row the direction acts on.
        layer_end: last W+ row.
    Returns:
        A preview frame, a status line, and the video file.
    """
    model, entry, book = _load(studio, model_id, session, book)
    keys = book.many(keyframes)
    rows = _rows(model, layer_start, layer_end) if mode == "direction" else None
    for s in walks.walk(model, mode, keys, frames=int(frames), fps=float(fps), fmt=fmt, loop=bool(loop),
                        directions=book.directions, index=int(direction or 0), alpha=float(alpha), layers=rows):
        progress(s.done / s.total, desc="encoding" if s.done == frames else f"frame {s.done}/{frames}")
        preview = studio.png(s.preview, {"kind": "walk-frame", "frame": s.done}, file_stem(entry, "frame"))
        if s.result is None:
            yield preview, f"rendered {s.done} / {frames} frames", gr.update()
            continue
        w = s.result
        path = studio.write(w.video, file_stem(entry, "walk", mode, len(w.frames)) + f".{w.format}")
        yield preview, f"{len(w.frames)} frames, {w.format}, {len(w.video) / 1024:.0f} KB, {w.seconds:.1f} s", path


# ---------------------------------------------------------------------------------------------
# layout


def render(studio: Studio, session: gr.State) -> TabUI:
    """Build the tab's widgets (inside the current ``gr.Tab``)."""
    ui = SimpleNamespace()
    ui.book = gr.State(LatentBook())
    with gr.Row():
        with gr.Column(scale=1, min_width=320):
            ui.picker = picker(studio, TAB)
            styles = [i for _, i in studio.choices(TAB, None) if studio.entry(i, None).task == Task.STYLE.value]
            if styles:  # every tool works on a StyleGAN2: start with one
                ui.picker.value = styles[0]
            gr.Markdown(studio.note(TAB), visible=bool(studio.note(TAB)))
            with gr.Accordion("Model card", open=False):
                ui.card = gr.Markdown("Pick a model to see its card.")
            gr.Markdown("**Library**: every latent of this session (seeds, projections, files, edits, children).")
            with gr.Row(equal_height=True):
                ui.seed = seed_box("Seed")
                ui.add_seed = gr.Button("Add seed", elem_id="latent-add-seed")
            ui.current = gr.Dropdown([], label="Current latent", allow_custom_value=True, elem_id="latent-current")
            ui.upload = gr.File(label="Load a latent (.npz)", file_types=[".npz"], type="filepath")
            ui.current_image = output_image("Current latent", "latent-current-image", 200)
            ui.current_file = gr.File(label="Latent file (.npz)", interactive=False)
            ui.status = gr.Markdown()
        with gr.Column(scale=2):
            with gr.Tabs():
                with gr.Tab("Project an image", id="latent-project"):
                    with gr.Row():
                        # a file, not an image widget: the core decodes it (size limits, transparency over white)
                        # and an unreadable upload gets a sentence rather than a decoding error
                        ui.image = gr.File(label="Image to project", file_types=["image"], type="filepath",
                                           elem_id="latent-image", height=220)
                        ui.target = output_image("As the model is framed", "latent-target", 220)
                        ui.progress_image = output_image("Current render", "latent-progress", 220)
                    with gr.Row():
                        ui.steps = slider(options.PROJECT_STEPS, "W steps")
                        ui.wplus_steps = slider(options.PROJECT_WPLUS_STEPS, "W+ steps (0 = W only)")
                    with gr.Row():
                        ui.noise = gr.Checkbox(False, label="Also optimise the noise maps")
                        ui.pixel = slider(options.PIXEL_WEIGHT, "Pixel loss weight")
                        ui.framing = gr.Radio(list(options.FRAMINGS), value=options.FRAMINGS[0], label="Framing")
                        ui.project_seed = seed_box("Seed")
                    with gr.Row():
                        ui.project = gr.Button("Project", variant="primary", elem_id="latent-project-run")
                        ui.cancel = gr.Button("Cancel", variant="stop", elem_id="latent-project-cancel")
                    ui.project_status = gr.Markdown(elem_id="latent-project-status")
                    ui.reconstruction = output_image("Reconstruction (PNG with settings)", "latent-reconstruction",
                                                     220)
                with gr.Tab("Directions", id="latent-directions"):
                    with gr.Row():
                        ui.layer_start = gr.Slider(0, MAX_ROW, value=0, step=1, label="First W+ row")
                        ui.layer_end = gr.Slider(0, MAX_ROW, value=MAX_ROW, step=1, label="Last W+ row")
                        ui.k = slider(options.SEFA_TOP_K, "Directions")
                    ui.find = gr.Button("Find directions (SeFa)", variant="primary", elem_id="latent-find")
                    ui.dir_summary = gr.Markdown()
                    ui.strips = output_gallery("Directions: the current latent at -3 ... +3 σ", columns=1,
                                               elem_id="latent-strips")
                    with gr.Row():
                        ui.direction = gr.Dropdown([], label="Direction", allow_custom_value=True)
                        ui.alpha = slider(options.DIRECTION_ALPHA, "Step (σ)", elem_id="latent-alpha")
                        ui.keep = gr.Checkbox(False, label="Add the result to the library")
                    ui.apply = gr.Button("Apply", elem_id="latent-apply")
                    ui.edited = output_image("Edited", "latent-edited", 220)
                with gr.Tab("Breed", id="latent-breed"):
                    ui.parents = gr.Dropdown([], multiselect=True, label="Parents (two or more)",
                                             allow_custom_value=True, elem_id="latent-parents")
                    with gr.Row():
                        ui.children_n = slider(options.BREED_CHILDREN, "Children")
                        ui.mutation = slider(options.MUTATION, "Mutation")
                        ui.breed_seed = seed_box("Seed")
                    ui.breed = gr.Button("Breed", variant="primary", elem_id="latent-breed-run")
                    ui.breed_summary = gr.Markdown()
                    ui.children = output_gallery("Children (click one to make it a parent)", columns=4,
                                                 elem_id="latent-children")
                    ui.child_name = gr.Textbox(visible=False)
                    ui.make_parent = gr.Button("Make parent", visible=False)
                with gr.Tab("Style mixing", id="latent-mix") as ui.mix_tab:
                    with gr.Row():
                        ui.mix_rows = gr.Dropdown([], multiselect=True, label="Rows", allow_custom_value=True,
                                                  elem_id="latent-mix-rows")
                        ui.mix_cols = gr.Dropdown([], multiselect=True, label="Columns", allow_custom_value=True,
                                                  elem_id="latent-mix-cols")
                    ui.mix_preset = gr.Radio(list(options.STYLE_PRESETS), value=options.STYLE_PRESETS[0],
                                             label="W+ rows from the columns")
                    ui.mix = gr.Button("Mix styles", variant="primary", elem_id="latent-mix-run")
                    ui.mix_grid = output_image("Style-mixing grid (PNG with its settings)", "latent-mix-grid", 400)
                with gr.Tab("Walk", id="latent-walk"):
                    ui.keyframes = gr.Dropdown([], multiselect=True, label="Keyframes (in order)",
                                               allow_custom_value=True, elem_id="latent-keyframes")
                    with gr.Row():
                        ui.mode = gr.Radio(list(options.WALK_MODES), value=options.WALK_MODES[0], label="Path")
                        ui.fmt = gr.Radio(list(options.VIDEO_FORMATS), value=options.VIDEO_FORMATS[0],
                                          label="Format")
                        ui.loop = gr.Checkbox(True, label="Loop")
                    with gr.Row():
                        ui.frames = slider(options.WALK_FRAMES, "Frames")
                        ui.fps = slider(options.WALK_FPS, "Frames per second")
                    with gr.Row():
                        ui.walk_direction = gr.Dropdown([], label="Direction (direction path)",
                                                        allow_custom_value=True)
                        ui.walk_alpha = slider(options.DIRECTION_ALPHA, "Amplitude (σ)", value=3.0)
                        ui.walk_start = gr.Slider(0, MAX_ROW, value=0, step=1, label="First W+ row")
                        ui.walk_end = gr.Slider(0, MAX_ROW, value=MAX_ROW, step=1, label="Last W+ row")
                    ui.walk = gr.Button("Make the video", variant="primary", elem_id="latent-walk-run")
                    with gr.Row():
                        ui.walk_preview = output_image("Frame", "latent-walk-frame", 220)
                        with gr.Column():
                            ui.walk_status = gr.Markdown(elem_id="latent-walk-status")
                            ui.video = gr.File(label="Video", interactive=False, elem_id="latent-video")
    return TabUI(ui, picker=ui.picker)


def listen(studio: Studio, app: AppWidgets, tab: TabUI) -> Shown:
    """Wire the tab's events. Returns what runs when the tab is first shown: load its model."""
    ui, session = tab.widgets, app.session
    lists = [ui.current, ui.parents, ui.keyframes]
    select = Handler(bind(studio, select_model), [ui.picker, session, ui.book],
                     [ui.card, ui.layer_start, ui.layer_end, ui.walk_start, ui.walk_end, *lists, ui.book])
    ui.picker.change(*select, api_name="latent_select_model", concurrency_id="load")
    shown = [ui.current_image, ui.current_file, *lists, ui.status, ui.book]
    ui.add_seed.click(bind(studio, add_seed), [ui.picker, ui.seed, session, ui.book], shown,
                      api_name="latent_add_seed", concurrency_id="inference")
    ui.current.input(bind(studio, show_latent), [ui.picker, ui.current, session, ui.book],
                     [ui.current_image, ui.current_file], api_visibility="private", concurrency_id="inference")
    ui.upload.upload(bind(studio, upload_latent), [ui.picker, ui.upload, session, ui.book], shown,
                     api_name="latent_upload", concurrency_id="inference")
    ui.image.upload(bind(studio, frame_image), [ui.picker, ui.image, ui.framing, session, ui.book], ui.target,
                    api_visibility="private", concurrency_limit=None)
    run = ui.project.click(
        bind_stream(studio, project),
        [ui.picker, ui.image, ui.steps, ui.wplus_steps, ui.noise, ui.pixel, ui.framing, ui.project_seed, session,
         ui.book],
        [ui.target, ui.progress_image, ui.project_status, ui.reconstruction, ui.current_file, *lists, ui.book],
        api_name="latent_project", concurrency_id="inference")
    ui.cancel.click(None, None, None, cancels=[run], api_visibility="private")
    ui.find.click(bind(studio, find_directions),
                  [ui.picker, ui.current, ui.layer_start, ui.layer_end, ui.k, session, ui.book],
                  [ui.strips, ui.direction, ui.walk_direction, ui.dir_summary], api_name="latent_directions",
                  concurrency_id="inference")
    apply_inputs = [ui.picker, ui.current, ui.direction, ui.alpha, ui.layer_start, ui.layer_end, ui.keep, session,
                    ui.book]
    apply_outputs = [ui.edited, ui.current_file, *lists, ui.status, ui.book]
    ui.apply.click(bind(studio, apply_direction), apply_inputs, apply_outputs, api_name="latent_apply_direction",
                   concurrency_id="inference")
    ui.alpha.release(bind(studio, apply_direction), apply_inputs, apply_outputs, api_visibility="private",
                     concurrency_id="inference", trigger_mode="always_last", show_progress="hidden")
    ui.breed.click(bind(studio, breed), [ui.picker, ui.parents, ui.children_n, ui.mutation, ui.breed_seed, session,
                                         ui.book],
                   [ui.children, ui.current, ui.parents, ui.keyframes, ui.breed_summary, ui.book],
                   api_name="latent_breed", concurrency_id="inference")
    ui.children.select(_child_name, None, ui.child_name, api_visibility="private").then(
        bind(studio, make_parent), [ui.picker, ui.child_name, ui.parents, session, ui.book], [ui.parents, ui.book],
        api_visibility="private")
    ui.make_parent.click(bind(studio, make_parent), [ui.picker, ui.child_name, ui.parents, session, ui.book],
                         [ui.parents, ui.book], api_name="latent_make_parent")
    ui.mix_tab.select(library_lists, [ui.book], [ui.mix_rows, ui.mix_cols], api_visibility="private",
                      concurrency_limit=None)
    ui.mix.click(bind(studio, mix_styles), [ui.picker, ui.mix_rows, ui.mix_cols, ui.mix_preset, session, ui.book],
                 ui.mix_grid, api_name="latent_style_mix", concurrency_id="inference")
    ui.walk.click(bind_stream(studio, walk),
                  [ui.picker, ui.mode, ui.keyframes, ui.frames, ui.fps, ui.fmt, ui.loop, ui.walk_direction,
                   ui.walk_alpha, ui.walk_start, ui.walk_end, session, ui.book],
                  [ui.walk_preview, ui.walk_status, ui.video], api_name="latent_walk", concurrency_id="inference")
    return Shown(select)


def _child_name(evt: gr.SelectData) -> str:
    """The caption of the clicked child: its library name."""
    return evt.value.get("caption", "") if isinstance(evt.value, dict) else str(evt.value)
