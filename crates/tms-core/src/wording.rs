//! Sentences the user meets in more than one place (refusals, the token panel, problem
//! explanations), written once so they cannot drift apart.

/// Before anything can be sent: there is no token yet.
pub const NO_TOKEN: &str = "Paste your Tapis token or log in first.";

/// The way out whenever the token is expired, revoked or refused.
pub const FRESH_TOKEN: &str = "Log in again or paste a fresh token.";

/// The same, on a page whose host hands the token over: the app has already asked it for one.
pub const FRESH_TOKEN_HOST: &str = "The portal has been asked for a fresh token; a stopped check or set-up goes on by itself when it arrives. If nothing happens within a minute, reload the page or paste a fresh token above.";

/// No token yet, on a page whose host hands the token over.
pub const NO_TOKEN_HOST: &str =
    "Waiting for your token from the portal; if it does not arrive, reload the page or paste one above.";

/// The token's `exp` has passed.
pub const TOKEN_EXPIRED: &str = "Your Tapis token has expired.";

/// Where a problem only Tapis or TACC staff can fix goes: the report holds every request and
/// answer, without the token.
pub const HELP_TICKET: &str =
    "open a DesignSafe help ticket and attach the report (open “Activity log” below, then “Download JSON report”)";

/// Why the username cannot be anyone but the token's owner.
pub const OWN_USER_ONLY: &str = "Tapis sets up TMS keys only for the token's own user.";

/// What the page around the app offers, which changes the way out of some problems.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Page {
    /// The host page hands the token over (and is asked for a fresh one).
    pub token_from_host: bool,
    /// Only "Check only" is offered: nothing on this page creates or removes a key.
    pub check_only: bool,
}

impl Page {
    pub fn fresh_token(self) -> &'static str {
        if self.token_from_host {
            FRESH_TOKEN_HOST
        } else {
            FRESH_TOKEN
        }
    }

    pub fn no_token(self) -> &'static str {
        if self.token_from_host {
            NO_TOKEN_HOST
        } else {
            NO_TOKEN
        }
    }
}

/// "1 request", "3 requests": for nouns whose plural only adds an s.
pub fn count(n: usize, noun: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    format!("{n} {noun}{s}")
}
