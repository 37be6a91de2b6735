"""Photo decoding has a stated memory bound, and a limit on how many run at once.

A 186 KB PNG of 7000×7000 pixels took ~700 MB of server memory to re-encode (four at
once ~2.7 GB). The README states the bound per decode; these tests measure it in a fresh
subprocess (peak RSS, which counts Pillow's C allocations that tracemalloc cannot see).
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from portal.config import PROJECT_ROOT, get_settings
from portal.files.images import decode_limiter, photo_reencode
from tests.checklist.helpers import make_template, stored_files, upload
from tests.factories import make_candidate, make_cohort, make_department, sign_in_candidate

# The README's figure: the most one decode may add to a process at the default pixel cap.
DECODE_BOUND_MB = 200

_MEASURE = r"""
import json, sys
from pathlib import Path

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) // 1024

from portal.files.images import ImageRefused, reencode_photo
import PIL.GifImagePlugin, PIL.JpegImagePlugin, PIL.PngImagePlugin, PIL.WebPImagePlugin
base = status("VmRSS")
try:
    photo = reencode_photo(Path(sys.argv[1]), thumbnail=True)
    outcome = f"{photo.width}x{photo.height}"
except ImageRefused as refused:
    outcome = "refused: " + str(refused)
print(json.dumps({"outcome": outcome, "added_mb": status("VmHWM") - base}))
"""

_MAKE = r"""
import sys
from PIL import Image
folder = sys.argv[1]
Image.new("RGB", (7000, 7000), (200, 30, 30)).save(f"{folder}/bomb.png", optimize=True)
Image.new("RGBA", (4096, 4096), (200, 30, 30, 128)).save(f"{folder}/cap.png")
exif = Image.Exif()
exif[0x0112] = 6
Image.new("RGBA", (4096, 4096), (9, 9, 9, 9)).save(f"{folder}/rotated.png", exif=exif.tobytes())
Image.new("RGBA", (4096, 4096)).save(f"{folder}/cap.gif")
Image.new("RGBA", (2364, 2364)).save(f"{folder}/cap.webp", lossless=True)
Image.new("RGBA", (4096, 4096)).save(f"{folder}/big.webp", lossless=True)
Image.effect_noise((8000, 6000), 40).convert("RGB").save(f"{folder}/48mp.jpg", quality=80)
"""


@pytest.fixture(scope="module")
def pictures(tmp_path_factory) -> Path:
    """Worst cases, made in a subprocess so this process stays small."""
    folder = tmp_path_factory.mktemp("pictures")
    subprocess.run([sys.executable, "-c", _MAKE, str(folder)], check=True, timeout=120)
    return folder


def _measure(path: Path) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=PROJECT_ROOT,
        env={**os.environ, "ONRAMP_IMAGE_MAX_PIXELS": str(4096 * 4096)},
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_7000_pixel_png_is_refused_before_it_is_decoded(pictures):
    assert (pictures / "bomb.png").stat().st_size < 200_000
    measured = _measure(pictures / "bomb.png")
    assert measured["outcome"].startswith("refused: ")
    assert "7000×7000" in measured["outcome"]
    assert measured["added_mb"] < 20


@pytest.mark.parametrize(
    ("name", "size"),
    [
        ("cap.png", "4096x4096"),
        ("rotated.png", "4096x4096"),
        ("cap.gif", "4096x4096"),
        ("cap.webp", "2364x2364"),
        # A 48-megapixel phone photo is decoded at half size (DCT scaling), not refused.
        ("48mp.jpg", "4000x3000"),
    ],
)
def test_the_worst_allowed_pictures_stay_under_the_stated_bound(pictures, name, size):
    measured = _measure(pictures / name)
    assert measured["outcome"] == size
    assert measured["added_mb"] < DECODE_BOUND_MB, measured


def test_a_webp_over_its_lower_cap_is_refused(pictures):
    measured = _measure(pictures / "big.webp")
    assert measured["outcome"].startswith("refused: ")
    assert measured["added_mb"] < 20


async def test_the_huge_png_upload_gets_a_clear_400_and_nothing_is_kept(client, media_dir):
    department = await make_department()
    candidate = await make_candidate(department, cohort=await make_cohort(department))
    await sign_in_candidate(client, candidate)
    template = await make_template()
    buffer = io.BytesIO()
    Image.new("1", (7000, 7000)).save(buffer, format="PNG", optimize=True)
    response = await upload(client, template.id, ("大图.png", buffer.getvalue(), "image/png"))
    assert response.status_code == 400
    assert "7000×7000" in response.text and "太大" in response.text
    assert stored_files(media_dir) == []


async def test_at_most_the_configured_number_of_photos_are_decoded_at_once(tmp_path):
    assert get_settings().image_decodes == 2
    source = tmp_path / "photo.jpg"
    Image.effect_noise((2000, 1500), 40).convert("RGB").save(source, quality=90)
    limiter = decode_limiter()
    most_busy = most_waiting = 0

    async def watch() -> None:
        nonlocal most_busy, most_waiting
        while True:
            most_busy = max(most_busy, limiter.borrowed_tokens)
            most_waiting = max(most_waiting, limiter.statistics().tasks_waiting)
            await asyncio.sleep(0.005)

    watcher = asyncio.create_task(watch())
    try:
        photos = await asyncio.gather(*(photo_reencode(source, thumbnail=True) for _ in range(6)))
    finally:
        watcher.cancel()
    for photo in photos:
        photo.close()
    assert most_busy == 2
    assert most_waiting >= 1
