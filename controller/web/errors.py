"""JSON errors that say what was wrong with the input.

Every error body is ``{"error": {"status": 400, "code": "...", "message": "...",
"problems": [{"field": "...", "message": "..."}]}}``; ``problems`` lists each bad field when
the input was malformed.
"""

from __future__ import annotations

import json
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


async def parse_body(request: web.Request, model: type[Model]) -> Model:
    """The request's JSON body as ``model``, or a 400 naming every bad field."""
    if request.content_type != "application/json":
        raise ApiError(
            415, "unsupported_media_type", "send the body as JSON (Content-Type: application/json)"
        )
    try:
        data = await request.json()
    except json.JSONDecodeError as exc:
        raise bad_request(f"the body is not valid JSON: {exc.msg} at position {exc.pos}") from None
    return validate(model, data, "body")


def validate(model: type[Model], data: Any, where: str) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = _problems(exc)
        names = ", ".join(p["field"] for p in problems)
        raise ApiError(400, "invalid_input", f"invalid {where}: check {names}", problems) from None
