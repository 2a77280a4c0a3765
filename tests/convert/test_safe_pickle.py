"""The readers execute nothing from a file: weights-only torch loads, and an allowlist unpickler for NVIDIA pickles."""

from __future__ import annotations

import argparse
import builtins
import pickle

import pytest
import torch

from ganstudio.convert.safe_pickle import (PersistentObject, UnsafeCheckpointError, extract_network, load_nvlabs_pickle,
                                           load_torch_file)
from tests.convert.parity import EXEC_FLAG, load_fixture, make_weights, source_was_executed, write_nvlabs_pickle

FLAG = "_GANSTUDIO_TEST_REDUCE_RAN"


class RunsCode:
    """Unpickling this would run code (exec sets a flag)."""

    def __reduce__(self):
        return (exec, (f"import builtins; builtins.{FLAG} = True",))


@pytest.fixture(autouse=True)
def _clean_flags():
    for name in (FLAG, EXEC_FLAG):
        if hasattr(builtins, name):
            delattr(builtins, name)
    yield
    for name in (FLAG, EXEC_FLAG):
        if hasattr(builtins, name):
            delattr(builtins, name)


def test_plain_state_dict(tmp_path):
    sd = {"a.weight": torch.randn(2, 3), "a.bias": torch.zeros(2)}
    torch.save(sd, tmp_path / "x.pth")
    out = load_torch_file(tmp_path / "x.pth")
    assert torch.equal(out["a.weight"], sd["a.weight"])


@pytest.mark.parametrize("legacy", [False, True])
def test_argparse_namespace_is_allowed_and_nothing_else(tmp_path, legacy):
    args = argparse.Namespace(size=256, n_mlp=8, latent=512, channel_multiplier=2, path="lmdb", wandb=False)
    ckpt = {"g_ema": {"w": torch.ones(1)}, "args": args, "g_optim": {"state": {}, "param_groups": [{"lr": 0.002}]}}
    torch.save(ckpt, tmp_path / "train.pt", _use_new_zipfile_serialization=not legacy)
    out = load_torch_file(tmp_path / "train.pt")
    assert isinstance(out["args"], argparse.Namespace) and out["args"].size == 256
    # the allowance does not outlive the call
    with pytest.raises(pickle.UnpicklingError):
        torch.load(tmp_path / "train.pt", weights_only=True)


@pytest.mark.parametrize("legacy", [False, True])
def test_code_in_a_torch_file_is_refused(tmp_path, legacy):
    torch.save({"w": torch.ones(1), "x": RunsCode()}, tmp_path / "bad.pth", _use_new_zipfile_serialization=not legacy)
    with pytest.raises(UnsafeCheckpointError, match="refuses|weights-only"):
        load_torch_file(tmp_path / "bad.pth")
    assert not hasattr(builtins, FLAG)


def test_garbage_is_a_clear_error(tmp_path):
    (tmp_path / "junk.pth").write_bytes(b"not a checkpoint at all")
    with pytest.raises(UnsafeCheckpointError, match="junk.pth"):
        load_torch_file(tmp_path / "junk.pth")


def test_nvlabs_pickle_runs_none_of_its_source(tmp_path):
    fx = load_fixture("stylegan2_ada")
    w = make_weights(fx["layout"], fx["seed"], fx["scheme"])
    g = make_weights(fx["layout"], fx["format"]["g_seed"], fx["scheme"])
    path = write_nvlabs_pickle(tmp_path / "snap.pkl", w, g, fx["classes"], fx["init_kwargs"])
    data = load_nvlabs_pickle(path)
    assert not source_was_executed()
    assert isinstance(data["G_ema"], PersistentObject) and data["G_ema"].source_sha256
    net = extract_network(data)
    assert net.name == "G_ema" and net.class_name == "Generator"
    assert list(net.tensors) == list(w)  # the same keys, in module order
    assert all(torch.equal(net.tensors[k], w[k]) for k in w)
    assert net.init_kwargs["img_resolution"] == 16
    assert net.classes["synthesis.b4.conv1"] == "SynthesisLayer"


def test_nvlabs_unpickler_refuses_other_globals(tmp_path):
    path = tmp_path / "evil.pkl"
    path.write_bytes(pickle.dumps({"G_ema": RunsCode()}))
    with pytest.raises(UnsafeCheckpointError, match="builtins.exec"):
        load_nvlabs_pickle(path)
    assert not hasattr(builtins, FLAG)


def test_tensorflow_era_pickle_gets_a_hint(tmp_path):
    # GLOBAL opcode naming the TF network class, then stop
    path = tmp_path / "tf.pkl"
    path.write_bytes(b"\x80\x02cdnnlib.tflib.network\nNetwork\n.")
    with pytest.raises(UnsafeCheckpointError, match="TensorFlow"):
        load_nvlabs_pickle(path)
