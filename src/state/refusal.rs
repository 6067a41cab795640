//! Why the app will not do what was asked, as values: the reducer reacts to the kind (a
//! rejected token blocks runs) and the markup shows the sentence.
use std::fmt;
use tms_core::system_id::IdError;
use tms_core::wording::{Page, OWN_USER_ONLY, TOKEN_EXPIRED};
use tms_core::{BaseUrl, Problem, TokenError, UrlError};

/// A request the form is not fit for; nothing is sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    NoToken,
    TokenExpired,
    TokenMalformed(TokenError),
    /// Tapis refused this token (revoked, invalid) during a run or a discovery.
    TokenRejected(Problem),
    BadTenantUrl(UrlError),
    /// The token's issuer is not a usable tenant address: the token goes nowhere.
    IssuerNotTenant {
        issuer: String,
        error: UrlError,
    },
    /// The tenant field names another tenant than the token's issuer.
    OtherTenant {
        issuer: BaseUrl,
        tenant: BaseUrl,
    },
    NoUsername,
    /// The username is not the token's owner.
    OtherUser {
        owner: String,
    },
    InvalidSystem {
        id: String,
        error: IdError,
    },
    NoSystems,
}

impl Refusal {
    /// The sentence on `page`: how to get a fresh token depends on who brings it.
    pub fn sentence(&self, page: Page) -> String {
        let fresh = page.fresh_token();
        match self {
            Refusal::NoToken => page.no_token().into(),
            Refusal::TokenExpired => format!("{TOKEN_EXPIRED} {fresh}"),
            Refusal::TokenMalformed(err) => err.to_string(),
            Refusal::TokenRejected(problem) => format!("{} {fresh}", problem.explanation()),
            Refusal::BadTenantUrl(err) => err.to_string(),
            Refusal::IssuerNotTenant { issuer, error } => {
                format!("This token's issuer ({issuer}) is not a Tapis tenant address: {error}")
            }
            Refusal::OtherTenant { issuer, tenant } => format!(
                "This token was issued by {}; it is only sent to that tenant. Set the tenant address back to it, or use a token from {}.",
                issuer.as_str(),
                tenant.as_str()
            ),
            Refusal::NoUsername => "Enter your Tapis username.".into(),
            Refusal::OtherUser { owner } if page.token_from_host => {
                format!("Your token belongs to {owner}: {OWN_USER_ONLY} Use {owner} as the username.")
            }
            Refusal::OtherUser { owner } => format!(
                "Your token belongs to {owner}: {OWN_USER_ONLY} Use {owner} as the username, or log in as the user you typed."
            ),
            Refusal::InvalidSystem { id, error } => {
                format!("Fix or remove the system “{id}” first: {error}")
            }
            Refusal::NoSystems => "Add at least one system, for example stampede3.".into(),
        }
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence(Page::default()))
    }
}

/// Why a login or a discovery ended without a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Not sent: the form was not fit for it.
    Refused(Refusal),
    /// Sent, and Tapis (or the network) answered with a problem.
    Tapis(Problem),
}

impl Failure {
    /// What happened, then what to do on `page`.
    pub fn sentence(&self, page: Page) -> String {
        match self {
            Failure::Refused(refusal) => refusal.sentence(page),
            Failure::Tapis(problem) => {
                format!("{} {}", problem.explanation(), problem.next_step_on(page))
            }
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.sentence(Page::default()))
    }
}
