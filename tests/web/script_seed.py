# ruff: noqa: RUF001  (Russian text is intentional here)
"""Call scripts for the web tests: two versions in Russian with the contact's fields, and calls placed under
an A/B rotation through the real leasing query (so the split is the one the dialler makes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dialer.db.models import Attempt, Contact
from dialer.outcomes import AttemptOutcome
from tests.web.conftest import WebEnv

SCRIPT_A = """# Приветствие {#opening}
Добрый день, {contact_person|коллега}! Меня зовут {operator}, компания «Дентал Сервис».
Я звоню в {company}, {city}.
> Улыбайтесь: это слышно.

# Выход на ЛПР {#decision}
- Кто у вас отвечает за закупку оборудования для {headcount} сотрудников?

# Секретарь {#secretary}
Соедините, пожалуйста, с главным врачом: вопрос по направлению **{specialty}**.

# Возражения {#objections}
## Уже есть поставщик {#supplier}
Понимаю. Что бы вы улучшили у нынешнего? Вернуться к [[#opening|приветствию]].
## Нет времени {#busy}
Когда удобно перезвонить? См. [[#supplier]].
"""
SCRIPT_B = SCRIPT_A.replace("Добрый день", "Здравствуйте").replace("# Приветствие", "# Приветствие (короткое)")
T0 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class ScriptSeed:
    version_a: int
    version_b: int
    attempts: dict[int, int]  # attempt id -> the script version the leasing stored


def add_contacts(env: WebEnv, n: int, prefix: str = "+7913") -> None:
    list_id = env.repo.add_contact_list(
        env.seed.campaign_id,
        f"ab-{prefix}",
        [
            {
                "phone": f"{prefix}{i:07d}",
                "company": f"Клиника №{i}",
                "contact_person": "Иван Петров",
                "specialty": "Стоматология",
                "headcount": 1200 + i,
                "extra": {"city": "Новосибирск"},
            }
            for i in range(n)
        ],
    )
    assert list_id


def place_calls(env: WebEnv, n: int, operator_id: int | None = None) -> dict[int, int]:
    """Lease `n` contacts through the dialler's query (which stores each one's script version); all bridged."""
    tasks = env.repo.lease_contacts(env.seed.campaign_id, n, "web-test", T0)
    assert len(tasks) == n
    got: dict[int, int] = {}
    with env.repo.sessions.begin() as s:
        for t in tasks:
            a = s.get(Attempt, t.attempt_id)
            assert a is not None and a.script_version_id is not None
            a.bridged_at = a.answered_at = T0 + timedelta(seconds=5)
            a.operator_id = operator_id
            got[a.id] = a.script_version_id
    return got


def dispose(env: WebEnv, positive_share: dict[int, float]) -> None:
    """Record outcomes: per version, the given share of its bridged calls positive (interested), the rest not."""
    with env.repo.sessions.begin() as s:
        rows = list(
            s.scalars(
                select(Attempt).where(
                    Attempt.campaign_id == env.seed.campaign_id,
                    Attempt.script_version_id.is_not(None),
                    Attempt.disposition_code.is_(None),
                    Attempt.operator_id.is_(None),
                )
            )
        )
        seen: dict[int, int] = {}
        totals = {v: sum(1 for r in rows if r.script_version_id == v) for v in positive_share}
        for r in rows:
            v = r.script_version_id
            assert v is not None
            k = seen.get(v, 0)
            seen[v] = k + 1
            r.outcome = AttemptOutcome.CONNECTED.value
            r.ended_at = T0 + timedelta(seconds=90)
            r.disposition_code = "interested" if k < round(positive_share[v] * totals[v]) else "not_interested"


def contact_of(env: WebEnv, attempt_id: int) -> Contact:
    with env.repo.sessions() as s:
        a = s.get(Attempt, attempt_id)
        assert a is not None
        c = s.get(Contact, a.contact_id)
        assert c is not None
        return c
