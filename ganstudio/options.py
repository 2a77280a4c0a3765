"""Choices, ranges and defaults, defined once and read by the core, the UI and the CLI alike."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .errors import InputError


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

FIT_MODES = ("pad", "resize")
DEFAULT_FIT = "pad"
PIX2PIX_MODES = ("deterministic", "paper", "eval")  # see inference.translate
DEFAULT_PIX2PIX_MODE = "deterministic"
STARGAN_MODES = ("reference", "eval")
NOISE_MODES = ("random", "const", "none")
DEFAULT_NOISE_MODE = "const"
STYLE_PRESETS = ("coarse", "middle", "fine")
DIRECTIONS = ("AB", "BA")
INTERP_SPACES = ("slerp", "lerp")
ANIMATION_FORMATS = ("gif", "webp")  # interpolation animations (images.animation_bytes)
DEFAULT_ANIMATION_FORMAT = "gif"

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
FRAMINGS = ("subject", "center")  # how an upload is framed before projection (ganstudio.latent.framing)
SEFA_TOP_K = Range(1, 16, 5)  # directions shown
DIRECTION_ALPHA = Range(-10.0, 10.0, 0.0, 0.25)  # step along a direction, in standard deviations of W along it
BREED_CHILDREN = Range(1, 16, 8)
MUTATION = Range(0.0, 1.0, 0.2, 0.05)  # share of a random W direction added to each child
MAX_PARENTS = 8
WALK_FRAMES = Range(2, 900, 60)  # frames of a whole walk
WALK_FPS = Range(1, 60, 30)
WALK_MODES = ("lerp-w", "slerp-z", "direction")  # through keyframes in W, in Z (seeds), or along a direction
VIDEO_FORMATS = ("mp4", "gif", "webp")
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
