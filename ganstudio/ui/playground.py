"""The Playground tab: train tiny GANs on toy data live, or race two losses side by side.

``render()`` builds the widgets inside the current tab and ``listen()`` wires their events; the handlers
are a few lines around ``ganstudio.playground``. Every user's run lives in a ``gr.State`` (never a global), so
two sessions never share a run. API endpoints: ``playground_reset``, ``playground_step``,
``playground_train`` (streams frames up to a step), ``playground_race``, ``playground_loss_defaults``.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, Iterator

import gradio as gr
from PIL import Image

from .. import losses
from .. import playground as pg
from .components import FiniteNumber
from .tabs import AppWidgets, Handler, Shown, TabUI

# Training is CPU-heavy: at most this many playground jobs (all users together) run at once.
CONCURRENCY = 4


def _settings(
    data: str, loss: str, optimizer: str, lr_g: float, lr_d: float, n_critic: float, batch_size: float,
    width: float, depth: float, seed: float, mean: float, std: float, d_input: str, gp_weight: float,
) -> pg.PlaygroundConfig:
    try:
        return pg.config_from_settings(data, loss, optimizer, lr_g, lr_d, n_critic, batch_size, width, depth,
                                       seed, mean, std, d_input, gp_weight)
    except pg.PlaygroundError as e:
        raise gr.Error(str(e)) from e


Outputs = tuple[Image.Image, str, dict[str, Any], "pg.PlaygroundRun"]


def playground_reset(
    data: str, loss: str, optimizer: str, lr_g: float, lr_d: float, n_critic: float, batch_size: float,
    width: float, depth: float, seed: float, mean: float, std: float, d_input: str, gp_weight: float,
) -> Outputs:
    """Start a new run from these settings (step 0) and return its view.

    Returns the frame (real vs generated samples, D's output, G's gradient arrows, loss curves), the
    log line "D (real_err, fake_err) G (err); Real Dist ([mean, std]), Fake Dist ([mean, std])" and
    summary numbers (step, losses, means and stds, modes covered and high-quality share on ring/grid).
    """
    new = pg.PlaygroundRun(_settings(data, loss, optimizer, lr_g, lr_d, n_critic, batch_size, width, depth,
                                     seed, mean, std, d_input, gp_weight))
    f = new.frame()
    return f.image, f.log, f.summary, new


def playground_step(
    data: str, loss: str, optimizer: str, lr_g: float, lr_d: float, n_critic: float, batch_size: float,
    width: float, depth: float, seed: float, mean: float, std: float, d_input: str, gp_weight: float,
    steps: float = pg.DEFAULT_STEPS,
    run: pg.PlaygroundRun | None = None,
) -> Outputs:
    """Train this session's run ``steps`` more steps (one step = n_critic D updates + one G update).

    Continues the current run when the settings match it (new learning rates are applied in place);
    otherwise starts a new run. Returns the frame, the log line and the summary numbers.
    """
    run = pg.PlaygroundRun.reuse_or_new(run, _settings(data, loss, optimizer, lr_g, lr_d, n_critic, batch_size,
                                                       width, depth, seed, mean, std, d_input, gp_weight))
    run.step(int(steps))
    f = run.frame()
    return f.image, f.log, f.summary, run


def playground_train(
    data: str, loss: str, optimizer: str, lr_g: float, lr_d: float, n_critic: float, batch_size: float,
    width: float, depth: float, seed: float, mean: float, std: float, d_input: str, gp_weight: float,
    stop_at: float = pg.DEFAULT_STOP_AT, run: pg.PlaygroundRun | None = None,
) -> Iterator[Outputs]:
    """Train this session's run live until step ``stop_at``, streaming a frame about three times a second.

    Pause cancels it (the run keeps its progress). Yields the frame, the log line and the summary.
    """
    run = pg.PlaygroundRun.reuse_or_new(run, _settings(data, loss, optimizer, lr_g, lr_d, n_critic, batch_size,
                                                       width, depth, seed, mean, std, d_input, gp_weight))
    for f in run.live(stop_at=int(stop_at)):
        yield f.image, f.log, f.summary, run


def playground_race(
    data: str, loss_a: str, loss_b: str, steps: float = pg.DEFAULT_RACE_STEPS, seed: float = 0,
    batch_size: float = pg.DEFAULTS.batch_size, width: float = pg.DEFAULT_WIDTH, depth: float = pg.DEFAULT_DEPTH,
    mean: float = pg.DEFAULTS.mean, std: float = pg.DEFAULTS.std,
) -> Iterator[tuple[Image.Image, Image.Image, str]]:
    """Race two losses on the same data and seed (same initial weights and data) for ``steps`` steps.

    Each loss uses its default optimiser settings. Streams both frames and a two-line comparison
    (modes covered and high-quality share on ring/grid) as training goes; the last yield is final.
    """
    hidden = (int(width),) * int(depth)
    common = dict(data=data, seed=int(seed), batch_size=int(batch_size), g_hidden=hidden, d_hidden=hidden,
                  mean=float(mean), std=float(std))
    try:
        race = pg.Race.of_losses(loss_a, loss_b, **common)
    except (pg.PlaygroundError, ValueError) as e:
        raise gr.Error(str(e)) from e
    for a, b, text in race.live(int(steps)):
        yield a, b, text


def playground_loss_defaults(loss: str) -> tuple[str, float, float, int, float, str]:
    """The optimiser, G and D learning rates, D steps per G step and gradient-penalty weight a loss starts
    with in the playground, and the loss's description."""
    d = pg.loss_defaults(loss)
    gp = d["gp_weight"] if d["gp_weight"] is not None else pg.TOY_GP_WEIGHT
    return d["optimizer"], d["lr_g"], d["lr_d"], d["n_critic"], gp, pg.loss_help(loss)


