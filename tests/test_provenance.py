"""Saved colourisations say that their colours came from a model, in every format we write."""

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from colorizer.metrics import psnr
from colorizer.models import GeneratorConfig
from colorizer.provenance import DESCRIPTION, DIGITAL_SOURCE_TYPE, save_image, settings
from colorizer.vividness import Decoding

IPTC_EXT = "{http://iptc.org/std/Iptc4xmpExt/2008-02-29/}"


def read_back(path) -> tuple[str, str, bytes]:
    """(description, software, XMP bytes) as a reader of that format finds them."""
    im = Image.open(path)
    if im.format == "PNG":
        return im.info["Description"], im.info["Software"], im.info["XML:com.adobe.xmp"].encode()
    exif = im.getexif()
    xmp = im.info["xmp"] if im.format != "TIFF" else im.tag_v2[700]
    return exif[0x010E], exif[0x0131], bytes(xmp)


def test_settings_line_names_the_model_and_the_choices():
    cfg = GeneratorConfig(arch="eccv16", width=0.5, num_bins=262, size=128, temperature=1.0, extra={"round": 3})
    assert settings(cfg) == "ECCV16 generator (width 0.5, 262 bins, weights round 3); working size 128, temperature 1"
    line = settings(cfg, 256, Decoding(0.38, 0.5, vividness=0.8).describe(), hints=1)
    assert line.endswith("working size 256, vividness 0.80 (temperature 0.38, prior correction x0.5); 1 colour hint")
    official = GeneratorConfig(arch="eccv16", num_bins=313, size=256, extra={"source": "official ECCV16"})
    assert "official ECCV16" in settings(official, hints=2) and settings(official, hints=2).endswith("2 colour hints")


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".webp", ".tif"])
def test_every_format_carries_description_software_and_iptc_source_type(tmp_path, photo, suffix):
    path = tmp_path / f"out{suffix}"
    save_image(Image.fromarray(photo[:96, :128]), path, 'size 128; a "quoted" & <odd> note')
    description, software, xmp = read_back(path)
    assert description == DESCRIPTION
    assert software == 'colorizer: size 128; a "quoted" & <odd> note'
    node = ET.fromstring(xmp.decode().split("?>", 1)[1].rsplit("<?xpacket", 1)[0])  # well-formed XML
    desc = node.find(".//{http://www.w3.org/1999/02/22-rdf-syntax-ns#}Description")
    assert desc.get(f"{IPTC_EXT}DigitalSourceType") == DIGITAL_SOURCE_TYPE
    assert desc.get("{http://ns.adobe.com/xap/1.0/}CreatorTool") == software
    assert Image.open(path).size == (128, 96)


@pytest.mark.parametrize("suffix", [".png", ".jpg"])
def test_exiftool_reads_it(tmp_path, photo, suffix):
    """What photo managers see: an independent reader finds the IPTC source type and the software."""
    if shutil.which("exiftool") is None:
        pytest.skip("no exiftool on this machine (.ci/run installs Debian's)")
    path = tmp_path / f"out{suffix}"
    save_image(Image.fromarray(photo[:64, :64]), path, "working size 128")
    out = subprocess.run(["exiftool", "-json", "-XMP-iptcExt:DigitalSourceType", "-Software", str(path)], capture_output=True, text=True)
    tags = json.loads(out.stdout)[0]
    assert tags["DigitalSourceType"] == DIGITAL_SOURCE_TYPE and tags["Software"] == "colorizer: working size 128"


def test_png_is_lossless_and_jpeg_keeps_more_than_pillows_default(tmp_path, photo):
    img = Image.fromarray(photo[:128, :128])
    save_image(img, tmp_path / "a.png", "x")
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), photo[:128, :128])
    save_image(img, tmp_path / "a.jpg", "x")
    img.save(tmp_path / "default.jpg")
    ours = psnr(np.asarray(Image.open(tmp_path / "a.jpg")), photo[:128, :128])
    default = psnr(np.asarray(Image.open(tmp_path / "default.jpg")), photo[:128, :128])
    assert ours > default + 2


@pytest.mark.parametrize("suffix", [".png", ".jpg", ".tif"])
def test_dpi_is_written_where_the_format_has_room(tmp_path, photo, suffix):
    img = Image.fromarray(photo[:32, :32])
    img.info["dpi"] = (600, 600)
    save_image(img, tmp_path / f"a{suffix}", "x")
    assert np.allclose(Image.open(tmp_path / f"a{suffix}").info["dpi"], 600, atol=0.01)


def test_other_formats_save_plainly_and_unknown_suffixes_fail(tmp_path, photo):
    save_image(Image.fromarray(photo[:32, :32]), tmp_path / "a.bmp", "x")
    assert Image.open(tmp_path / "a.bmp").size == (32, 32)
    with pytest.raises(ValueError):
        save_image(Image.fromarray(photo[:32, :32]), tmp_path / "a.nope", "x")


def test_the_apps_chosen_alternative_downloads_with_its_settings(tmp_path, photo, tiny_generator):
    from colorizer import Colorizer
    from colorizer.serve import DiskBudget, Limits, Service

    limits = Limits(folder=tmp_path / "files")
    service = Service(Colorizer(tiny_generator, device="cpu"), limits, DiskBudget(limits.folder, limits.output_bytes, 3600))
    src = tmp_path / "grey.png"
    Image.fromarray(photo[::4, ::4]).convert("L").save(src)
    _, choice = service.alternatives(str(src), 64, 1.0, [], 7)
    _, chosen, path = service.pick(str(src), choice, 2)
    description, software, _ = read_back(path)
    assert description == DESCRIPTION
    assert software.endswith("working size 64, vividness 1.00 (temperature 0.19); alternative 3 of seed 7")
    assert np.array_equal(np.asarray(Image.open(path)), np.asarray(chosen))


def test_the_python_api_saves_with_provenance(tmp_path, tiny_generator, photo):
    from colorizer import Colorizer

    col = Colorizer(tiny_generator, device="cpu")
    out = col.colorize(photo[:64, :96], size=64, temperature=0.5, hints=[(10, 10, (200, 30, 30))])
    col.save(out, tmp_path / "out.png")
    col.save(out, tmp_path / "out.jpg")
    with Image.open(tmp_path / "out.png") as im:
        assert "neural network" in im.info["Description"]
        assert im.info["Software"].endswith("working size 64, temperature 0.5; 1 colour hint")
    vivid = col.colorize(photo[:64, :96], size=64, vividness=0.25)
    col.save(vivid, tmp_path / "vivid.png")
    assert Image.open(tmp_path / "vivid.png").info["Software"].endswith("working size 64, vividness 0.25 (temperature 0.69)")
    with Image.open(tmp_path / "out.jpg") as im:
        assert "neural network" in im.getexif()[0x010E] and im.format == "JPEG"
    alt = col.colorize(photo[:64, :96], size=64, n=2, seed=3)[1]
    col.save(alt, tmp_path / "alt.png")
    assert Image.open(tmp_path / "alt.png").info["Software"].endswith("alternative 2 of seed 3")
    plain = Image.fromarray(photo[:8, :8])  # an image colorize did not make still gets the model's line
    col.save(plain, tmp_path / "plain.png")
    assert "working size 64" in Image.open(tmp_path / "plain.png").info["Software"]
