"""Two (or three) headless Chromium sessions on one record of a real tandem-server: live updates, concurrent
typing, the manual-conflict dialog, presence, a server killed and restarted, and a viewer."""
import threading
import time

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from harness import Page, Server, chromium, wait_for


def caret_to_end(page, name):
    field = page.field(name)
    field.click()
    page.driver.execute_script(
        "const f = arguments[0]; f.focus(); f.setSelectionRange(f.value.length, f.value.length);", field)
    return field


def replace_value(page, name, text):
    """Selects the field's text and types over it, then leaves the field: one `change` event with the new value
    (Selenium's clear() would send a change to "" first)."""
    field = page.field(name)
    field.click()
    field.send_keys(Keys.CONTROL, "a")
    field.send_keys(text, Keys.TAB)


def both_on(server, record_id, notes, *pages):
    """Sets the record's notes over REST, opens it in every page and waits until each shows them."""
    server.rest("PUT", f"/api/v1/Contact/{record_id}", body={"notes": notes})
    for page in pages:
        page.open(record_id)
    for page in pages:
        page.wait_value("notes", lambda v: v == notes)


def test_typing_in_one_browser_appears_in_the_other_within_a_second(server, alice, bob, measurements):
    both_on(server, 1, "Start. ", alice, bob)
    alice.screenshot("01-both-joined")
    bob.screenshot("01-both-joined")

    latencies = []
    field = caret_to_end(alice, "notes")
    expected = "Start. "
    for word in ["hello ", "from ", "alice "]:
        field.send_keys(word)
        typed = time.monotonic()
        expected += word
        bob.wait_value("notes", lambda v, e=expected: v == e, timeout=1.0, what=f"to read {expected!r} within 1 s")
        latencies.append(time.monotonic() - typed)
    bob.screenshot("02-bob-sees-alice-typing")
    measurements["remote_text_update_seconds"] = {"samples": [round(x, 3) for x in latencies],
                                                  "max": round(max(latencies), 3)}
    # A scalar field too, the other way round.
    replace_value(bob, "age", "41")
    alice.wait_value("age", lambda v: v == "41", timeout=1.0, what="to read 41 within 1 s")
    wait_for("the age stored", lambda: server.record(1)["age"] == 41, timeout=5)


def test_both_typing_in_one_text_field_converge_without_losing_characters(server, alice, bob, measurements):
    both_on(server, 2, "|", alice, bob)
    a_field = caret_to_end(alice, "notes")
    b_field = caret_to_end(bob, "notes")
    a_text, b_text = "a" * 30, "B" * 30
    errors = []

    def typist(field, text):
        try:
            for ch in text:
                field.send_keys(ch)
        except WebDriverException as error:  # pragma: no cover - reported below
            errors.append(error)

    started = time.monotonic()
    threads = [threading.Thread(target=typist, args=(a_field, a_text)),
               threading.Thread(target=typist, args=(b_field, b_text))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors

    def converged():
        a, b = alice.value("notes"), bob.value("notes")
        return a == b and a.count("a") == 30 and a.count("B") == 30 and a.count("|") == 1 and a

    final = wait_for("both browsers to hold the same text with all 60 characters", converged, timeout=15)
    measurements["concurrent_typing"] = {"characters": 60, "seconds_to_converge": round(time.monotonic() - started, 3),
                                         "final_length": len(final)}
    alice.screenshot("03-concurrent-typing-converged")
    bob.screenshot("03-concurrent-typing-converged")
    wait_for("the merged text stored", lambda: server.record(2)["notes"] == final, timeout=5)


def dialog(page, timeout=10):
    return page.wait(timeout).until(
        lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, '[role="dialog"]') if e.is_displayed()), None),
        f"{page.username}'s conflict dialog")


def make_conflict(server, alice, bob, bob_proxy, alice_value, bob_value):
    """Bob's browser stops hearing from the server; Alice changes `name`, then Bob does from the older version:
    his change conflicts (manual policy) and, once his link lets the server's answers through, he gets the dialog."""
    bob_proxy.hold()
    replace_value(alice, "name", alice_value)
    wait_for("alice's name stored", lambda: server.record(3)["name"] == alice_value, timeout=5)
    replace_value(bob, "name", bob_value)
    bob_proxy.release()
    return dialog(bob)


