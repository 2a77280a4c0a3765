"""Pictures of toy runs, drawn with plain numpy + PIL: a frame takes a few milliseconds, so the playground's
live view keeps up with training.

* :func:`render_run` -- the playground's view of a run: samples, D's heat map, G's gradient arrows (left),
  loss curves, the log line and mode coverage (right);
* :func:`plot_points` -- real and generated points alone (the sample picture of ``ganstudio train toy``).

Both use one colour table (``REAL_RGB``, ``FAKE_RGB``, ...).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from .. import losses
from ..metrics import coverage as mode_coverage
from ..models.toy import MOMENT_GROUP
from .config import DATA_LABELS

if TYPE_CHECKING:
    from .training import PlaygroundRun

SCATTER_POINTS = 1000  # points of each kind drawn in 2-D
PLOT_SIDE = 320  # pixels of plot_points' square picture

# The one colour table of every toy picture: the live view here and the trainer's sample picture.
REAL_RGB = (46, 125, 50)  # green, as GAN Lab
FAKE_RGB = (142, 36, 170)  # purple
ARROW_RGB = (33, 33, 33)
GRID_RGB = (200, 200, 200)
TEXT_RGB = (33, 33, 33)
D_RGB = (230, 81, 0)
G_RGB = (142, 36, 170)
AXIS_RGB = (120, 120, 120)  # frames, ticks, reference lines
MODE_RGB = (27, 94, 32)  # a mixture mode's 3-sigma circle
UNCOVERED_RGB = (198, 40, 40)  # a mode's bar below the coverage threshold


def _lut() -> np.ndarray:
    """256 colours from "D says fake" (lavender) through white to "D says real" (light green)."""
    stops = np.array([[225, 190, 236], [250, 250, 250], [190, 230, 190]], dtype=np.float32)
    t = np.linspace(0, 2, 256)
    i = np.minimum(t.astype(int), 1)
    w = (t - i)[:, None]
    return ((1 - w) * stops[i] + w * stops[i + 1]).astype(np.uint8)  # [256, 3]


_LUT = _lut()
_FONTS: dict[int, ImageFont.ImageFont] = {}


def _font(size: int) -> ImageFont.ImageFont:
    if size not in _FONTS:
        _FONTS[size] = ImageFont.load_default(size=size)
    return _FONTS[size]


@functools.lru_cache(maxsize=4096)
def _text_mask(text: str, size: int, anchor: str) -> tuple[Image.Image, int, int]:
    """Rendered glyphs of ``text`` as an "L" mask plus its offset from the anchor point.

    FreeType rendering costs milliseconds per string; ticks and labels repeat every frame, so caching
    the masks keeps a frame cheap.
    """
    font = _font(size)
    left, top, right, bottom = font.getbbox(text, anchor=anchor)
    mask = Image.new("L", (max(right - left, 1), max(bottom - top, 1)), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font, anchor=anchor)
    return mask, left, top


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, fill: tuple[int, int, int],
          size: int = 13, anchor: str = "la") -> None:
    mask, left, top = _text_mask(text, size, anchor)
    draw.bitmap((round(xy[0] + left), round(xy[1] + top)), mask, fill=fill)


@dataclass(frozen=True)
class _Box:
    """A plot area in pixels mapping data ranges ``xr`` and ``yr`` onto it (y grows upwards)."""

    x0: int
    y0: int
    w: int
    h: int
    xr: tuple[float, float]
    yr: tuple[float, float]

    def px(self, x: np.ndarray) -> np.ndarray:
        return self.x0 + (np.asarray(x) - self.xr[0]) / (self.xr[1] - self.xr[0]) * (self.w - 1)

    def py(self, y: np.ndarray) -> np.ndarray:
        return self.y0 + (self.yr[1] - np.asarray(y)) / (self.yr[1] - self.yr[0]) * (self.h - 1)


def _to_unit(kind: str, out: torch.Tensor) -> tuple[np.ndarray, str]:
    """D's outputs as [0, 1] colour positions, and what they mean (for the legend)."""
    spec = losses.loss_spec(kind)
    o = out.float()
    if spec.probability:
        return torch.sigmoid(o).numpy(), "D(x) = P(real), 0 to 1"
    if kind == "lsgan":
        return o.clamp(0, 1).numpy(), "D(x): 0 (fake) to 1 (real)"
    lo, hi = float(o.min()), float(o.max())
    span = max(hi - lo, 1e-6)
    return ((o - lo) / span).numpy(), f"critic score {lo:.3g} to {hi:.3g}"


