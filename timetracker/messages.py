"""User-facing sentences that Python code shows; templates hold the rest."""

INCORRECT_LOGIN = "Incorrect login or password."
LOGIN_REQUIRED = "Please log in to see this page."
LOGGED_OUT = "You are logged out."
TRY_AGAIN_IN = "Try again in {wait} (at {time})."
UNTRUSTED_HOST = "Bad Request: this server does not answer to that host name."
CSRF_FAILED = "The form has expired or lost its security token. Reload the page and try again."

LOGIN_TAKEN = "This login is already taken."
LOGIN_CHARACTERS = "Use letters, digits and . _ @ + - only, without spaces."
TEXT_CHARACTERS = "Control characters and < > are not allowed."
PASSWORD_CHARACTERS = "Control characters are not allowed in a password."
PASSWORDS_DIFFER = "The passwords do not match."
PASSWORD_REQUIRED = "Enter a password for the new user."
WRONG_CURRENT_PASSWORD = "The current password is not correct."
LAST_TOP_MANAGER = "You are the last active top manager of this group: make someone else top manager first."

GROUP_CREATED = "Your group {group} is ready. You are its top manager."
USER_CREATED = "User {name} was added."
USER_SAVED = "User {name} was saved."
ROLE_SAVED = "The rights of {role} were saved."
PROFILE_SAVED = "Your profile was saved."
PASSWORD_CHANGED = "Your password was changed."
FIELD_REQUIRED = "This field is required."
TOO_SHORT = "Use at least {minimum} characters."
TOO_LONG = "Use at most {maximum} characters."

# Request bodies of pages
FORM_POSTS_ONLY = (
    "This page takes the form it shows, sent by a browser; use the JSON API under /api/v1 for JSON."
)
NO_FILES = "This page takes no files."

# Time tracking
DURATION_FORMAT = "Give a duration such as 1:30, 1.5, 1h 30m or 90m."
DURATION_RANGE = "A duration is more than zero and at most 24 hours."
NOTE_CHARACTERS = "A note holds no control characters other than line breaks."
UNKNOWN_TIME_ZONE = "Choose a time zone from the list."
DURATION_OR_TIMES = "Give either a duration or a start and finish time."
FINISH_BEFORE_START = "The finish is before the start."
START_AND_FINISH = "Give both a start and a finish time, or neither."
DAY_OVER_24_HOURS = "That makes more than 24 hours on {day}."
PROJECT_REQUIRED = "Choose a project."
PROJECT_UNAVAILABLE = "Choose an active project."
TASK_UNAVAILABLE = "Choose an active task of this project."
DAY_LOCKED = "Time on and before {day} is locked."
TIMER_ALREADY_RUNNING = "A timer is already running; stop it first."
NO_TIMER_RUNNING = "No timer is running."
TIMER_STARTED = "Timer started."
TIMER_STOPPED = "Timer stopped: {duration}."
TIMER_CAPPED = "Timer stopped at {duration}: a day holds at most 24 hours."
ENTRY_SAVED = "Time saved."
BASIC_SETTINGS_SAVED = "Basic settings saved."
TIME_ZONE_SAVED = "Time zone saved."
BAD_DATE = "Give the date as YYYY-MM-DD."
NO_SUCH_LOCAL_TIME = "There is no {time} on this day: the clocks skip it."
DAY_OUT_OF_RANGE = "Choose a date between the years 1 and 9999 that has this time."
NO_EDIT_RUNNING_TIMER = "A running timer is stopped, not edited."
ENTRY_DELETED = "Entry deleted."
PROJECT_NAME_TAKEN = "Another project already has this name."
TASK_NAME_TAKEN = "This project already has a task with this name."
PROJECT_CREATED = "Project {name} was added; add its tasks below."
PROJECT_SAVED = "Project {name} was saved."
TASK_ADDED = "Task {name} was added."
TASK_SAVED = "Task {name} was saved."
WEEK_SAVED = "The week was saved."
WEEK_UNCHANGED = "Nothing to save: no cell was changed."
WEEK_NOT_SAVED = "Nothing was saved: correct the marked cells and save again."
WEEK_CHANGED_MEANWHILE = (
    "The week changed since the page was loaded: nothing was saved. Check it, then save again."
)
WEEK_ROW_EXISTS = "This project and task already have a row: fill in that row."
WEEK_CELL_SEVERAL = "Several entries: change them on the day's page."
WEEK_CELL_DETAILED = "Has a start and finish or a note: change it on the day's page."
WEEK_CELL_TIMER = "A timer is running: stop it on the day's page."
DATE_OUT_OF_RANGE = "Choose a date between the years 1 and 9999."

NOT_FROM_THE_LIST = "Choose from the list."

