"""The training loop every family shares: data, resume, logging, sample grids, export, data parallelism.

A family's trainer (``ganstudio/train/<group>.py``) subclasses :class:`Trainer` and implements
``train_step`` (one generator update, with its discriminator updates) and ``sample_images``;
:func:`run` does the rest:

1. build (or resume) the model and the trainer's optimisers,
2. loop with a progress bar, logging D's real / fake losses, G's loss, D(x) and D(G(z)) per interval,
3. write a sample grid from fixed noise at intervals and a resumable training state,
4. export a GAN Studio model folder (config + safetensors + card with data, steps, time, hardware).

Under ``torchrun --nproc_per_node=N`` each process trains on its own shard of every batch and gradients
are averaged across processes before each optimiser step (gloo on CPU, NCCL on GPU); rank 0 logs and saves.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import inspect
import json
import math
import os
import re
import shlex
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import torch
import torch.distributed as dist
from PIL import Image
from torch import nn
from torch.utils.data import Dataset

from .. import images as imgs
from .. import losses, registry
from ..checkpoint import GanModel, ModelMeta, new_model, save_folder, load_state_strict
from ..data import DatasetInfo, get_builder, get_dataset
from ..runtime import cpu_has_bf16, cpu_name, pick_device
from .augment import diff_augment, parse_policy


@dataclass
class TrainOptions:
    """Everything a run needs; written into the training state and the model card."""

    family: str
    data: str
    out: str
    loss: str = "nonsaturating"
    steps: int = 2000  # generator updates
    batch_size: int = 64
    lr_g: float | None = None  # None: the loss's recommended value (ganstudio.losses.LOSS_SPECS)
    lr_d: float | None = None
    n_critic: int | None = None
    model: dict[str, Any] = field(default_factory=dict)  # config overrides
    params: dict[str, Any] = field(default_factory=dict)  # family-specific (lambda_l1, label_fraction, ...)
    image_size: int | None = None
    seed: int = 0
    log_every: int = 100
    sample_every: int = 500
    checkpoint_every: int = 500
    device: str | None = None
    # bf16 autocast: "auto" on CUDA, and on CPUs with native bf16 for the families whose trainer has been
    # checked there (Trainer.cpu_amp_families); "bf16" on any device (CPU autocast too; used by the tests); "off"
    amp: str = "auto"
    name: str = ""
    threads: int | None = None
    # A model folder to continue from when there is no training state (e.g. a bundled checkpoint on a
    # fresh machine): weights (and EMA) are loaded and the step count continues from its card.
    init_from: str | None = None
    # pix2pix / CycleGAN schedule: learning rates constant until this step, then linearly down to 0 at ``steps``
    lr_decay_from: int | None = None


AMP_MODES = ("auto", "bf16", "off")


def amp_enabled(mode: str | bool, device: torch.device, cpu_auto: bool = False) -> bool:
    """Whether to train under bf16 autocast (``True`` / ``False``: the older "auto" / "off").

    "auto" means bf16 on CUDA, and on a CPU with native bf16 arithmetic (AVX512-BF16 or AMX: about twice
    fp32's convolution throughput) when ``cpu_auto`` says the family trains as well there; elsewhere fp32
    (emulated bf16 is slower than fp32).
    """
    mode = {True: "auto", False: "off"}.get(mode, mode)  # type: ignore[call-overload]
    if mode not in AMP_MODES:
        raise ValueError(f"unknown amp mode {mode!r}; choose one of {', '.join(AMP_MODES)}")
    if mode != "auto":
        return mode == "bf16"
    return device.type == "cuda" or (cpu_auto and device.type == "cpu" and cpu_has_bf16())


# ---------------------------------------------------------------------------------------------
# data


class Batches:
    """Endless random mini-batches from a dataset held in memory as stacked tensors.

    Small offline datasets (5k digits, a few thousand emoji) fit in memory; stacking once avoids a
    DataLoader's per-item overhead, which dominates at these sizes on two cores.
    """

    def __init__(self, dataset: Dataset, batch_size: int, seed: int, rank: int = 0, world: int = 1):
        items = [dataset[i] for i in range(len(dataset))]
        first = items[0] if isinstance(items[0], (tuple, list)) else (items[0],)
        self.fields = [torch.stack([torch.as_tensor(it[k] if isinstance(it, (tuple, list)) else it)
                                    for it in items]) for k in range(len(first))]
        self.n = len(items)
        self.batch_size = batch_size
        self.world = world
        self.rng = torch.Generator().manual_seed(seed * 1000 + rank)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        return self

    def __next__(self) -> tuple[torch.Tensor, ...]:
        # every rank draws its own indices: a per-rank shard of an epoch-free random stream
        idx = torch.randint(0, self.n, (self.batch_size // self.world,), generator=self.rng)
        return tuple(f[idx] for f in self.fields)

    def next_on(self, device: torch.device) -> tuple[torch.Tensor, ...]:
        """The next mini-batch, moved to ``device``."""
        return tuple(t.to(device, non_blocking=True) for t in next(self))

    def state_dict(self) -> dict[str, Any]:
        return {"rng": self.rng.get_state()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.rng.set_state(state["rng"])


# ---------------------------------------------------------------------------------------------
# distributed


def dist_setup(device: torch.device) -> tuple[int, int]:
    """(rank, world size); initialises the process group when launched by torchrun."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return (dist.get_rank(), dist.get_world_size()) if dist.is_initialized() else (0, 1)


def current_rank() -> int:
    """This process's rank under torchrun (0 when not distributed)."""
    return dist.get_rank() if dist.is_initialized() else 0


def rank_seed(seed: int, rank: int, step: int = 0) -> int:
    """Seed of a per-process random stream: rank 0 at step 0 keeps ``seed`` (the single-process run)."""
    return seed + 1_000_003 * rank + 7_919 * step


def mean_over_ranks(stats: dict[str, float]) -> dict[str, float]:
    """The mean of each logged statistic over all processes (every process must call it, same keys)."""
    if not dist.is_initialized():
        return stats
    keys = sorted(stats)
    t = torch.tensor([float(stats[k]) for k in keys], dtype=torch.float64)
    dist.all_reduce(t)
    return dict(zip(keys, (t / dist.get_world_size()).tolist()))


def parameter_digests(modules: dict[str, nn.Module]) -> list[str]:
    """One SHA-1 of every module's parameters per process (all equal while data parallelism is sound).

    Buffers (BatchNorm running statistics) are left out: each process updates them from its own shard.
    """
    h = hashlib.sha1()
    for name in sorted(modules):
        for p in modules[name].parameters():
            h.update(p.detach().float().cpu().contiguous().numpy().tobytes())
    digest = h.hexdigest()
    if not dist.is_initialized():
        return [digest]
    gathered: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, digest)
    return [str(d) for d in gathered]


