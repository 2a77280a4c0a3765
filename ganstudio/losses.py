"""GAN losses, shared by ``ganstudio train`` and the playground.

Every function takes the discriminator's **logits** (no sigmoid; see ``docs/ARCHITECTURE.md``) of any
shape -- ``[B]``, ``[B, 1]``, PatchGAN ``[B, 1, h, w]`` -- and averages over all elements, so a
PatchGAN's loss is the mean over its patches. A discriminator that returns a tuple (auxiliary heads)
passes its adversarial output, e.g. ``d_loss(kind, real_out[0], fake_out[0])``.

::

    from ganstudio import losses
    spec = losses.LOSS_SPECS["wgan-gp"]
    opt_d = losses.make_optimizer(spec.optimizer, critic.parameters(), spec.lr_d, spec.betas)
    loss = losses.d_loss("wgan-gp", critic(real), critic(fake.detach()))
    loss = loss + losses.gradient_penalty(critic, real, fake.detach(), spec.gp_weight)
    ...
    losses.g_loss("wgan-gp", critic(fake)).backward()

Conventions (``r`` = logits on real data, ``f`` = logits on generated data, means over all elements):

=============  ========================================  ==============================
kind           discriminator / critic minimises          generator minimises
=============  ========================================  ==============================
minimax        softplus(-r) + softplus(f)  (BCE)         -softplus(f)  = log(1 - D(G(z)))
nonsaturating  same as minimax                           softplus(-f)  = -log D(G(z))
wgan           f - r  (+ weight clipping)                -f
wgan-gp        f - r  (+ gradient penalty)               -f
lsgan          ((r - 1)^2 + f^2) / 2                      (f - 1)^2 / 2
hinge          relu(1 - r) + relu(1 + f)                 -f
=============  ========================================  ==============================
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn

from .options import LOSS_KINDS, OPTIMIZERS, LossKind, OptimizerName

LOSSES: tuple[LossKind, ...] = LOSS_KINDS


@dataclass(frozen=True)
class LossSpec:
    """One loss: what it is, and the optimiser settings its paper recommends (the defaults everywhere).

    ``probability``: the discriminator's output reads as a probability after a sigmoid (minimax,
    non-saturating); otherwise it is an unbounded score (critic) or a regression target (LSGAN).
    """

    name: LossKind
    label: str
    description: str
    optimizer: OptimizerName
    lr_g: float
    lr_d: float
    betas: tuple[float, float]  # Adam's; ignored by RMSprop and SGD
    n_critic: int  # discriminator updates per generator update
    clip: float | None = None  # WGAN weight clipping bound c
    gp_weight: float | None = None  # WGAN-GP penalty weight lambda
    probability: bool = False


LOSS_SPECS: dict[str, LossSpec] = {
    "minimax": LossSpec(
        "minimax",
        "Minimax (original GAN)",
        "Goodfellow et al. 2014. D is a classifier trained with binary cross-entropy; G minimises "
        "log(1 - D(G(z))). When D wins early this saturates: G's gradient vanishes exactly where G is worst.",
        "adam", 2e-4, 2e-4, (0.5, 0.999), 1, probability=True,
    ),
    "nonsaturating": LossSpec(
        "nonsaturating",
        "Non-saturating",
        "The practical variant of the same paper: G maximises log D(G(z)) instead, giving strong gradients "
        "when G is poor. Same fixed point as minimax; still prone to mode collapse.",
        "adam", 2e-4, 2e-4, (0.5, 0.999), 1, probability=True,
    ),
    "wgan": LossSpec(
        "wgan",
        "WGAN (weight clipping)",
        "Arjovsky et al. 2017. The critic estimates the Wasserstein-1 distance; its Lipschitz constraint is "
        "enforced by clipping every weight to [-c, c]. Gradients do not vanish, so G keeps moving towards "
        "uncovered modes; clipping makes the critic crude. RMSprop, lr 5e-5, 5 critic steps per G step.",
        "rmsprop", 5e-5, 5e-5, (0.5, 0.999), 5, clip=0.01,
    ),
    "wgan-gp": LossSpec(
        "wgan-gp",
        "WGAN-GP (gradient penalty)",
        "Gulrajani et al. 2017. WGAN with the Lipschitz constraint enforced softly: penalise (|grad D| - 1)^2 "
        "on points between real and generated samples. Stable, covers modes; Adam betas (0.5, 0.9) "
        "(or (0, 0.9)), 5 critic steps per G step, lambda 10.",
        "adam", 1e-4, 1e-4, (0.5, 0.9), 5, gp_weight=10.0,
    ),
    "lsgan": LossSpec(
        "lsgan",
        "Least squares (LSGAN)",
        "Mao et al. 2017. D regresses real to 1 and fake to 0; G pushes its samples' scores to 1. "
        "Samples far from the decision boundary still get gradient, unlike the sigmoid losses.",
        "adam", 2e-4, 2e-4, (0.5, 0.999), 1,
    ),
    "hinge": LossSpec(
        "hinge",
        "Hinge",
        "Lim & Ye 2017, used by SNGAN, SAGAN and BigGAN. D is a margin classifier (real above +1, fake below "
        "-1); G raises D's score on its samples like a WGAN generator.",
        "adam", 2e-4, 2e-4, (0.5, 0.999), 1,
    ),
}


def loss_spec(kind: LossKind | str) -> LossSpec:
    """The :class:`LossSpec` of ``kind``; ``ValueError`` naming the known losses otherwise."""
    try:
        return LOSS_SPECS[kind]
    except KeyError:
        raise ValueError(f"unknown GAN loss {kind!r}; choose one of {', '.join(LOSSES)}") from None


def d_loss_terms(kind: LossKind, real_out: torch.Tensor, fake_out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """The discriminator loss split into its (real, fake) terms; ``d_loss`` is their sum.

    For minimax / non-saturating these are the binary cross-entropies on real and on generated data
    (the "real_err, fake_err" of the classic training log).
    """
    loss_spec(kind)
    r, f = real_out.float(), fake_out.float()
    if kind in ("minimax", "nonsaturating"):
        # BCE with targets 1 / 0 on logits: -log sigmoid(r) = softplus(-r), -log(1 - sigmoid(f)) = softplus(f)
        return F.softplus(-r).mean(), F.softplus(f).mean()
    if kind in ("wgan", "wgan-gp"):
        return -r.mean(), f.mean()
    if kind == "lsgan":
        return 0.5 * (r - 1).pow(2).mean(), 0.5 * f.pow(2).mean()
    # hinge
    return F.relu(1 - r).mean(), F.relu(1 + f).mean()


def d_loss(kind: LossKind, real_out: torch.Tensor, fake_out: torch.Tensor) -> torch.Tensor:
    """Discriminator (critic) loss to minimise, from logits on real and generated data (any shape).

    Penalties (``gradient_penalty``, ``r1_penalty``) and clipping (``clip_weights``) are separate
    calls, since they need the network or the inputs, not just the outputs.
    """
    real_term, fake_term = d_loss_terms(kind, real_out, fake_out)
    return real_term + fake_term


def g_loss(kind: LossKind, fake_out: torch.Tensor) -> torch.Tensor:
    """Generator loss to minimise, from the discriminator's logits on generated data (any shape)."""
    loss_spec(kind)
    f = fake_out.float()
    if kind == "minimax":
        # minimise log(1 - D(G(z))) = -softplus(f): saturates (tiny gradient) when D rejects the sample
        return -F.softplus(f).mean()
    if kind == "nonsaturating":
        return F.softplus(-f).mean()
    if kind == "lsgan":
        return 0.5 * (f - 1).pow(2).mean()
    # wgan, wgan-gp, hinge
    return -f.mean()


