"""The schedule pages' texts (keys prefixed ``schedules_``, merged into the cabinet's)."""

from __future__ import annotations

RU: dict[str, str] = {
    "schedules_title": "Графики",
    "schedules_intro": "Рабочие часы по дням недели; промежутки внутри дня — перерывы (например, обед).",
    "schedules_name": "Название",
    "schedules_default": "по умолчанию",
    "schedules_add": "Добавить график",
    "schedules_create": "Создать",
    "schedules_back": "Все графики",
    "schedules_hours": "Рабочие часы",
    "schedules_hours_hint": "Например: 09:00-13:00, 14:00-18:00 (обед с 13 до 14). Пусто — выходной.",
    "schedules_day_off": "выходной",
    "schedules_break": "перерыв",
    "schedules_work": "работа",
    "schedules_save": "Сохранить",
    "schedules_saved": "График сохранён.",
    "schedules_not_saved": "Не сохранено: исправьте отмеченные дни.",
    "schedules_bad_span": "«{span}» — не промежуток вида 09:00-13:00.",
    "schedules_none": "Графиков пока нет.",
    "schedules_week": "Неделя",
}

EN: dict[str, str] = {
    "schedules_title": "Schedules",
    "schedules_intro": "Working hours by weekday; the gaps inside a day are breaks (e.g. lunch).",
    "schedules_name": "Name",
    "schedules_default": "default",
    "schedules_add": "Add a schedule",
    "schedules_create": "Create",
    "schedules_back": "All schedules",
    "schedules_hours": "Working hours",
    "schedules_hours_hint": "E.g. 09:00-13:00, 14:00-18:00 (lunch 13 to 14). Empty: a day off.",
    "schedules_day_off": "day off",
    "schedules_break": "break",
    "schedules_work": "work",
    "schedules_save": "Save",
    "schedules_saved": "The schedule is saved.",
    "schedules_not_saved": "Not saved: fix the marked days.",
    "schedules_bad_span": "“{span}” is not a span like 09:00-13:00.",
    "schedules_none": "No schedules yet.",
    "schedules_week": "Week",
}
