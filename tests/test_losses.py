"""ganstudio.losses: values on known logits, any output shape, penalties, clipping, defaults."""

import math

import pytest
import torch
from torch import nn

from ganstudio import losses

R = torch.tensor([2.0, -1.0, 0.5])  # logits on real data
F = torch.tensor([0.5, -3.0, 1.0])  # logits on generated data


def softplus(x: float) -> float:
    return math.log1p(math.exp(x))


def mean(xs) -> float:
    xs = list(xs)
    return sum(xs) / len(xs)


EXPECTED_D = {
    "minimax": (mean(softplus(-r) for r in R.tolist()), mean(softplus(f) for f in F.tolist())),
    "nonsaturating": (mean(softplus(-r) for r in R.tolist()), mean(softplus(f) for f in F.tolist())),
    "wgan": (-mean(R.tolist()), mean(F.tolist())),
    "wgan-gp": (-mean(R.tolist()), mean(F.tolist())),
    "lsgan": (mean(0.5 * (r - 1) ** 2 for r in R.tolist()), mean(0.5 * f**2 for f in F.tolist())),
    "hinge": (mean(max(0.0, 1 - r) for r in R.tolist()), mean(max(0.0, 1 + f) for f in F.tolist())),
}
EXPECTED_G = {
    "minimax": -mean(softplus(f) for f in F.tolist()),
    "nonsaturating": mean(softplus(-f) for f in F.tolist()),
    "wgan": -mean(F.tolist()),
    "wgan-gp": -mean(F.tolist()),
    "lsgan": mean(0.5 * (f - 1) ** 2 for f in F.tolist()),
    "hinge": -mean(F.tolist()),
}


def test_specs_cover_every_loss_once():
    assert tuple(losses.LOSS_SPECS) == losses.LOSSES
    for kind, spec in losses.LOSS_SPECS.items():
        assert spec.name == kind
        assert spec.optimizer in losses.OPTIMIZERS
        assert spec.description and losses.describe(kind).startswith(spec.label)


def test_default_optimisers_follow_the_papers():
    wgan, gp = losses.LOSS_SPECS["wgan"], losses.LOSS_SPECS["wgan-gp"]
    assert (wgan.optimizer, wgan.lr_g, wgan.lr_d, wgan.n_critic, wgan.clip) == ("rmsprop", 5e-5, 5e-5, 5, 0.01)
    assert (gp.optimizer, gp.betas, gp.n_critic, gp.gp_weight) == ("adam", (0.5, 0.9), 5, 10.0)
    for kind in ("minimax", "nonsaturating", "lsgan", "hinge"):
        s = losses.LOSS_SPECS[kind]
        assert (s.optimizer, s.betas, s.n_critic, s.clip, s.gp_weight) == ("adam", (0.5, 0.999), 1, None, None)
    assert [k for k, s in losses.LOSS_SPECS.items() if s.probability] == ["minimax", "nonsaturating"]


@pytest.mark.parametrize("kind", losses.LOSSES)
def test_values_on_known_logits(kind):
    real_term, fake_term = losses.d_loss_terms(kind, R, F)
    assert real_term.item() == pytest.approx(EXPECTED_D[kind][0], rel=1e-5)
    assert fake_term.item() == pytest.approx(EXPECTED_D[kind][1], rel=1e-5)
    assert losses.d_loss(kind, R, F).item() == pytest.approx(sum(EXPECTED_D[kind]), rel=1e-5)
    assert losses.g_loss(kind, F).item() == pytest.approx(EXPECTED_G[kind], rel=1e-5)


@pytest.mark.parametrize("kind", losses.LOSSES)
def test_any_output_shape(kind):
    g = torch.Generator().manual_seed(0)
    real = torch.randn(4, 1, 5, 5, generator=g)  # PatchGAN-like [B, 1, h, w]
    fake = torch.randn(4, 1, 5, 5, generator=g)
    patch = losses.d_loss(kind, real, fake)
    flat = losses.d_loss(kind, real.flatten(), fake.flatten())
    assert patch.shape == () and torch.allclose(patch, flat)
    assert torch.allclose(losses.g_loss(kind, fake), losses.g_loss(kind, fake.reshape(4, 25)))


def test_minimax_saturates_where_nonsaturating_does_not():
    f = torch.tensor([-8.0], requires_grad=True)  # D confidently rejects the sample
    (g_mm,) = torch.autograd.grad(losses.g_loss("minimax", f), f)
    (g_ns,) = torch.autograd.grad(losses.g_loss("nonsaturating", f), f)
    assert abs(g_mm.item()) < 1e-3 < 0.99 < abs(g_ns.item())


def test_half_precision_logits_give_float32_losses():
    out = losses.d_loss("nonsaturating", R.half(), F.bfloat16())
    assert out.dtype == torch.float32


def test_unknown_loss_names_the_choices():
    with pytest.raises(ValueError, match="wgan-gp"):
        losses.d_loss("vanilla", R, F)
    with pytest.raises(ValueError):
        losses.g_loss("vanilla", F)


class Linear(nn.Module):
    """critic(x) = <w, x>: its input gradient is w everywhere."""

    def __init__(self, w: torch.Tensor, tuple_out: bool = False):
        super().__init__()
        self.w = nn.Parameter(w)
        self.tuple_out = tuple_out

    def forward(self, x):
        out = (x.flatten(1) * self.w.flatten()).sum(1)
        return (out, out * 0) if self.tuple_out else out


