//! Sentences the user meets in more than one place (refusals, the token panel, problem
//! explanations), written once so they cannot drift apart.

/// Before anything can be sent: there is no token yet.
pub const NO_TOKEN: &str = "Paste your Tapis token or log in first.";

/// The way out whenever the token is expired, revoked or refused.
pub const FRESH_TOKEN: &str = "Log in again or paste a fresh token.";

/// The token's `exp` has passed.
pub const TOKEN_EXPIRED: &str = "Your Tapis token has expired.";

/// Where a problem only Tapis or TACC staff can fix goes: the report holds every request and
/// answer, without the token.
pub const HELP_TICKET: &str =
    "attach the report (Activity log, “Copy report”) to a DesignSafe help ticket";

/// Why the username cannot be anyone but the token's owner.
pub const OWN_USER_ONLY: &str = "Tapis sets up TMS keys only for the token's own user.";
