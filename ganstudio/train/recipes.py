"""The exact commands that train every bundled model: ``python -m ganstudio recipe NAME [--steps N]``.

Each recipe trains into ``runs/NAME`` (resumable: run it again to continue) and copies the exported
model to ``checkpoints/NAME``. ``python -m ganstudio recipe --list`` shows them all.
"""

from __future__ import annotations

import argparse
import json
import shlex
from pathlib import Path

import torch

from . import cli

SMALL_DC = ["--set", "ngf=32", "--set", "ndf=32", "--set", "latent_dim=64"]
MLP = ["mlp", "--data", "mnist", "--loss", "nonsaturating", "--batch-size", "64", "--set", "g_hidden=[256,512,1024]",
       "--set", "g_batchnorm=true", "--name", "Vanilla GAN (MLP) - MNIST digits"]
PROGAN = ["progan", "--data", "emoji", "--image-size", "64", "--loss", "wgan-gp", "--batch-size", "16",
          "--set", "fmap_base=512", "--set", "fmap_max=128", "--set", "latent_dim=128", "--param", "phase_steps=2000",
          "--param", "epsilon_drift=0.001", "--sample-every", "1000", "--checkpoint-every", "1000"]
PROGAN_FACES = [*PROGAN, "--param", 'data_args={"categories": ["face"]}', "--param", "diffaug=translation,cutout",
                "--name", "Progressive GAN - face emoji, 64 px"]
STYLEGAN2 = ["stylegan2", "--data", "emoji", "--image-size", "64", "--loss", "nonsaturating", "--batch-size", "16",
             "--set", "channel_multiplier=1", "--set", "channel_base=1024", "--set", "channel_max=128",
             "--set", "style_dim=128", "--set", "n_mlp=4", "--param", "r1_gamma=0.05", "--param", "mixing_prob=0.9",
             "--sample-every", "1000", "--checkpoint-every", "1000"]
DISCOGAN = ["discogan", "--data", "emoji-noto2openmoji", "--param", 'data_args={"unpaired": true}', "--loss",
            "nonsaturating", "--batch-size", "16", "--set", "ngf=16", "--set", "ndf=16", "--param", "lambda_rec=10",
            "--param", "lambda_feat=10", "--checkpoint-every", "1000", "--name", "DiscoGAN - Noto Color Emoji to OpenMoji"]
STYLEGAN2_WGAN = [*STYLEGAN2, "--param", 'data_args={"categories": ["face"]}', "--loss", "wgan-gp", "--n-critic", "1",
                  "--param", "r1_gamma=0", "--param", "epsilon_drift=0.001", "--name", "StyleGAN2 - face emoji, 64 px"]
STARGAN = ["stargan", "--data", "emoji-people", "--param",
           'data_args={"attributes": ["light", "medium-light", "medium", "medium-dark", "dark", "openmoji"]}',
           "--loss", "wgan-gp", "--batch-size", "8", "--set", "conv_dim=16", "--set", "repeat_num=4",
           "--set", "d_conv_dim=16", "--set", "d_repeat_num=5", "--param", "lambda_cls=1", "--param", "lambda_rec=10"]