# Reports.
REPORT_DATE_REQUIRED = "Give a date, or choose a period."
REPORT_FROM_AFTER_TO = "From is after To."
REPORT_TOO_LONG = "A report covers at most 10 years."
REPORT_GIVEN_TWICE = "Give this only once."
REPORT_THEN_BY_ALONE = "Choose a first grouping before a second one."
REPORT_THEN_BY_SAME = "Choose another grouping than the first."
REPORT_UNKNOWN_PROJECT = "Choose one of the group's projects."
REPORT_UNKNOWN_TASK = "Choose a task of the chosen project."
REPORT_SAVED = "Report {name} was saved."
REPORT_REPLACED = "Report {name} was replaced with these filters."
REPORT_DELETED = "Report {name} was deleted."
REPORT_TOO_MANY_SAVED = "You have {count} saved reports: delete one before saving another."
REPORT_USERS_DROPPED = "Some users of this saved report are no longer yours to report on: they are left out."

# What each right allows, by the right's name (shown on the start page and the role form).
RIGHT_DESCRIPTIONS = {
    "track_own_time": "Record your own time.",
    "view_own_reports": "See reports of your own time.",
    "track_time": "Enter and edit the time of users ranked below you.",
    "view_reports": "See reports of the time of users ranked below you.",
    "manage_projects": "Add and change projects and their tasks.",
    "override_date_lock": "Change time on and before the group's lock date.",
    "manage_own_settings": "Change your own name, email and password.",
    "view_users": "See the list of the group's users.",
    "manage_users": "Add, edit and deactivate users ranked below you.",
    "manage_roles": "Change the rights of roles ranked below you.",
    "manage_basic_settings": "Change the group's basic settings.",
    "manage_advanced_settings": "Change the group's advanced settings, such as two-factor authentication.",
    "override_2fa": "Log in with the password alone when the group requires two-factor authentication.",
}

# Two-factor authentication by emailed code
NO_EMAIL = "No email associated with this login."
INVALID_CODE = "Invalid 2FA code."
CODE_RESENT = "A new code is on its way. The previous one no longer works."
START_AGAIN = "Too many wrong codes: this code no longer works. Log in again to get a new one."
SUBJECT_2FA_CODE = "Time Tracker two-factor authentication code"
SUBJECT_TEST_MAIL = "Time Tracker test email"
NO_MAIL_SERVER = "No mail server is configured (TIMETRACKER_MAIL_SERVER is not set)."
MAIL_CLAIM_LAPSED = "The sender that took it stopped before it was done; tried again (it may arrive twice)."
MAIL_CLAIM_LAPSED_TOO_LATE = (
    "The sender that took it stopped before it was done, and its retry period is over."
)

# Group settings
GROUP_SAVED = "The group settings were saved."
TWO_FACTOR_ON = "Two-factor authentication is on for the group."
TWO_FACTOR_ON_WITHOUT_EMAIL = (
    "Two-factor authentication is on for the group. These users cannot log in until they "
    "have an email: {names}."
)
TWO_FACTOR_OFF = "Two-factor authentication is off for the group."
CONFIRM_NO_EMAIL = "Tick this box to switch two-factor authentication on anyway."
TEST_MAIL_QUEUED = "A test email to {address} is on its way; its state is shown below."
TEST_MAIL_NEEDS_ADDRESS = "You have no email address: add one in your profile first."

# The group's own-factor policy (security.own_factor_policy)
OWN_FACTOR_POLICY_LABELS = {
    "any": "Emailed code or the user's own factor",
    "own": "The user's own authenticator app or security key",
}
GRACE_DAYS_RANGE = "Give the grace period as a whole number of days from 0 to 30."
OWN_FACTOR_REQUIRED_SAVED = (
    "Members now need their own authenticator app or security key by {deadline}. "
    "{count} of them were emailed."
)
OWN_FACTOR_REQUIRED_AT_ONCE = (
    "Members now need their own authenticator app or security key: each is asked to set one up "
    "at their next login. {count} of them were emailed."
)
OWN_FACTOR_DEADLINE_MOVED = (
    "The deadline for the members' own factor is now {deadline}. {count} of them were emailed."
)
OWN_FACTOR_NOT_REQUIRED = "Members may log in with the emailed code again."
SUBJECT_OWN_FACTOR_REQUIRED = "Your group asks you to set up your own second factor for Time Tracker"
SUBJECT_OWN_FACTOR_DEADLINE_MOVED = "A new date to set up your own second factor for Time Tracker"
API_OWN_FACTOR_REQUIRED = (
    "Your group requires your own authenticator app or security key: log in with a browser and set "
    "one up under Profile › Security, then log in here again."
)