def broadcast_parameters(module: nn.Module) -> None:
    if dist.is_initialized():
        for t in module.state_dict().values():
            dist.broadcast(t, src=0)


def average_gradients(*modules: nn.Module) -> None:
    """All-reduce gradients across processes (what DDP does, but safe with gradient penalties)."""
    if not dist.is_initialized():
        return
    world = dist.get_world_size()
    for m in modules:
        for p in m.parameters():
            if p.grad is not None:
                dist.all_reduce(p.grad)
                p.grad /= world


# ---------------------------------------------------------------------------------------------
# trainer base


@contextlib.contextmanager
def frozen(*modules: nn.Module) -> Iterator[None]:
    """No parameter gradients for ``modules`` inside the block: G's loss flows through D to G, and D's own
    weight gradients (which D's next step would discard) are not computed. G's gradients are unchanged."""
    flags = [[p.requires_grad for p in m.parameters()] for m in modules]
    for m in modules:
        m.requires_grad_(False)
    try:
        yield
    finally:
        for m, before in zip(modules, flags):
            for p, flag in zip(m.parameters(), before):
                p.requires_grad_(flag)


COMMON_PARAMS = ("data_args", "folder_kind")  # read by build_dataset for every family


class Trainer:
    """Base of family trainers. Subclasses set up optimisers in ``__init__`` and implement the steps."""

    default_loss = "nonsaturating"
    # the ``--param`` names this trainer reads, besides COMMON_PARAMS; any other name is refused
    params: tuple[str, ...] = ()
    # families that ``--amp auto`` trains under bf16 autocast on CPUs with native bf16 (quality checked there)
    cpu_amp_families: tuple[str, ...] = ()

    def __init__(self, model: GanModel, opts: TrainOptions, info: DatasetInfo, device: torch.device):
        unknown = sorted(set(opts.params) - set(self.params) - set(COMMON_PARAMS))
        if unknown:
            raise ValueError(f"unknown training parameter(s) {', '.join(unknown)} for {opts.family}; "
                             f"known: {', '.join(sorted(self.params + COMMON_PARAMS))}")
        self.model = model
        self.opts = opts
        self.info = info
        self.device = device
        self.spec = losses.loss_spec(opts.loss)
        self.n_critic = opts.n_critic or self.spec.n_critic
        # latents, labels, penalties (CPU); each process of a torchrun job draws its own (rank 0 = single process)
        self.rng = torch.Generator().manual_seed(rank_seed(opts.seed, current_rank()))
        self.optimizers: dict[str, torch.optim.Optimizer] = {}
        self.amp = amp_enabled(opts.amp, device, cpu_auto=opts.family in self.cpu_amp_families)
        self.batches: Batches | None = None  # set by run(): fresh real batches for extra critic updates
        # earlier stages on other data (e.g. pre-trained on all emoji, then fine-tuned on faces)
        self.history: list[dict[str, Any]] = []
        # DiffAugment on what D sees (``--param diffaug=flip,translation,cutout``), for trainers that declare it
        self.policy = parse_policy(opts.params.get("diffaug"))

    # -- helpers for subclasses
    def augment(self, x: torch.Tensor) -> torch.Tensor:
        """What D sees of ``x`` [B, C, H, W]: ``x`` itself, or a DiffAugment draw of it."""
        return diff_augment(x, self.policy, self.rng) if self.policy else x

    def make_optimizer(self, params: Any, lr: float | None, which: str) -> torch.optim.Optimizer:
        default = self.spec.lr_g if which == "g" else self.spec.lr_d
        return losses.make_optimizer(self.spec.optimizer, params, lr or default, self.spec.betas)

    def autocast(self) -> Any:
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=self.amp)

    def step_optimizer(self, name: str, loss: torch.Tensor, *modules: nn.Module) -> None:
        opt = self.optimizers[name]
        opt.zero_grad(set_to_none=True)
        loss.backward()
        average_gradients(*modules)
        opt.step()

    def latents(self, n: int) -> torch.Tensor:
        return self.model.generator.sample_latent(n, self.rng).to(self.device)

    def scale_learning_rates(self, scale: float) -> None:
        """Set every optimiser's learning rate to ``scale`` x the rate it was created with."""
        for opt in self.optimizers.values():
            for group in opt.param_groups:
                group.setdefault("base_lr", group["lr"])  # saved with the optimiser state, so resumes agree
                group["lr"] = group["base_lr"] * scale

    def critic_batches(self, batch: tuple[torch.Tensor, ...]) -> Iterator[tuple[torch.Tensor, ...]]:
        """``n_critic`` real batches for the critic updates of one step: ``batch``, then fresh ones.

        WGAN, WGAN-GP and StarGAN draw new real data for every critic update; without a data stream
        (a trainer driven by hand) the step's batch is reused.
        """
        yield batch
        for _ in range(self.n_critic - 1):
            yield batch if self.batches is None else self.batches.next_on(self.device)

    # -- what subclasses implement
    def train_step(self, batch: tuple[torch.Tensor, ...], step: int) -> dict[str, float | torch.Tensor]:
        """One generator update with its discriminator updates; returns the statistics to log (numbers, or
        detached 0-dim tensors, which the loop reads back only on the steps it logs: no host sync per step)."""
        raise NotImplementedError

    def sample_images(self, fixed: dict[str, torch.Tensor]) -> list[Image.Image]:
        raise NotImplementedError

    def sample_columns(self, n: int) -> int:
        """Columns of the sample grid of ``n`` pictures (square by default; translation rows: input | output ...)."""
        return max(1, int(math.sqrt(n)))

    def fixed_inputs(self, batches: Batches) -> dict[str, torch.Tensor]:
        """Inputs reused for every sample grid (fixed noise), drawn once from the seed."""
        g = torch.Generator().manual_seed(self.opts.seed + 12345)
        return {"z": self.model.generator.sample_latent(64, g)}

    def ema_modules(self) -> dict[str, nn.Module]:
        """Modules to export instead of the trained ones (StyleGAN2's EMA generator)."""
        return {}

    def prepare_data(self, batches: Batches) -> None:
        """Called once before training with the in-memory data (SGAN picks its labelled subset here)."""

    def export_model(self) -> tuple[Any, dict[str, nn.Module]]:
        """(config, modules) of the exported model: the trained modules, EMA copies in their place.

        ProGAN overrides it to export the resolution it has grown to; StyleGAN2 to refresh ``latent_avg``.
        """
        return self.model.config, dict(self.model.modules) | self.ema_modules()

    def extra_state(self) -> dict[str, Any]:
        return {}

    def translate_mode(self) -> str | None:
        """The exported model's default inference mode (``ModelMeta.translate_mode``); translation trainers say."""
        return None

    def reseed(self, rank: int, step: int) -> None:
        """After a resume on rank ``rank`` > 0: re-seed the trainer's own random streams (only rank 0's are saved)."""

    def load_extra_state(self, state: dict[str, Any]) -> None:
        pass