RECIPES: dict[str, list[str]] = {
    # Vanilla GAN: G 100 -> 256 -> 512 -> 1024 -> 784 with batch norm (no dropout in G: samples are drawn in
    # eval mode), D 784 -> 512 -> 256 -> 1 with dropout 0.3. ~0.05 s/step at batch 64 on one free core.
    # Without batch norm and with G dropout, 6,000 steps gave FD 175 and mostly 1s.
    # Stage 1 (PRETRAIN) to 10,000 steps: FD 30.5, recall 0.53 (real-vs-real 0.89). Stage 2 (PRETRAIN) continues
    # to 30,000 with the learning rates linearly to 0 from 20,000: FD 9.4, recall 0.73, precision 0.79 (eval
    # seed 0). Stage 3, the rates back up to 40,000, then linearly to 0 at 50,000. Over eval seeds 0-9:
    # FD 10.55 -> 9.70 (lower on 9 of 10 seeds), precision 0.799 -> 0.833 (higher on all 10), recall 0.752 -> 0.758.
    # A stage 4 of the same kind (to 70,000, decaying from 60,000) made it worse: FD 9.70 -> 11.02 (higher on
    # 9 of 10 seeds), precision 0.833 -> 0.836, recall 0.758 -> 0.753: not kept.
    "mlp-mnist": [*MLP, "--steps", "50000", "--lr-decay-from", "40000"],
    "dcgan-mnist": ["dcgan", "--data", "mnist", "--loss", "nonsaturating", "--steps", "4000", "--batch-size", "64",
                    *SMALL_DC, "--name", "DCGAN - MNIST digits"],
    "wgan-gp-mnist": ["dcgan", "--data", "mnist", "--loss", "wgan-gp", "--steps", "3000", "--batch-size", "64",
                      *SMALL_DC, "--set", "d_norm=layer", "--name", "WGAN-GP (DCGAN architecture) - MNIST digits"],
    "lsgan-mnist": ["dcgan", "--data", "mnist", "--loss", "lsgan", "--steps", "4000", "--batch-size", "64",
                    *SMALL_DC, "--name", "LSGAN (DCGAN architecture) - MNIST digits"],
    # Class-aware GANs on MNIST, DCGAN-sized (ngf / ndf 32). Each ~0.06-0.07 s/step at batch 64 on one free
    # core: 8,000 steps (114 epochs of the 4,500 digits) ~ 9 min, AC-GAN's 5,000 ~ 6 min. Target (cGAN,
    # AC-GAN): samples classified as the asked digit >= 95 % by the bundled MNIST classifier (measured:
    # cGAN 96.4 %, AC-GAN 97.8 %, `python -m ganstudio eval`).
    "cgan-mnist": ["cgan", "--data", "mnist", "--loss", "nonsaturating", "--steps", "8000", "--batch-size", "64",
                   *SMALL_DC, "--name", "Conditional GAN - MNIST digits"],
    "acgan-mnist": ["acgan", "--data", "mnist", "--loss", "nonsaturating", "--steps", "5000", "--batch-size", "64",
                    *SMALL_DC, "--param", "lambda_cls=1",
                    # D's class head learns from real digits only: trained on fakes too, it learned G's own
                    # glyphs as classes and G never had to draw real digits (47 % class accuracy at 8,000 steps)
                    "--param", "lambda_cls_fake=0", "--name", "AC-GAN - MNIST digits"],
    # InfoGAN: the paper's layout with narrower layers (fc 256, Q 64; 0.9 M parameters in G).
    "infogan-mnist": ["infogan", "--data", "mnist", "--loss", "nonsaturating", "--steps", "8000",
                      "--batch-size", "64", "--set", "ngf=32", "--set", "ndf=32", "--set", "fc_dim=256",
                      "--set", "q_dim=64", "--param", "lambda_cat=1", "--param", "lambda_cont=0.5",
                      "--name", "InfoGAN - MNIST digits (unsupervised codes)"],
    # SGAN: labels kept for 10 % of the digits (45 per class); D doubles as a classifier (94 % of the 500
    # held-out digits after 8,000 steps).
    "sgan-mnist": ["sgan", "--data", "mnist", "--loss", "nonsaturating", "--steps", "8000", "--batch-size", "64",
                   *SMALL_DC, "--param", "label_fraction=0.1", "--name", "Semi-supervised GAN - MNIST digits"],
    # ProGAN grown 4 -> 64 px: phases of 2,000 steps (fade, then stabilise, per resolution), 64 px from step
    # 14,000 (2,000 fade, then stable) to the end of stage 1 at step 20,000. Widths fmap_base 512 (128 at
    # 4-8 px, 64 / 32 / 16 at 16 / 32 / 64; G 0.85 M, 3.4 MB). WGAN-GP + drift, Adam 1e-3 (0, 0.99), one critic step. Batch 16, one free core:
    # ~0.1 / 0.25 / 0.4 / 0.65 s/step at 8 / 16 / 32 / 64 px: ~3 h for both stages.
    # Stages 1 and 2 (PRETRAIN): all emoji to step 20,000, then the same state fine-tuned on the face emoji
    # only (240 training images, to step 26,000), whose round yellow faces a small CPU-trained model can draw
    # recognisably. Stages 3 and 4 add DiffAugment translation and cutout to what D sees (against its
    # memorising 240 faces: the critic's real-fake gap fell from ~20 to ~5) and each run 3,000 steps, the rates
    # constant, then linearly to 0 over the last 1,000 (26,000 -> 29,000 -> 32,000; ~0.7 s/step on 2 threads).
    # Paired over eval seeds 0-99 (`eval NEW --seeds 0-99 --against OLD`, OLD the step-26,000 model):
    # at 32,000, FD 44.4 -> 41.2 (-3.1 +- 0.6), KID -0.068 -> -0.173, precision 0.773 -> 0.813 (+0.040 +- 0.005),
    # recall 0.705 -> 0.729 (+0.023 +- 0.007); at 29,000, FD -1.4 +- 0.6, precision +0.034 +- 0.005, recall
    # +0.013 +- 0.007. Translation alone for stage 3 gave much the same as translation and cutout at 29,000
    # (seeds 0-19: recall +0.020 / +0.021, precision +0.011 / +0.020).
    # Tried from the step-26,000 model and not kept: 2,000 steps with the rates decaying to 0 (FD mean
    # 45.1 -> 47.5, recall 0.708 -> 0.713 over eval seeds 0-4); 4,000 steps with DiffAugment flip only (rates
    # constant to 29,000, then to 0 at 30,000; seeds 0-19, paired: precision +0.021 +- 0.015, recall
    # -0.034 +- 0.017, FD 43.6 -> 43.5); 3,000 steps without DiffAugment (rates constant to 28,000, then to 0
    # at 29,000): FD 43.6 -> 48.0 (+4.4 +- 1.2, higher on 17 of 20 seeds), precision -0.017, recall +0.005.
    "progan-emoji": [*PROGAN_FACES, "--steps", "32000", "--lr-decay-from", "31000"],
    # StyleGAN2 at 64 px with small widths (channel_base 1024, channel_max 128: 128 / 128 / 64 / 32 / 16 at
    # 4..64 px), style_dim 128, 4 mapping layers (G 0.8 M, 3.2 MB). Non-saturating loss, lazy R1 every 16 steps
    # with gamma 0.05 (the StyleGAN2-ADA heuristic 0.0002 * 64^2 / batch 16), style mixing 0.9, EMA G exported.
    # ~0.4 s/step at batch 16 on one free core: 10,000 steps (both stages) ~ 70 min.
    # Stages 1 and 2 (PRETRAIN): all emoji to step 4,000, then the 240 face emoji only to step 10,000.
    # At 10,000: recognisable faces, nearly all alike: precision 0.93, recall 0.18 (real-vs-real 0.84 /
    # 0.90), FD 56.4. Continuing with DiffAugment (flip, translation, cutout) and R1 gamma 0.05 / 1 / 10
    # did not help (recall 0.08 / 0.03 / 0.05 after 2,000 / 1,500 / 1,500 steps), nor WGAN-GP with
    # DiffAugment (0.13). Stage 3 switches to ProGAN's loss -- WGAN-GP, one critic step, drift 0.001, no
    # R1 -- which after 1,500 steps gave recall 0.23, FD 47.0 and visibly more expressions; then to
    # step 16,000, the learning rates linearly to 0 from 14,000 (the bundled run added the drift term at
    # 11,500). Measured at 16,000: recall 0.64, precision 0.84, FD 46.9. ~0.45 s/step on 2 threads.
    # Stage 4 continues to 19,000, the rates back up to 18,000, then linearly to 0. Over eval seeds 0-4:
    # recall 0.618 -> 0.673 (higher on 4 of 5 seeds), precision 0.855 -> 0.870, FD 42.0 -> 44.5 (its sd over
    # the seeds is ~6). The same 2,000 steps decaying from 16,000 gave recall 0.635, FD 46.1: not kept.
    # A stage 5 of the same kind (to 23,000, the rates back up to 22,000, then to 0) changed nothing: over
    # eval seeds 0-19, paired, FD 43.3 -> 43.7, precision 0.845 -> 0.833, recall 0.674 -> 0.670: not kept.
    "stylegan2-emoji": [*STYLEGAN2_WGAN, "--steps", "19000", "--lr-decay-from", "18000"],
    # Translation and editing on the emoji data, 64 px. CPU times: one free core (--threads 1); with the two
    # cores shared by other jobs, wall-clock time is about 2.5x longer.
    # pix2pix: U-Net num_downs 6 (64 px reaches 1x1), ngf 16 (1.8 M parameters, 7 MB), 34-px PatchGAN
    # (n_layers_D 2). ~0.14 s/step at batch 16: 6,000 steps ~ 15 min. Target: held-out L1 <= half the L1 of
    # copying the sketch.
    "pix2pix-emoji-sketch": ["pix2pix", "--data", "emoji-edges", "--loss", "nonsaturating", "--steps", "6000",
                             "--batch-size", "16", "--set", "num_downs=6", "--set", "ngf=16", "--set", "ndf=32",
                             "--set", "n_layers_D=2", "--param", "lambda_l1=100",
                             "--name", "pix2pix - emoji from edge sketches"],
    # CycleGAN on unpaired Noto / OpenMoji (data_args unpaired: each Noto image meets a shuffled OpenMoji one).
    # ResNet generators ngf 16 with 6 blocks (0.5 M each), batch 1 as in the paper, which also keeps the
    # learning rate for the first half and decays it linearly to 0 over the second. ~0.14 s/step:
    # 25,000 steps (7 epochs) ~ 60 min. Targets: translations classified as the target design >= 90 %,
    # cycle L1 <= 0.05 on [0, 1] pixels (the log's cycle_l1 is in those units).
    "cyclegan-noto-openmoji": ["cyclegan", "--data", "emoji-noto2openmoji", "--param", 'data_args={"unpaired": true}',
                               "--loss", "lsgan", "--steps", "25000", "--lr-decay-from", "12500",
                               "--batch-size", "1", "--set", "ngf=16",
                               "--set", "ndf=32", "--set", "n_blocks=6", "--log-every", "500",
                               "--sample-every", "2500", "--checkpoint-every", "2500",
                               "--name", "CycleGAN - Noto Color Emoji to OpenMoji"],
    # DiscoGAN on the same unpaired data: encoder-decoder generators, batch 16. With the paper's equal weights
    # (lambda_rec 1, ngf 32) both generators collapsed to one blotchy pattern whatever the input (cycle L1
    # 0.18 / 0.22 on [0, 1] pixels, FD 187 vs 8.4 real-vs-real): the adversarial term (5-8) swamped the
    # reconstruction (~0.8). lambda_rec 10 puts the two on a par; widths 16 (as CycleGAN's) keep the four
    # networks at ~4 MB. Feature matching on D's blocks (lambda_feat 10, as the authors' code has it) made
    # every measure better: FD 63.9 -> 49.7, design accuracy 96.0 / 99.7 % -> 99.5 / 99.5 %, cycle L1
    # 0.098 / 0.115 -> 0.089 / 0.102. ~0.1 s/step on 2 free threads (10,000 steps ~ 16 min; 34 min on one
    # contended thread). The outputs keep the input's outline, in blotchy colours.
    # Stage 1 (PRETRAIN) is the run above, to step 10,000. Stages 2 and 3 continue it: the learning rates back at
    # 2e-4 to step 12,000, then linearly to 0 at 16,000: FD 49.7 -> 46.5, KID 0.67 -> 0.61, design accuracy
    # 99.5 / 99.5 % -> 99.7 / 99.2 %, cycle L1 0.089 / 0.102 -> 0.090 / 0.104 (held-out, deterministic).
    # A stage 4 of the same kind (the rates back up to 18,000, then to 0 at 20,000) did not help: FD 46.5 ->
    # 47.0, design accuracy 99.7 / 99.2 % -> 97.9 / 99.2 %: not kept.
    "discogan-noto-openmoji": [*DISCOGAN, "--steps", "16000", "--lr-decay-from", "12000"],
    # StarGAN on people emoji: the 5 skin tones (one group) and the design system (openmoji), the attributes
    # the emoji classifier reads on real held-out people emoji at 98 % / 100 %; man / woman is left out (the
    # classifier gets 74 % of real held-out people right, too weak a judge for a 90 % target).
    # G conv_dim 16 with 4 residual blocks (0.4 M), D d_conv_dim 16 with 5 stride-2 convs (64 px -> 2x2),
    # WGAN-GP with 5 critic steps on fresh batches, batch 8.
    # Stage 1 (PRETRAIN): 18,000 steps, learning rates constant to 10,500, then linearly to 0 (~0.5 s/step).
    # Its D read every training image's attributes right but held-out skin tones at 90 %, and G's edits
    # satisfied it (cls_fake 1.0) while the emoji classifier read 74 % of skin-tone and 60 % of design edits
    # as asked. Stage 2 continues with DiffAugment (flip, translation, cutout) on everything D sees, the
    # learning rates back at 1e-4 to step 23,000, then linearly to 0 (~0.4 s/step on 2 threads).
    # Target: edits carry the target attribute >= 90 % (the log's cls_fake is D's view of it).
    "stargan-emoji-people": [*STARGAN, "--param", "diffaug=flip,translation,cutout", "--steps", "28000",
                             "--lr-decay-from", "23000", "--name", "StarGAN - people emoji attributes"],
    # SPADE: label map -> emoji, the model's small defaults (ngf 16, 2.9 M; two 16-channel D scales), hinge
    # loss with the paper's learning rates (G 1e-4, D 4e-4) and feature matching; no VGG loss.
    # ~0.7 s/step at batch 16: 5,000 steps ~ 60 min.
    "spade-emoji-labels": ["spade", "--data", "emoji-labels", "--loss", "hinge", "--steps", "5000",
                           "--batch-size", "16", "--lr-g", "1e-4", "--lr-d", "4e-4", "--param", "lambda_feat=10",
                           "--name", "SPADE - emoji from region maps"],
    # Toy GAN on the playground's ring of 8 Gaussians: its networks (three hidden layers of 64), WGAN-GP with
    # the toy weight 0.1 and learning rate 3e-4, batch 256; ~0.02 s/step, 3,000 steps ~ 1 min on one core.
    # Measured: all 8 modes covered; with the non-saturating loss instead, 6 of 8 (the mode dropping the
    # playground shows).
    "toy-ring": ["toy", "--data", "toy-ring", "--loss", "wgan-gp", "--steps", "3000", "--batch-size", "256",
                 "--name", "Toy GAN - ring of 8 Gaussians (WGAN-GP)"],
}