# Personal authenticator 2FA
INVALID_AUTH_CODE = "Invalid authentication code."
INVALID_RECOVERY_CODE = "Invalid recovery code."
WRONG_PASSWORD = "The password is not correct."
AUTHENTICATOR_ENABLED = "Two-factor authentication is on: from now on you log in with a code from your app."
AUTHENTICATOR_DISABLED = "Two-factor authentication with your app is off."
RECOVERY_CODES_REPLACED = "New recovery codes were made; the old ones no longer work."
CODES_NO_LONGER_SHOWN = (
    "For your safety, recovery codes are shown only right after they are made. "
    "Generate new ones to see codes again."
)
NOTHING_TO_RESET = "{name} has no authenticator app: there was nothing to reset."
TWO_FACTOR_RESET_DONE = "Two-factor authentication of {name} was reset: they log in with their password now."
SUBJECT_2FA_ENABLED = "Two-factor authentication was enabled on your Time Tracker login"
SUBJECT_2FA_DISABLED = "Two-factor authentication was disabled on your Time Tracker login"
SUBJECT_2FA_RESET = "Two-factor authentication was reset on your Time Tracker login"
SUBJECT_RECOVERY_CODE_USED = "A recovery code was used to log in to your Time Tracker login"

# Security keys and passkeys (WebAuthn)
KEY_NAME_REQUIRED = 'Give the key a name, such as "Blue YubiKey" or "My phone".'
KEY_NAME_TOO_LONG = "Use at most {length} characters for the key's name."
KEY_NAME_TAKEN = 'You already have a key called "{name}": choose another name.'
KEY_CEREMONY_REFUSED = (
    "The security key's answer was not accepted (it took too long, or came from another page): try again."
)
KEY_ALREADY_ADDED = "This security key is already registered."
KEY_ADDED = 'Security key "{name}" was added: from now on you log in with your password and a key.'
KEY_REMOVED = 'Security key "{name}" was removed.'
KEY_REFUSED = "That security key was not accepted: try again, or use another way below."
SUBJECT_KEY_ADDED = "A security key was added to your Time Tracker login"
SUBJECT_KEY_REMOVED = "A security key was removed from your Time Tracker login"
CHECK_KEYS_READY = "relying party {rp_id}, origin {origin}"
CHECK_KEYS_NO_BASE_URL = "unavailable: set TIMETRACKER_BASE_URL to the address users open (not an IP address)"
CHECK_KEYS_IP_ADDRESS = (
    "unavailable: TIMETRACKER_BASE_URL names an IP address ({host}), which WebAuthn refuses; use a host name"
)
CHECK_KEYS_NOT_HTTPS = "origin {origin} is not HTTPS: browsers allow security keys on http://localhost only"
API_KEY_REFUSED = "The security key's answer was not accepted."
API_BAD_CREDENTIAL = "'credential' must be the JSON object of the security key's answer."

# Password reset
RESET_SENT = "If that login exists, an email is on its way."
RESET_LINK_INVALID = "This password reset link is invalid, has expired or was used already."
RESET_DONE = "Your password was changed. Log in with your new password."
RESET_LINKS_UNAVAILABLE = (
    "Password reset emails cannot be sent: this server does not know its own address "
    "(TIMETRACKER_BASE_URL is not set). Ask the administrator of Time Tracker."
)
SUBJECT_PASSWORD_RESET = "Reset your Time Tracker password"
SUBJECT_PASSWORD_CHANGED = "Your Time Tracker password was changed"
SUBJECT_EMAIL_CHANGED = "The email of your Time Tracker login was changed"

# Sessions and sign-in alerts
SUBJECT_NEW_SIGN_IN = "New sign-in to Time Tracker"
UNKNOWN_DEVICE = "Unknown browser or app"
UNKNOWN_ADDRESS = "an unknown address"
SESSION_LOGGED_OUT = "That session is logged out."
OTHER_SESSIONS_LOGGED_OUT = "You are logged out everywhere else."

# The JSON API
API_NOT_AN_OBJECT = "The body must be a JSON object (Content-Type: application/json)."
API_BAD_FIELD = "'{name}' must be a non-empty string of at most {length} characters."
API_NOT_TEXT = "'{name}' is not valid Unicode text: it holds half of a surrogate pair, such as \\ud800."
API_SERVER_ERROR = "Something went wrong on our side."
API_INVALID_TOKEN = "A valid access token is needed: Authorization: Bearer <token>."
API_INVALID_PENDING = "This pending login is unknown or has expired: log in again."
API_PASSWORD_NEEDED = "'password' is needed with an emailed code."
API_MISSING = "'{name}' is required."
API_BAD_STRING = "'{name}' must be a string."
API_BAD_NUMBER = "'{name}' must be a whole number from {lowest} to {highest}."
API_BAD_DATE = "'{name}' must be a date written YYYY-MM-DD."
API_BAD_TIME = "'{name}' must be a time of day written HH:MM (00:00 to 23:59)."
API_BAD_PERIOD = "'from' must be on or before 'to', and at most {days} days before it."
API_MAY_NOT_TRACK = "You may not track this user's time."
API_NO_TIME_RIGHTS = "Your role holds no right to track time."
API_NO_SUCH_ENTRY = "There is no such time entry in your reach."
API_NO_REPORT_RIGHTS = "Your role holds no right to see reports."
API_REPORT_USERS = "You may not see the time of one of these users."
API_BAD_REPORT = "The report's query is not valid: 'fields' says what is wrong with each parameter."