@pytest.mark.parametrize("choice", ["Keep mine", "Use theirs", "Merge"])
def test_a_manual_field_conflict_opens_the_dialog_and_each_choice_works(server, alice, bob, bob_proxy, choice):
    server.rest("PUT", "/api/v1/Contact/3", body={"name": "Original"})
    alice.open(3)
    bob.open(3)
    bob.wait_value("name", lambda v: v == "Original")
    box = make_conflict(server, alice, bob, bob_proxy, "Alice's name", "Bob's name")
    buttons = {b.text.strip(): b for b in box.find_elements(By.TAG_NAME, "button")}
    assert {"Keep mine", "Use theirs", "Merge"} <= set(buttons), buttons.keys()
    step = choice.lower().replace(" ", "-")
    bob.screenshot(f"04-conflict-dialog-{step}")
    if choice == "Keep mine":
        expected = "Bob's name"
    elif choice == "Use theirs":
        expected = "Alice's name"
    else:
        expected = "Alice and Bob"
        merged = box.find_element(By.CSS_SELECTOR, "textarea, input[type=text]")
        merged.clear()
        merged.send_keys(expected)
    buttons[choice].click()
    bob.wait(10).until(lambda d: not any(e.is_displayed() for e in d.find_elements(By.CSS_SELECTOR, '[role="dialog"]')),
                       "the dialog to close")
    wait_for(f"{expected!r} stored", lambda: server.record(3)["name"] == expected, timeout=5)
    alice.wait_value("name", lambda v: v == expected, what=f"to read {expected!r}")
    bob.wait_value("name", lambda v: v == expected, what=f"to read {expected!r}")
    bob.screenshot(f"05-conflict-settled-{step}")


def test_avatars_and_focus_borders_come_and_go(server, alice, bob, bob_proxy):
    alice.open(4)
    bob.open(4)
    alice.wait(10).until(lambda _: set(alice.avatars()) == {"alice", "bob"}, "alice to see both avatars")
    bob.wait(10).until(lambda _: set(bob.avatars()) == {"alice", "bob"}, "bob to see both avatars")
    transparent = alice.border_color("notes")
    caret_to_end(bob, "notes")
    alice.wait(5).until(lambda _: alice.user_color_on("notes") != "", "bob's colour on alice's notes field")
    alice.wait(5).until(lambda _: alice.border_color("notes") != transparent, "a coloured border on notes")
    alice.screenshot("06-bob-in-notes")
    # Bob moves to another field: the border follows him.
    caret_to_end(bob, "name")
    alice.wait(5).until(lambda _: alice.user_color_on("name") != "", "bob's colour on the name field")
    alice.wait(5).until(lambda _: alice.user_color_on("notes") == "", "the notes border to go")
    # Bob's connection dies (no goodbye): the server notices and alice's page drops him.
    bob_proxy.cut()
    bob_proxy.hold()  # and his page cannot come back for now
    alice.wait(20).until(lambda _: alice.avatars() == ["alice"], "bob's avatar to go when his connection died")
    alice.wait(5).until(lambda _: alice.user_color_on("name") == "", "bob's border to go")
    alice.screenshot("07-bob-gone")
    bob_proxy.release()
    bob.wait_state("connected", timeout=30)
    alice.wait(10).until(lambda _: set(alice.avatars()) == {"alice", "bob"}, "bob back after reconnecting")
    # Bob leaves the page.
    bob.driver.get("about:blank")
    alice.wait(10).until(lambda _: alice.avatars() == ["alice"], "bob's avatar to go when he left")


def test_the_server_killed_and_restarted_while_typing_loses_nothing(server, alice, bob, measurements):
    both_on(server, 5, "", alice, bob)
    field = caret_to_end(alice, "notes")
    field.send_keys("before ")
    wait_for("'before ' stored", lambda: server.record(5)["notes"] == "before ", timeout=5)
    server.kill()
    killed = time.monotonic()
    alice.wait(10).until(lambda _: alice.state() in ("reconnecting", "offline"), "alice's badge to leave connected")
    seen = alice.state()
    alice.screenshot("08-server-killed")
    field.send_keys("while-down ")
    server.start()
    alice.wait_state("connected", timeout=30)
    measurements["reconnect_seconds_after_kill"] = round(time.monotonic() - killed, 3)
    field.send_keys("after")
    expected = "before while-down after"
    wait_for("everything alice typed stored", lambda: server.record(5)["notes"] == expected, timeout=15)
    alice.wait_value("notes", lambda v: v == expected)
    bob.wait_state("connected", timeout=30)
    bob.wait_value("notes", lambda v: v == expected, timeout=15, what="to read everything alice typed")
    alice.screenshot("09-reconnected")
    assert seen == "reconnecting", f"the badge said {seen!r} while the server was down"


