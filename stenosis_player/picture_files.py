"""An exercise picture's SVG bytes, bounded: the file and, for ``.svgz``, what it inflates to.

A 2.6 MB ``.svgz`` can inflate to 2 GB of XML and block the window for seconds while Qt
parses it; the same check in ``stenosis-player check`` said OK. Both the catalogue check
and the window read pictures through :func:`svg_bytes`, so what passes one shows in the
other, and the renderer is only ever given at most :data:`MAX_SVG_BYTES`.

Qt-free.
"""

from __future__ import annotations

import os
import re
import zlib
from pathlib import Path

from .user_files import MB, FileProblem, read_limited, size_text

MAX_FILE_BYTES = 2 * MB  # the picture file as stored
MAX_SVG_BYTES = 4 * MB  # the SVG text after a .svgz is inflated
# Qt draws a few thousand shapes a second at worst (66,000 translucent paths took 50 s), so
# the number of elements is bounded too, and a picture past HEAVY_ELEMENTS (or with
# filters, which can be slow at any size) is drawn off the UI thread. The app's own
# drawings have under 100 elements.
MAX_ELEMENTS = 5000
HEAVY_ELEMENTS = 500
_GZIP_MAGIC = b"\x1f\x8b"
_ELEMENT = re.compile(rb"<[A-Za-z]")


def svg_bytes(path: str | os.PathLike[str]) -> bytes:
    """The SVG document in ``path`` (inflated when gzip-compressed); FileProblem when it is
    not a regular file, too large, or inflates past the limit."""
    path = Path(path)
    try:
        raw = read_limited(path, MAX_FILE_BYTES, what="picture")
    except FileNotFoundError:
        raise FileProblem(path, "the picture does not exist") from None
    if not raw.startswith(_GZIP_MAGIC):
        if len(raw) > MAX_SVG_BYTES:
            raise FileProblem(path, f"the picture is larger than {size_text(MAX_SVG_BYTES)}")
        return _not_too_complex(path, raw)
    inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip header
    try:
        out = inflater.decompress(raw, MAX_SVG_BYTES + 1)
    except zlib.error as exc:
        raise FileProblem(path, f"the compressed picture is damaged ({exc})") from None
    if len(out) > MAX_SVG_BYTES or inflater.unconsumed_tail:
        raise FileProblem(
            path,
            f"the compressed picture inflates to more than {size_text(MAX_SVG_BYTES)}, "
            "the limit for a picture",
        )
    return _not_too_complex(path, out)


def _not_too_complex(path: Path, svg: bytes) -> bytes:
    count = element_count(svg)
    if count > MAX_ELEMENTS:
        raise FileProblem(
            path,
            f"the picture has {count:,} elements; the limit is {MAX_ELEMENTS:,} "
            "(simplify it, or save it as plain SVG with fewer shapes)",
        )
    return svg


def element_count(svg: bytes) -> int:
    return len(_ELEMENT.findall(svg))


def is_heavy(svg: bytes) -> bool:
    """Whether drawing it may take long enough to be done off the UI thread."""
    return element_count(svg) > HEAVY_ELEMENTS or b"<filter" in svg


def picture_problem(path: str | os.PathLike[str]) -> str | None:
    """Why the picture cannot be shown (without the path), or None."""
    try:
        svg_bytes(path)
    except FileProblem as exc:
        return exc.reason
    return None
