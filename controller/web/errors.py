"""JSON errors that say what was wrong with the input.

Every error body is ``{"error": {"status": 400, "code": "...", "message": "...",
"problems": [{"field": "...", "message": "..."}]}}``; ``problems`` lists each bad field when
the input was malformed.
"""

from __future__ import annotations

import json
import re
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

Model = TypeVar("Model", bound=BaseModel)


class ApiError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        problems: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.problems = problems or []
        self.headers = headers or {}

    def response(self) -> web.Response:
        body: dict[str, Any] = {"status": self.status, "code": self.code, "message": self.message}
        if self.problems:
            body["problems"] = self.problems
        return web.json_response({"error": body}, status=self.status, headers=self.headers)


def bad_request(message: str, field: str | None = None) -> ApiError:
    problems = [{"field": field, "message": message}] if field else None
    return ApiError(400, "invalid_input", message, problems)


def not_found(message: str) -> ApiError:
    return ApiError(404, "not_found", message)


def _problems(exc: ValidationError) -> list[dict[str, str]]:
    problems = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "(body)"
        problems.append({"field": field, "message": str(error["msg"])})
    return problems


MAX_JSON_DEPTH = 32  # our bodies nest 3 deep; json.loads recurses once per level


async def parse_body(request: web.Request, model: type[Model]) -> Model:
    """The request's JSON body as ``model``, or a 4xx naming what is wrong.

    The body is JSON (else 415), at most the application's ``client_max_size`` (else 413,
    raised by aiohttp while reading), strict UTF-8, and nested at most :data:`MAX_JSON_DEPTH`
    deep (checked before parsing: a deep body would exhaust Python's recursion limit)."""
    if request.content_type != "application/json":
        raise ApiError(
            415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)"
        )
    if (request.charset or "utf-8").lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ApiError(
            415, "unsupported_media_type", f"send the body as UTF-8, not {request.charset}"
        )
    return validate(model, decode_json(await request.read()), "body")


def decode_json(raw: bytes | str, what: str = "the body") -> Any:
    """JSON from bytes that must be UTF-8; a 400 naming the body when it is not plain JSON."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
    except UnicodeDecodeError as exc:
        raise bad_request(
            f"{what} is not valid UTF-8: byte {exc.object[exc.start]:#04x} at position "
            f"{exc.start}", BODY,
        ) from None  # fmt: skip
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise bad_request(f"{what} nests {depth} levels deep; at most {MAX_JSON_DEPTH}", BODY)
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"{what} is not valid JSON: {exc.msg} at position {exc.pos}", BODY
        ) from None
    except ValueError as exc:  # a number with more digits than Python converts, NaN ...
        raise bad_request(f"{what} is not valid JSON: {exc}", BODY) from None
    where = _not_text(data, "")
    if where is not None:
        raise bad_request("a string holds a lone surrogate (\\ud800-\\udfff): not text", where)
    return data


BODY = "(body)"
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """How deep the arrays and objects of a JSON text nest (strings skipped), without parsing."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.finditer(_JSON_STRING.sub('""', text)):
        if bracket.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _not_text(value: Any, path: str) -> str | None:
    """The path of the first string (or key) that is not encodable text, or None."""
    if isinstance(value, str):
        return None if _encodable(value) else path or BODY
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _not_text(item, f"{path}.{index}" if path else str(index))
            if found is not None:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            if not _encodable(key):
                return path or BODY
            found = _not_text(item, f"{path}.{key}" if path else key)
            if found is not None:
                return found
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def validate(model: type[Model], data: Any, where: str) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc)
        names = ", ".join(p["field"] for p in problems)
        raise ApiError(400, "invalid_input", f"invalid {where}: check {names}", problems) from None