def test_gradient_penalty_on_a_linear_critic():
    g = torch.Generator().manual_seed(0)
    real, fake = torch.randn(8, 2, generator=g), torch.randn(8, 2, generator=g)
    unit = Linear(torch.tensor([0.6, 0.8]))  # |grad| = 1 -> no penalty
    assert losses.gradient_penalty(unit, real, fake).item() == pytest.approx(0.0, abs=1e-6)
    double = Linear(torch.tensor([1.2, 1.6]))  # |grad| = 2 -> weight * (2 - 1)^2
    gp = losses.gradient_penalty(double, real, fake, weight=10.0)
    assert gp.item() == pytest.approx(10.0, rel=1e-5)
    gp.backward()  # the penalty trains the critic
    assert double.w.grad is not None and double.w.grad.abs().sum() > 0


def test_gradient_penalty_images_tuples_and_seeding():
    g1, g2 = torch.Generator().manual_seed(3), torch.Generator().manual_seed(3)
    real, fake = torch.randn(4, 3, 4, 4), torch.randn(4, 3, 4, 4)
    w = torch.randn(3, 4, 4)
    critic = Linear(w, tuple_out=True)  # auxiliary heads: read at [0]
    a = losses.gradient_penalty(critic, real, fake, 1.0, generator=g1)
    b = losses.gradient_penalty(critic, real, fake, 1.0, generator=g2)
    assert torch.equal(a, b)
    assert a.item() == pytest.approx((w.norm().item() - 1) ** 2, rel=1e-5)


def test_r1_penalty_on_a_linear_discriminator():
    d = Linear(torch.tensor([3.0, 4.0]))
    x = torch.randn(5, 2).requires_grad_(True)
    assert losses.r1_penalty(d(x), x, weight=2.0).item() == pytest.approx(0.5 * 2.0 * 25.0, rel=1e-5)


def test_clip_weights():
    m = nn.Linear(4, 4)
    with torch.no_grad():
        m.weight.mul_(100)
    losses.clip_weights(m, 0.01)
    assert all(p.abs().max() <= 0.01 for p in m.parameters())


@pytest.mark.parametrize(
    "name,cls", [("adam", torch.optim.Adam), ("rmsprop", torch.optim.RMSprop), ("sgd", torch.optim.SGD)]
)
def test_make_optimizer(name, cls):
    opt = losses.make_optimizer(name, nn.Linear(2, 2).parameters(), 1e-3, (0.0, 0.9))
    assert isinstance(opt, cls) and opt.param_groups[0]["lr"] == 1e-3
    if name == "adam":
        assert opt.param_groups[0]["betas"] == (0.0, 0.9)
        fused = losses.make_optimizer(name, nn.Linear(2, 2).parameters(), 1e-3, fused=True)
        assert fused.param_groups[0]["fused"]
    with pytest.raises(ValueError):
        losses.make_optimizer("lion", nn.Linear(2, 2).parameters(), 1e-3)


def test_drift_penalty_pulls_real_scores_towards_zero():
    assert losses.drift_penalty(R, 0.001).item() == pytest.approx(0.001 * (4 + 1 + 0.25) / 3)
    scores = torch.tensor([3.0, -2.0], requires_grad=True)
    losses.drift_penalty(scores, 0.5).backward()
    assert scores.grad.tolist() == pytest.approx([1.5, -1.0])  # d/dx eps * mean(x^2) = eps * x: towards 0


def test_discriminator_loss_the_trainers_and_the_playground_share():
    torch.manual_seed(0)
    d = nn.Sequential(nn.Linear(2, 8), nn.LeakyReLU(), nn.Linear(8, 1), nn.Flatten(0))
    real, fake = torch.randn(6, 2), torch.randn(6, 2)
    two = losses.discriminator_loss(d, "hinge", real, fake)
    joint = losses.discriminator_loss(d, "hinge", real, fake, joint=True)  # one pass: same numbers
    assert torch.allclose(two.total, joint.total) and torch.allclose(two.fake_out, joint.fake_out)
    assert torch.equal(two.total, two.real_term + two.fake_term)
    assert torch.equal(two.real_out, d(real)) and two.real_term.requires_grad
    # the penalty is added only when a weight is given, its mixing weights drawn from the generator
    a = losses.discriminator_loss(d, "wgan-gp", real, fake, 10.0, torch.Generator().manual_seed(1))
    b = losses.discriminator_loss(d, "wgan-gp", real, fake, 10.0, torch.Generator().manual_seed(1))
    penalty = losses.gradient_penalty(d, real, fake, 10.0, torch.Generator().manual_seed(1))
    assert torch.equal(a.total, b.total) and torch.allclose(a.total, a.real_term + a.fake_term + penalty)
    # forward passes run in the given context, the penalty outside it
    entered = []

    class Recording:
        def __enter__(self):
            entered.append(torch.is_grad_enabled())

        def __exit__(self, *exc):
            return False

    losses.discriminator_loss(d, "wgan-gp", real, fake, 10.0, autocast=Recording)
    assert entered == [True]
