//! "Find my systems": one request at a time, tied to the token it was made with.
use super::{AppState, Failure};
use std::rc::Rc;
use tms_core::http::Cancel;
use tms_core::tapis::SystemInfo;
use tms_core::{BaseUrl, Problem, Token};

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Discovery {
    #[default]
    Idle,
    Running(Rc<DiscoveryRequest>),
    Failed(Failure),
    Done(Rc<Vec<SystemInfo>>),
}

impl Discovery {
    pub fn is_running(&self) -> bool {
        matches!(self, Discovery::Running(_))
    }

    /// Stops a discovery in flight; its answer, if any still comes, is ignored.
    pub(super) fn cancel(&self) {
        if let Some(cancel) = self.cancel_flag() {
            cancel.cancel();
        }
    }

    /// The flag that stops the discovery in flight (the app's unmount holds on to it).
    pub fn cancel_flag(&self) -> Option<&Cancel> {
        match self {
            Discovery::Running(request) => Some(&request.cancel),
            _ => None,
        }
    }
}

/// What the app's effect needs to list the systems.
#[derive(Clone, Debug)]
pub struct DiscoveryRequest {
    pub id: u64,
    pub base_url: BaseUrl,
    pub token: Token,
    pub cancel: Cancel,
}

/// One discovery is one request: its id says it all (the cancel flag has no equality).
impl PartialEq for DiscoveryRequest {
    fn eq(&self, other: &Self) -> bool {
        self.id == other.id
    }
}

impl AppState {
    /// Starts a discovery when the token may be used and no run is under way (the run's
    /// requests and the list would compete for the same token and the user's attention).
    pub(super) fn request_discovery(&mut self) {
        if self.run.is_running() || self.discovery.is_running() {
            return;
        }
        let ready = self
            .usable_token()
            .and_then(|token| Ok((self.tenant()?, token)));
        self.discovery = match ready {
            Err(refusal) => Discovery::Failed(Failure::Refused(refusal)),
            Ok((base_url, token)) => Discovery::Running(Rc::new(DiscoveryRequest {
                id: self.next_task_id(),
                base_url,
                token,
                cancel: Cancel::new(),
            })),
        };
    }

    /// Takes the answer of the discovery in flight; answers of cancelled or older ones (another
    /// token's) are dropped.
    pub(super) fn on_discovered(&mut self, id: u64, result: Result<Vec<SystemInfo>, Problem>) {
        let current = matches!(&self.discovery, Discovery::Running(r) if r.id == id);
        if !current {
            return;
        }
        self.discovery = match result {
            Ok(systems) => Discovery::Done(Rc::new(systems)),
            Err(problem) => {
                // A revoked or invalid token found here blocks runs just as one found in a run.
                if problem.is_token_rejection() {
                    self.token_rejected = Some(problem.clone());
                }
                Discovery::Failed(Failure::Tapis(problem))
            }
        };
    }

    /// Whether "Find my systems" can start now.
    pub fn can_discover(&self) -> bool {
        self.token().is_some() && !self.run.is_running() && !self.discovery.is_running()
    }
}
