"""The errors of the reports use cases: a message in Vietnamese, the offending field, and the
HTTP status the API answers with."""


class ReportError(Exception):
    """A request the rules do not allow; ``field`` names the offending input when there is one."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(ReportError):
    status = 400


class NotFound(ReportError):
    status = 404


class ActionNotAllowed(ReportError):
    """The report's state does not allow the action: 409."""

    status = 409


class NotPermitted(ReportError):
    """The caller may not take this action on this report: 403."""

    status = 403
