"""Texts of the migration's agreement, banner and completion pages (tenant cabinet and operator
portal), Russian first. ``err:`` keys translate the services' refusals on the cabinet's pages."""

from __future__ import annotations

TEXTS_RU = {
    # the banner
    "mig_banner": "Переход в новый личный кабинет",
    "mig_banner_note": "Настройки нового кабинета вступят в силу только после завершения миграции. "
    "До тех пор звонки обрабатываются по правилам старого кабинета.",
    "mig_step_agreement": "Принять миграционную оферту",
    "mig_agreement_done": "Принята редакция {version}: {name}, {at}.",
    "mig_agreement_new": "Опубликована новая редакция оферты.",
    "mig_agreement_none": "Оператор ещё не опубликовал оферту.",
    "mig_read_accept": "Прочитать и принять",
    "mig_step_settings": "Проверить перенесённые настройки",
    "mig_settings_hint": "Сотрудников и их телефоны, сценарии номеров.",
    "mig_settings_ok": "Для каждого номера есть новый сценарий, у каждого сотрудника есть e-mail.",
    "mig_no_scenario": "Номера без нового сценария: {numbers}.",
    "mig_no_email": "Сотрудники без e-mail (не смогут войти): {count}.",
    "mig_employees": "Сотрудники",
    "mig_scenarios": "Сценарии",
    "mig_step_complete": "Завершить миграцию",
    "mig_complete_later": "Кнопка появится после принятия оферты.",
    "mig_complete_warning": "Не нажимайте, пока не проверите все настройки: отменить завершение нельзя.",
    "mig_completing": "Миграция завершается: шаг {done} из {total}.",
    "mig_completing_note": "Звонки переключатся на новые сценарии одновременно. Страницу можно закрыть.",
    "mig_completed": "Миграция завершена: звонки обрабатываются по сценариям нового кабинета.",
    "mig_recreate": "Пересоздать",
    "mig_progress": "Ход миграции",
    "mig_done": "выполнено",
    "mig_todo": "не выполнено",
    # the agreement page
    "mig_agreement_title": "Миграционная оферта",
    "mig_version": "Редакция {version} от {at}",
    "mig_accept": "Принять",
    "mig_accepted_by": "Вы приняли эту редакцию",
    "mig_accepted": "Оферта принята.",
    "mig_history": "Кто и когда принимал оферту",
    "mig_who": "Кто",
    "mig_when": "Когда",
    "mig_which": "Редакция",
    "mig_back": "Вернуться в кабинет",
    # the completion's confirmation
    "mig_confirm_title": "Завершение миграции",
    "mig_confirm_hint": "Проверьте адреса электронной почты сотрудников: на них придут приглашения "
    "в новый личный кабинет. Чтобы исправить адрес, нажмите «Отменить» и измените его в разделе «Сотрудники».",
    "mig_confirm_irreversible": "После нажатия «ОК» звонки будут обрабатываться по сценариям нового кабинета. "
    "Отменить миграцию будет невозможно.",
    "mig_name": "Сотрудник",
    "mig_email": "E-mail",
    "mig_role": "Роль",
    "mig_role_admin": "администратор",
    "mig_role_user": "сотрудник",
    "mig_no_email_cell": "нет e-mail: войти не сможет",
    "mig_ok": "ОК",
    "mig_cancel": "Отменить",
    "mig_started": "Завершение миграции запущено.",
    # recreating
    "mig_recreate_title": "Пересоздать настройки",
    "mig_recreate_hint": "Все настройки нового кабинета будут удалены: сотрудники (кроме первого администратора), "
    "группы, новые сценарии и их графики. Номера, SIP-линии с их логинами и паролями и звонки по правилам "
    "старого кабинета останутся как есть. Затем процесс начнётся заново с настройки сотрудников.",
    "mig_recreated_next": "Звонки по-прежнему обрабатываются по правилам старого кабинета, телефоны остаются "
    "зарегистрированы. Настройте сотрудников заново в мастере миграции вместе с оператором или службой "
    "поддержки и снова создайте ЛК ВАТС.",
    "mig_recreate_ok": "Пересоздать",
    "mig_recreated": "Настройки удалены: продолжите с шага сотрудников.",
    # the operator's page
    "mig_op_title": "Миграционная оферта",
    "mig_op_hint": "Каждое сохранение публикует новую редакцию; прежние редакции остаются без изменений. "
    "Администраторы перенесённых АТС принимают последнюю редакцию.",
    "mig_op_heading": "Заголовок",
    "mig_op_body": "Текст оферты",
    "mig_op_save": "Опубликовать новую редакцию",
    "mig_op_published": "Опубликована редакция {version}.",
    "mig_op_versions": "Редакции",
    "mig_op_published_by": "Опубликовал",
    "mig_op_none": "Оферта ещё не опубликована.",
    "mig_op_acceptances": "Принятия",
    "mig_op_tenant": "АТС",
    "mig_op_no_acceptances": "Пока никто не принимал оферту.",
    "mig_op_all_versions": "Все редакции",
    "op_action_migration_agreement_published": "миграция: опубликована редакция оферты",
    # refusals
    "err:the agreement needs a title": "Укажите заголовок оферты",
    "err:the agreement needs a text": "Введите текст оферты",
    "err:a newer version of the migration agreement was published: read it and accept it": (
        "Опубликована новая редакция оферты: прочитайте и примите её"
    ),
    "err:the operator has not published the migration agreement yet": "Оператор ещё не опубликовал оферту",
    "err:no such version of the migration agreement": "Такой редакции оферты нет",
    "err:only an admin of the PBX accepts the migration agreement": "Оферту принимает администратор АТС",
    "err:accept the migration agreement before completing the migration": ("Сначала примите миграционную оферту"),
    "err:confirm the employees' e-mails (their log-ins) before completing the migration": (
        "Подтвердите адреса электронной почты сотрудников"
    ),
    "err:the migration is already completed": "Миграция уже завершена",
    "err:this PBX was not migrated": "Эта АТС не переносилась из старого кабинета",
    "err:the completion of the migration was requested: it can no longer be recreated": (
        "Завершение миграции уже запущено: пересоздать настройки нельзя"
    ),
}

