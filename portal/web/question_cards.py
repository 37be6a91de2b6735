"""``{{ question_cards(…) }}``: the SLA tracker's cards, each drawn once for what it shows.

A card was a quarter of the tracker's CPU (about 50 µs each: three forms, three dates,
the assignee list), and the same cards are drawn again and again: the page is reloaded
after every answer, and its script fetches the list every few seconds for each member of
HR who has it open. ``admin/questions/_card.html`` reads nothing but its arguments, so
its text is a function of them and is kept per language and arguments. Two things on
a card differ on every page: the CSRF field (the session's) and the client id of the
answer form (new for every page, so that a double submit of one form is stored once and
two answers from two pages are not). They are drawn as marks and put in place by each
call.

The key holds the whole card (a ``TrackerQuestion``, a named tuple: its time-left label,
its asker's names and checklist counts...), the assignees offered on it, who is looking,
and the page's time zone, filters and limits: a change to any of them draws the card
anew. One call draws the whole list: a call from the template per card, with its
look-ups, cost as much as the kept card.
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

from jinja2 import Environment
from markupsafe import Markup

from portal import i18n

# What the card memo holds at most: a full tracker (300 cards) for several people at
# once, a few KiB each.
CARD_MEMO_SIZE = 2048

# Drawn where the page's own values go. Random per process and plain letters and digits,
# so escaping leaves them as they are and no text a candidate writes can contain them.
_CSRF_MARK = f"csrfmark{secrets.token_hex(12)}"
_CLIENT_MARK = f"clientmark{secrets.token_hex(12)}"


def question_cards_drawer(env: Environment) -> Any:
    @functools.lru_cache(maxsize=CARD_MEMO_SIZE)
    def drawn(
        locale: str,
        question: Any,
        assignees: tuple[Any, ...],
        staff_id: int,
        staff_role: str,
        timezone: str,
        filters: Any,
        answer_max_chars: int,
        card_error: str,
        typed_text: str,
    ) -> str:
        return env.get_template("admin/questions/_card.html").render(
            q=question,
            assignees=assignees,
            staff_id=staff_id,
            staff_role=staff_role,
            timezone=timezone,
            filters=filters,
            answer_max_chars=answer_max_chars,
            card_error=card_error,
            typed_text=typed_text,
            csrf_field=Markup(_CSRF_MARK),  # noqa: S704 - letters and digits
            client_id=_CLIENT_MARK,
        )

    def question_cards(
        questions: Sequence[Any],
        assignees: Mapping[int, Sequence[Any]],
        staff: Any,
        timezone: str,
        filters: Any,
        answer_max_chars: int,
        card_errors: Mapping[int, str],
        typed: Mapping[int, str],
        csrf_input: Any,
        client_ids: Mapping[int, str],
    ) -> Markup:
        """Every card, each between newlines (as the list's loop wrote them)."""
        locale, csrf = i18n.get_locale(), str(csrf_input)
        texts = []
        for question in questions:
            text = drawn(
                locale,
                question,
                tuple(assignees.get(question.id, ())),
                staff.id,
                staff.role,
                timezone,
                filters,
                answer_max_chars,
                card_errors.get(question.id, ""),
                typed.get(question.id, ""),
            )
            text = text.replace(_CSRF_MARK, csrf).replace(_CLIENT_MARK, client_ids[question.id])
            texts.append(f"\n{text}\n")
        return Markup("".join(texts))  # noqa: S704 - the cards' own escaped text

    question_cards.cache_clear = drawn.cache_clear  # type: ignore[attr-defined]
    question_cards.cache_info = drawn.cache_info  # type: ignore[attr-defined]
    return question_cards