def format_log(step: int, total: int, stats: dict[str, float]) -> str:
    """The classic log line: D's loss on real and fake, G's loss, D(x), D(G(z)), then any extras."""
    head = [f"[{step}/{total}]"]
    order = ["loss_d_real", "loss_d_fake", "loss_g", "d_x", "d_g_z"]
    names = {"loss_d_real": "Loss_D(real)", "loss_d_fake": "Loss_D(fake)", "loss_g": "Loss_G",
             "d_x": "D(x)", "d_g_z": "D(G(z))"}
    parts = [f"{names[k]}: {stats[k]:.4f}" for k in order if k in stats]
    parts += [f"{k}: {v:.4f}" for k, v in stats.items() if k not in order]
    return " ".join(head) + " " + " | ".join(parts)


def hardware() -> str:
    """What trained the model, for its card: the GPU's name, or the CPU's model name and threads used."""
    if torch.cuda.is_available():
        return torch.cuda.get_device_name(0)
    cpu = cpu_name()
    return f"CPU {cpu}, {torch.get_num_threads()} thread(s)"


# ---------------------------------------------------------------------------------------------
# state


def _state_path(out: Path) -> Path:
    return out / "train_state.pt"


def save_state(out: Path, trainer: Trainer, batches: Batches, step: int, elapsed: float) -> None:
    state = {
        "step": step,
        "elapsed": elapsed,
        "options": json.dumps(dataclasses.asdict(trainer.opts)),
        "modules": {k: m.state_dict() for k, m in trainer.model.modules.items()},
        "ema": {k: m.state_dict() for k, m in trainer.ema_modules().items()},
        "optimizers": {k: o.state_dict() for k, o in trainer.optimizers.items()},
        "rng": trainer.rng.get_state(),
        "batches": batches.state_dict(),
        "extra": trainer.extra_state(),
        "history": json.dumps(trainer.history),
    }
    tmp = _state_path(out).with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(_state_path(out))  # atomic: an interrupted save never corrupts the previous state


