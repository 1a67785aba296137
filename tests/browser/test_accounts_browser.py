"""In a real browser: sign up with an invite, enable 2FA, log out, log in with the code."""

from __future__ import annotations

import time

import pyotp
import pytest

from tests.support.servers import ServerProcess, free_port, qspace

pytestmark = pytest.mark.browser


@pytest.fixture
def invite_server(tmp_path):
    port = free_port()
    data = tmp_path / "server"
    password = tmp_path / "pw"
    password.write_text("the admin's password\n")
    result = qspace(
        "init",
        "--data-dir",
        str(data),
        "--domain",
        f"127.0.0.1:{port}",
        "--scheme",
        "http",
        "--admin",
        "boss",
        "--password-file",
        str(password),
    )
    assert result.returncode == 0, result.stderr
    server = ServerProcess(data, port, env={"QSPACE_ACCOUNTS_REGISTRATION": "invite"})
    server.start()
    yield server
    server.stop()


def test_signup_with_invite_enable_2fa_logout_login_with_code(browser, invite_server, artifacts):
    """Ensures the whole account journey works in chromium, screenshots kept as artifacts."""
    made = invite_server.cli("invite", "create", "--note", "browser test")
    assert made.returncode == 0, made.stderr
    link = made.stdout.strip().splitlines()[-1]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(link)
        page.fill("input[name=username]", "carol")
        page.fill("input[name=password]", "carol's long password")
        page.fill("input[name=password_confirm]", "carol's long password")
        page.click("button[type=submit]")
        page.wait_for_url("**/@carol")
        assert page.is_visible("text=Log out")

        page.goto(f"{invite_server.base_url}/settings/2fa")
        assert page.locator(".qs-qr svg").count() == 1
        secret = page.inner_text("#totp-secret").strip()
        totp = pyotp.TOTP(secret)
        page.fill("input[name=code]", totp.now())
        page.click("form[action='/settings/2fa/enable'] button[type=submit]")
        page.wait_for_selector("#recovery-codes")
        assert page.locator("#recovery-codes li").count() == 10
        page.screenshot(path=str(artifacts / "accounts-recovery-codes.png"), full_page=True)

        page.click("text=Log out")
        page.wait_for_url(f"{invite_server.base_url}/")
        assert page.is_visible("text=Log in")

        page.goto(f"{invite_server.base_url}/login")
        page.fill("input[name=username]", "carol")
        page.fill("input[name=password]", "carol's long password")
        page.click("button[type=submit]")
        page.wait_for_url("**/login/code")
        # The enrolment code's time step is spent; the next step's code is accepted (clock
        # drift window), so the test needn't wait up to 30 s.
        page.fill("input[name=code]", totp.at(time.time() + totp.interval))
        page.click("button[type=submit]")
        page.wait_for_url("**/@carol")
        assert page.is_visible("text=Settings")
        page.screenshot(path=str(artifacts / "accounts-logged-in.png"), full_page=True)
    finally:
        page.close()
