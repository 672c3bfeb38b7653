"""Makes the standard media vats ships (core/media/sounds/*.wav), which are committed.

Speech comes from Debian's espeak-ng (Russian voice); the hold music is synthesised here
(a soft arpeggio). Everything is written as 8 kHz mono 16-bit WAV, what Asterisk plays.
Run it again after changing a text:

    apt-get install espeak-ng && .venv/bin/python scripts/make_standard_media.py
"""

from __future__ import annotations

import array
import math
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from vats.core.media.audio import SAMPLE_RATE, decode_wav, wav_bytes
from vats.core.media.standard import STANDARD, STANDARD_DIR


def speak(text: str) -> array.array[int]:
    with tempfile.TemporaryDirectory() as folder:
        raw = Path(folder) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "ru", "-s", "150", "-w", str(raw), text], check=True)
        return decode_wav(raw)


def hold_music(seconds: float = 12.0) -> array.array[int]:
    """A calm arpeggio (A minor, F, C, G), each note with a soft attack and decay."""
    notes = [220.0, 261.63, 329.63, 261.63, 174.61, 220.0, 261.63, 220.0,
             261.63, 329.63, 392.0, 329.63, 196.0, 246.94, 293.66, 246.94]  # fmt: skip
    note_len = seconds / len(notes)
    samples = array.array("h")
    for frequency in notes:
        count = int(note_len * SAMPLE_RATE)
        for i in range(count):
            t = i / SAMPLE_RATE
            envelope = min(1.0, t / 0.05) * math.exp(-2.5 * t)
            value = math.sin(2 * math.pi * frequency * t) + 0.3 * math.sin(4 * math.pi * frequency * t)
            samples.append(int(9000 * envelope * value))
    return samples


def main() -> None:
    STANDARD_DIR.mkdir(parents=True, exist_ok=True)
    for name, item in STANDARD.items():
        samples = hold_music() if item.text is None else speak(item.text)
        (STANDARD_DIR / f"{name}.wav").write_bytes(wav_bytes(samples))
        print(f"{name}.wav  {len(samples) / SAMPLE_RATE:.1f} s")


if __name__ == "__main__":
    main()