def load_state(out: Path, trainer: Trainer, batches: Batches) -> tuple[int, float]:
    # weights_only: the state holds tensors, numbers, strings and dicts only -- nothing executable
    state = torch.load(_state_path(out), map_location=trainer.device, weights_only=True)
    for k, m in trainer.model.modules.items():
        load_state_strict(m, state["modules"][k], f"training state {k}")
    for k, m in trainer.ema_modules().items():
        load_state_strict(m, state["ema"][k], f"training state ema {k}")
    for k, o in trainer.optimizers.items():
        o.load_state_dict(state["optimizers"][k])
    trainer.rng.set_state(state["rng"].cpu())
    batches.load_state_dict({"rng": state["batches"]["rng"].cpu()})
    trainer.load_extra_state(state["extra"])
    trainer.history = json.loads(state.get("history", "[]"))
    saved = json.loads(state["options"])
    note_stage(trainer, _data_of(saved["data"], saved.get("params") or {}), int(state["step"]),
               saved.get("params") or {}, saved.get("lr_decay_from"), saved)
    rank = current_rank()
    if rank:
        # only rank 0's streams are saved: the others re-seed, or every shard would repeat rank 0's
        trainer.rng.manual_seed(rank_seed(trainer.opts.seed, rank, int(state["step"])))
        batches.rng.manual_seed(rank_seed(trainer.opts.seed * 1000, rank, int(state["step"])))
        trainer.reseed(rank, int(state["step"]))
    return int(state["step"]), float(state["elapsed"])


