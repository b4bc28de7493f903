"""The data model; importing this package registers every table with the metadata."""

from timetracker.models.api_token import ApiToken
from timetracker.models.audit import AuditEvent
from timetracker.models.authenticator import Authenticator, RecoveryCode
from timetracker.models.group import Group
from timetracker.models.outbox import MailAttempt, MailPriority, MailStatus, OutboxMessage
from timetracker.models.pending import PendingLogin
from timetracker.models.project import Project, Task
from timetracker.models.role import Role
from timetracker.models.saved_report import SavedReport
from timetracker.models.security_key import SecurityKey, WebAuthnChallenge
from timetracker.models.time_entry import TimeEntry
from timetracker.models.user import User, users_below, users_of
from timetracker.models.user_session import KnownDevice, UserSession

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Authenticator",
    "Group",
    "KnownDevice",
    "MailAttempt",
    "MailPriority",
    "MailStatus",
    "OutboxMessage",
    "PendingLogin",
    "Project",
    "RecoveryCode",
    "Role",
    "SavedReport",
    "SecurityKey",
    "Task",
    "TimeEntry",
    "User",
    "UserSession",
    "WebAuthnChallenge",
    "users_below",
    "users_of",
]
