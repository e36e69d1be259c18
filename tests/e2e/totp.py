"""The demo authenticator for browser tests, in a module of its own: pytest may import
``conftest.py`` under another name than the test modules do, and the record of the codes
already typed must be one for the whole session."""

from __future__ import annotations

import time

import pyotp
from playwright.sync_api import Page

from teia.demo import DEMO_TOTP_SECRET

# The last TOTP time step each demo account used: the server refuses a code twice.
_used_steps: dict[str, int] = {}


def type_second_factor(page: Page, email: str) -> None:
    """Type the code an authenticator app holding the demo key would show now."""
    totp = pyotp.TOTP(DEMO_TOTP_SECRET)
    now = int(time.time()) // totp.interval
    step = max(now, _used_steps.get(email, 0) + 1)
    if step > now + 1:  # this step's code and the next one are used: wait for a new step
        time.sleep((step - 1) * totp.interval - time.time() + 0.5)
    _used_steps[email] = step
    page.get_by_label("Código da aplicação ou código de recuperação").fill(
        totp.at(step * totp.interval)
    )
    page.get_by_role("button", name="Confirmar").click()