def init_from_folder(folder: Path, trainer: Trainer) -> tuple[int, float]:
    """Load an exported model's weights into the trainer; returns (step, seconds) recorded in its card.

    The exported generator is the EMA one where the family keeps an EMA: it seeds both G and its EMA.
    """
    from ..checkpoint import load_folder

    saved = load_folder(folder)
    if saved.family.name != trainer.model.family.name or saved.config != trainer.model.config:
        raise ValueError(f"{folder} holds a different model ({saved.family.name} {saved.config}); "
                         f"expected {trainer.model.family.name} {trainer.model.config}")
    for name, module in saved.modules.items():
        trainer.model.modules[name].load_state_dict(module.state_dict())
    for name, module in trainer.ema_modules().items():
        module.load_state_dict(saved.modules[name].state_dict())
    training = saved.meta.training or {}
    steps = int(training.get("steps", 0))
    trainer.history = list(training.get("earlier_stages") or [])
    note_stage(trainer, saved.meta.dataset, steps, training.get("params") or {}, training.get("lr_decay_from"),
               training, measured(saved.meta.metrics))
    return steps, float(training.get("time_s", 0.0))


def measured(metrics: dict[str, Any] | None) -> dict[str, Any]:
    """What ``ganstudio eval`` said of a model (its card's ``metrics``) that a later stage's card keeps: the
    model's own numbers (no baselines) and the data they were measured on."""
    from ..metrics.seeds import model_metrics

    metrics = metrics or {}
    kept = {k: metrics[k] for k in model_metrics(metrics)}
    if kept and metrics.get("eval_data"):
        kept["eval_data"] = metrics["eval_data"]
    return kept


def _data_of(data: str, params: dict[str, Any]) -> str:
    args = params.get("data_args")
    return f"{data} {json.dumps(args, sort_keys=True)}" if args else data


def _recipe_params(params: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in params.items() if k != "data_args"}  # data_args are part of the data


def note_stage(trainer: Trainer, data_before: str, step: int, params_before: dict[str, Any] | None = None,
               lr_decay_before: int | None = None, training_before: dict[str, Any] | None = None,
               metrics_before: dict[str, Any] | None = None) -> None:
    """Record in ``trainer.history`` that steps up to ``step`` trained on ``data_before`` when this run's data
    differs (a later stage, e.g. fine-tuning on a subset), or with other family parameters, learning-rate
    decay, loss or critic steps (e.g. a stage that adds augmentation); the model card lists the stages.

    A stage entry holds ``until_step`` and ``data``, plus ``params`` / ``lr_decay_from`` / ``loss`` /
    ``n_critic`` when those differ. ``params_before`` None means unknown (not compared); so do keys missing
    from ``training_before`` (the earlier stage's saved options or card). ``metrics_before`` (what was
    measured at ``step``, see :func:`measured`) is kept as ``measured``: the card then shows the model before
    and after the later stage.
    """
    opts = trainer.opts
    now = {_data_of(opts.data, opts.params), f"{trainer.info.name}: {trainer.info.description}"}
    if step <= 0:
        return
    entry: dict[str, Any] = {"until_step": step, "data": data_before}
    if params_before is not None:
        before = _recipe_params(params_before)
        if before != _recipe_params(opts.params):
            entry["params"] = before
        if lr_decay_before != opts.lr_decay_from:
            entry["lr_decay_from"] = lr_decay_before
    now_training = {"loss": opts.loss, "n_critic": trainer.n_critic}
    for key, value in (training_before or {}).items():
        if key in now_training and value is not None and value != now_training[key]:
            entry[key] = value
    if data_before not in now or len(entry) > 2:
        if metrics_before:
            entry["measured"] = metrics_before
        trainer.history.append(entry)


# ---------------------------------------------------------------------------------------------
# the loop


def lr_scale(step: int, decay_from: int, steps: int) -> float:
    """Learning-rate factor of the update after ``step`` updates: 1 until ``decay_from``, then linear to 0."""
    if step < decay_from:
        return 1.0
    return max(0.0, (steps - step) / max(1, steps - decay_from))