# The command line (flask group|user|demo|check|mail …)
CLI_GROUP_CREATED = "Created group {name!r} (id {group_id}) with top manager {login!r}."
CLI_NO_SUCH_GROUP = "There is no group with id {group_id}."
CLI_NO_SUCH_ROLE = "Group {group!r} has no role {role!r}. Its roles: {names}."
CLI_USER_ADDED = "Added {login!r} ({name}) to group {group!r} as {role}."
CLI_PASSWORD_CHANGED = "Password of {login!r} was changed."
CLI_NOTHING_TO_RESET = "{login!r} has no authenticator app: nothing to reset."
CLI_TWO_FACTOR_RESET = (
    "Two-factor authentication of {login!r} was reset; they log in with their password now."
)
CLI_NO_SUCH_USER = "There is no user with login {login!r}."
CLI_ROLE_NOT_ALLOWED = "That role cannot be given in this group."
CLI_DEMO_CREATED = "Created the demo group."
CLI_DEMO_LOGINS = "Demo logins of {group!r} (password {password!r} for each, unless changed since):"
CLI_CHECK_PROBLEMS = "{count} problem(s) to fix before serving users."
CLI_CHECK_READY = "Ready."
CLI_MAIL_TRIED = "Tried {count} message(s)."
CLI_MAIL_WORKER_STARTED = "Mail worker delivering the outbox ({mode}); stop with Ctrl+C or SIGTERM."
CLI_MAIL_WORKER_STOPPED = "Mail worker stopped."
CLI_MAIL_NOT_SENT = "Not sent ({kind} failure): {failure}"
CLI_MAIL_FAILURE_TEMPORARY = "temporary"
CLI_MAIL_FAILURE_PERMANENT = "permanent"
CLI_MAIL_SENT = "Sent: {outcome}."

# flask check: the detail after "<status> <subject>: " on each line
CHECK_SECRET_KEY_GENERATED = "not set: a random key is used until restart (set TIMETRACKER_SECRET_KEY)"
CHECK_SECRET_KEY_TOO_SHORT = "only {length} characters: use at least {minimum} random ones"
CHECK_SECRET_KEY_SET = "set ({length} characters)"
CHECK_DATABASE_UNREACHABLE = "cannot connect to {url}: {error}"
CHECK_DATABASE_CONNECTED = "connected to {url}"
CHECK_MIGRATIONS_UNREADABLE = "cannot read the database's revision: {error}"
CHECK_MIGRATIONS_BEHIND = (
    "the database is at {current}, the code needs {head}: run flask --app timetracker db upgrade"
)
CHECK_MIGRATIONS_NO_REVISION = "no revision"
CHECK_MIGRATIONS_LATEST = "at {head}, the latest"
CHECK_MAIL_CONSOLE = "no mail server: messages are printed on the console (debug mode only)"
CHECK_MAIL_NONE = "no mail server configured (TIMETRACKER_MAIL_SERVER): codes cannot be sent"
CHECK_MAIL_NOT_READY = "SMTP server {server} not ready: {error_type}: {error}"
CHECK_MAIL_ANSWERED = "SMTP server {server} answered ({code})"
CHECK_RATE_LIMITS_IN_MEMORY = "kept in memory: each process counts alone (use Redis with several)"
CHECK_RATE_LIMITS_SILENT = "storage {uri} does not answer"
CHECK_RATE_LIMITS_ANSWER = "storage {uri} answers"
CHECK_BASE_URL_MISSING = (
    "TIMETRACKER_BASE_URL is not set: password reset emails are refused, rather than linking to "
    "whatever Host header a client sends (or list the host names in TIMETRACKER_TRUSTED_HOSTS)"
)
CHECK_BASE_URL_TRUSTED_HOSTS = "emails link to the host each request came to, one of {hosts}"
CHECK_BASE_URL_INVALID = "TIMETRACKER_BASE_URL {base!r} is not an http:// or https:// address"
CHECK_BASE_URL_SET = "emails link to {base}"

# Log lines for the operator
LOG_NO_BASE_URL = (
    "TIMETRACKER_BASE_URL is not set: password reset emails are refused until it is "
    "(or TIMETRACKER_TRUSTED_HOSTS lists the host names users reach the app by)."
)
LOG_RESET_LINK_REFUSED = "A password reset link was not mailed: set TIMETRACKER_BASE_URL (see flask check)."