def _dots(arr: np.ndarray, box: "_Box", x: np.ndarray, y: np.ndarray, rgb: tuple[int, int, int], r: int = 1) -> None:
    """Square dots of half-size ``r`` at data positions inside ``box``, written into ``arr`` ``[H, W, 3]``."""
    px = np.round(box.px(x)).astype(int)
    py = np.round(box.py(y)).astype(int)
    inside = (px >= box.x0 + r) & (px < box.x0 + box.w - r) & (py >= box.y0 + r) & (py < box.y0 + box.h - r)
    px, py = px[inside], py[inside]
    for dx in range(-r, r + 1):
        for dy in range(-r, r + 1):
            arr[py + dy, px + dx] = rgb


def _arrow(draw: ImageDraw.ImageDraw, x0: float, y0: float, x1: float, y1: float, rgb=ARROW_RGB) -> None:
    draw.line([(x0, y0), (x1, y1)], fill=rgb, width=1)
    dx, dy = x1 - x0, y1 - y0
    n = math.hypot(dx, dy)
    if n < 3:
        return
    ux, uy = dx / n, dy / n
    head = min(5.0, n / 2)
    for sx, sy in ((-uy, ux), (uy, -ux)):  # two barbs at +-~27 degrees
        draw.line([(x1, y1), (x1 - head * ux + 0.5 * head * sx, y1 - head * uy + 0.5 * head * sy)], fill=rgb)


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.ceil(lo / step) * step
    return [start + i * step for i in range(int((hi - start) / step) + 1)]


def _axes(draw: ImageDraw.ImageDraw, box: _Box, xticks: bool = True, yticks: bool = True) -> None:
    draw.rectangle([box.x0 - 1, box.y0 - 1, box.x0 + box.w, box.y0 + box.h], outline=AXIS_RGB)
    if xticks:
        for t in _ticks(*box.xr):
            x = float(box.px(t))
            draw.line([(x, box.y0 + box.h), (x, box.y0 + box.h + 3)], fill=AXIS_RGB)
            _text(draw, (x, box.y0 + box.h + 4), f"{t:g}", TEXT_RGB, 11, "mt")
    if yticks:
        for t in _ticks(*box.yr, n=4):
            y = float(box.py(t))
            draw.line([(box.x0 - 4, y), (box.x0 - 1, y)], fill=AXIS_RGB)
            _text(draw, (box.x0 - 6, y), f"{t:.3g}", TEXT_RGB, 11, "rm")


def _wrap(text: str, width: int, font: ImageFont.ImageFont) -> list[str]:
    lines: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}".strip()
            if line and font.getlength(trial) > width:
                lines.append(line)
                line = word
            else:
                line = trial
        lines.append(line)
    return lines


def _widths(g_hidden: tuple[int, ...], d_hidden: tuple[int, ...]) -> str:
    """``64-64-64`` when both MLPs have the same layers, else ``G 64-64 D 32-32``."""
    g, d = "-".join(map(str, g_hidden)), "-".join(map(str, d_hidden))
    return g if g == d else f"G {g} D {d}"


