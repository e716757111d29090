"""Provenance in every saved colourisation: the file says its colours came from a model.

Archives and newsrooms must not mistake a colourised photograph for a colour original, and a
file travels without the page that explained it. So saved images carry a plain description and
the software and settings that made them (PNG text chunks; EXIF ImageDescription and Software in
JPEG, WebP and TIFF), and XMP with the IPTC digital source type "composite with trained
algorithmic media" (the photo's own lightness, colours from a trained model), which photo
managers, news systems and C2PA tools read. Colourised videos carry the description too.
"""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from PIL import Image, PngImagePlugin

from .models import GeneratorConfig, describe

DIGITAL_SOURCE_TYPE = "http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia"
DESCRIPTION = (
    "Colourised by a neural network from a black-and-white original: the lightness is the original's, "
    "the colours are the model's guesses, not a record of the real colours."
)
SOFTWARE = "colorizer"
JPEG_QUALITY = 95  # Pillow's default of 75 blurs colour edges visibly; archives keep masters anyway
# zlib level 1: 5x faster than Pillow's default 6 and no larger on colourised photos, measured
# on the historical gallery (bench/archive.py batch prints both)
PNG_COMPRESSION = 1

EXIF_IMAGE_DESCRIPTION, EXIF_SOFTWARE = 0x010E, 0x0131
TIFF_XMP = 700

_XMP = """<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
 <rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
  <rdf:Description rdf:about=""
    xmlns:Iptc4xmpExt="http://iptc.org/std/Iptc4xmpExt/2008-02-29/"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:xmp="http://ns.adobe.com/xap/1.0/"
    Iptc4xmpExt:DigitalSourceType="{source}"
    xmp:CreatorTool="{tool}">
   <dc:description><rdf:Alt><rdf:li xml:lang="x-default">{description}</rdf:li></rdf:Alt></dc:description>
  </rdf:Description>
 </rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>"""


def settings(config: GeneratorConfig, size: int | None = None, decoding: str | None = None, hints: int = 0) -> str:
    """One line naming the model and the settings that produced a colourisation.

    ``decoding``: how logits became colours (``vividness.Decoding.describe``); default the config's temperature.
    """
    extra = config.extra or {}
    if "source" in extra:
        weights = extra["source"]
    elif "round" in extra:
        weights = f"weights round {extra['round']}"
    else:
        weights = "custom weights"
    line = f"{describe(config, weights)}; working size {size or config.size}, {decoding or f'temperature {config.temperature:.3g}'}"
    return line + (f"; {hints} colour hint{'s' * (hints != 1)}" if hints else "")


def xmp_packet(settings_line: str) -> bytes:
    tool = escape(f"{SOFTWARE}: {settings_line}", {'"': "&quot;"})
    return _XMP.format(source=DIGITAL_SOURCE_TYPE, tool=tool, description=escape(DESCRIPTION)).encode()


def save_image(
    image: Image.Image, path: str | Path, settings_line: str, format: str | None = None, png_compression: int = PNG_COMPRESSION
) -> None:
    """Save ``image`` with the provenance above; the format follows the suffix unless given.

    PNG, JPEG (quality 95), WebP and TIFF get the description, the software and the XMP; any
    other format Pillow writes is saved as it is (it has no standard place for them). The
    image's dpi (Colorizer keeps the input's) is written where the format has room for it.
    """
    path = Path(path)
    fmt = (format or Image.registered_extensions().get(path.suffix.lower(), "")).upper()
    resolution = {"dpi": image.info["dpi"]} if image.info.get("dpi") and fmt in ("PNG", "JPEG", "TIFF") else {}
    xmp = xmp_packet(settings_line)
    software = f"{SOFTWARE}: {settings_line}"
    if fmt == "PNG":
        info = PngImagePlugin.PngInfo()
        info.add_itxt("Description", DESCRIPTION)
        info.add_itxt("Software", software)
        info.add_itxt("XML:com.adobe.xmp", xmp.decode())
        image.save(path, format=fmt, pnginfo=info, compress_level=png_compression, **resolution)
        return
    exif = Image.Exif()
    exif[EXIF_IMAGE_DESCRIPTION] = DESCRIPTION
    exif[EXIF_SOFTWARE] = software
    if fmt in ("JPEG", "WEBP"):  # WebP has no dpi: ``resolution`` is empty there
        image.save(path, format=fmt, quality=JPEG_QUALITY, exif=exif, xmp=xmp, **resolution)
    elif fmt == "TIFF":
        tags = {EXIF_IMAGE_DESCRIPTION: DESCRIPTION, EXIF_SOFTWARE: software, TIFF_XMP: xmp}
        image.save(path, format=fmt, tiffinfo=tags, **resolution)
    else:
        image.save(path, format=fmt or None)
