//! How each system ends, with the explanation and next step the user reads.

use crate::problem::Problem;
use crate::wording::Page;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Present,
    /// `replaced`: the host had refused the key Tapis stored before; the new one took its place.
    Created {
        replaced: bool,
    },
    /// `rejected`: a key is stored but the host refuses it (check-only mode).
    Missing {
        rejected: bool,
    },
    Removed,
    NotTms {
        authn_method: String,
    },
    NoAccess,
    NotFound,
    TokenRejected(Problem),
    Failed(Problem),
    Cancelled,
}

impl Outcome {
    pub fn state(&self) -> &'static str {
        match self {
            Outcome::Present => "present",
            Outcome::Created { .. } => "created",
            Outcome::Missing { .. } => "missing",
            Outcome::Removed => "removed",
            Outcome::NotTms { .. } => "not-tms",
            Outcome::NoAccess => "no-access",
            Outcome::NotFound => "not-found",
            Outcome::TokenRejected(_) => "token-rejected",
            Outcome::Failed(_) => "failed",
            Outcome::Cancelled => "cancelled",
        }
    }

    /// The problem behind an outcome that needs explaining.
    pub fn problem(&self) -> Option<Problem> {
        let empty = String::new;
        match self {
            Outcome::Missing { rejected: false } => {
                Some(Problem::CredentialsMissing { message: empty() })
            }
            Outcome::Missing { rejected: true } => Some(Problem::KeyRejected { message: empty() }),
            Outcome::NotTms { authn_method } => Some(Problem::NotTms {
                authn_method: authn_method.clone(),
            }),
            Outcome::NoAccess => Some(Problem::NoAccess { message: empty() }),
            Outcome::NotFound => Some(Problem::NotFound { message: empty() }),
            Outcome::TokenRejected(p) | Outcome::Failed(p) => Some(p.clone()),
            _ => None,
        }
    }

    pub fn explanation(&self) -> String {
        match self {
            Outcome::Present => "A working key is already in place.".into(),
            Outcome::Created { replaced: false } => "A TMS key was created and the system accepts it.".into(),
            Outcome::Created { replaced: true } => "The system had refused your stored key; Tapis replaced it with a new TMS key, which the system accepts.".into(),
            Outcome::Missing { rejected: false } => "No key is stored for you on this system yet.".into(),
            Outcome::Removed => "Tapis no longer holds a key for you for this system.".into(),
            Outcome::Cancelled => "Stopped before finishing.".into(),
            // A create already on its way may still land (and say so on its row).
            Outcome::TokenRejected(p) => format!("{} Nothing more was sent with this token.", p.explanation()),
            other => other.problem().map(|p| p.explanation()).unwrap_or_default(),
        }
    }

    pub fn next_step(&self) -> Option<String> {
        self.next_step_on(Page::default())
    }

    pub fn next_step_on(&self, page: Page) -> Option<String> {
        self.problem().map(|p| p.next_step_on(page))
    }

    pub fn needs_attention(&self) -> bool {
        self.problem().is_some()
    }

    pub(super) fn from_problem(p: Problem) -> Outcome {
        match p {
            Problem::NoAccess { .. } => Outcome::NoAccess,
            Problem::NotFound { .. } => Outcome::NotFound,
            Problem::NotTms { authn_method } => Outcome::NotTms { authn_method },
            Problem::Cancelled => Outcome::Cancelled,
            p if p.is_token_rejection() => Outcome::TokenRejected(p),
            p => Outcome::Failed(p),
        }
    }
}