def _downsample(values: list[float], n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """(x, y): at most ``n`` bin means of ``values`` (steps 1..len)."""
    v = np.asarray(values, dtype=np.float64)
    if len(v) <= n:
        return np.arange(1, len(v) + 1, dtype=np.float64), v
    edges = np.linspace(0, len(v), n + 1).astype(int)
    sums = np.add.reduceat(v, edges[:-1])
    counts = np.diff(edges)
    return (edges[:-1] + edges[1:]) / 2 + 1, sums / counts


def g_gradient(run: PlaygroundRun, points: torch.Tensor) -> torch.Tensor:
    """Descent direction of the generator loss at generated ``points`` ``[N, dim]``: ``-dL_G/dx``.

    Per point (the batch mean is undone), so arrows compare across steps: with the minimax loss they
    vanish where D confidently rejects the samples. In moment mode ``N`` must divide by ``MOMENT_GROUP``.
    """
    x = points.detach().clone().requires_grad_(True)
    out = run.D(x)
    loss = losses.g_loss(run.config.loss, out) * out.numel()
    (grad,) = torch.autograd.grad(loss, x)
    return -grad  # [N, dim]


def render_run(run: PlaygroundRun, width: int = 960, height: int = 480, title: str | None = None) -> Image.Image:
    """The current view of ``run`` as an RGB image: data panel (left), loss curves and numbers (right)."""
    img = Image.new("RGB", (width, height), (255, 255, 255))
    arr = np.asarray(img).copy()  # [H, W, 3]; dots are drawn into the array, the rest with ImageDraw
    side = height - 60
    box = _Box(44, 28, side, side, run.dist.view, run.dist.view)
    fake = run.generated()  # [N, dim]
    cov = run.coverage(fake)
    if run.dist.dim == 2:
        overlay = _draw_plane(run, arr, box, fake)
    else:
        overlay = _draw_line(run, arr, box, fake)
    img = Image.fromarray(arr)
    draw = ImageDraw.Draw(img)
    overlay(draw)
    _axes(draw, box, yticks=run.dist.dim == 2)
    head = title or f"{losses.loss_spec(run.config.loss).label} on {DATA_LABELS[run.config.data]}"
    _text(draw, (box.x0, 8), head, TEXT_RGB, 14)
    right = box.x0 + box.w + 60
    _draw_losses(run, draw, _Box(right, 28, width - right - 16, height // 2 - 50, (0, 1), (0, 1)))
    _draw_info(run, draw, right, height // 2 + 4, width - right - 16, fake, cov)
    return img


def _draw_plane(run: PlaygroundRun, arr: np.ndarray, box: _Box, fake: torch.Tensor):
    """2-D: D's heat map, real and generated points, G's arrows; returns the ImageDraw part."""
    lo, hi = run.dist.view
    n = 64  # D evaluated on an n x n grid, then smoothly upscaled
    ticks = torch.linspace(lo, hi, n)
    ys, xs = torch.meshgrid(ticks.flip(0), ticks, indexing="ij")  # row 0 at the top (y = hi)
    with torch.no_grad():
        out = run.D(torch.stack([xs.flatten(), ys.flatten()], 1))  # [n * n]
    unit, legend = _to_unit(run.config.loss, out)
    heat = _LUT[np.clip(unit * 255, 0, 255).astype(np.uint8)].reshape(n, n, 3)
    heat = np.asarray(Image.fromarray(heat).resize((box.w, box.h), Image.BILINEAR))
    arr[box.y0:box.y0 + box.h, box.x0:box.x0 + box.w] = heat
    real = run.real_eval[:SCATTER_POINTS].numpy()
    f = fake[:SCATTER_POINTS].numpy()
    _dots(arr, box, real[:, 0], real[:, 1], REAL_RGB)
    _dots(arr, box, f[:, 0], f[:, 1], FAKE_RGB)
    pts = fake[:64]
    grad = g_gradient(run, pts).numpy()
    lengths = np.linalg.norm(grad, axis=1)
    run.arrow_scale = max(float(lengths.max(initial=0.0)), 0.98 * run.arrow_scale, 1e-12)
    seg = grad / run.arrow_scale * 0.12 * (hi - lo)  # longest arrow ~12 % of the view
    p = pts.numpy()

    def overlay(draw: ImageDraw.ImageDraw) -> None:
        if run.dist.modes is not None:
            r = max(3 * run.dist.sigma / (hi - lo) * box.w, 3)  # the 3-sigma "high quality" disc
            for mx, my in run.dist.modes.tolist():
                cx, cy = float(box.px(mx)), float(box.py(my))
                draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=MODE_RGB)
        for (x, y), (dx, dy) in zip(p, seg):
            if not (lo < x < hi and lo < y < hi):
                continue
            _arrow(draw, float(box.px(x)), float(box.py(y)), float(box.px(x + dx)), float(box.py(y + dy)))
        _legend(draw, box, legend)

    return overlay


def _draw_line(run: PlaygroundRun, arr: np.ndarray, box: _Box, fake: torch.Tensor):
    """1-D: histograms, D's output along x (curve and heat strip), G's arrows; returns the ImageDraw part."""
    lo, hi = run.dist.view
    real = run.real_eval[:, 0].numpy()
    f = fake[:, 0].numpy()
    bins = np.linspace(lo, hi, 61)
    dr, _ = np.histogram(real, bins, density=True)
    df, _ = np.histogram(f, bins, density=True)
    top = max(dr.max() * 1.25, min(df.max(), 3 * dr.max()) * 1.05)  # a collapsed spike is cut, not everything else
    strip = 22 if run.config.d_features == "raw" else 0
    hist = _Box(box.x0, box.y0, box.w, box.h - strip, (lo, hi), (0.0, top))
    # translucent bars: blend each histogram into the white background
    cols = np.arange(box.w)
    xs_data = lo + (cols + 0.5) / box.w * (hi - lo)
    idx = np.clip(np.searchsorted(bins, xs_data) - 1, 0, len(dr) - 1)
    rows = np.arange(hist.h)[:, None]
    for dens, rgb, alpha in ((dr, REAL_RGB, 0.35), (df, FAKE_RGB, 0.35)):
        bar_top = np.clip(hist.py(dens[idx]) - hist.y0, 0, hist.h)  # [w] first filled row
        mask = rows >= bar_top[None, :]  # [h, w]
        region = arr[hist.y0:hist.y0 + hist.h, hist.x0:hist.x0 + hist.w].astype(np.float32)
        region[mask] = (1 - alpha) * region[mask] + alpha * np.array(rgb, np.float32)
        arr[hist.y0:hist.y0 + hist.h, hist.x0:hist.x0 + hist.w] = region.astype(np.uint8)
    grid = torch.linspace(lo, hi, box.w)[:, None]  # [w, 1]
    curve = None
    if run.config.d_features == "raw":
        with torch.no_grad():
            unit, legend = _to_unit(run.config.loss, run.D(grid))  # [w]
        arr[box.y0 + box.h - strip:box.y0 + box.h, box.x0:box.x0 + box.w] = _LUT[
            np.clip(unit * 255, 0, 255).astype(np.uint8)
        ][None]
        curve = list(zip(hist.px(grid[:, 0].numpy()).tolist(), (hist.y0 + (1 - unit) * (hist.h - 1)).tolist()))
    else:
        legend = "D sees moments: inset shows D over (mean, std), skew = kurtosis = 0"
    n_arrows = 4 * MOMENT_GROUP if run.config.d_features == "moments" else 48
    pts = fake[:n_arrows]
    grad = g_gradient(run, pts)[:, 0].numpy()
    run.arrow_scale = max(float(np.abs(grad).max(initial=0.0)), 0.98 * run.arrow_scale, 1e-12)
    seg = grad / run.arrow_scale * 0.12 * (hi - lo)
    p = pts[:, 0].numpy()
    band = hist.y0 + hist.h - 12

    def overlay(draw: ImageDraw.ImageDraw) -> None:
        if curve is not None:
            draw.line(curve, fill=D_RGB, width=2)
            _text(draw, (box.x0 + box.w + 4, hist.y0), "1", D_RGB, 11)
            _text(draw, (box.x0 + box.w + 4, hist.y0 + hist.h - 12), "0", D_RGB, 11)
        for i, (x, dx) in enumerate(zip(p[:48], seg[:48])):
            if not lo < x < hi:
                continue
            y = band - 7 * (i % 8)
            _arrow(draw, float(hist.px(x)), y, float(hist.px(x + dx)), y)
        if run.config.d_features == "moments":
            _moment_inset(run, draw, box, fake)
        _legend(draw, box, legend, line_1d=curve is not None)

    return overlay


def _moment_inset(run: PlaygroundRun, draw: ImageDraw.ImageDraw, box: _Box, fake: torch.Tensor) -> None:
    """Heat map of the moment discriminator over (mean, std) with skew = kurtosis = 0, top right."""
    size = 150
    lo, hi = run.dist.view
    s_hi = 3 * run.config.std
    inset = _Box(box.x0 + box.w - size - 8, box.y0 + 8, size, size, (lo, hi), (0.0, s_hi))
    n = 48
    means = torch.linspace(lo, hi, n)
    stds = torch.linspace(s_hi, 0.0, n)
    sg, mg = torch.meshgrid(stds, means, indexing="ij")
    feats = torch.stack([mg.flatten(), sg.flatten(), torch.zeros(n * n), torch.zeros(n * n)], 1)  # [n*n, 4]
    with torch.no_grad():
        unit, legend = _to_unit(run.config.loss, run.D.net(feats).squeeze(-1))
    heat = Image.fromarray(_LUT[np.clip(unit * 255, 0, 255).astype(np.uint8)].reshape(n, n, 3))
    draw._image.paste(heat.resize((size, size), Image.BILINEAR), (inset.x0, inset.y0))
    draw.rectangle([inset.x0 - 1, inset.y0 - 1, inset.x0 + size, inset.y0 + size], outline=AXIS_RGB)
    for data, rgb in ((run.real_eval, REAL_RGB), (fake, FAKE_RGB)):
        m, s = float(data.mean()), float(data.std())
        cx, cy = float(inset.px(min(max(m, lo), hi))), float(inset.py(min(max(s, 0), s_hi)))
        draw.ellipse([cx - 4, cy - 4, cx + 4, cy + 4], fill=rgb, outline=(255, 255, 255))
    _text(draw, (inset.x0 + 2, inset.y0 + size + 2), "x: mean  y: std", TEXT_RGB, 10)


def _legend(draw: ImageDraw.ImageDraw, box: _Box, background: str, line_1d: bool = False) -> None:
    f = _font(11)
    y = box.y0 + box.h + 20
    x = box.x0
    for label, rgb in (("real", REAL_RGB), ("generated", FAKE_RGB)):
        draw.rectangle([x, y + 2, x + 8, y + 10], fill=rgb)
        _text(draw, (x + 12, y), label, TEXT_RGB, 11)
        x += 20 + int(f.getlength(label))
    extra = "; orange line = D(x)" if line_1d else ""
    _text(draw, (x, y), f"arrows: G's push;  colour: {background}{extra}", TEXT_RGB, 11)


def _draw_losses(run: PlaygroundRun, draw: ImageDraw.ImageDraw, box: _Box) -> None:
    h = run.history
    _text(draw, (box.x0, 8), "losses", TEXT_RGB, 14)
    if len(h.step) < 2:
        _axes(draw, box, xticks=False, yticks=False)
        return
    xd, d = _downsample(h.d_loss)
    _, g = _downsample(h.g_loss)
    both = np.concatenate([d, g])
    both = both[np.isfinite(both)]
    ylo, yhi = (np.percentile(both, [1, 99]) if len(both) else (0.0, 1.0))
    pad = max(yhi - ylo, 1e-3) * 0.1
    b = _Box(box.x0, box.y0, box.w, box.h, (1.0, float(max(len(h.step), 2))), (float(ylo - pad), float(yhi + pad)))
    if b.yr[0] < 0 < b.yr[1]:
        y0 = float(b.py(0.0))
        draw.line([(b.x0, y0), (b.x0 + b.w - 1, y0)], fill=GRID_RGB)
    for vals, rgb in ((d, D_RGB), (g, G_RGB)):
        ys = np.clip(b.py(vals), b.y0, b.y0 + b.h - 1)
        draw.line(list(zip(b.px(xd).tolist(), ys.tolist())), fill=rgb, width=1)
    _axes(draw, b)
    # legend beside the title: the top-right corner is where image viewers put their buttons
    _text(draw, (b.x0 + 70, 10), "D loss", D_RGB, 11)
    _text(draw, (b.x0 + 130, 10), "G loss", G_RGB, 11)


def _draw_info(run: PlaygroundRun, draw: ImageDraw.ImageDraw, x: int, y: int, w: int, fake: torch.Tensor,
               cov: mode_coverage.Coverage | None) -> None:
    f = _font(13)
    c = run.config
    sps = run.steps / run.train_seconds if run.train_seconds > 0 else 0.0
    text = [
        f"step {run.steps}   ({sps:.0f} steps/s)   batch {c.batch_size}, {c.n_critic} D step(s) per G step",
        f"{c.optimizer} lr G {c.lr_g:g} / D {c.lr_d:g}   MLPs {_widths(c.g_hidden, c.d_hidden)}   seed {c.seed}",
        "",
    ]
    text += _wrap(run.log_line(fake), w, f)
    if cov is not None:
        text += ["", f"modes covered {cov.modes_covered} / {cov.num_modes}   "
                     f"high quality {100 * cov.high_quality:.1f} %"]
    for i, line in enumerate(text):
        _text(draw, (x, y + 18 * i), line, TEXT_RGB, 13)
    if cov is not None:
        # one bar per mode: its high-quality samples against the fair share N / K (full height = 2x)
        yb = y + 18 * len(text) + 8
        bh, fair = 40, len(fake) / cov.num_modes
        bw = min(16, max(3, (w - 10) // cov.num_modes - 2))
        need = mode_coverage.MIN_MODE_FRACTION * fair
        for i, count in enumerate(cov.per_mode):
            hpx = min(count / (2 * fair), 1.0) * bh
            x0 = x + i * (bw + 2)
            rgb = REAL_RGB if count >= need else UNCOVERED_RGB
            draw.rectangle([x0, yb + bh - hpx, x0 + bw - 1, yb + bh], fill=rgb)
        yf = yb + bh - bh / 2
        draw.line([(x, yf), (x + cov.num_modes * (bw + 2), yf)], fill=AXIS_RGB)
        _text(draw, (x, yb + bh + 4), "high-quality samples per mode (line: fair share)", TEXT_RGB, 11)


def plot_points(real: torch.Tensor, fake: torch.Tensor, view: tuple[float, float],
                side: int = PLOT_SIDE) -> Image.Image:
    """2-D: real (green) and generated (purple) points in the ``view`` square. 1-D: their histograms."""
    img = Image.new("RGB", (side, side), "white")
    draw = ImageDraw.Draw(img)
    lo, hi = view

    def px(v: torch.Tensor) -> torch.Tensor:
        return ((v - lo) / (hi - lo) * (side - 1)).clamp(0, side - 1)

    if real.shape[1] == 2:
        for pts, rgb in ((real, REAL_RGB), (fake, FAKE_RGB)):
            for x, y in zip(px(pts[:, 0]).tolist(), px(-pts[:, 1] + lo + hi).tolist()):
                draw.ellipse((x - 1.5, y - 1.5, x + 1.5, y + 1.5), fill=rgb)
        return img
    bins = 60
    counts = [torch.histc(p[:, 0].clamp(lo, hi), bins, lo, hi) for p in (real, fake)]
    top = max(float(c.max()) for c in counts) or 1.0
    width = side / bins
    for c, rgb, shrink in zip(counts, (REAL_RGB, FAKE_RGB), (0.0, 0.3)):
        for i, v in enumerate(c.tolist()):
            h = v / top * (side - 10)
            draw.rectangle((i * width + shrink * width, side - 1 - h, (i + 1) * width - shrink * width, side - 1),
                           fill=rgb)
    return img
