//! A run: the checks before one starts, its request to the app's effect, and its events.
use super::rows::{Row, RowStatus};
use super::{AppState, Refusal, TokenField, TokenStatus};
use std::rc::Rc;
use tms_core::engine::{Event, Mode, Outcome, RunControl, Step};
use tms_core::{BaseUrl, SystemId, Token};

/// Where the run is. A run in progress holds its request, so "running" and "what runs" can
/// never disagree, and a finished run's copy of the token is dropped with it.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum RunPhase {
    /// No run yet: the results panel invites one.
    #[default]
    Idle,
    Running(Rc<RunRequest>),
    /// The last run ended (finished, cancelled or stopped); its rows stay.
    Done {
        /// The one row the run covered (a retry or a removal): focus goes back to it, where
        /// the user was, rather than to the results heading.
        focus_row: Option<SystemId>,
    },
}

impl RunPhase {
    /// The `data-state` of `#summary`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RunPhase::Idle => "idle",
            RunPhase::Running(_) => "running",
            RunPhase::Done { .. } => "done",
        }
    }

    pub fn request(&self) -> Option<&Rc<RunRequest>> {
        match self {
            RunPhase::Running(request) => Some(request),
            _ => None,
        }
    }

    pub fn is_done(&self) -> bool {
        matches!(self, RunPhase::Done { .. })
    }

    pub fn is_running(&self) -> bool {
        self.request().is_some()
    }

    /// Whether `run_id` is the run in progress (events of older runs are ignored).
    pub fn is(&self, run_id: u64) -> bool {
        self.request().is_some_and(|r| r.run_id == run_id)
    }
}

/// Everything the engine needs for one run, decided by the reducer.
#[derive(Clone, Debug)]
pub struct RunRequest {
    pub run_id: u64,
    /// The token generation the run was started with.
    pub token_gen: u64,
    pub mode: Mode,
    /// The whole list, or the one row a retry or removal covers.
    pub target: Target,
    pub base_url: BaseUrl,
    pub token: Token,
    pub systems: Vec<SystemId>,
    /// Shared with the engine: Cancel and Forget token stop the run through it.
    pub control: RunControl,
}

/// One run is one request: its id says it all (the control has no equality of its own).
impl PartialEq for RunRequest {
    fn eq(&self, other: &Self) -> bool {
        self.run_id == other.run_id
    }
}

/// Which systems a run covers: the whole list, or one row (retry, remove).
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    All,
    One(SystemId),
}

impl AppState {
    /// Checks the form and, when it is fit to run, queues the rows and hands the run to the app's
    /// effect. Nothing is sent when any input is wrong: the refusal says what to fix.
    pub(super) fn request_run(&mut self, mode: Mode, target: Target) {
        self.commit_draft();
        if self.run.is_running() {
            return;
        }
        let (base_url, token, systems) = match self.check_run(&target) {
            Ok(ready) => ready,
            Err(refusal) => {
                self.refused = Some(refusal);
                self.refusals += 1;
                return;
            }
        };
        self.refused = None;
        match &target {
            Target::All => {
                self.rows = Rc::new(
                    systems
                        .iter()
                        .map(|s| Rc::new(Row::queued(s.clone(), mode)))
                        .collect(),
                )
            }
            Target::One(system) => match self.row_mut(system) {
                Some(row) => *row = Row::queued(system.clone(), mode),
                None => {
                    Rc::make_mut(&mut self.rows).push(Rc::new(Row::queued(system.clone(), mode)))
                }
            },
        }
        let run_id = self.next_task_id();
        self.run = RunPhase::Running(Rc::new(RunRequest {
            run_id,
            token_gen: self.token_gen,
            mode,
            target,
            base_url,
            token,
            systems,
            control: RunControl::new(),
        }));
    }

    /// Retry one row in its last mode; never delete on a bare "Retry": the user confirms again.
    pub(super) fn retry(&mut self, system: SystemId) {
        let mode = self
            .rows
            .iter()
            .find(|r| r.system == system)
            .map(|r| r.mode);
        match mode {
            Some(Mode::Remove) => self.confirm_remove = Some(system),
            mode => self.request_run(mode.unwrap_or(Mode::Establish), Target::One(system)),
        }
    }

