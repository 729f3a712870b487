"""The receiver's check printed in docs/crm.md works: it accepts what the controller signs and
refuses a changed body, another secret and a replay, so a CRM can copy it as it is."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from controller.webhooks import signing

DOC = Path(__file__).resolve().parents[3] / "docs" / "crm.md"
SECRET = "whsec_docs-example-secret-0123456789"
BODY = '{"id":"e1","event":"call.ended","data":{"caller_name":"王小明"}}'.encode()


def _documented_verify() -> Callable[[str, dict[str, str], bytes], bool]:
    text = DOC.read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)
    (code,) = [block for block in blocks if "def verify(" in block]
    namespace: dict[str, Any] = {}
    exec(compile(code, str(DOC), "exec"), namespace)  # noqa: S102 - our own documentation
    verify: Callable[[str, dict[str, str], bytes], bool] = namespace["verify"]
    return verify


def test_the_documented_check_accepts_a_signed_request_and_refuses_the_rest() -> None:
    verify = _documented_verify()
    now = int(time.time())
    headers = signing.headers(SECRET, now, BODY, "call.ended", 7)
    assert verify(SECRET, headers, BODY)
    assert not verify(SECRET, headers, BODY.replace(b"e1", b"e2"))
    assert not verify("whsec_another-secret-0123456789", headers, BODY)
    replayed = signing.headers(SECRET, now - 600, BODY, "call.ended", 7)
    assert not verify(SECRET, replayed, BODY)  # signed right, ten minutes old
    assert not verify(SECRET, {**headers, "X-Pbx-Timestamp": str(now + 1)}, BODY)
    assert not verify(SECRET, {}, BODY)
