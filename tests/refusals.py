"""A check the bad-input tests share (not a test module): each of several values refused by one call, the same way."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import pytest


def refused_each(
    call: Callable[[Any], Any], values: Iterable[Any], error: type[BaseException] = ValueError, message: str = ""
) -> dict[Any, str]:
    """Calls ``call(value)`` for each value and checks that each raises ``error``; ``message``, when given, is the
    whole refusal (a ``str.format`` template: ``{bad}`` is the value), else any message. Returns each value's
    message (for checks of their own: one text whichever side, a range stated)."""
    messages = {}
    for bad in values:
        with pytest.raises(error) as info:
            call(bad)
        text = str(info.value)
        if message:
            expected = message.format(bad=bad)
            assert text == expected or re.search(re.escape(expected) + "$", text), (bad, text, expected)
        messages[bad] = text
    return messages
