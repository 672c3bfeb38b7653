"""The standard media every PBX has without uploading anything (made by
scripts/make_standard_media.py with espeak-ng, committed as 8 kHz WAV). A media chain names
them as ``standard:<name>``."""

from __future__ import annotations

from pathlib import Path

import msgspec

STANDARD_DIR = Path(__file__).with_name("sounds")


class StandardMedia(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    text: str | None  # what is said; None for music


STANDARD: dict[str, StandardMedia] = {
    "greeting": StandardMedia(
        title="Приветствие", text="Здравствуйте! Спасибо за звонок. Пожалуйста, оставайтесь на линии."
    ),
    "all_busy": StandardMedia(
        title="Все операторы заняты",
        text="Все операторы сейчас заняты. Пожалуйста, оставайтесь на линии, вам обязательно ответят.",
    ),
    "recording_warning": StandardMedia(
        title="Предупреждение о записи", text="Внимание! В целях контроля качества разговор может быть записан."
    ),
    "voicemail_prompt": StandardMedia(
        title="Голосовая почта", text="Оставьте, пожалуйста, сообщение после звукового сигнала. Мы вам перезвоним."
    ),
    "insufficient_funds": StandardMedia(
        title="Недостаточно средств",
        text="Недостаточно средств на счёте. Звонок не может быть выполнен. Пожалуйста, пополните баланс.",
    ),
    "hold_music": StandardMedia(title="Музыка на удержании", text=None),
}


def standard_path(name: str) -> Path:
    return STANDARD_DIR / f"{name}.wav"
