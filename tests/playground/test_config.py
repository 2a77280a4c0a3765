"""ganstudio.playground.config: validation, the losses' starting settings, the toy family's names."""

import pytest

from ganstudio import losses, playground as pg


def test_config_validation_and_loss_defaults():
    gp = pg.PlaygroundConfig.for_loss("wgan-gp")
    spec = losses.LOSS_SPECS["wgan-gp"]
    assert (gp.optimizer, gp.betas, gp.n_critic) == (spec.optimizer, spec.betas, spec.n_critic)
    assert pg.loss_defaults("wgan")["optimizer"] == "rmsprop"
    for bad in (dict(data="swiss"), dict(loss="vanilla"), dict(lr_g=1.0), dict(batch_size=8), dict(g_hidden=()),
                dict(d_features="moments"), dict(data="gaussian", d_features="moments", batch_size=48),
                dict(std=0.0), dict(latent_dim=0)):
        with pytest.raises(pg.PlaygroundError):
            pg.PlaygroundConfig(**bad)
    c = pg.config_from_settings("gaussian", "hinge", "sgd", 1e-3, 2e-3, 2, 128, 32, 2, 7, 1.0, 0.5, "moments")
    assert (c.g_hidden, c.d_hidden, c.seed, c.mean, c.d_features, c.lr_d) == \
        ((32, 32), (32, 32), 7, 1.0, "moments", 2e-3)
    assert pg.config_from_settings(data="ring", d_features="moments").d_features == "raw"  # moments are 1-D only
    assert pg.PlaygroundConfig.from_dict(c.to_dict()) == c


def test_settings_use_the_toy_familys_names_and_old_saved_settings_still_load():
    old = dict(data="gaussian", loss="lsgan", hidden=[32, 32], z_dim=3, d_input="moments", batch_size=128)
    c = pg.PlaygroundConfig.from_dict(old)
    assert (c.g_hidden, c.d_hidden, c.latent_dim, c.d_features) == ((32, 32), (32, 32), 3, "moments")
    with pytest.raises(pg.PlaygroundError, match="unknown playground settings"):
        pg.PlaygroundConfig.from_dict({"z_size": 2})
    model = c.toy_config()
    assert (model.dim, model.latent_dim, model.g_hidden, model.d_features) == (1, 3, (32, 32), "moments")


def test_a_run_trains_the_toy_familys_networks():
    """The run's G and D are the toy family's (same classes, same state-dict keys and shapes)."""
    from ganstudio.checkpoint import new_model

    cfg = pg.PlaygroundConfig.for_loss("hinge", data="ring", latent_dim=3, g_hidden=(16, 8), d_hidden=(8,))
    run = pg.PlaygroundRun(cfg)
    model = new_model("toy", cfg.toy_config())
    for mine, family in ((run.G, model.generator), (run.D, model.modules["discriminator"])):
        assert type(mine) is type(family)
        assert {k: v.shape for k, v in mine.state_dict().items()} == \
            {k: v.shape for k, v in family.state_dict().items()}
