"""Demo welcome video: a small, real MP4 made at demo time (no ffmpeg needed, nothing in git).

The encoder is deliberately the simplest valid H.264 there is: each slide is one IDR
frame of uncompressed ``I_PCM`` macroblocks, followed by P frames that skip every
macroblock (they repeat the slide for a few bytes each). Browsers play it like any
other MP4; ``moov`` comes before ``mdat`` so playback can start before it is all loaded.
"""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from portal.domain.organisation.tables import Department
from portal.domain.staff.tables import StaffUser
from portal.domain.videos.tables import WelcomeVideo
from portal.files.storage import get_storage, new_key

DEMO_DEPARTMENT = "生产部"
DEMO_TITLE = "欢迎加入生产部 · 李强"
_CJK_FONTS = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/System/Library/Fonts/PingFang.ttc",
)


class _Bits:
    """An H.264 RBSP bit writer: fixed-width fields and Exp-Golomb codes."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.value = 0
        self.count = 0

    def u(self, width: int, value: int) -> None:
        for shift in range(width - 1, -1, -1):
            self.value = (self.value << 1) | ((value >> shift) & 1)
            self.count += 1
            if self.count == 8:
                self.out.append(self.value)
                self.value = self.count = 0

    def ue(self, value: int) -> None:
        code = value + 1
        self.u(code.bit_length() * 2 - 1, code)

    def se(self, value: int) -> None:
        self.ue(2 * value - 1 if value > 0 else -2 * value)

    def align_zero(self) -> None:
        while self.count:
            self.u(1, 0)

    def raw(self, data: bytes) -> None:
        assert self.count == 0
        self.out += data

    def trailing(self) -> bytes:
        self.u(1, 1)
        self.align_zero()
        return bytes(self.out)


def _nal(header: int, rbsp: bytes) -> bytes:
    """Add emulation-prevention bytes so no 00 00 0x (x ≤ 3) appears inside the NAL."""
    out = bytearray([header])
    zeros = 0
    for byte in rbsp:
        if zeros >= 2 and byte <= 3:
            out.append(3)
            zeros = 0
        out.append(byte)
        zeros = zeros + 1 if byte == 0 else 0
    return bytes(out)


def _sps(mbs_wide: int, mbs_high: int) -> bytes:
    bits = _Bits()
    bits.u(8, 66)  # Baseline
    bits.u(8, 0xC0)  # constraint_set0 and set1
    bits.u(8, 30)  # level 3.0
    bits.ue(0)  # seq_parameter_set_id
    bits.ue(0)  # log2_max_frame_num_minus4: frame_num has 4 bits
    bits.ue(2)  # pic_order_cnt_type 2: order follows frame_num (no B frames)
    bits.ue(1)  # max_num_ref_frames
    bits.u(1, 0)  # gaps_in_frame_num_value_allowed_flag
    bits.ue(mbs_wide - 1)
    bits.ue(mbs_high - 1)
    bits.u(1, 1)  # frame_mbs_only_flag
    bits.u(1, 1)  # direct_8x8_inference_flag
    bits.u(1, 0)  # frame_cropping_flag
    bits.u(1, 0)  # vui_parameters_present_flag
    return _nal(0x67, bits.trailing())


def _pps() -> bytes:
    bits = _Bits()
    bits.ue(0)  # pic_parameter_set_id
    bits.ue(0)  # seq_parameter_set_id
    bits.u(1, 0)  # CAVLC
    bits.u(1, 0)  # bottom_field_pic_order_in_frame_present_flag
    bits.ue(0)  # num_slice_groups_minus1
    bits.ue(0)  # num_ref_idx_l0_default_active_minus1
    bits.ue(0)  # num_ref_idx_l1_default_active_minus1
    bits.u(1, 0)  # weighted_pred_flag
    bits.u(2, 0)  # weighted_bipred_idc
    bits.se(0)  # pic_init_qp_minus26
    bits.se(0)  # pic_init_qs_minus26
    bits.se(0)  # chroma_qp_index_offset
    bits.u(1, 0)  # deblocking_filter_control_present_flag
    bits.u(1, 0)  # constrained_intra_pred_flag
    bits.u(1, 0)  # redundant_pic_cnt_present_flag
    return _nal(0x68, bits.trailing())


def _idr(picture: Image.Image, idr_id: int) -> bytes:
    width, height = picture.size
    y, cb, cr = picture.convert("YCbCr").split()
    half = (width // 2, height // 2)
    cb, cr = cb.resize(half, Image.Resampling.BOX), cr.resize(half, Image.Resampling.BOX)
    # Sample value 0 is reserved in older decoders' PCM handling: keep 1..255.
    planes = [bytes(max(v, 1) for v in plane.tobytes()) for plane in (y, cb, cr)]
    bits = _Bits()
    bits.ue(0)  # first_mb_in_slice
    bits.ue(7)  # slice_type: I (every slice)
    bits.ue(0)  # pic_parameter_set_id
    bits.u(4, 0)  # frame_num
    bits.ue(idr_id)
    bits.u(1, 0)  # no_output_of_prior_pics_flag
    bits.u(1, 0)  # long_term_reference_flag
    bits.se(0)  # slice_qp_delta
    for mb_y in range(height // 16):
        for mb_x in range(width // 16):
            bits.ue(25)  # mb_type I_PCM
            bits.align_zero()
            for row in range(16):
                start = (mb_y * 16 + row) * width + mb_x * 16
                bits.raw(planes[0][start : start + 16])
            for plane in planes[1:]:
                for row in range(8):
                    start = (mb_y * 8 + row) * (width // 2) + mb_x * 8
                    bits.raw(plane[start : start + 8])
    return _nal(0x65, bits.trailing())


def _skip_frame(frame_num: int, macroblocks: int) -> bytes:
    bits = _Bits()
    bits.ue(0)  # first_mb_in_slice
    bits.ue(5)  # slice_type: P (every slice)
    bits.ue(0)  # pic_parameter_set_id
    bits.u(4, frame_num % 16)
    bits.u(1, 0)  # num_ref_idx_active_override_flag
    bits.u(1, 0)  # ref_pic_list_modification_flag_l0
    bits.u(1, 0)  # adaptive_ref_pic_marking_mode_flag
    bits.se(0)  # slice_qp_delta
    bits.ue(macroblocks)  # mb_skip_run: the whole picture repeats the previous one
    return _nal(0x41, bits.trailing())


def _box(kind: bytes, *parts: bytes) -> bytes:
    payload = b"".join(parts)
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full_box(kind: bytes, version: int, flags: int, *parts: bytes) -> bytes:
    return _box(kind, struct.pack(">I", (version << 24) | flags), *parts)


_MATRIX = struct.pack(">9I", 0x10000, 0, 0, 0, 0x10000, 0, 0, 0, 0x40000000)


def _moov(*, width: int, height: int, fps: int, sizes: list[int], sync: list[int], sps: bytes,
          pps: bytes, data_offset: int) -> bytes:  # fmt: skip
    count = len(sizes)
    duration_ms = count * 1000 // fps
    avcc = _box(
        b"avcC",
        bytes([1, sps[1], sps[2], sps[3], 0xFF, 0xE1]),
        struct.pack(">H", len(sps)) + sps,
        bytes([1]) + struct.pack(">H", len(pps)) + pps,
    )
    avc1 = _box(
        b"avc1",
        bytes(6) + struct.pack(">H", 1) + bytes(16),
        struct.pack(">HHIIIH", width, height, 0x480000, 0x480000, 0, 1),
        bytes(32) + struct.pack(">Hh", 0x18, -1),
        avcc,
    )
    stbl = _box(
        b"stbl",
        _full_box(b"stsd", 0, 0, struct.pack(">I", 1), avc1),
        _full_box(b"stts", 0, 0, struct.pack(">III", 1, count, 1)),
        _full_box(b"stss", 0, 0, struct.pack(f">I{len(sync)}I", len(sync), *sync)),
        _full_box(b"stsc", 0, 0, struct.pack(">IIII", 1, 1, count, 1)),
        _full_box(b"stsz", 0, 0, struct.pack(f">II{count}I", 0, count, *sizes)),
        _full_box(b"stco", 0, 0, struct.pack(">II", 1, data_offset)),
    )
    minf = _box(
        b"minf",
        _full_box(b"vmhd", 0, 1, bytes(8)),
        _box(b"dinf", _full_box(b"dref", 0, 0, struct.pack(">I", 1), _full_box(b"url ", 0, 1))),
        stbl,
    )
    mdia = _box(
        b"mdia",
        _full_box(b"mdhd", 0, 0, struct.pack(">IIIIHH", 0, 0, fps, count, 0x55C4, 0)),
        _full_box(b"hdlr", 0, 0, bytes(4) + b"vide" + bytes(12) + b"VideoHandler\x00"),
        minf,
    )
    tkhd = _full_box(
        b"tkhd",
        0,
        3,
        struct.pack(">IIIII", 0, 0, 1, 0, duration_ms),
        bytes(8) + struct.pack(">hhhH", 0, 0, 0, 0),
        _MATRIX,
        struct.pack(">II", width << 16, height << 16),
    )
    mvhd = _full_box(
        b"mvhd",
        0,
        0,
        struct.pack(">IIIIIH", 0, 0, 1000, duration_ms, 0x10000, 0x100),
        bytes(10),
        _MATRIX,
        bytes(24),
        struct.pack(">I", 2),
    )
    return _box(b"moov", mvhd, _box(b"trak", tkhd, mdia))


def welcome_mp4(slides: list[Image.Image], *, fps: int = 10, seconds_per_slide: int = 2) -> bytes:
    """An H.264 MP4 showing each slide (all the same size, multiples of 16) in turn."""
    width, height = slides[0].size
    if width % 16 or height % 16 or any(slide.size != (width, height) for slide in slides):
        raise ValueError("slides must share one size, a multiple of 16 pixels each way")
    macroblocks = (width // 16) * (height // 16)
    samples: list[bytes] = []
    sync: list[int] = []
    for index, slide in enumerate(slides):
        sync.append(len(samples) + 1)
        samples.append(_idr(slide, index % 2))
        for frame_num in range(1, fps * seconds_per_slide):
            samples.append(_skip_frame(frame_num, macroblocks))
    framed = [struct.pack(">I", len(nal)) + nal for nal in samples]
    sps, pps = _sps(width // 16, height // 16), _pps()
    ftyp = _box(b"ftyp", b"isom", struct.pack(">I", 512), b"isomiso2avc1mp41")
    layout = dict(width=width, height=height, fps=fps, sizes=[len(f) for f in framed], sync=sync,
                  sps=sps, pps=pps)  # fmt: skip
    moov_size = len(_moov(**layout, data_offset=0))
    moov = _moov(**layout, data_offset=len(ftyp) + moov_size + 8)
    mdat = _box(b"mdat", *framed)
    return ftyp + moov + mdat


def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    for path in _CJK_FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size=size)


def demo_slides(width: int = 320, height: int = 176) -> list[Image.Image]:
    """Three title cards: a greeting, the first day, and a see-you-soon."""
    cards = (
        ("#1f6feb", "欢迎加入生产部!", "Welcome to the team"),
        ("#1a7f37", "第一天:8:30 到培训中心", "Day one: 8:30, training centre"),
        ("#b54708", "我们等你来 · 李强", "See you soon · Li Qiang"),
    )
    slides = []
    for colour, title, subtitle in cards:
        slide = Image.new("RGB", (width, height), colour)
        draw = ImageDraw.Draw(slide)
        big, small = _font(height // 8), _font(height // 14)
        draw.text((width / 2, height * 0.42), title, font=big, fill="white", anchor="mm")
        draw.text((width / 2, height * 0.66), subtitle, font=small, fill="#f0f0f0", anchor="mm")
        slides.append(slide)
    return slides


def demo_poster(slide: Image.Image) -> bytes:
    import io

    out = io.BytesIO()
    slide.resize((slide.width * 2, slide.height * 2)).save(out, "JPEG", quality=80)
    return out.getvalue()


async def load_demo_videos() -> None:
    """The production department's approved welcome video (made once per installation)."""
    department = await Department.objects().get(Department.name == DEMO_DEPARTMENT)
    if department is None or await WelcomeVideo.exists().where(
        WelcomeVideo.department == department.id
    ):
        return
    manager = await StaffUser.objects().get(StaffUser.department == department.id)
    slides = demo_slides()
    storage = get_storage()
    video_key, poster_key = new_key("videos"), new_key("video-posters")
    data, poster = welcome_mp4(slides), demo_poster(slides[0])

    async def one(chunk: bytes):
        yield chunk

    await storage.save(video_key, one(data), max_bytes=len(data))
    await storage.save(poster_key, one(poster), max_bytes=len(poster))
    now = datetime.now(UTC)
    await WelcomeVideo(
        department=department.id,
        title=DEMO_TITLE,
        status="approved",
        storage_key=video_key,
        poster_key=poster_key,
        total_bytes=len(data),
        received_bytes=len(data),
        media_type="video/mp4",
        uploaded_by=manager.id if manager else None,
        completed_at=now,
        reviewed_at=now,
    ).save()