def meta_from(info: DatasetInfo, opts: TrainOptions, trainer: Trainer, step: int, elapsed: float,
              world: int) -> ModelMeta:
    return ModelMeta(
        name=opts.name or f"{opts.family} on {info.name}",
        value_range=(-1.0, 1.0),
        class_names=info.class_names,
        attribute_names=info.attribute_names,
        attribute_groups=info.attribute_groups,
        domains=info.domains,
        input_kind=info.input_kind,
        palette=info.palette,
        translate_mode=trainer.translate_mode(),
        dataset=f"{info.name}: {info.description}" if info.description else info.name,
        training={
            "loss": opts.loss,
            "steps": step,
            "batch_size": opts.batch_size,
            "n_critic": trainer.n_critic,
            "optimizer": trainer.spec.optimizer,
            "lr_g": opts.lr_g or trainer.spec.lr_g,
            "lr_d": opts.lr_d or trainer.spec.lr_d,
            **({"lr_decay_from": opts.lr_decay_from} if opts.lr_decay_from is not None else {}),
            "params": opts.params,
            **({"earlier_stages": trainer.history} if trainer.history else {}),
            "seed": opts.seed,
            "time_s": round(elapsed, 1),
            "hardware": hardware() + (f" x{world} processes" if world > 1 else ""),
            # how to run it again: `train ...` directly, or the `recipe NAME` that wraps it
            "command": ("python -m ganstudio " + shlex.join(sys.argv[1:])
                        if sys.argv[1:2] in (["train"], ["recipe"]) else ""),
        },
        license=info.license,
        provenance={"trained_by": "ganstudio train", "data_source": info.source},
    )


def build_dataset(opts: TrainOptions, split: str = "train") -> Dataset:
    """The dataset ``opts.data`` names (or the folder it points to), with ``params["data_args"]`` passed on.

    ``data_args`` holds builder keyword arguments, e.g. ``{"unpaired": true}`` for emoji-noto2openmoji.
    A builder without a ``split`` argument (single and paired folders) only serves ``split="train"``.
    """
    kwargs: dict[str, Any] = dict(opts.params.get("data_args") or {})
    if opts.image_size:
        kwargs["size"] = opts.image_size
    path = Path(opts.data)
    name = opts.params.get("folder_kind", "folder") if path.is_dir() else opts.data
    if path.is_dir():
        kwargs["root"] = str(path)
    if "split" in inspect.signature(get_builder(name)).parameters:
        kwargs["split"] = split
    elif split != "train":
        raise ValueError(f"dataset {name!r} has no {split!r} split")
    return get_dataset(name, **kwargs)


def data_facts(info: DatasetInfo) -> dict[str, Any]:
    """What ``info`` says about the models that fit the dataset, by config field (``models.base.DATA_FIELDS``);
    None or 0 where it says nothing."""
    return {
        "image_size": info.image_size,
        "channels": info.channels,
        "num_classes": len(info.class_names or ()),
        "c_dim": len(info.attribute_names or ()),
        "num_labels": len(info.palette or ()),
        "in_channels": info.extra.get("in_channels"),
        "dim": info.extra.get("dim"),
    }


