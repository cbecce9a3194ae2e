"""The one error hierarchy (HackSoft styleguide): services raise these, the UI shows the
message and the API maps them to a 4xx body ``{code, message, fields}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    """A refused action, with a message a user understands and a stable code."""

    code = "error"
    status = 400
    default_message = _("The request could not be completed.")

    def __init__(self, message: Any = None, *, code: str | None = None, fields: dict[str, list[str]] | None = None):
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        super().__init__(str(self.message))

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "message": str(self.message),
            "fields": {k: [str(m) for m in v] for k, v in self.fields.items()},
        }


class ValidationError(ApplicationError):
    code = "invalid"
    status = 422
    default_message = _("Some fields are not valid.")

    @classmethod
    def from_django(cls, exc: DjangoValidationError) -> ValidationError:
        if hasattr(exc, "error_dict"):
            fields = {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
            first = next(iter(fields.values()), [None])[0]
            return cls(first or cls.default_message, fields=fields)
        return cls("; ".join(exc.messages))


class PermissionDenied(ApplicationError):
    code = "forbidden"
    status = 403
    default_message = _("You do not have permission to do this.")


class NotFound(ApplicationError):
    code = "not_found"
    status = 404
    default_message = _("Not found, or you may not see it.")


class Conflict(ApplicationError):
    """The state changed under the user: already claimed, already decided, locked."""

    code = "conflict"
    status = 409
    default_message = _("This record was changed by someone else. Reload and try again.")


class LimitExceeded(ApplicationError):
    code = "limit_exceeded"
    status = 422
    default_message = _("A limit set by the company policy was reached.")