def playground_first(
    shown: Any, data: str, loss: str, optimizer: str, lr_g: float, lr_d: float, n_critic: float, batch_size: float,
    width: float, depth: float, seed: float, mean: float, std: float, d_input: str, gp_weight: float,
) -> Outputs | tuple:
    """The first frame when the tab is first shown (a new run at step 0); no change once a frame is shown."""
    if shown is not None:
        return tuple(gr.update() for _ in range(4))
    return playground_reset(data, loss, optimizer, lr_g, lr_d, n_critic, batch_size, width, depth, seed, mean, std,
                            d_input, gp_weight)


def _gaussian_settings(data: str) -> gr.Group:
    """Mean, std and D's input only matter for the 1-D Gaussian."""
    return gr.Group(visible=data == "gaussian")


def render(studio: Any = None, session: Any = None) -> TabUI:
    """Build the Playground widgets inside the current tab (or Blocks). It needs no model: ``studio`` and
    ``session`` are not used (each user's run is a ``gr.State`` of its own)."""
    ui = SimpleNamespace()
    c = pg.DEFAULTS
    R = pg.RANGES
    loss_choices = [(losses.loss_spec(k).label, k) for k in pg.LOSS_CHOICES]  # shown: label; sent: key
    ui.run = gr.State(None)  # this session's PlaygroundRun
    gr.Markdown(
        "**Try this:** press **Start** and watch the purple points look for the green ring. Then race the plain GAN "
        "loss against WGAN-GP (below): the plain one often settles on a few of the eight modes, which is "
        "[mode collapse](https://developers.google.com/machine-learning/gan/problems#mode-collapse). Green: real "
        "data; purple: generated; background: what the discriminator believes; arrows: where the generator's loss "
        "pushes each generated point (in the spirit of [GAN Lab](https://poloclub.github.io/ganlab/)).",
        elem_classes=["guide"],
    )
    with gr.Row():
        with gr.Column(scale=1, min_width=280):
            ui.data = gr.Dropdown([(pg.DATA_LABELS[k], k) for k in pg.DATA_CHOICES], value=c.data, label="Data")
            with gr.Group(visible=c.data == "gaussian") as ui.gauss:
                ui.mean = gr.Slider(R["mean"][0], R["mean"][1], value=c.mean, step=R["mean"][2], label="Mean")
                ui.std = gr.Slider(R["std"][0], R["std"][1], value=c.std, step=R["std"][2], label="Std")
                ui.d_input = gr.Radio(list(pg.D_FEATURES), value=c.d_features, label="D sees",
                                      info="raw samples, or only each group's mean, std, skew and kurtosis")
            ui.loss = gr.Dropdown(loss_choices, value=c.loss, label="Loss")
            ui.loss_help = gr.Markdown(pg.loss_help(c.loss))
            ui.optimizer = gr.Dropdown(list(pg.OPTIMIZER_CHOICES), value=c.optimizer, label="Optimiser")
            with gr.Row():
                ui.lr_g = gr.Number(c.lr_g, minimum=R["lr"][0], maximum=R["lr"][1], step=R["lr"][2], label="lr G")
                ui.lr_d = gr.Number(c.lr_d, minimum=R["lr"][0], maximum=R["lr"][1], step=R["lr"][2], label="lr D")
            with gr.Row():
                ui.n_critic = gr.Slider(*R["n_critic"][:2], value=c.n_critic, step=R["n_critic"][2],
                                        label="D steps per G step")
                ui.gp_weight = gr.Number(pg.TOY_GP_WEIGHT, minimum=R["gp_weight"][0], maximum=R["gp_weight"][1],
                                         step=R["gp_weight"][2], label="GP weight λ (WGAN-GP)")
            ui.batch_size = gr.Slider(*R["batch_size"][:2], value=c.batch_size, step=R["batch_size"][2],
                                      label="Batch size")
            with gr.Row():
                ui.width = gr.Slider(*R["width"][:2], value=pg.DEFAULT_WIDTH, step=R["width"][2], label="MLP width")
                ui.depth = gr.Slider(*R["depth"][:2], value=pg.DEFAULT_DEPTH, step=R["depth"][2], label="Hidden layers")
            ui.seed = FiniteNumber(c.seed, precision=0, minimum=R["seed"][0], maximum=R["seed"][1], label="Seed")
        with gr.Column(scale=3):
            ui.frame = gr.Image(type="pil", format="png", label="Live view", show_label=False, interactive=False,
                                elem_id="playground-frame", height=400,
                                placeholder="Start trains live; Step trains a few steps; Reset starts over.")
            with gr.Row():  # under the frame, so both fit on a laptop's first screen
                ui.start = gr.Button("Start", variant="primary", min_width=80)
                ui.pause = gr.Button("Pause", min_width=80)
                ui.step = gr.Button("Step", min_width=80)
                ui.reset = gr.Button("Reset", min_width=80)
            ui.log = gr.Textbox(label="Log", lines=1, max_lines=2, elem_id="playground-log")
            with gr.Row():
                ui.steps = gr.Slider(*R["steps"][:2], value=pg.DEFAULT_STEPS, step=R["steps"][2],
                                     label="Steps per Step click")
                ui.stop_at = FiniteNumber(pg.DEFAULT_STOP_AT, precision=0, minimum=1, maximum=pg.MAX_STEPS,
                                       label="Start trains until step")
            with gr.Accordion("Numbers", open=False):
                ui.summary = gr.JSON(label="Numbers", show_label=False)
    with gr.Accordion("Race: two losses, same data, same seed", open=False):
        with gr.Row():
            ui.loss_a = gr.Dropdown(loss_choices, value=pg.DEFAULT_RACE[0], label="Loss A")
            ui.loss_b = gr.Dropdown(loss_choices, value=pg.DEFAULT_RACE[1], label="Loss B")
            ui.race_steps = gr.Slider(*R["race_steps"][:2], value=pg.DEFAULT_RACE_STEPS, step=R["race_steps"][2],
                                      label="Steps")
        with gr.Row():
            ui.race_go = gr.Button("Race", variant="primary")
            ui.race_stop = gr.Button("Stop")
        # one above the other: side by side each frame would be too small to read
        ui.frame_a = gr.Image(type="pil", format="png", label="A", show_label=False, interactive=False)
        ui.frame_b = gr.Image(type="pil", format="png", label="B", show_label=False, interactive=False)
        ui.race_text = gr.Textbox(label="Result", lines=2)
    return TabUI(ui)


