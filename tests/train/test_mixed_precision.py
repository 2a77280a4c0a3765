"""bf16 autocast (``--amp``): every family trains a few steps under CPU autocast, the same code path as
mixed precision on CUDA, and its weights stay float32."""

import pytest
import torch

from ganstudio import load_folder
from ganstudio.train import run, trainable_families, trainer_for
from ganstudio.train import cli
from ganstudio.train import common
from ganstudio.train.common import amp_enabled
from tests.train import test_conditional, test_progan, test_stargan, test_stylegan2, test_translation
from tests.train import test_toy, test_unconditional
from tests.train.tiny_emoji import tiny_emoji, tiny_emoji_root  # noqa: F401 (fixtures)
from tests.train.tools import TinyImages, all_finite, spying, use_dataset


def tiny_opts(tmp_path, family, **kw):
    """The tiny run each family's own test module uses."""
    if family in ("dcgan", "mlp"):
        extra = {} if family == "dcgan" else {"family": "mlp", "model": {"g_hidden": [16], "d_hidden": [16], "latent_dim": 8}}
        return test_unconditional.opts(tmp_path, **{**extra, **kw})
    if family in test_conditional.TINY:
        return test_conditional.opts(tmp_path, family, **kw)
    if family in test_translation.CASES:
        return test_translation.opts(tmp_path, family, **kw)
    return {"progan": test_progan.opts, "stylegan2": test_stylegan2.opts, "stargan": test_stargan.opts,
            "toy": test_toy.opts}[family](tmp_path, **kw)


def dtype_recorder(trainer_class):
    """A spying trainer that records the dtype of every floating tensor each model module (or any of its
    submodules: StyleGAN2 calls mapping and synthesis directly) outputs."""
    spy = spying(trainer_class)

    class Recorder(spy):  # type: ignore[misc, valid-type]
        dtypes: dict[str, set[torch.dtype]] = {}

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            type(self).dtypes = {}
            for name, module in self.model.modules.items():
                for sub in module.modules():
                    sub.register_forward_hook(self._hook(name))

        @classmethod
        def _hook(cls, name):
            def record(module, inputs, output):
                outs = output if isinstance(output, (tuple, list)) else (output,)
                cls.dtypes.setdefault(name, set()).update(
                    o.dtype for o in outs if isinstance(o, torch.Tensor) and o.is_floating_point())
            return record

    return Recorder


def test_amp_modes(monkeypatch):
    cpu, cuda = torch.device("cpu"), torch.device("cuda")
    assert amp_enabled("auto", cuda) and not amp_enabled("auto", cpu)
    # on the CPU, "auto" is bf16 only for a checked family (cpu_auto) and only with native bf16 units
    for native in (True, False):
        monkeypatch.setattr(common, "cpu_has_bf16", lambda native=native: native)
        assert amp_enabled("auto", cpu, cpu_auto=True) is native
        assert not amp_enabled("auto", cpu, cpu_auto=False)
        assert not amp_enabled("off", cpu, cpu_auto=True) and amp_enabled("bf16", cpu)
    assert amp_enabled("bf16", cpu) and amp_enabled("bf16", cuda)
    assert not amp_enabled("off", cuda)
    assert amp_enabled(True, cuda) and not amp_enabled(False, cuda)  # options saved by older runs
    with pytest.raises(ValueError, match="unknown amp mode"):
        amp_enabled("fp8", cpu)


def test_cli_amp_options():
    assert cli.parser().parse_args(["dcgan", "--data", "mnist"]).amp == "auto"
    assert cli.parser().parse_args(["dcgan", "--data", "mnist", "--amp", "bf16"]).amp == "bf16"
    assert cli.parser().parse_args(["dcgan", "--data", "mnist", "--no-amp"]).amp == "off"


@pytest.mark.parametrize("family", sorted(trainable_families()))
def test_every_family_trains_under_bf16_autocast(tmp_path, monkeypatch, tiny_emoji, family):
    if family in ("progan", "stylegan2"):
        use_dataset(monkeypatch, TinyImages(n=8, size=16))
    recorder = dtype_recorder(trainer_for(family))
    folder = run(tiny_opts(tmp_path, family, steps=2, amp="bf16"), recorder, quiet=True)
    # the losses stayed finite and the networks really ran in bf16 (a generator and a discriminator at least)
    assert all_finite(recorder.stats), recorder.stats
    in_bf16 = {name for name, dtypes in recorder.dtypes.items() if torch.bfloat16 in dtypes}
    assert any("generator" in n for n in in_bf16) and any("discriminator" in n for n in in_bf16), recorder.dtypes
    # the weights, the exported ones too, are still float32
    model = load_folder(folder)
    for name, module in model.modules.items():
        assert {p.dtype for p in module.parameters()} == {torch.float32}, name


@pytest.mark.parametrize("family, amp", [("dcgan", "off"), ("mlp", "auto"), ("pix2pix", "auto")])
def test_without_amp_the_cpu_run_stays_float32(tmp_path, tiny_emoji, family, amp):
    # "auto" on the CPU: fp32 for families whose CPU bf16 training has not been checked
    recorder = dtype_recorder(trainer_for(family))
    run(tiny_opts(tmp_path, family, steps=1, amp=amp), recorder, quiet=True)
    assert recorder.dtypes and all(d == {torch.float32} for d in recorder.dtypes.values()), recorder.dtypes


@pytest.mark.parametrize("native", [True, False])
def test_auto_amp_on_the_cpu_follows_native_bf16(tmp_path, monkeypatch, native):
    monkeypatch.setattr(common, "cpu_has_bf16", lambda: native)
    recorder = dtype_recorder(trainer_for("dcgan"))
    run(tiny_opts(tmp_path, "dcgan", steps=1), recorder, quiet=True)  # amp "auto"
    in_bf16 = {name for name, dtypes in recorder.dtypes.items() if torch.bfloat16 in dtypes}
    assert in_bf16 == ({"generator", "discriminator"} if native else set()), recorder.dtypes
