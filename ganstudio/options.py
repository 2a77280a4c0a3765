"""Choices, ranges and defaults, defined once and read by the core, the UI and the CLI alike.

Every choice is a ``Literal`` type (used as the type hint wherever the value travels) with its values as a
tuple (``typing.get_args``: the two cannot drift apart). A value from outside -- a widget, an API call, a
command line -- is checked once, where it enters, by :func:`choice`, which also maps old names (aliases) of
a choice to its current one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Mapping, TypeVar, get_args

from .errors import InputError

C = TypeVar("C", bound=str)


def choice(name: str, value: object, choices: tuple[C, ...], aliases: Mapping[str, C] | None = None) -> C:
    """``value`` as one of ``choices`` (an old name in ``aliases`` maps to its current one), else an
    :class:`InputError` naming ``name`` and the choices."""
    if isinstance(value, str):
        value = (aliases or {}).get(value, value)
        if value in choices:
            return value  # type: ignore[return-value]
    raise InputError(f"{name} must be one of {', '.join(choices)}; got {value!r}")


@dataclass(frozen=True)
class Range:
    minimum: float
    maximum: float
    default: float
    step: float = 1

    def clamp(self, value: float) -> float:
        return min(self.maximum, max(self.minimum, value))

    def check(self, name: str, value: float) -> float:
        """``value`` when it is a finite number in range; otherwise an :class:`InputError` naming ``name``."""
        try:
            finite = math.isfinite(value)
        except (TypeError, ValueError):
            raise InputError(f"{name} must be a number, got {value!r}") from None
        if not finite:
            raise InputError(f"{name} must be a finite number, got {value}")
        if not self.minimum <= value <= self.maximum:
            raise InputError(f"{name} must be between {self.minimum:g} and {self.maximum:g}, got {value:g}")
        return value


SEED = Range(0, 2**31 - 1, 0)
NUM_IMAGES = Range(1, 64, 16)
PER_CLASS = Range(1, 16, 8)
INTERP_FRAMES = Range(2, 96, 24)
INTERP_FPS = Range(1, 30, 12)
PSI = Range(-1.0, 1.5, 0.7, 0.05)
TRUNCATION_CUTOFF = Range(0, 18, 0)  # 0 = every layer
NOISE_STRENGTH = Range(0.0, 3.0, 1.0, 0.05)
INTENSITY = Range(0.0, 1.0, 1.0, 0.05)  # StarGAN: interpolation from the source labels to the target
INFOGAN_CODE = Range(-2.0, 2.0, 0.0, 0.1)
MIX_SEEDS = 6  # at most this many row seeds and column seeds in a mixing grid

# --- choices ----------------------------------------------------------------------------------------------

Precision = Literal["exact", "fast"]  # fp32 everywhere, or bf16 autocast where the device has it (runtime.py)
PRECISIONS: tuple[Precision, ...] = get_args(Precision)
TaskName = Literal["random", "conditional", "translate", "edit", "style", "points"]  # models.base.Task's values
TASKS: tuple[TaskName, ...] = get_args(TaskName)
LossKind = Literal["minimax", "nonsaturating", "wgan", "wgan-gp", "lsgan", "hinge"]  # losses.py
LOSS_KINDS: tuple[LossKind, ...] = get_args(LossKind)
OptimizerName = Literal["adam", "rmsprop", "sgd"]
OPTIMIZERS: tuple[OptimizerName, ...] = get_args(OptimizerName)

FitMode = Literal["pad", "resize"]  # how an upload is brought to a size the network accepts (images.fit_image)
FIT_MODES: tuple[FitMode, ...] = get_args(FitMode)
DEFAULT_FIT: FitMode = "pad"
# Normalisation of image-to-image networks (see inference.translate and inference.edit_attributes):
# "per-image" = norms on each input's own statistics, dropout off; "paper" = the same with pix2pix's dropout on
# (seeded); "eval" = stored running statistics. "per-image" was called "deterministic" on the Translate tab and
# "reference" on the Edit tab; both old names are still accepted.
TranslateMode = Literal["per-image", "paper", "eval"]
TRANSLATE_MODES: tuple[TranslateMode, ...] = get_args(TranslateMode)
DEFAULT_TRANSLATE_MODE: TranslateMode = "per-image"
EditMode = Literal["per-image", "eval"]
EDIT_MODES: tuple[EditMode, ...] = get_args(EditMode)
NORM_MODE_ALIASES: dict[str, Literal["per-image"]] = {"deterministic": "per-image", "reference": "per-image"}
Direction = Literal["AB", "BA"]  # translation: A -> B, or the reverse generator (CycleGAN, DiscoGAN)
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)

NoiseMode = Literal["random", "const", "none"]  # StyleGAN2's per-layer noise
NOISE_MODES: tuple[NoiseMode, ...] = get_args(NoiseMode)
DEFAULT_NOISE_MODE: NoiseMode = "const"
StylePreset = Literal["coarse", "middle", "fine"]
STYLE_PRESETS: tuple[StylePreset, ...] = get_args(StylePreset)
InterpSpace = Literal["slerp", "lerp"]
INTERP_SPACES: tuple[InterpSpace, ...] = get_args(InterpSpace)
AnimationFormat = Literal["gif", "webp"]  # interpolation animations (images.animation_bytes)
ANIMATION_FORMATS: tuple[AnimationFormat, ...] = get_args(AnimationFormat)
DEFAULT_ANIMATION_FORMAT: AnimationFormat = "gif"

# Uploads: refused above this many pixels; networks see at most this side (larger inputs are shrunk).
MAX_INPUT_PIXELS = 40_000_000
MAX_NET_SIDE = 1024
MAX_UPLOAD_MB = 20

# Published weights converted in the Models tab (ganstudio.convert): the file kinds it reads and the largest file
# it accepts. Every upload also passes the server-wide limit above (launch option max_file_size).
WEIGHT_FILE_TYPES = (".pth", ".pt", ".ckpt", ".pkl", ".bin", ".safetensors")
MAX_WEIGHTS_MB = 600

# Latent toolkit (ganstudio.latent): projection, directions, breeding, walks.
PROJECT_STEPS = Range(10, 2000, 30, 10)  # optimisation steps of one W (NVlabs uses 1000)
PROJECT_WPLUS_STEPS = Range(0, 2000, 120, 10)  # then steps of W+ (one W per layer); 0 = W only
PROJECT_EVERY = Range(1, 100, 10)  # a progress image every this many steps
PIXEL_WEIGHT = Range(0.0, 10.0, 1.0, 0.1)  # weight of the pixel (MSE) loss beside the perceptual one
Framing = Literal["subject", "center"]  # how an upload is framed before projection (ganstudio.latent.framing)
FRAMINGS: tuple[Framing, ...] = get_args(Framing)
SEFA_TOP_K = Range(1, 16, 5)  # directions shown
DIRECTION_ALPHA = Range(-10.0, 10.0, 0.0, 0.25)  # step along a direction, in standard deviations of W along it
BREED_CHILDREN = Range(1, 16, 8)
MUTATION = Range(0.0, 1.0, 0.2, 0.05)  # share of a random W direction added to each child
MAX_PARENTS = 8
WALK_FRAMES = Range(2, 900, 60)  # frames of a whole walk
WALK_FPS = Range(1, 60, 30)
WalkMode = Literal["lerp-w", "slerp-z", "direction"]  # through keyframes in W, in Z (seeds), or along a direction
WALK_MODES: tuple[WalkMode, ...] = get_args(WalkMode)
VideoFormat = Literal["mp4", "gif", "webp"]
VIDEO_FORMATS: tuple[VideoFormat, ...] = get_args(VideoFormat)
MAX_KEYFRAMES = 16
# Work one request may ask for. A network whose build asks for more than MAX_COMPONENT_PARAMS numbers is refused
# before that allocation (a published StyleGAN2 1024 generator has 30 M, pix2pix 54 M).
MAX_COMPONENT_PARAMS = 150_000_000
# Output pixels one request may write (every image it returns, grids and a row of edits included); an input
# image is refused before decoding when the outputs it would make exceed this.
MAX_OUTPUT_PIXELS = 32_000_000
MAX_NET_PIXELS = 4_000_000  # pixels through a network per request, summed over its passes (a row of edits)
MAX_IMAGES_PER_REQUEST = 256  # images one request may make (rows x columns of a per-class grid ...)
MAX_LIST_ITEMS = 256  # items of any list an endpoint takes (classes, layers, attributes)
MAX_TEXT_CHARS = 4096  # characters of any text an endpoint takes

# Disk: what one client may upload per hour (the largest weights file plus change), what the app may keep on disk
# for all users (uploads, outputs, conversions), and how many converted models one session may hold.
MAX_CLIENT_UPLOAD_MB = 1500
MAX_APP_DISK_MB = 8000
MAX_SESSION_CONVERSIONS = 4
MAX_SESSIONS = 256  # sessions whose state the server keeps (about 1 MB each); the least recently used go first

# Hub downloads: every file of one load must arrive within this many seconds (a slow or stalled Hub is given up
# on, and the next load resumes), and no file larger than MAX_WEIGHTS_MB is downloaded (its size is asked first).
HUB_DEADLINE_S = 180.0