def listen(studio: Any, app: AppWidgets | None, tab: TabUI) -> Shown:
    """Wire the Playground's events. Returns what runs when the tab is first shown: a first frame."""
    ui = tab.widgets
    settings = [ui.data, ui.loss, ui.optimizer, ui.lr_g, ui.lr_d, ui.n_critic, ui.batch_size, ui.width, ui.depth,
                ui.seed, ui.mean, ui.std, ui.d_input, ui.gp_weight]
    view = [ui.frame, ui.log, ui.summary, ui.run]
    heavy = dict(concurrency_id="playground", concurrency_limit=CONCURRENCY)
    # one at a time per session: a click cancels this session's live loop before touching the run
    train = ui.start.click(playground_train, settings + [ui.stop_at, ui.run], view, api_name="playground_train",
                           show_progress="hidden", **heavy)
    ui.pause.click(None, cancels=[train])
    # "minimal" progress: the last frame stays visible while a step computes
    ui.step.click(playground_step, settings + [ui.steps, ui.run], view, api_name="playground_step", cancels=[train],
                  show_progress="minimal", **heavy)
    ui.reset.click(playground_reset, settings, view, api_name="playground_reset", cancels=[train],
                   show_progress="minimal", **heavy)
    ui.loss.change(playground_loss_defaults, ui.loss,
                   [ui.optimizer, ui.lr_g, ui.lr_d, ui.n_critic, ui.gp_weight, ui.loss_help],
                   api_name="playground_loss_defaults")
    ui.data.change(_gaussian_settings, ui.data, ui.gauss, api_visibility="private")
    race = ui.race_go.click(playground_race, [ui.data, ui.loss_a, ui.loss_b, ui.race_steps, ui.seed, ui.batch_size,
                                              ui.width, ui.depth, ui.mean, ui.std],
                            [ui.frame_a, ui.frame_b, ui.race_text], api_name="playground_race",
                            show_progress="hidden", **heavy)
    ui.race_stop.click(None, cancels=[race])
    # a first frame without a click, in the playground's own concurrency group
    return Shown(arrive=Handler(playground_first, [ui.frame, *settings], view, options=heavy))


def build_demo() -> gr.Blocks:
    """A Blocks app holding only the Playground tab (the full app mounts ``render()`` in its own tab)."""
    with gr.Blocks(title="GAN Studio: Playground") as demo:
        with gr.Tab("Playground"):
            listen(None, None, render())
    demo.queue(default_concurrency_limit=CONCURRENCY)
    return demo


if __name__ == "__main__":
    build_demo().launch()