TEXTS_EN = {
    "mig_banner": "Moving to the new cabinet",
    "mig_banner_note": "The new cabinet's settings take effect only when the migration is completed. "
    "Until then calls follow the old cabinet's rules.",
    "mig_step_agreement": "Accept the migration agreement",
    "mig_agreement_done": "Version {version} accepted: {name}, {at}.",
    "mig_agreement_new": "A new version of the agreement was published.",
    "mig_agreement_none": "The operator has not published the agreement yet.",
    "mig_read_accept": "Read and accept",
    "mig_step_settings": "Check the moved settings",
    "mig_settings_hint": "Employees and their phones, the numbers' scenarios.",
    "mig_settings_ok": "Every number has a new scenario, every employee an e-mail.",
    "mig_no_scenario": "Numbers without a new scenario: {numbers}.",
    "mig_no_email": "Employees without an e-mail (they cannot sign in): {count}.",
    "mig_employees": "Employees",
    "mig_scenarios": "Scenarios",
    "mig_step_complete": "Complete the migration",
    "mig_complete_later": "The button appears once the agreement is accepted.",
    "mig_complete_warning": "Do not press it before checking every setting: completion cannot be undone.",
    "mig_completing": "Completing the migration: step {done} of {total}.",
    "mig_completing_note": "Calls switch to the new scenarios all at once. You may close the page.",
    "mig_completed": "The migration is completed: calls follow the new cabinet's scenarios.",
    "mig_recreate": "Start over",
    "mig_progress": "Migration progress",
    "mig_done": "done",
    "mig_todo": "to do",
    "mig_agreement_title": "Migration agreement",
    "mig_version": "Version {version} of {at}",
    "mig_accept": "Accept",
    "mig_accepted_by": "You accepted this version",
    "mig_accepted": "The agreement is accepted.",
    "mig_history": "Who accepted the agreement and when",
    "mig_who": "Who",
    "mig_when": "When",
    "mig_which": "Version",
    "mig_back": "Back to the cabinet",
    "mig_confirm_title": "Completing the migration",
    "mig_confirm_hint": "Check the employees' e-mails: the invitations to the new cabinet go there. "
    "To correct one, press Cancel and change it under Employees.",
    "mig_confirm_irreversible": "After OK calls follow the new cabinet's scenarios. The migration cannot be undone.",
    "mig_name": "Employee",
    "mig_email": "E-mail",
    "mig_role": "Role",
    "mig_role_admin": "admin",
    "mig_role_user": "employee",
    "mig_no_email_cell": "no e-mail: cannot sign in",
    "mig_ok": "OK",
    "mig_cancel": "Cancel",
    "mig_started": "Completing the migration has started.",
    "mig_recreate_title": "Start the settings over",
    "mig_recreate_hint": "Every setting of the new cabinet is deleted: employees (but the first admin), groups, "
    "the new scenarios and their schedules. Numbers, SIP lines with their log-ins and passwords and the calls "
    "on the old cabinet's rules stay as they are. Then the process starts again from the employee step.",
    "mig_recreated_next": "Calls still follow the old cabinet's rules and the phones stay registered. Set the "
    "employees up again in the migration wizard with the operator or support, and create the cabinet again.",
    "mig_recreate_ok": "Start over",
    "mig_recreated": "The settings were deleted: go on from the employee step.",
    "mig_op_title": "Migration agreement",
    "mig_op_hint": "Every save publishes a new version; earlier versions stay as they were. "
    "Admins of migrated PBXs accept the latest version.",
    "mig_op_heading": "Title",
    "mig_op_body": "Text",
    "mig_op_save": "Publish a new version",
    "mig_op_published": "Version {version} published.",
    "mig_op_versions": "Versions",
    "mig_op_published_by": "Published by",
    "mig_op_none": "The agreement has not been published yet.",
    "mig_op_acceptances": "Acceptances",
    "mig_op_tenant": "PBX",
    "mig_op_no_acceptances": "Nobody has accepted the agreement yet.",
    "mig_op_all_versions": "All versions",
    "op_action_migration_agreement_published": "migration: agreement version published",
}
