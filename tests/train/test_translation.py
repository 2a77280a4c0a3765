"""pix2pix, CycleGAN, DiscoGAN and SPADE trainers on a tiny synthetic emoji cache (32 px, 4-channel nets)."""

import math

import numpy as np
import pytest
import torch
from PIL import Image

from ganstudio import load_folder
from ganstudio.checkpoint import new_model
from ganstudio.data import emoji
from ganstudio.inference import translate
from ganstudio.train import TrainOptions, run, trainable_families, trainer_for
from ganstudio.train import cli
from ganstudio.train.common import build_dataset
from ganstudio.train.recipes import RECIPES
from ganstudio.train.translation import ImagePool, segmap_to_image
from tests.train.tiny_emoji import log_values, tiny_emoji, tiny_emoji_root  # noqa: F401 (fixtures)

UNPAIRED = {"data_args": {"unpaired": True}}
CASES = {
    # family: (dataset, tiny config, params)
    "pix2pix": ("emoji-edges", {"num_downs": 5, "ngf": 4, "ndf": 4, "n_layers_D": 2}, {}),
    "cyclegan": ("emoji-noto2openmoji", {"ngf": 4, "ndf": 4, "n_blocks": 1, "n_layers_D": 2}, UNPAIRED),
    "discogan": ("emoji-noto2openmoji", {"ngf": 4, "ndf": 4}, UNPAIRED),
    "spade": ("emoji-labels", {"ngf": 4, "ndf": 4, "spade_hidden": 8, "num_upsampling": 3, "n_layers_D": 2}, {}),
}


def opts(tmp_path, family, **kw):
    data, model, params = CASES[family]
    base = dict(family=family, data=data, out=str(tmp_path / "run"), loss=trainer_for(family).default_loss,
                steps=3, batch_size=4, model=model, params=params, image_size=32, log_every=1, sample_every=100,
                checkpoint_every=100, threads=1)
    base.update(kw)
    return TrainOptions(**base)


def test_registered():
    for family in CASES:
        assert family in trainable_families()
    assert trainer_for("pix2pix").default_loss == "nonsaturating"
    assert trainer_for("cyclegan").default_loss == "lsgan"
    assert trainer_for("spade").default_loss == "hinge"


