"""What `pbxctl sandbox start` prints (the run itself is covered by every sandbox test)."""

from __future__ import annotations

from pathlib import Path

from controller.cli.sandbox_cmd import started_message
from controller.sandbox.configs import AmiAccount


def test_the_start_message_names_the_secrets_file_not_the_secret() -> None:
    account = AmiAccount("pbx", "s3cr3t-Value-42", port=15038)
    text = started_message(4242, account, 0.8, Path("var/sandbox-ami-secret"), Path("etc"))
    assert "s3cr3t-Value-42" not in text
    assert "secret: in var/sandbox-ami-secret" in text
    assert "127.0.0.1:15038" in text
    assert "pid 4242" in text