def test_a_viewer_cannot_edit(server, alice, victor):
    server.rest("PUT", "/api/v1/Contact/6", body={"notes": "read me", "name": "Fixed"})
    victor.login("/contact/edit/6")
    victor.wait_state("connected")
    form = victor.driver.find_element(By.CSS_SELECTOR, "form[data-tandem-record]")
    assert form.get_attribute("data-read-only") is not None
    for name in ["name", "notes", "age", "active", "birthday", "settings", "tags", "salary", "vip"]:
        field = victor.field(name)
        assert not field.is_enabled(), f"victor's {name} is editable"
        assert field.get_attribute("aria-readonly") == "true"
    try:
        victor.field("notes").send_keys("vandal")
    except WebDriverException:
        pass  # not interactable: the expected outcome
    assert victor.value("notes") == "read me"
    victor.screenshot("10-viewer-read-only")
    # Changes by others still reach the viewer.
    alice.open(6)
    # An editor may not change the restricted salary or vip checkbox either (the server renders them disabled),
    # once joined too; her other fields are editable.
    for name in ["salary", "vip"]:
        assert not alice.field(name).is_enabled(), f"alice's restricted {name} is editable"
        assert alice.field(name).get_attribute("aria-readonly") == "true", f"alice's {name} is not aria-readonly"
    assert alice.field("active").is_enabled(), "alice's active checkbox is not editable"
    alice.field("vip").click()
    assert not alice.field("vip").is_selected(), "clicking alice's restricted vip checkbox changed it"
    # The connection badge is the only [data-connection-state] on the page: the form does not carry it.
    badges = alice.driver.find_elements(By.CSS_SELECTOR, "[data-connection-state]")
    assert [b.tag_name for b in badges] == ["span"], f"[data-connection-state] on {[b.tag_name for b in badges]}"
    caret_to_end(alice, "notes")
    alice.field("notes").send_keys("!")
    victor.wait_value("notes", lambda v: v == "read me!", timeout=2, what="to see alice's change")
    assert server.record(6)["notes"] == "read me!"


def test_an_expired_token_is_renewed_from_the_refresh_cookie_and_nothing_typed_is_lost(artifacts):
    """Access tokens living 3 s: once alice's has expired the server restarts, the socket is refused (4401), and
    the page trades its refresh cookie at data-token-url (POST /login/token) for a fresh token and carries on."""
    short = Server(artifacts, access_token_ttl="3s", name="short-token-server")
    short.start()
    driver = chromium(artifacts, "alice-short-token")
    try:
        page = Page(driver, short.url, "alice", artifacts)
        short.rest("PUT", "/api/v1/Contact/1", body={"notes": ""})
        page.open(1)
        form = driver.find_element(By.CSS_SELECTOR, "form[data-tandem-record]")
        assert form.get_attribute("data-token-url") == "/login/token"
        first_token = form.get_attribute("data-token")
        field = caret_to_end(page, "notes")
        field.send_keys("before ")
        wait_for("'before ' stored", lambda: short.record(1)["notes"] == "before ", timeout=5)
        wait_for("the page's token to expire", lambda: not short.accepts(first_token), timeout=10)
        short.kill()
        page.wait(10).until(lambda _: page.state() != "connected", "the badge to leave connected")
        field.send_keys("while-down ")
        short.start()
        page.wait_state("connected", timeout=30)
        assert form.get_attribute("data-token") != first_token, "the page reconnected without a new token"
        field.send_keys("after")
        expected = "before while-down after"
        wait_for("everything typed stored", lambda: short.record(1)["notes"] == expected, timeout=15)
        page.screenshot("11-token-renewed")
    finally:
        driver.quit()
        short.stop()