@pytest.mark.parametrize("family", list(CASES))
def test_trains_exports_translates_and_resumes(tmp_path, tiny_emoji, family):
    trainer = trainer_for(family)
    initial = load_folder(run(opts(tmp_path, family, steps=0), trainer, quiet=True))  # export of the init
    folder = run(opts(tmp_path, family, steps=3), trainer, quiet=True)
    model = load_folder(folder)
    # 1. finite losses, logged every step; the weights moved
    values = log_values(tmp_path / "run" / "log.txt")
    assert len(values) == 3 and all(math.isfinite(v) for row in values for v in row)
    for name, module in initial.modules.items():
        before, after = dict(module.named_parameters()), dict(model.modules[name].named_parameters())
        assert any(not torch.equal(before[k], after[k]) for k in before), f"{name} did not change"
    # 2. the exported folder describes itself and translates
    assert model.config.image_size == 32 and model.meta.training["steps"] == 3
    # batch norm trained at batch 4: the model asks for its stored statistics; instance norm has none
    assert model.meta.translate_mode == {"pix2pix": "eval", "spade": "eval", "discogan": "eval",
                                         "cyclegan": None}[family]
    assert model.meta.training["loss"] == trainer.default_loss and model.meta.domains
    img = Image.fromarray(emoji.load_emoji(32).images[0, 0])  # [32, 32, 3] uint8
    if family == "spade":
        img = Image.fromarray(emoji.colorize_regions(emoji.load_emoji(32).regions[0, 0]))
        assert model.meta.palette == emoji.PALETTE
    out = translate(model, img)
    assert out.output.size == (32, 32)
    if family in ("cyclegan", "discogan"):
        assert set(model.modules) == {"generator", "generator_ba", "discriminator", "discriminator_ba"}
        assert translate(model, img, direction="BA").output.size == (32, 32)
    # 3. sample grid: one row per held-out item (3 test sequences; 6 items with both designs)
    grid = Image.open(folder / "samples.png")
    rows = 2 * (3 // 2) if family in ("cyclegan", "discogan") else 6
    assert grid.size == (3 * 32 + 4 * 2, rows * 32 + (rows + 1) * 2)
    # 4. resume: two more steps continue from step 3
    folder = run(opts(tmp_path, family, steps=5), trainer, quiet=True)
    log = (tmp_path / "run" / "log.txt").read_text().splitlines()
    assert [line.split("]")[0] for line in log] == ["[1/3", "[2/3", "[3/3", "[4/5", "[5/5"]
    assert load_folder(folder).meta.training["steps"] == 5


def test_cyclegan_resume_is_exact(tmp_path, tiny_emoji):
    """2 + 2 steps with a restart equals 4 straight: the image pools and random streams are restored."""
    tr = trainer_for("cyclegan")
    run(opts(tmp_path / "a", "cyclegan", steps=2, checkpoint_every=1), tr, quiet=True)
    a = run(opts(tmp_path / "a", "cyclegan", steps=4, checkpoint_every=1), tr, quiet=True)
    b = run(opts(tmp_path / "b", "cyclegan", steps=4, checkpoint_every=1), tr, quiet=True)
    for name in ("generator", "generator_ba", "discriminator", "discriminator_ba"):
        sa, sb = load_folder(a).modules[name].state_dict(), load_folder(b).modules[name].state_dict()
        for k in sa:
            assert torch.allclose(sa[k], sb[k], atol=1e-6), (name, k)


def test_cyclegan_pools_restored_on_rank_0_and_fresh_on_other_ranks(tmp_path, tiny_emoji):
    """Only rank 0's pools are saved; another process resuming must not take rank 0's fakes as its own."""
    from ganstudio.checkpoint import new_model
    from ganstudio.train.common import Batches, load_state

    tr = trainer_for("cyclegan")
    run(opts(tmp_path, "cyclegan", steps=2, checkpoint_every=1), tr, quiet=True)
    saved = torch.load(tmp_path / "run" / "train_state.pt", weights_only=True)["extra"]["pool_a"]["images"]
    assert len(saved) == 8  # batch 4 x 2 steps

    def resumed(rank: int):
        o = opts(tmp_path, "cyclegan", steps=4)
        ds = build_dataset(o)
        model = new_model("cyclegan", dict(CASES["cyclegan"][1], image_size=32))
        trainer = tr(model, o, ds.info, torch.device("cpu"))
        batches = Batches(ds, 4, seed=0)
        monkey = pytest.MonkeyPatch()
        monkey.setattr("ganstudio.train.common.current_rank", lambda: rank)
        try:
            load_state(tmp_path / "run", trainer, batches)
        finally:
            monkey.undo()
        return trainer

    rank0, rank1 = resumed(0), resumed(1)
    assert len(rank0.pool_a) == 8 and torch.equal(torch.stack(rank0.pool_a.images), saved)
    assert len(rank1.pool_a) == len(rank1.pool_b) == 0 and rank1.pool_a.size == rank0.pool_a.size


def test_pix2pix_logs_l1_and_cyclegan_cycle(tmp_path, tiny_emoji):
    run(opts(tmp_path / "p", "pix2pix", steps=1), trainer_for("pix2pix"), quiet=True)
    assert " l1: " in (tmp_path / "p" / "run" / "log.txt").read_text()
    run(opts(tmp_path / "c", "cyclegan", steps=1), trainer_for("cyclegan"), quiet=True)
    line = (tmp_path / "c" / "run" / "log.txt").read_text()
    assert "cycle_l1: " in line and "idt: " in line


@pytest.mark.parametrize("family,loss,extra", [
    ("pix2pix", "wgan-gp", {}),  # critic on pairs, penalty, 5 critic steps
    ("spade", "wgan-gp", {"z_dim": 4}),  # penalty through every scale; fresh z each step
    ("cyclegan", "wgan", {}),  # clipping of both discriminators
])
def test_other_losses(tmp_path, tiny_emoji, family, loss, extra):
    o = opts(tmp_path, family, loss=loss, steps=1)
    o.model = {**o.model, **extra}
    model = load_folder(run(o, trainer_for(family), quiet=True))
    assert model.meta.training["loss"] == loss
    assert all(math.isfinite(v) for row in log_values(tmp_path / "run" / "log.txt") for v in row)
    if loss == "wgan":
        for name in ("discriminator", "discriminator_ba"):
            assert max(p.abs().max().item() for p in model.modules[name].parameters()) <= 0.01 + 1e-7


def test_data_args_reach_the_dataset(tiny_emoji):
    o = TrainOptions(family="cyclegan", data="emoji-noto2openmoji", out="", image_size=32, params=UNPAIRED)
    train, test = build_dataset(o), build_dataset(o, split="test")
    assert train.info.extra["unpaired"] and len(train) == 8 and len(test) == 3


def test_pix2pix_on_a_paired_folder_through_the_cli(tmp_path):
    """A folder without a test/ sub-folder: grids show training items; the CLI passes --param through."""
    rng = np.random.default_rng(0)
    root = tmp_path / "pairs"
    root.mkdir()
    for i in range(4):
        Image.fromarray(rng.integers(0, 255, (32, 64, 3), dtype=np.uint8)).save(root / f"{i}.png")
    argv = ["pix2pix", "--data", str(root), "--out", str(tmp_path / "run"), "--steps", "2", "--batch-size", "2",
            "--image-size", "32", "--set", "num_downs=5", "--set", "ngf=4", "--set", "ndf=4",
            "--param", "folder_kind=paired-folder", "--param", "lambda_l1=10", "--threads", "1", "--quiet"]
    assert cli.main(argv) == 0
    model = load_folder(tmp_path / "run" / "model")
    assert model.meta.training["params"]["lambda_l1"] == 10


def test_image_pool():
    g = torch.Generator().manual_seed(0)
    assert torch.equal(ImagePool(0).query(torch.ones(3, 1, 2, 2), g), torch.ones(3, 1, 2, 2))  # off
    pool = ImagePool(4)
    first = torch.arange(4.0).view(4, 1, 1, 1)
    assert torch.equal(pool.query(first, g), first) and len(pool) == 4  # filling: returned as given
    new = torch.full((64, 1, 1, 1), 100.0)
    out = pool.query(new, g)
    old = out[out < 100]
    # about half come from the history, each old image at most once (it is replaced when returned)
    assert out.shape == new.shape and 1 <= len(old) <= 4 and len(set(old.tolist())) == len(old)
    assert len(pool) == 4 and sum(float(t) == 100.0 for t in pool.images) == len(old)
    # state round trip (the training state holds it), and the same draws give the same answer
    copy = ImagePool(1)
    copy.load_state_dict(pool.state_dict())
    assert copy.size == 4 and all(torch.equal(a, b) for a, b in zip(copy.images, pool.images))
    x = torch.randn(8, 1, 1, 1)
    assert torch.equal(pool.query(x, torch.Generator().manual_seed(1)), copy.query(x, torch.Generator().manual_seed(1)))
    with pytest.raises(ValueError):
        ImagePool(-1)


def test_segmap_to_image_uses_the_palette():
    palette = [{"name": "bg", "color": [255, 255, 255]}, {"name": "red", "color": [255, 0, 0]}]
    onehot = torch.zeros(1, 2, 2, 2)
    onehot[0, 0] = 1
    onehot[0, :, 0, 0] = torch.tensor([0.0, 1.0])
    rgb = segmap_to_image(onehot, palette)  # [1, 3, 2, 2] in [-1, 1]
    assert rgb[0, :, 0, 0].tolist() == [1.0, -1.0, -1.0] and rgb[0, :, 1, 1].tolist() == [1.0, 1.0, 1.0]


def test_recipes_parse():
    """Every translation recipe names a registered trainer and parses with the training CLI."""
    names = [n for n in RECIPES if RECIPES[n][0] in CASES or RECIPES[n][0] == "stargan"]
    assert {"pix2pix-emoji-sketch", "cyclegan-noto-openmoji", "stargan-emoji-people"} <= set(names)
    for name in names:
        args = cli.parser().parse_args(RECIPES[name])
        assert args.family in trainable_families() and args.data in ("emoji-edges", "emoji-labels", "emoji-noto2openmoji",
                                                          "emoji-people")


def test_pix2pix_trained_one_image_at_a_time_keeps_the_per_image_default(tmp_path, tiny_emoji):  # noqa: F811
    """At batch 1 the running statistics follow single images: no stored-statistics default (the paper's set-up)."""
    model = load_folder(run(opts(tmp_path, "pix2pix", steps=1, batch_size=1), trainer_for("pix2pix"), quiet=True))
    assert model.meta.translate_mode is None


def test_discogan_feature_matching_compares_batch_means(tmp_path, tiny_emoji):
    o = opts(tmp_path, "discogan", params={**UNPAIRED, "lambda_feat": 1.0})
    trainer = trainer_for("discogan")(new_model("discogan", {"ngf": 4, "ndf": 4, "image_size": 32}), o, None,
                                      torch.device("cpu"))
    real = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(0)) * 2 - 1
    # the same batch, in any order, has the same mean activations: nothing to match
    assert trainer.g_adversarial(trainer.D_b, real, real)[1].item() == 0
    assert trainer.g_adversarial(trainer.D_b, real.flip(0), real)[1].item() < 1e-10
    fake = (real * 0.5).requires_grad_(True)
    _, feat = trainer.g_adversarial(trainer.D_b, fake, real)
    feat.backward()
    assert feat.item() > 0 and fake.grad.abs().sum() > 0
    # off by default: the paper's loss
    plain = trainer_for("discogan")(new_model("discogan", {"ngf": 4, "ndf": 4, "image_size": 32}),
                                    opts(tmp_path, "discogan"), None, torch.device("cpu"))
    assert plain.g_adversarial(plain.D_b, fake, real)[1].item() == 0


def test_discogan_logs_feature_matching(tmp_path, tiny_emoji):
    run(opts(tmp_path, "discogan", steps=2, params={**UNPAIRED, "lambda_feat": 1.0}), trainer_for("discogan"),
        quiet=True)
    text = (tmp_path / "run" / "log.txt").read_text()
    assert " feat: " in text
    assert all(math.isfinite(v) for row in log_values(tmp_path / "run" / "log.txt") for v in row)
