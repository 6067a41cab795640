//! Why the app will not do what was asked, as values: the reducer reacts to the kind (a
//! rejected token blocks runs) and the markup shows the sentence.
use std::fmt;
use tms_core::system_id::IdError;
use tms_core::wording::{FRESH_TOKEN, NO_TOKEN, OWN_USER_ONLY, TOKEN_EXPIRED};
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

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NoToken => f.write_str(NO_TOKEN),
            Refusal::TokenExpired => write!(f, "{TOKEN_EXPIRED} {FRESH_TOKEN}"),
            Refusal::TokenMalformed(err) => write!(f, "{err}"),
            Refusal::TokenRejected(problem) => {
                write!(f, "{} {FRESH_TOKEN}", problem.explanation())
            }
            Refusal::BadTenantUrl(err) => write!(f, "{err}"),
            Refusal::IssuerNotTenant { issuer, error } => write!(
                f,
                "This token's issuer ({issuer}) is not a Tapis tenant address: {error}"
            ),
            Refusal::OtherTenant { issuer, tenant } => write!(
                f,
                "This token was issued by {}; it is only sent to that tenant. Set the tenant URL back to it, or use a token from {}.",
                issuer.as_str(),
                tenant.as_str()
            ),
            Refusal::NoUsername => {
                f.write_str("Enter the Tapis username to set up credentials for.")
            }
            Refusal::OtherUser { owner } => write!(
                f,
                "Your token belongs to {owner}: {OWN_USER_ONLY} Use {owner} as the username, or log in as the user you typed."
            ),
            Refusal::InvalidSystem { id, error } => {
                write!(f, "Fix or remove the system \"{id}\" first: {error}")
            }
            Refusal::NoSystems => f.write_str("Add at least one system, for example stampede3."),
        }
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

impl fmt::Display for Failure {
    /// What happened, then what to do.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Refused(refusal) => write!(f, "{refusal}"),
            Failure::Tapis(problem) => {
                write!(f, "{} {}", problem.explanation(), problem.next_step())
            }
        }
    }
}
