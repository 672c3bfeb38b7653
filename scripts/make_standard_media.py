"""Makes the standard media vats ships (core/media/sounds/*.wav), which are committed.

Speech comes from Debian's espeak-ng (Russian voice); the hold music is synthesised here
(a soft arpeggio). Everything is written as 8 kHz mono 16-bit WAV, what Asterisk plays.
Run it again after changing a text:

    apt-get install espeak-ng && .venv/bin/python scripts/make_standard_media.py [NAME ...]

Without the espeak-ng program, the same engine is used as a library from the
``espeakng-loader`` wheel (``pip install espeakng-loader`` in any venv; not a vats dependency).
Naming media makes only those (the others stay byte for byte as committed).
"""

from __future__ import annotations

import array
import ctypes
import math
import shutil
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
        if shutil.which("espeak-ng"):
            subprocess.run(["espeak-ng", "-v", "ru", "-s", "150", "-w", str(raw), text], check=True)
        else:
            speak_with_library(text, raw)
        return decode_wav(raw)


def speak_with_library(text: str, out: Path) -> None:
    """What ``espeak-ng -v ru -s 150 -w out`` does, through libespeak-ng (espeakng-loader)."""
    import wave

    import espeakng_loader  # type: ignore[import-not-found]

    lib = ctypes.CDLL(espeakng_loader.get_library_path())
    retrieval = 1  # AUDIO_OUTPUT_RETRIEVAL: samples come to the callback
    rate = lib.espeak_Initialize(retrieval, 0, espeakng_loader.get_data_path().encode(), 0)
    pcm = bytearray()
    callback_type = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)

    def collect(wav: object, count: int, _events: object) -> int:
        if count > 0:
            pcm.extend(ctypes.string_at(wav, count * 2))  # type: ignore[call-overload]
        return 0

    callback = callback_type(collect)
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_SetVoiceByName(b"ru")
    lib.espeak_SetParameter(1, 150, 0)  # espeakRATE: words per minute, as -s 150
    data = text.encode()
    lib.espeak_Synth(data, len(data) + 1, 0, 1, 0, 1, None, None)  # POS_CHARACTER, espeakCHARS_UTF8
    lib.espeak_Synchronize()
    with wave.open(str(out), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(bytes(pcm))


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
    only = set(sys.argv[1:])
    for name, item in STANDARD.items():
        if only and name not in only:
            continue
        samples = hold_music() if item.text is None else speak(item.text)
        (STANDARD_DIR / f"{name}.wav").write_bytes(wav_bytes(samples))
        print(f"{name}.wav  {len(samples) / SAMPLE_RATE:.1f} s")


if __name__ == "__main__":
    main()