    fn check_run(&self, target: &Target) -> Result<(BaseUrl, Token, Vec<SystemId>), Refusal> {
        let token = self.usable_token()?;
        let base_url = self.tenant()?;
        if self.username.trim().is_empty() {
            return Err(Refusal::NoUsername);
        }
        if let Some(owner) = self.username_mismatch() {
            return Err(Refusal::OtherUser {
                owner: owner.to_string(),
            });
        }
        let systems = match target {
            Target::One(system) => vec![system.clone()],
            Target::All => {
                // The list holds no duplicates (the field removes them), so each id is parsed once.
                let mut valid = Vec::with_capacity(self.systems.len());
                for id in self.systems.iter() {
                    match SystemId::parse(id) {
                        Ok(system) => valid.push(system),
                        Err(error) => {
                            return Err(Refusal::InvalidSystem {
                                id: id.clone(),
                                error,
                            })
                        }
                    }
                }
                if valid.is_empty() {
                    return Err(Refusal::NoSystems);
                }
                valid
            }
        };
        Ok((base_url, token, systems))
    }

    /// The token, if anything may be sent with it now.
    pub(super) fn usable_token(&self) -> Result<Token, Refusal> {
        let token = match (&self.token, self.token_status()) {
            (_, TokenStatus::Expired) => return Err(Refusal::TokenExpired),
            (TokenField::Parsed(token), _) => token.clone(),
            (TokenField::Invalid(err), _) => return Err(Refusal::TokenMalformed(err.clone())),
            (TokenField::Empty, _) => return Err(Refusal::NoToken),
        };
        match &self.token_rejected {
            Some(problem) => Err(Refusal::TokenRejected(problem.clone())),
            None => Ok(token),
        }
    }

    /// The tenant the token may be sent to: the one that issued it. A different URL in the
    /// advanced field is refused rather than trusted, so a token never leaves for another host.
    pub fn tenant(&self) -> Result<BaseUrl, Refusal> {
        let base = BaseUrl::parse(&self.base_url).map_err(Refusal::BadTenantUrl)?;
        if let Some(token) = self.token() {
            // Fail closed: a token whose issuer is not a usable tenant address goes nowhere.
            let issuer = token
                .info()
                .base_url()
                .map_err(|error| Refusal::IssuerNotTenant {
                    issuer: token.info().issuer.clone(),
                    error,
                })?;
            if issuer != base {
                return Err(Refusal::OtherTenant {
                    issuer,
                    tenant: base,
                });
            }
        }
        Ok(base)
    }

    pub(super) fn on_event(&mut self, event: Event) {
        match event {
            Event::Step {
                system,
                step,
                attempt,
                elapsed_ms,
            } => {
                let now = self.now_ms;
                if let Some(row) = self.row_mut(&system) {
                    // The clock starts when the engine takes the system up, not while it waits its turn.
                    if step != Step::Queued {
                        row.started_ms.get_or_insert(now.saturating_sub(elapsed_ms));
                    }
                    row.status = RowStatus::Step(step);
                    row.attempt = attempt;
                    row.elapsed_ms = elapsed_ms;
                }
            }
            Event::Done {
                system,
                outcome,
                elapsed_ms,
            } => {
                // Only the token the run was started with is rejected: one pasted or logged in
                // with since is not.
                let same_token = self
                    .run
                    .request()
                    .is_some_and(|r| r.token_gen == self.token_gen);
                if let (Outcome::TokenRejected(problem), true) = (&outcome, same_token) {
                    self.token_rejected = Some(problem.clone());
                }
                if let Some(row) = self.row_mut(&system) {
                    row.status = RowStatus::Done(outcome);
                    row.elapsed_ms = elapsed_ms;
                }
            }
            Event::Request(record) => self.log_request(record),
        }
    }
}
