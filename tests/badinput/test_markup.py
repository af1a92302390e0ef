"""Text from a user's files reaches the terminal as plain text: rich markup is shown as
written, escape sequences and other control characters are replaced."""

from __future__ import annotations

import pytest
from badcli import edit_yaml, entry, fails, invoke

HOSTILE = ("[/bold] [link=http://127.0.0.1:9/x]click[/link] :smile: "
           "\x1b]0;pwned\x07 \x1b[31mred\x1b[0m \x9b31m \x1b]8;;http://127.0.0.1:9/\x1b\\")


def _hostile_claim(folder):
    edit_yaml(folder / "claims.yaml",
              lambda data: entry(data, "strength-2015").update(text=HOSTILE))


@pytest.mark.parametrize("command", [("evidence", "list"), ("evidence", "show", "strength-2015"),
                                     ("model", "show", "initial_fighters")])
def test_claim_text_is_printed_as_written_without_control_characters(toy, command):
    _hostile_claim(toy)
    result = invoke(*command, "--system", toy)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "\x9b" not in result.stdout and \
        "\x07" not in result.stdout
    for text in ("[/bold]", "[link=http://127.0.0.1:9/x]click[/link]", ":smile:", "red"):
        assert text in result.stdout


def test_evidence_unused_prints_hostile_text_plainly(toy):
    edit_yaml(toy / "claims.yaml", lambda data: data.append(
        dict(entry(data, "losses-steady"), id="spare", text=HOSTILE)))
    result = invoke("evidence", "unused", "--system", toy)
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.stdout and "[/bold]" in result.stdout


def test_an_error_message_quoting_user_text_is_plain(toy):
    edit_yaml(toy / "claims.yaml",
              lambda data: entry(data, "strength-2015").update(source="[/] \x1b[31mx"))
    line = fails(toy, "evidence", "list", "--system", toy,
                 says=("claims.yaml", "strength-2015", "'source'", "[/]"))
    assert "\x1b" not in line