def run(opts: TrainOptions, trainer_class: type[Trainer], *, quiet: bool = False) -> Path:
    """Train (resuming from ``opts.out/train_state.pt`` when present) and export ``opts.out/model``."""
    from tqdm.auto import tqdm

    if opts.threads:
        torch.set_num_threads(opts.threads)
    device = pick_device(opts.device)
    rank, world = dist_setup(device)
    if world > 1 and device.type == "cuda":
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
        torch.cuda.set_device(device)
    out = Path(opts.out)
    if rank == 0:
        (out / "samples").mkdir(parents=True, exist_ok=True)
    torch.manual_seed(opts.seed)
    dataset = build_dataset(opts)
    info: DatasetInfo = dataset.info
    # the dataset decides the image geometry, classes, attributes... (the family's from_data fields) unless the
    # user overrides them; the descriptor alone: building a default model to read its fields costs seconds
    model_cfg = registry.get_family(opts.family).config_for_data(data_facts(info), opts.model)
    model = new_model(opts.family, model_cfg).to(device)
    for m in model.modules.values():
        broadcast_parameters(m)
        m.train()
    trainer = trainer_class(model, opts, info, device)
    batches = Batches(dataset, opts.batch_size, opts.seed, rank, world)
    trainer.batches = batches
    trainer.prepare_data(batches)
    fixed = trainer.fixed_inputs(batches)
    step, elapsed = 0, 0.0
    if _state_path(out).exists():
        step, elapsed = load_state(out, trainer, batches)
        if rank == 0:
            trim_log(out / "log.txt", step)
        if rank == 0 and not quiet:
            print(f"resuming from step {step} ({elapsed:.0f} s trained so far)")
    elif opts.init_from and (Path(opts.init_from) / "config.json").is_file():
        step, elapsed = init_from_folder(Path(opts.init_from), trainer)
        if rank == 0 and not quiet:
            print(f"continuing {opts.init_from} from step {step} (optimiser state starts afresh)")
    t_start = time.perf_counter() - elapsed
    bar = tqdm(total=opts.steps, initial=step, disable=quiet or rank != 0, dynamic_ncols=True)
    log_path = out / "log.txt"
    while step < opts.steps:
        if opts.lr_decay_from is not None:
            trainer.scale_learning_rates(lr_scale(step, opts.lr_decay_from, opts.steps))
        batch = batches.next_on(device)
        stats = trainer.train_step(batch, step)  # values may be 0-dim tensors: read back only when logged
        step += 1
        bar.update(1)
        log_now = step % opts.log_every == 0 or step == opts.steps
        if log_now:
            stats = {k: float(v) for k, v in stats.items()}
        if log_now and world > 1:
            stats = mean_over_ranks(stats)  # every process takes part; rank 0 writes
        if rank != 0:
            continue
        if log_now:
            line = format_log(step, opts.steps, stats)
            bar.set_postfix_str(line.split(" ", 1)[1][:80])
            with log_path.open("a") as f:
                f.write(line + "\n")
            if not quiet:
                tqdm.write(line)
        if step % opts.sample_every == 0 or step == opts.steps:
            save_samples(trainer, fixed, out / "samples" / f"step_{step:06d}.png")
        if step % opts.checkpoint_every == 0 or step == opts.steps:
            save_state(out, trainer, batches, step, time.perf_counter() - t_start)
    bar.close()
    elapsed = time.perf_counter() - t_start
    if world > 1:
        digests = parameter_digests(trainer.model.modules)
        if rank == 0:
            with log_path.open("a") as f:
                f.write(f"parameters after step {step} on {world} processes: {' '.join(d[:12] for d in digests)}\n")
        if len(set(digests)) != 1:
            raise RuntimeError(f"parameters differ between processes after step {step}: {digests}")
    if rank == 0:
        export(trainer, info, out / "model", step, elapsed, fixed, world)
    if dist.is_initialized():
        dist.barrier()
    return out / "model"


def trim_log(path: Path, step: int) -> None:
    """Drop the log lines of steps after ``step``: a run stopped between two saved states trains them again."""
    if not path.is_file():
        return
    lines = path.read_text().splitlines(keepends=True)
    kept = [line for line in lines if (m := _LOG_STEP.match(line)) is None or int(m.group(1)) <= step]
    if len(kept) != len(lines):
        path.write_text("".join(kept))


_LOG_STEP = re.compile(r"\[(\d+)/\d+\] ")


def save_samples(trainer: Trainer, fixed: dict[str, torch.Tensor], path: Path) -> Image.Image:
    for m in trainer.model.modules.values():
        m.eval()
    with torch.no_grad():
        pics = trainer.sample_images(fixed)
    for m in trainer.model.modules.values():
        m.train()
    grid = imgs.make_grid(pics, trainer.sample_columns(len(pics)))
    grid.save(path)
    return grid


def export(trainer: Trainer, info: DatasetInfo, folder: Path, step: int, elapsed: float,
           fixed: dict[str, torch.Tensor], world: int = 1) -> Path:
    """Write the trained model (EMA modules where the family keeps them) as a model folder."""
    config, modules = trainer.export_model()
    model = GanModel(trainer.model.family, config,
                     meta_from(info, trainer.opts, trainer, step, elapsed, world),
                     {k: m for k, m in modules.items()}, str(folder))
    folder.mkdir(parents=True, exist_ok=True)
    save_samples(trainer, fixed, folder / "samples.png")
    model.meta.extra["samples_image"] = "samples.png"
    save_folder(model, folder)
    return folder