def gradient_penalty(
    critic: Callable[[torch.Tensor], torch.Tensor | tuple[torch.Tensor, ...]],
    real: torch.Tensor,
    fake: torch.Tensor,
    weight: float = 10.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """WGAN-GP penalty ``weight * E[(||grad_x critic(x)||_2 - 1)^2]`` at random points between real and fake.

    ``real`` and ``fake`` have the same shape ``[B, ...]`` (pass ``fake`` detached). One mixing weight
    per sample, drawn from ``generator`` (CPU) for reproducibility. The graph is kept
    (``create_graph=True``) so the penalty trains the critic. A critic returning a tuple is read at [0].
    """
    b = real.shape[0]
    # drawn where the generator lives (CPU unless a device generator is passed), then moved
    where = generator.device if generator is not None else torch.device("cpu")
    eps = torch.rand((b,) + (1,) * (real.dim() - 1), generator=generator, device=where)  # [B, 1, ...]
    eps = eps.to(device=real.device, dtype=real.dtype)
    mixed = (eps * real.detach() + (1 - eps) * fake.detach()).requires_grad_(True)
    out = critic(mixed)
    if isinstance(out, tuple):
        out = out[0]
    (grad,) = torch.autograd.grad(out.sum(), mixed, create_graph=True)
    norm = grad.reshape(b, -1).norm(2, dim=1)  # [B]
    return weight * (norm - 1).pow(2).mean()


@dataclass
class DiscriminatorLoss:
    """What :func:`discriminator_loss` returns: the loss to minimise and its parts (tensors with graph)."""

    total: torch.Tensor  # real_term + fake_term (+ gradient penalty)
    real_term: torch.Tensor
    fake_term: torch.Tensor
    real_out: torch.Tensor  # D's logits on real data
    fake_out: torch.Tensor  # D's logits on generated data


def discriminator_loss(
    discriminator: Callable[[torch.Tensor], torch.Tensor],
    kind: LossKind,
    real: torch.Tensor,
    fake: torch.Tensor,
    gp_weight: float | None = None,
    generator: torch.Generator | None = None,
    joint: bool = False,
    autocast: Callable[[], contextlib.AbstractContextManager] = contextlib.nullcontext,
) -> DiscriminatorLoss:
    """One discriminator update's loss, the step the trainers and the playground share.

    ``real`` and ``fake`` ``[B, ...]`` (pass ``fake`` detached). The loss's two terms on D's logits, plus
    :func:`gradient_penalty` when ``gp_weight`` is not None (its mixing weights drawn from ``generator``).
    ``joint``: one forward over ``[real; fake]`` instead of two (the same numbers for a D without batch
    statistics, in one call); the halves must not share a moment group. ``autocast``: the context the
    forward passes run in; the penalty runs outside it, in full precision.
    """
    with autocast():
        if joint:
            out = discriminator(torch.cat([real, fake]))  # [2B] (or one logit per group)
            half = out.shape[0] // 2
            real_out, fake_out = out[:half], out[half:]
        else:
            real_out, fake_out = discriminator(real), discriminator(fake)
        real_term, fake_term = d_loss_terms(kind, real_out, fake_out)
        total = real_term + fake_term
    if gp_weight is not None:
        total = total + gradient_penalty(discriminator, real, fake, gp_weight, generator=generator)
    return DiscriminatorLoss(total, real_term, fake_term, real_out, fake_out)


def r1_penalty(real_out: torch.Tensor, real: torch.Tensor, weight: float = 10.0) -> torch.Tensor:
    """R1 penalty (Mescheder et al. 2018): ``weight / 2 * E[||grad_x D(x)||^2]`` on real data.

    ``real`` must have had ``requires_grad_(True)`` before ``real_out = D(real)`` was computed.
    """
    (grad,) = torch.autograd.grad(real_out.sum(), real, create_graph=True)
    return 0.5 * weight * grad.pow(2).reshape(grad.shape[0], -1).sum(1).mean()


def drift_penalty(real_out: torch.Tensor, epsilon: float = 0.001) -> torch.Tensor:
    """ProGAN's drift term ``epsilon * E[D(x)^2]`` on real scores: keeps a Wasserstein critic's outputs
    near 0, so they cannot wander off when D takes one step per G step."""
    return epsilon * real_out.float().pow(2).mean()


@torch.no_grad()
def clip_weights(module: nn.Module, c: float = 0.01) -> None:
    """Clip every parameter of ``module`` to ``[-c, c]`` in place (WGAN's Lipschitz constraint)."""
    for p in module.parameters():
        p.clamp_(-c, c)


def make_optimizer(
    name: OptimizerName,
    params: Iterable[torch.nn.Parameter],
    lr: float,
    betas: tuple[float, float] = (0.5, 0.999),
    fused: bool = False,
) -> torch.optim.Optimizer:
    """Build optimiser ``name`` (one of ``OPTIMIZERS``); ``betas`` only matter for Adam.

    ``fused=True`` asks for PyTorch's fused Adam (one kernel for all tensors; CPU and CUDA): for tiny
    models, where per-op overhead dominates, it is markedly faster. Otherwise the multi-tensor
    ("foreach") implementation is used.
    """
    params = list(params)
    if name == "adam":
        if fused and all(p.device.type in ("cpu", "cuda") for p in params):
            return torch.optim.Adam(params, lr=lr, betas=tuple(betas), fused=True)
        return torch.optim.Adam(params, lr=lr, betas=tuple(betas), foreach=True)
    if name == "rmsprop":
        return torch.optim.RMSprop(params, lr=lr, foreach=True)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, foreach=True)
    raise ValueError(f"unknown optimiser {name!r}; choose one of {', '.join(OPTIMIZERS)}")


def describe(kind: LossKind) -> str:
    """One paragraph for UI and CLI help: the loss, then its default optimiser settings."""
    s = loss_spec(kind)
    opt = f"{s.optimizer} lr G {s.lr_g:g} / D {s.lr_d:g}"
    if s.optimizer == "adam":
        opt += f", betas {s.betas}"
    opt += f", {s.n_critic} D step(s) per G step"
    if s.clip is not None:
        opt += f", clip {s.clip:g}"
    if s.gp_weight is not None:
        opt += f", lambda {s.gp_weight:g}"
    return f"{s.label}: {s.description} Defaults: {opt}."
