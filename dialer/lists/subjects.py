# ruff: noqa: RUF001, RUF002, RUF003  (Russian text is intentional here)
"""Russian federal subjects and their IANA time zones: a reviewed table, not a guess.

Why a table in the code: the numbering plan register (see `dialer.lists.numbering`) names
the subject a range of numbers is assigned to, in several spellings ("Новосибирская обл.",
"г. Москва и Московская область", "Республика Саха /Якутия/", "г. Москва|Московская обл.",
"Ханты - Мансийский - Югра АО"...), and the zone of a subject changes only by federal law
(the last change: Volgograd, 2020). Each subject is listed once with every zone used on
its territory; a subject with several zones (Якутия, Сахалинская область) resolves to the
set of them and the calling-window rules treat it like any ambiguous contact (callable
only when it is daytime in all of them).

Names are matched by word-start stems after case folding, ё→е and punctuation removal;
the first subject whose stem matches wins, so more specific stems come first where two
subjects share a prefix ("Ямало-Ненецкий" before "Ненецкий", "Сахалин" before "Саха").
Reviewed against tzdata's zone1970.tab comments for Russia (2024b) and Federal Law 107-FZ
"On the calculation of time" (as amended): DNR, LNR, Zaporozhye and Kherson regions keep
Moscow time; Baikonur (leased from Kazakhstan) keeps Kazakhstan's UTC+5.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import NamedTuple


class Subject(NamedTuple):
    """A federal subject (or a territory the register names like one) and its zones, main one first."""

    name: str
    zones: tuple[str, ...]
    stems: tuple[str, ...]


_MSK = ("Europe/Moscow",)
_YEKB = ("Asia/Yekaterinburg",)

#: Every federal subject. Order matters only between stems sharing a prefix (see the module docstring).
SUBJECTS: tuple[Subject, ...] = (
    # --- MSK-1 ---
    Subject("Калининградская область", ("Europe/Kaliningrad",), ("калининград", "kaliningrad")),
    # --- subjects whose stems could be shadowed by others: listed first ---
    Subject("Ямало-Ненецкий автономный округ", _YEKB, ("ямал", "янао", "салехард", "новый уренгой", "ноябрьск")),
    Subject("Ненецкий автономный округ", _MSK, ("ненецк", "нао ", "нарьян")),
    Subject("Сахалинская область", ("Asia/Sakhalin", "Asia/Srednekolymsk"), ("сахалин", "курил")),
    Subject(
        "Республика Саха (Якутия)",
        ("Asia/Yakutsk", "Asia/Khandyga", "Asia/Ust-Nera", "Asia/Srednekolymsk"),
        ("саха", "якут"),
    ),
    Subject("Ханты-Мансийский автономный округ — Югра", _YEKB, ("ханты", "хмао", "югр", "сургут", "нижневартовск")),
    Subject("Кабардино-Балкарская Республика", _MSK, ("кабардин", "кбр", "нальчик")),
    Subject("Карачаево-Черкесская Республика", _MSK, ("карачаев", "кчр", "черкесск")),
    Subject("Республика Северная Осетия — Алания", _MSK, ("северная осетия", "осети", "алания", "владикавказ")),
    Subject("Нижегородская область", _MSK, ("нижегород", "нижний новгород")),
    Subject("Новгородская область", _MSK, ("новгород",)),
    Subject("Томская область", ("Asia/Tomsk",), ("томск", "tomsk")),
    Subject("Омская область", ("Asia/Omsk",), ("омск", "omsk")),
    Subject("Кемеровская область — Кузбасс", ("Asia/Novokuznetsk",), ("кемеров", "кузбас", "новокузнецк")),
    Subject("Новосибирская область", ("Asia/Novosibirsk",), ("новосибир", "novosibirsk")),
    Subject("Республика Алтай", ("Asia/Barnaul",), ("республика алтай", "респ алтай", "горно алтайск")),
    Subject("Алтайский край", ("Asia/Barnaul",), ("алтай", "барнаул")),
    Subject("Красноярский край", ("Asia/Krasnoyarsk",), ("красноярск", "krasnoyarsk", "норильск")),
    Subject("Республика Хакасия", ("Asia/Krasnoyarsk",), ("хакас", "абакан")),
    Subject("Республика Тыва", ("Asia/Krasnoyarsk",), ("тыва", "тува", "кызыл")),
    Subject("Иркутская область", ("Asia/Irkutsk",), ("иркутск", "irkutsk")),
    Subject("Республика Бурятия", ("Asia/Irkutsk",), ("бурят", "улан удэ")),
    Subject("Забайкальский край", ("Asia/Chita",), ("забайкал", "чита ")),
    Subject("Амурская область", ("Asia/Yakutsk",), ("амурск", "благовещенск")),
    Subject("Приморский край", ("Asia/Vladivostok",), ("примор", "владивосток", "vladivostok")),
    Subject("Хабаровский край", ("Asia/Vladivostok",), ("хабаров", "комсомольск на амуре")),
    Subject("Еврейская автономная область", ("Asia/Vladivostok",), ("еврейск", "биробиджан")),
    Subject("Магаданская область", ("Asia/Magadan",), ("магадан",)),
    Subject("Камчатский край", ("Asia/Kamchatka",), ("камчат",)),
    Subject("Чукотский автономный округ", ("Asia/Anadyr",), ("чукот", "анадыр")),
    # --- MSK+2 ---
    Subject("Свердловская область", _YEKB, ("свердлов", "екатеринбург", "yekaterinburg", "ekaterinburg")),
    Subject("Челябинская область", _YEKB, ("челяб",)),
    Subject("Курганская область", _YEKB, ("курган",)),
    Subject("Тюменская область", _YEKB, ("тюмен",)),
    Subject("Оренбургская область", _YEKB, ("оренбург",)),
    Subject("Республика Башкортостан", _YEKB, ("башк", "уфа ")),
    Subject("Пермский край", _YEKB, ("перм",)),
    # --- MSK+1 and the Volga zones ---
    Subject("Самарская область", ("Europe/Samara",), ("самар", "samara", "тольятти")),
    Subject("Удмуртская Республика", ("Europe/Samara",), ("удмурт", "ижевск")),
    Subject("Саратовская область", ("Europe/Saratov",), ("саратов",)),
    Subject("Ульяновская область", ("Europe/Ulyanovsk",), ("ульянов",)),
    Subject("Астраханская область", ("Europe/Astrakhan",), ("астрахан",)),
    Subject("Волгоградская область", ("Europe/Volgograd",), ("волгоград",)),
    Subject("Кировская область", ("Europe/Kirov",), ("киров",)),
    # --- Crimea (Europe/Simferopol is MSK) ---
    Subject("Республика Крым", ("Europe/Simferopol",), ("крым", "симферопол")),
    Subject("Севастополь", ("Europe/Simferopol",), ("севастопол",)),
    # --- MSK ---
    Subject("Москва", _MSK, ("москва", "moscow")),
    Subject("Московская область", _MSK, ("москов",)),
    Subject("Санкт-Петербург", _MSK, ("санкт петербург", "петербург", "спб ", "petersburg")),
    Subject("Ленинградская область", _MSK, ("ленинград",)),
    Subject("Мурманская область", _MSK, ("мурман",)),
    Subject("Республика Карелия", _MSK, ("карел", "петрозаводск")),
    Subject("Республика Коми", _MSK, ("коми ", "сыктывкар")),
    Subject("Архангельская область", _MSK, ("архангел",)),
    Subject("Вологодская область", _MSK, ("вологод", "череповец")),
    Subject("Псковская область", _MSK, ("псков",)),
    Subject("Тверская область", _MSK, ("твер",)),
    Subject("Ярославская область", _MSK, ("ярослав",)),
    Subject("Костромская область", _MSK, ("костром",)),
    Subject("Ивановская область", _MSK, ("иванов",)),
    Subject("Владимирская область", _MSK, ("владимир",)),
    Subject("Смоленская область", _MSK, ("смолен",)),
    Subject("Брянская область", _MSK, ("брянск",)),
    Subject("Калужская область", _MSK, ("калуж", "калуга")),
    Subject("Тульская область", _MSK, ("тульск", "тула ")),
    Subject("Рязанская область", _MSK, ("рязан",)),
    Subject("Орловская область", _MSK, ("орлов", "орел ")),
    Subject("Курская область", _MSK, ("курск",)),
    Subject("Белгородская область", _MSK, ("белгород",)),
    Subject("Воронежская область", _MSK, ("воронеж",)),
    Subject("Липецкая область", _MSK, ("липецк",)),
    Subject("Тамбовская область", _MSK, ("тамбов",)),
    Subject("Пензенская область", _MSK, ("пенз",)),
    Subject("Республика Мордовия", _MSK, ("мордов", "саранск")),
    Subject("Чувашская Республика", _MSK, ("чуваш", "чебоксар")),
    Subject("Республика Марий Эл", _MSK, ("марий", "йошкар")),
    Subject("Республика Татарстан", _MSK, ("татарстан", "казан", "kazan", "набережные челны")),
    Subject("Краснодарский край", _MSK, ("краснодар", "кубан", "сочи")),
    Subject("Республика Адыгея", _MSK, ("адыг", "майкоп")),
    Subject("Ростовская область", _MSK, ("ростов",)),
    Subject("Ставропольский край", _MSK, ("ставрополь",)),
    Subject("Республика Ингушетия", _MSK, ("ингуш", "магас")),
    Subject("Чеченская Республика", _MSK, ("чечен", "чечня", "грозный")),
    Subject("Республика Дагестан", _MSK, ("дагестан", "махачкал")),
    Subject("Республика Калмыкия", _MSK, ("калмык", "элиста")),
    Subject("Донецкая Народная Республика", _MSK, ("донецк", "днр")),
    Subject("Луганская Народная Республика", _MSK, ("луганск", "лнр")),
    Subject("Запорожская область", _MSK, ("запорож",)),
    Subject("Херсонская область", _MSK, ("херсон",)),
    # --- not a subject, but the register assigns ranges to it ---
    Subject("Байконур", ("Asia/Qyzylorda",), ("байконур",)),
)

#: Every zone used in Russia: what a range assigned to the whole country ("Российская Федерация") may be in.
RUSSIA_ZONES: tuple[str, ...] = tuple(dict.fromkeys(z for s in SUBJECTS if s.name != "Байконур" for z in s.zones))
_WHOLE_COUNTRY = frozenset(("российская федерация", "россия", "рф", "russia", "russian federation"))
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
#: Several subjects in one cell: "г. Москва|Московская обл.", "г. Москва и Московская область".
_SEVERAL = re.compile(r"\s*\|\s*|\s+и\s+|\s*;\s*")
_UNSET = ("", "-", "—", "–", "нет", "n/a")


def _norm(text: str) -> str:
    return " " + _NON_WORD.sub(" ", text.casefold().replace("ё", "е")).strip() + " "


def _subject_in(norm: str) -> Subject | None:
    for subject in SUBJECTS:
        for stem in subject.stems:
            # at a word start only ("омск" is not in "томская"); a stem ending in a space is a whole word
            if " " + stem in norm:
                return subject
    return None


@lru_cache(maxsize=8192)
def subjects_for(text: str) -> tuple[Subject, ...]:
    """The subjects a region cell names, in the cell's order (empty: none recognised).

    One unrecognised part makes the whole answer empty: a cell naming a place we do not
    know must not be read as only the part we do know.
    """
    if text.strip().casefold() in _UNSET:
        return ()
    found: list[Subject] = []
    for part in _SEVERAL.split(text.strip()):
        if part.strip().casefold() in _UNSET:
            continue
        subject = _subject_in(_norm(part))
        if subject is None:
            return ()
        if subject not in found:
            found.append(subject)
    return tuple(found)


@lru_cache(maxsize=8192)
def zones_for_region(text: str) -> tuple[str, ...]:
    """Every zone a region cell may mean, main first (empty: not recognised).

    A range assigned to the whole country gives all of Russia's zones: as ambiguous as
    the number itself, and handled the same way.
    """
    if _norm(text).strip() in _WHOLE_COUNTRY:
        return RUSSIA_ZONES
    return tuple(dict.fromkeys(z for s in subjects_for(text) for z in s.zones))