# Earlier stages of a recipe, run in order in the same runs/NAME state before RECIPES[name]; a stage is
# skipped once the run (or the bundled checkpoint it would continue from) is past its --steps.
PRETRAIN: dict[str, list[list[str]]] = {
    "mlp-mnist": [[*MLP, "--steps", "10000"], [*MLP, "--steps", "30000", "--lr-decay-from", "20000"]],
    "discogan-noto-openmoji": [[*DISCOGAN, "--steps", "10000", "--lr-decay-from", "5000"], [*DISCOGAN, "--steps", "12000"]],
    # all 3,445 training emoji: 4 -> 64 px, then 64 px to step 20,000
    "progan-emoji": [[*PROGAN, "--steps", "20000", "--name", "Progressive GAN - emoji, 64 px"],
                     [*PROGAN, "--steps", "26000", "--param", 'data_args={"categories": ["face"]}',
                      "--name", "Progressive GAN - face emoji, 64 px"],
                     [*PROGAN_FACES, "--steps", "29000", "--lr-decay-from", "28000"]],
    "stylegan2-emoji": [[*STYLEGAN2, "--steps", "4000", "--name", "StyleGAN2 - emoji, 64 px"],
                        [*STYLEGAN2, "--steps", "10000", "--param", 'data_args={"categories": ["face"]}',
                         "--name", "StyleGAN2 - face emoji, 64 px"],
                        [*STYLEGAN2_WGAN, "--steps", "16000", "--lr-decay-from", "14000"]],
    "stargan-emoji-people": [[*STARGAN, "--steps", "18000", "--lr-decay-from", "10500",
                              "--name", "StarGAN - people emoji attributes"]],
}


