"""The one error type users see: a message and what to do about it."""

from __future__ import annotations


class RmqlabError(Exception):
    """An error with a hint. `exit_code` 2 means bad input: nothing was started or changed."""

    def __init__(self, message: str, hint: str | None = None, exit_code: int = 1):
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\nHint: {self.hint}"


class BadInput(RmqlabError):
    """Invalid arguments or files: exit code 2, nothing touched."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message, hint, exit_code=2)
