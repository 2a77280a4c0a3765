import math

import pytest
import torch
import torch.nn.functional as F

from ganstudio.checkpoint import new_model
from ganstudio.models.base import ConfigError
from ganstudio.models.stylegan2 import ModulatedConv2d, StyleGAN2Config, Upsample, channel_width, upfirdn2d
from tests.helpers import assert_golden, assert_roundtrip

TINY = dict(image_size=16, style_dim=16, n_mlp=2, channel_max=8)


def tiny_model(**overrides):
    """A tiny model whose noise weights and latent_avg are non-zero (fresh ones are 0), so noise and
    truncation change the image."""
    torch.manual_seed(0)
    m = new_model("stylegan2", dict(TINY, **overrides))
    g = m.generator
    with torch.no_grad():
        for name, p in g.named_parameters():
            if name.endswith("noise.weight"):
                p.fill_(0.5)
        g.update_latent_avg(n=64, generator=torch.Generator().manual_seed(5))
    return m


@pytest.fixture(scope="module")
def model():
    return tiny_model()


def z_batch(g, n=2, seed=1):
    return g.sample_latent(n, torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("size", [16, 32])
def test_shapes(size):
    m = tiny_model(image_size=size)
    g, d = m.generator, m.modules["discriminator"]
    z = z_batch(g, 3)
    assert z.shape == (3, 16)
    w = g.mapping(z)
    assert w.shape == (3, 16)
    ws = g.broadcast_w(w)
    assert ws.shape == (3, g.n_latent, 16)
    with torch.no_grad():
        x = g(z)
        assert x.shape == (3, 3, size, size)
        assert torch.equal(x, g.synthesis(ws))
        assert torch.equal(x, g(w, input_is_w=True))
        assert d(x).shape == (3,)  # 3 is not a multiple of the stddev group 4: falls back to groups of 3
        assert d(torch.cat([x, x, x])).shape == (9,)


def test_grayscale_channels():
    m = tiny_model(channels=1)
    with torch.no_grad():
        x = m.generator(z_batch(m.generator, 2))
        assert x.shape == (2, 1, 16, 16)
        assert m.modules["discriminator"](x).shape == (2,)


def test_default_config_matches_rosinality_layout():
    # 256 px, channel multiplier 2: rosinality's g_ema has 135 keys and 30.0 M parameters; we add latent_avg.
    torch.manual_seed(0)
    m = new_model("stylegan2")
    g, d = m.generator, m.modules["discriminator"]
    sd = {k: tuple(v.shape) for k, v in g.state_dict().items()}
    assert len(sd) == 136 and sd.pop("latent_avg") == (512,)
    n_params = sum(p.numel() for p in g.parameters())
    assert round(n_params / 1e6, 1) == 30.0 and n_params == 30_034_338
    mapping_keys = {f"style.{i}.{p}" for i in range(1, 9) for p in ("weight", "bias")}
    assert {k for k in sd if k.startswith("style.")} == mapping_keys
    expected = {
        "style.1.weight": (512, 512),
        "input.input": (1, 512, 4, 4),
        "conv1.conv.weight": (1, 512, 512, 3, 3),
        "conv1.conv.modulation.weight": (512, 512),
        "conv1.conv.modulation.bias": (512,),
        "conv1.noise.weight": (1,),
        "conv1.activate.bias": (512,),
        "to_rgb1.conv.weight": (1, 3, 512, 1, 1),
        "to_rgb1.bias": (1, 3, 1, 1),
        "convs.0.conv.blur.kernel": (4, 4),
        "convs.0.conv.weight": (1, 512, 512, 3, 3),
        "convs.6.conv.weight": (1, 512, 512, 3, 3),  # 64 px: 256 * cm
        "convs.8.conv.weight": (1, 256, 512, 3, 3),  # 128 px
        "convs.11.conv.weight": (1, 128, 128, 3, 3),  # 256 px
        "to_rgbs.0.upsample.kernel": (4, 4),
        "to_rgbs.5.conv.weight": (1, 3, 128, 1, 1),
        "to_rgbs.5.bias": (1, 3, 1, 1),
        "noises.noise_0": (1, 1, 4, 4),
        "noises.noise_1": (1, 1, 8, 8),
        "noises.noise_12": (1, 1, 256, 256),
    }
    assert {k: sd[k] for k in expected} == expected
    # blur kernels live only in upsampling StyledConvs and the ToRGBs with a skip input
    kernels = {k for k in sd if k.endswith("kernel")}
    assert kernels == ({f"convs.{2 * j}.conv.blur.kernel" for j in range(6)}
                       | {f"to_rgbs.{j}.upsample.kernel" for j in range(6)})
    assert sum(k.startswith("noises.") for k in sd) == 13
    assert g.state_dict()["convs.0.conv.blur.kernel"].sum().item() == pytest.approx(4.0)  # x4 gain after zero insertion
    # discriminator: rosinality's key set
    dsd = {k: tuple(v.shape) for k, v in d.state_dict().items()}
    assert len(dsd) == 50
    assert dsd["convs.0.0.weight"] == (128, 3, 1, 1)
    assert dsd["convs.1.conv2.0.kernel"] == (4, 4) and dsd["convs.1.skip.1.weight"] == (256, 128, 1, 1)
    assert dsd["final_conv.0.weight"] == (512, 513, 3, 3)
    assert dsd["final_linear.0.weight"] == (512, 8192) and dsd["final_linear.1.weight"] == (1, 512)
    assert d.state_dict()["convs.1.conv2.0.kernel"].sum().item() == pytest.approx(1.0)


def test_channel_table():
    cm2 = [channel_width(StyleGAN2Config(image_size=1024), r) for r in (4, 8, 16, 32, 64, 128, 256, 512, 1024)]
    assert cm2 == [512, 512, 512, 512, 512, 256, 128, 64, 32]
    cm1 = [channel_width(StyleGAN2Config(image_size=1024, channel_multiplier=1), r) for r in (32, 64, 128, 1024)]
    assert cm1 == [512, 256, 128, 16]
    small = StyleGAN2Config(image_size=64, channel_max=128)
    assert [channel_width(small, r) for r in (4, 32, 64)] == [128, 128, 128]


@pytest.mark.parametrize("size,n_latent,n_noise", [(8, 4, 3), (16, 6, 5), (64, 10, 9), (256, 14, 13), (1024, 18, 17)])
def test_latent_and_noise_counts(size, n_latent, n_noise):
    torch.manual_seed(0)
    g = new_model("stylegan2", dict(TINY, image_size=size, channel_max=2), components=("generator",)).generator
    assert g.n_latent == n_latent and g.num_noise_layers == n_noise
    assert [tuple(getattr(g.noises, f"noise_{i}").shape[-2:]) for i in range(n_noise)] == \
        [(g.noise_resolution(i),) * 2 for i in range(n_noise)]
    table = {layer.name: layer for layer in g.synthesis_layers}
    assert table["conv1"].w_index == 0 and table["conv1"].noise_index == 0
    assert table["to_rgb1"].w_index == 1
    n_res = int(math.log2(size)) - 2
    for j in range(n_res):
        assert table[f"to_rgbs.{j}"].w_index == 2 * j + 3
        assert table[f"convs.{2 * j}"].noise_index == 2 * j + 1  # noise[1::2]: upsampling convs
        assert table[f"convs.{2 * j + 1}"].noise_index == 2 * j + 2  # noise[2::2]: the others
    assert max(layer.w_index for layer in g.synthesis_layers) == n_latent - 1


def test_layer_groups():
    torch.manual_seed(0)
    g = new_model("stylegan2", dict(TINY, image_size=1024, channel_max=2), components=("generator",)).generator
    assert g.layer_groups() == {"coarse": [0, 1, 2, 3], "middle": [4, 5, 6, 7], "fine": list(range(8, 18))}
    small = new_model("stylegan2", TINY, components=("generator",)).generator
    assert small.layer_groups() == {"coarse": [0, 1, 2, 3], "middle": [4, 5], "fine": []}


def test_noise_modes(model):
    g = model.generator
    z = z_batch(g)
    with torch.no_grad():
        none1, none2 = g(z, noise_mode="none"), g(z, noise_mode="none")
        const1, const2 = g(z, noise_mode="const"), g(z, noise_mode="const")
        assert torch.equal(none1, none2) and torch.equal(const1, const2)
        assert not torch.allclose(none1, const1)
        # random: reproducible from a seeded CPU generator, different across seeds
        r1 = g(z, noise_mode="random", noise_generator=torch.Generator().manual_seed(3))
        r2 = g(z, noise_mode="random", noise_generator=torch.Generator().manual_seed(3))
        r3 = g(z, noise_mode="random", noise_generator=torch.Generator().manual_seed(4))
        assert torch.equal(r1, r2) and not torch.allclose(r1, r3)
        # random noise drawn explicitly and passed in gives the same image
        drawn = g.random_noise(2, torch.Generator().manual_seed(3))
        assert torch.equal(g(z, noise=drawn, noise_mode="none"), r1)


def test_noise_strength_and_explicit_noise(model):
    g = model.generator
    z = z_batch(g)
    n = g.num_noise_layers
    with torch.no_grad():
        none = g(z, noise_mode="none")
        assert torch.equal(g(z, noise_mode="const", noise_strength=[0.0] * n), none)
        assert torch.equal(g(z, noise_mode="random", noise_strength=0.0), none)
        # explicit tensors override the mode; None entries fall back to it
        buffers = [getattr(g.noises, f"noise_{i}") for i in range(n)]
        assert torch.equal(g(z, noise=buffers, noise_mode="none"), g(z, noise_mode="const"))
        only_first = [buffers[0]] + [None] * (n - 1)
        first_strength = [1.0] + [0.0] * (n - 1)
        assert torch.equal(g(z, noise=only_first, noise_mode="none"), g(z, noise_strength=first_strength))
        # strength scales the noise: 2x strength == 2x noise tensors
        doubled = [b * 2 for b in buffers]
        assert torch.allclose(g(z, noise_strength=2.0), g(z, noise=doubled), atol=1e-6)
    with pytest.raises(ValueError, match="noise_mode"):
        g(z, noise_mode="fixed")
    with pytest.raises(ValueError, match="noise_strength"):
        g(z, noise_strength=[1.0, 1.0])


def test_truncation(model):
    g = model.generator
    with torch.no_grad():
        imgs = g(z_batch(g, 3), psi=0.0)
        avg = g.synthesis(g.broadcast_w(g.latent_avg[None]))
        assert torch.allclose(imgs, avg.expand_as(imgs), atol=1e-6)
        ws = g.broadcast_w(g.mapping(z_batch(g, 2)))
        t = g.truncate(ws, 0.5, cutoff=2)
        assert torch.equal(t[:, 2:], ws[:, 2:])
        assert torch.allclose(t[:, :2], g.latent_avg + 0.5 * (ws[:, :2] - g.latent_avg))
        assert torch.equal(g.truncate(ws, 1.0), ws)
        full = g.truncate(ws, 0.5)
        assert torch.allclose(full, g.latent_avg + 0.5 * (ws - g.latent_avg))
        z = z_batch(g, 2)
        assert torch.equal(g(z, psi=0.5, cutoff=2), g.synthesis(g.truncate(g.broadcast_w(g.mapping(z)), 0.5, 2)))
        assert not torch.allclose(g(z, psi=0.5, cutoff=2), g(z, psi=0.5))


def test_mean_latent(model):
    g = model.generator
    with torch.no_grad():
        a = g.mean_latent(64, torch.Generator().manual_seed(5), batch_size=10)
        assert a.shape == (16,)
        assert torch.allclose(a, g.latent_avg, atol=1e-6)  # the fixture set latent_avg from the same z
        z = g.sample_latent(64, torch.Generator().manual_seed(5))
        assert torch.allclose(a, g.mapping(z).mean(0), atol=1e-6)
        # EMA tracking from a batch of w
        before = g.latent_avg.clone()
        w = g.mapping(z_batch(g, 8))
        try:
            after = g.update_latent_avg(w=w, beta=0.9)
            assert torch.allclose(after, 0.9 * before + 0.1 * w.mean(0), atol=1e-6)
        finally:
            g.latent_avg.copy_(before)


def test_style_mixing(model):
    g = model.generator
    with torch.no_grad():
        w_rows, w_cols = g.mapping(z_batch(g, 2, seed=1)), g.mapping(z_batch(g, 2, seed=2))
        all_layers = list(range(g.n_latent))
        assert torch.equal(g.synthesis(g.style_mix(w_rows, w_cols, all_layers)), g(w_cols, input_is_w=True))
        assert torch.equal(g.synthesis(g.style_mix(w_rows, w_cols, [])), g(w_rows, input_is_w=True))
        coarse = g.style_mix(w_rows, w_cols, g.layer_groups()["coarse"])
        assert torch.equal(coarse[:, :4], g.broadcast_w(w_cols)[:, :4])
        assert torch.equal(coarse[:, 4:], g.broadcast_w(w_rows)[:, 4:])
        # a single row mixed with several columns broadcasts
        assert g.style_mix(w_rows[:1], w_cols, [0]).shape == (2, g.n_latent, 16)
    with pytest.raises(ValueError, match="layer indices"):
        g.style_mix(w_rows, w_cols, [g.n_latent])


@pytest.mark.parametrize("upsample,demodulate", [(False, True), (True, True), (False, False)])
def test_modulated_conv_equals_per_sample_weights(upsample, demodulate):
    # The published definition: one modulated (and demodulated) weight per sample, grouped convolution.
    torch.manual_seed(0)
    conv = ModulatedConv2d(4, 5, 3, 6, demodulate=demodulate, upsample=upsample)
    x, w = torch.randn(2, 4, 8, 8), torch.randn(2, 6)
    s = conv.modulation(w)  # [B, in]
    weight = conv.scale * conv.weight * s[:, None, :, None, None]  # [B, out, in, k, k]
    if demodulate:
        weight = weight * torch.rsqrt(weight.pow(2).sum([2, 3, 4]) + 1e-8)[:, :, None, None, None]
    xs = x.reshape(1, 8, 8, 8)
    if upsample:
        wt = weight.transpose(1, 2).reshape(8, 5, 3, 3)  # [B*in, out, k, k]
        ref = F.conv_transpose2d(xs, wt, stride=2, groups=2).view(2, 5, 17, 17)
        ref = conv.blur(ref)
    else:
        ref = F.conv2d(xs, weight.reshape(10, 4, 3, 3), padding=1, groups=2).view(2, 5, 8, 8)
    with torch.no_grad():
        out = conv(x, w)
    assert out.shape == ref.shape == (2, 5, 16 if upsample else 8, 16 if upsample else 8)
    assert torch.allclose(out, ref.detach(), atol=1e-5)


def test_upfirdn2d():
    x = torch.randn(1, 2, 5, 5)
    last = torch.tensor([[0.0, 0.0], [0.0, 1.0]])
    assert torch.equal(upfirdn2d(x, last, pad=(0, 1)), x)  # identity: a true convolution's last tap is no delay
    delayed = upfirdn2d(x, last, pad=(1, 0))
    assert torch.equal(delayed[:, :, 1:, 1:], x[:, :, :-1, :-1]) and delayed[:, :, 0].abs().sum() == 0
    # zero insertion then a 1-tap kernel puts each pixel at even positions
    up = upfirdn2d(x, torch.ones(1, 1), up=2)
    assert up.shape == (1, 2, 10, 10) and torch.equal(up[:, :, ::2, ::2], x) and up[:, :, 1::2].abs().sum() == 0
    assert torch.equal(upfirdn2d(x, torch.ones(1, 1), down=2), x[:, :, ::2, ::2])
    assert upfirdn2d(x, torch.ones(1, 1), pad=(-1, -1)).shape == (1, 2, 3, 3)
    # the RGB-skip upsampler keeps a constant image constant away from the borders
    const = torch.full((1, 3, 8, 8), 0.7)
    y = Upsample([1, 3, 3, 1])(const)
    assert y.shape == (1, 3, 16, 16)
    assert torch.allclose(y[:, :, 2:-2, 2:-2], torch.full_like(y[:, :, 2:-2, 2:-2], 0.7))


@pytest.mark.parametrize("blur", [(1, 3, 3, 1), (1, 2, 1), (1, 1)])
def test_other_blur_kernels(blur):
    m = tiny_model(blur_kernel=list(blur))
    assert m.config.blur_kernel == blur
    with torch.no_grad():
        x = m.generator(z_batch(m.generator, 2))
        assert x.shape == (2, 3, 16, 16)
        assert m.modules["discriminator"](x).shape == (2,)


@pytest.mark.parametrize("bad", [
    dict(image_size=48), dict(image_size=4), dict(image_size=2048), dict(style_dim=0), dict(n_mlp=0),
    dict(channel_multiplier=0), dict(channel_max=-1), dict(channel_base=1), dict(channels=0),
    dict(blur_kernel=[]), dict(blur_kernel=["a"]), dict(lr_mlp=0), dict(style_dim=1.5), dict(image_size=True),
])
def test_bad_configs_are_refused(bad):
    with pytest.raises(ConfigError):
        StyleGAN2Config.from_dict(dict(TINY, **bad))


def test_bad_latents_are_refused(model):
    g = model.generator
    with pytest.raises(ValueError, match="z must be"):
        g(torch.randn(2, 7))
    with pytest.raises(ValueError, match="W\\+"):
        g.synthesis(torch.randn(2, 3, 16))


def test_roundtrip_and_golden(tmp_path):
    m = tiny_model()
    z = z_batch(m.generator, 2, seed=0)

    def run(mm):
        g = mm.generator
        const = g(z, psi=0.7, cutoff=4)
        rand = g(z, noise_mode="random", noise_generator=torch.Generator().manual_seed(0))
        return torch.stack([const, rand])  # [2, B, 3, 16, 16]

    out = assert_roundtrip(m, run, tmp_path)
    assert_golden("stylegan2", out)
