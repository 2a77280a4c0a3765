"""Draw the app's example inputs (run from the repository root: ``python checkpoints/examples/make_examples.py``).

Simple shapes drawn with Pillow, in the styles the bundled models read: black-on-white sketches for edge-map
models (``edges_*``), flat label maps in the emoji region palette for label-map models (``labels_*``), flat
colour drawings for photo-to-photo models (``photo_*``) and two cartoon faces for attribute editing
(``face_*``). The file name prefix tells the app which tab offers an example.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
SIDE = 128
# Region colours as in ganstudio.data.emoji.PALETTE (label maps are matched to the nearest palette colour).
WHITE, OUTLINE, YELLOW, RED, GREEN, BROWN, BLUE, ORANGE = ((255, 255, 255), (30, 30, 30), (252, 200, 45),
                                                           (215, 40, 50), (80, 170, 70), (140, 85, 50),
                                                           (60, 130, 220), (240, 130, 40))


def canvas(colour=WHITE) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGB", (SIDE, SIDE), colour)
    return img, ImageDraw.Draw(img)


def smiley(d: ImageDraw.ImageDraw, face, line, width: int, eyes=None, mouth=None) -> None:
    d.ellipse((14, 14, 114, 114), fill=face, outline=line, width=width)
    for x in (44, 76):
        d.ellipse((x - 7, 42, x + 7, 60), fill=eyes or line)
    d.arc((36, 46, 92, 96), 20, 160, fill=mouth or line, width=max(width, 4))


def heart(d: ImageDraw.ImageDraw, fill, line, width: int) -> None:
    d.polygon([(64, 112), (18, 60), (18, 38), (36, 22), (56, 26), (64, 38), (72, 26), (92, 22), (110, 38),
               (110, 60)], fill=fill, outline=line, width=width)


def flower(d: ImageDraw.ImageDraw, petal, centre, stem, line, width: int) -> None:
    d.rectangle((60, 70, 68, 120), fill=stem, outline=line, width=width)
    d.ellipse((70, 88, 100, 104), fill=stem, outline=line, width=width)
    for cx, cy in ((64, 28), (40, 46), (88, 46), (48, 72), (80, 72)):
        d.ellipse((cx - 18, cy - 18, cx + 18, cy + 18), fill=petal, outline=line, width=width)
    d.ellipse((50, 38, 78, 66), fill=centre, outline=line, width=width)


def face(skin, hair) -> Image.Image:
    img, d = canvas()
    d.ellipse((22, 10, 106, 96), fill=hair)  # hair behind the head
    d.ellipse((30, 26, 98, 108), fill=skin, outline=OUTLINE, width=2)
    d.pieslice((24, 10, 104, 70), 180, 360, fill=hair)  # fringe
    for x in (50, 78):
        d.ellipse((x - 5, 58, x + 5, 70), fill=OUTLINE)
    d.arc((48, 66, 80, 94), 20, 160, fill=OUTLINE, width=3)
    d.rectangle((44, 106, 84, 128), fill=BLUE)  # shirt
    return img


def main() -> None:
    drawings: dict[str, Image.Image] = {}
    img, d = canvas()
    smiley(d, WHITE, (0, 0, 0), 3)
    drawings["edges_smiley"] = img
    img, d = canvas()
    heart(d, WHITE, (0, 0, 0), 3)
    drawings["edges_heart"] = img
    img, d = canvas()
    flower(d, WHITE, WHITE, WHITE, (0, 0, 0), 3)
    drawings["edges_flower"] = img
    img, d = canvas()
    smiley(d, YELLOW, OUTLINE, 3, eyes=BROWN, mouth=BROWN)
    drawings["labels_smiley"] = img
    img, d = canvas()
    flower(d, RED, YELLOW, GREEN, OUTLINE, 2)
    drawings["labels_flower"] = img
    img, d = canvas()
    heart(d, RED, OUTLINE, 3)
    drawings["photo_heart"] = img
    img, d = canvas()
    smiley(d, ORANGE, OUTLINE, 4)
    drawings["photo_smiley"] = img
    drawings["face_light_brown_hair"] = face((245, 205, 165), BROWN)
    drawings["face_dark_black_hair"] = face((110, 70, 45), (25, 20, 20))
    for name, picture in drawings.items():
        # few colours: a palette PNG is a fraction of the size and decodes to the same RGB pixels
        picture.convert("P", palette=Image.Palette.ADAPTIVE, colors=32).save(HERE / f"{name}.png", optimize=True)


if __name__ == "__main__":
    main()