def steps_of(args: list[str]) -> int:
    """The last ``--steps`` value of a training command."""
    return int([v for flag, v in zip(args, args[1:]) if flag == "--steps"][-1])


def steps_done(name: str, runs: Path = Path("runs"), checkpoints: Path = Path("checkpoints")) -> int:
    """Steps the recipe's training state has reached (else the bundled checkpoint's, else 0)."""
    state = runs / name / "train_state.pt"
    if state.is_file():
        # mmap: only the step is read, not the tensors of the whole state
        return int(torch.load(state, map_location="cpu", weights_only=True, mmap=True)["step"])
    config = checkpoints / name / "config.json"
    if config.is_file():
        return int(json.loads(config.read_text())["meta"].get("training", {}).get("steps", 0))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m ganstudio recipe", description=__doc__)
    p.add_argument("names", nargs="*", help="recipes to run, in order")
    p.add_argument("--list", action="store_true")
    p.add_argument("--steps", type=int, help="override the recipe's step count")
    p.add_argument("--threads", type=int)
    p.add_argument("--device")
    args = p.parse_args(argv)
    if args.list or not args.names:
        for name, rec in RECIPES.items():
            stages = [*PRETRAIN.get(name, []), rec]
            for k, stage in enumerate(stages):
                label = name if k == 0 else f"  then (stage {k + 1})"
                print(f"{label:<24} python -m ganstudio train {shlex.join(stage)}")
        return 0
    for name in args.names:
        if name not in RECIPES:
            p.error(f"unknown recipe {name!r}; see --list")
        # continue from the bundled checkpoint when this machine has no training state for it
        extra = ["--out", f"runs/{name}", "--export-to", f"checkpoints/{name}", "--init-from", f"checkpoints/{name}",
                 "--quiet"]
        extra += ["--threads", str(args.threads)] if args.threads else []
        extra += ["--device", args.device] if args.device else []
        done = steps_done(name)
        for stage in PRETRAIN.get(name, []):  # --steps only overrides the last stage
            if done < steps_of(stage):
                cli.main(stage + extra)
                done = steps_of(stage)
        extra += ["--steps", str(args.steps)] if args.steps else []
        cli.main(RECIPES[name] + extra)
    return 0
