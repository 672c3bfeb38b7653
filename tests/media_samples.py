"""Audio the tests upload, made here with lameenc (a real MP3 encoder), not stored files."""

from __future__ import annotations

import array
import math

import lameenc


def mp3_tone(seconds: float = 1.0, frequency: float = 440.0, rate: int = 44100, amplitude: int = 8000) -> bytes:
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(2)
    pcm = array.array(
        "h", (int(amplitude * math.sin(2 * math.pi * frequency * i / rate)) for i in range(int(seconds * rate)))
    )
    return bytes(encoder.encode(pcm.tobytes()) + encoder.flush())


SAMPLE_MP3 = mp3_tone()
