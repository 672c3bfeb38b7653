"""Voicemail for Telegram: Asterisk writes WAV, which Telegram refuses as a voice message; it
takes MP3 (or OGG Opus). Decoded with miniaudio, encoded with lameenc: no ffmpeg needed."""

from __future__ import annotations

from pathlib import Path

import lameenc
import miniaudio

BIT_RATE_KBPS = 32  # speech at telephone quality; a minute is about 240 KB


def to_mp3(path: Path) -> bytes:
    """The recording as mono MP3 at its own sample rate (blocking: run it in a thread)."""
    decoded = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(BIT_RATE_KBPS)
    encoder.set_in_sample_rate(decoded.sample_rate)
    encoder.set_channels(1)
    encoder.set_quality(5)
    return bytes(encoder.encode(decoded.samples.tobytes()) + encoder.flush())


def find_recording(media_dir: Path, stored: str) -> Path | None:
    """The stored file, only from inside the media folder (Asterisk may add ``.wav`` itself)."""
    root = media_dir.resolve()
    path = Path(stored).resolve()
    for candidate in (path, Path(f"{path}.wav")):
        if candidate.is_relative_to(root) and candidate.is_file():
            return candidate
    return None
