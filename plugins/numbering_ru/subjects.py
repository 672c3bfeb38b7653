"""Russia's federal subjects as ISO 3166-2:RU codes, and the mapping from the region names the
numbering registry and phonenumbers' geocoder write to those codes.

The registry spells regions its own way: «г. Москва и Московская область» (two subjects),
«Республика Татарстан (Татарстан)», «Кемеровская область - Кузбасс», abbreviations such as
«обл.», and district-level lines like «р-н Кировский|Республика Крым». A name is cut at "|"
and " и ", normalised (case, «ё», abbreviations, parentheses, dashes) and looked up; what no
rule maps is reported by the import, never dropped silently.
"""

from __future__ import annotations

import re

# ISO 3166-2:RU (83 subjects), with the name a region filter shows.
SUBJECTS: dict[str, str] = {
    "RU-AD": "Республика Адыгея", "RU-AL": "Республика Алтай", "RU-BA": "Республика Башкортостан",
    "RU-BU": "Республика Бурятия", "RU-CE": "Чеченская Республика", "RU-CU": "Чувашская Республика",
    "RU-DA": "Республика Дагестан", "RU-IN": "Республика Ингушетия", "RU-KB": "Кабардино-Балкарская Республика",
    "RU-KL": "Республика Калмыкия", "RU-KC": "Карачаево-Черкесская Республика", "RU-KR": "Республика Карелия",
    "RU-KO": "Республика Коми", "RU-ME": "Республика Марий Эл", "RU-MO": "Республика Мордовия",
    "RU-SA": "Республика Саха (Якутия)", "RU-SE": "Республика Северная Осетия — Алания",
    "RU-TA": "Республика Татарстан", "RU-TY": "Республика Тыва", "RU-UD": "Удмуртская Республика",
    "RU-KK": "Республика Хакасия", "RU-ALT": "Алтайский край", "RU-KAM": "Камчатский край",
    "RU-KHA": "Хабаровский край", "RU-KDA": "Краснодарский край", "RU-KYA": "Красноярский край",
    "RU-PER": "Пермский край", "RU-PRI": "Приморский край", "RU-STA": "Ставропольский край",
    "RU-ZAB": "Забайкальский край", "RU-AMU": "Амурская область", "RU-ARK": "Архангельская область",
    "RU-AST": "Астраханская область", "RU-BEL": "Белгородская область", "RU-BRY": "Брянская область",
    "RU-CHE": "Челябинская область", "RU-IRK": "Иркутская область", "RU-IVA": "Ивановская область",
    "RU-KGD": "Калининградская область", "RU-KLU": "Калужская область", "RU-KEM": "Кемеровская область",
    "RU-KIR": "Кировская область", "RU-KOS": "Костромская область", "RU-KGN": "Курганская область",
    "RU-KRS": "Курская область", "RU-LEN": "Ленинградская область", "RU-LIP": "Липецкая область",
    "RU-MAG": "Магаданская область", "RU-MOS": "Московская область", "RU-MUR": "Мурманская область",
    "RU-NIZ": "Нижегородская область", "RU-NGR": "Новгородская область", "RU-NVS": "Новосибирская область",
    "RU-OMS": "Омская область", "RU-ORE": "Оренбургская область", "RU-ORL": "Орловская область",
    "RU-PNZ": "Пензенская область", "RU-PSK": "Псковская область", "RU-ROS": "Ростовская область",
    "RU-RYA": "Рязанская область", "RU-SAK": "Сахалинская область", "RU-SAM": "Самарская область",
    "RU-SAR": "Саратовская область", "RU-SMO": "Смоленская область", "RU-SVE": "Свердловская область",
    "RU-TAM": "Тамбовская область", "RU-TOM": "Томская область", "RU-TUL": "Тульская область",
    "RU-TVE": "Тверская область", "RU-TYU": "Тюменская область", "RU-ULY": "Ульяновская область",
    "RU-VLA": "Владимирская область", "RU-VGG": "Волгоградская область", "RU-VLG": "Вологодская область",
    "RU-VOR": "Воронежская область", "RU-YAR": "Ярославская область", "RU-MOW": "Москва",
    "RU-SPE": "Санкт-Петербург", "RU-YEV": "Еврейская автономная область",
    "RU-CHU": "Чукотский автономный округ", "RU-KHM": "Ханты-Мансийский автономный округ — Югра",
    "RU-NEN": "Ненецкий автономный округ", "RU-YAN": "Ямало-Ненецкий автономный округ",
}  # fmt: skip

_ABBREVIATIONS = [
    (r"\bобл\.?(?=\s|$)", "область"),
    (r"\bресп\.?(?=\s|$)", "республика"),
    (r"\bавт\.?\s*окр\.?", "автономный округ"),
    (r"\bао\b", "автономный округ"),
    (r"^г\.\s*", ""),
    (r"^город\s+", ""),
    (r"^гфз\s+", ""),
]


def _normal(name: str) -> str:
    text = name.casefold().replace("ё", "е").strip()
    text = re.sub(r"\(.*?\)|/.*?/", " ", text)  # «(Татарстан)», «/Якутия/»
    text = re.sub(r"\s+[-–—]\s+.*$", "", text)  # «- Кузбасс», «— Алания», «- Югра», «- Чувашия»
    for pattern, replacement in _ABBREVIATIONS:
        text = re.sub(pattern, replacement, text)
    return re.sub(r"\s+", " ", text).strip(" .,")


_BY_NAME: dict[str, str] = {_normal(name): code for code, name in SUBJECTS.items()}
_BY_NAME.update(
    {
        _normal("Республика Северная Осетия"): "RU-SE",
        _normal("Северная Осетия"): "RU-SE",
        _normal("Ханты-Мансийский автономный округ"): "RU-KHM",
        _normal("Республика Саха"): "RU-SA",
        _normal("Якутия"): "RU-SA",
        _normal("Чувашия"): "RU-CU",
        _normal("Кузбасс"): "RU-KEM",
        _normal("Югра"): "RU-KHM",
    }
)


def subjects_for(region: str) -> list[str] | None:
    """ISO 3166-2:RU codes for a registry or geocoder region name; None if nothing maps.

    «г. Москва и Московская область» gives both subjects; a district-level line
    («г.о. Красногорск|Московская обл.») maps through the part that names a subject.
    """
    codes: list[str] = []
    # District-level lines go from the district up to the subject: the last part that maps is
    # the most specific subject («Тюменская обл.|Ханты-Мансийский АО» is in Khanty-Mansi).
    for part in reversed(re.split(r"\|", region)):
        found = [_BY_NAME.get(_normal(piece)) for piece in re.split(r"\s+и\s+", part.strip())]
        codes = [code for code in dict.fromkeys(found) if code]
        if codes:
            break
    return codes or None
