"""The scenario editor's form parts for forwarding, voicemail and hang-up (hook
``register_block_forms``): the fields the cabinet shows for each block, with choices from
the PBX's employees and groups."""

from __future__ import annotations

from vats.core.engine.forms import BlockFormPart, Choice, FormField, Stage, TypedEntry
from vats.core.snapshot import TenantSnapshot

HANDLING: frozenset[Stage] = frozenset({"handling", "insurance"})


def _targets(snapshot: TenantSnapshot) -> list[Choice]:
    people = sorted(snapshot.employees.values(), key=lambda e: (e.extension or "", e.full_name))
    groups = sorted(snapshot.groups.values(), key=lambda g: g.name.casefold())
    return [
        *(Choice(value={"kind": "employee", "id": str(e.id)}, label=f"{e.full_name} ({e.extension})") for e in people),
        *(Choice(value={"kind": "group", "id": str(g.id)}, label=f"группа «{g.name}»", label_en=f"group «{g.name}»")
          for g in groups),
    ]  # fmt: skip


# A forwarding target typed in: an outside number (E.164; 8 495 … is read as +7 495 …).
OUTSIDE_NUMBER = TypedEntry(label="внешний номер…", label_en="outside number…", value={"kind": "external"},
                            key="number", hint="+7 495 123-45-67", hint_en="+7 495 123-45-67", phone=True)  # fmt: skip


def _assignees(snapshot: TenantSnapshot) -> list[Choice]:
    people = sorted(snapshot.employees.values(), key=lambda e: (e.extension or "", e.full_name))
    return [Choice(value=None, label="—"), *(Choice(value=str(e.id), label=e.full_name) for e in people)]


def forward_fields(snapshot: TenantSnapshot) -> list[FormField]:
    return [
        FormField(path="targets", label="Адресаты (по порядку)", label_en="Targets (in order)", kind="list",
                  choices=_targets(snapshot), typed=OUTSIDE_NUMBER),
        FormField(path="order", label="Порядок дозвона", label_en="Ringing order", kind="choice", choices=[
            Choice(value="sequential", label="последовательно", label_en="one by one"),
            Choice(value="parallel", label="параллельно", label_en="all at once"),
            Choice(value="least_busy", label="по наименьшей занятости", label_en="least busy first"),
        ]),
        FormField(path="ring_s", label="Время дозвона, с", label_en="Ring time, s", kind="number",
                  hint="от 5 до 600", hint_en="5 to 600"),
        FormField(path="personal_manager_first", label="Сначала персональному менеджеру",
                  label_en="Personal manager first", kind="check"),
        FormField(path="queue", label="Очередь", label_en="Queue", kind="choice", choices=[
            Choice(value=None, label="без очереди", label_en="no queue"),
            Choice(value={"max_wait_s": 60}, label="ждать до 1 минуты", label_en="wait up to 1 minute"),
            Choice(value={"max_wait_s": 180}, label="ждать до 3 минут", label_en="wait up to 3 minutes"),
            Choice(value={"max_wait_s": 600}, label="ждать до 10 минут", label_en="wait up to 10 minutes"),
        ]),
        FormField(path="on_failure.action", label="Если никто не ответил", label_en="If nobody answers",
                  kind="choice", choices=[
            Choice(value="insurance", label="перейти к страховке", label_en="go to insurance"),
            Choice(value="play_and_task", label="медиа и задача", label_en="media and a task"),
            Choice(value="hangup", label="завершить вызов", label_en="hang up"),
        ]),
        FormField(path="on_failure.task_for", label="Задача для", label_en="Task for", kind="choice", choices=[
            Choice(value="first", label="первого из адресатов", label_en="the first target"),
            Choice(value="last", label="адресата, на котором остановился", label_en="the last target rung"),
        ]),
        FormField(path="on_failure.media", label="Медиа перед завершением", label_en="Media before ending",
                  kind="media"),
    ]  # fmt: skip


def voicemail_fields(snapshot: TenantSnapshot) -> list[FormField]:
    return [
        FormField(path="greeting", label="Приветствие автоответчика", label_en="Answering greeting", kind="media"),
        FormField(path="assignee_id", label="Задача о сообщении для", label_en="Task about the message for",
                  kind="choice", choices=_assignees(snapshot)),
    ]  # fmt: skip


def hangup_fields(snapshot: TenantSnapshot) -> list[FormField]:
    return [FormField(path="media", label="Медиа перед завершением", label_en="Media before ending", kind="media")]


FORMS = [
    BlockFormPart(tag="forward", label="Переадресация", label_en="Forward", stages=HANDLING, fields=forward_fields),
    BlockFormPart(tag="voicemail", label="Голосовое сообщение", label_en="Voicemail", stages=HANDLING,
                  fields=voicemail_fields),
    BlockFormPart(tag="hangup", label="Завершение вызова", label_en="Hang up", stages=HANDLING, fields=hangup_fields),
]  # fmt: skip
