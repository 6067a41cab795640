//! All of the app's state in one value, changed only by [`Action`]s through [`AppState::apply`].
//!
//! Browser-free so the reducer and the report are unit-tested natively; the Yew `Reducible`
//! wrapper lives in `app.rs`. The parts: `refusal` (why something will not be done), `run` (a
//! run's request and its checks), `rows` (one row per system and the summary), `discovery`
//! ("Find my systems"), `systems` (the systems field), `report` (the help-desk export).

mod discovery;
mod host;
mod refusal;
mod report;
mod rows;
mod run;
mod systems;
#[cfg(test)]
mod tests;

pub use discovery::{Discovery, DiscoveryRequest};
pub use host::{HostLink, HostResult, TokenAsk, ASK_INTERVAL_MS, MAX_HOST_NOTES};
pub use refusal::{Failure, Refusal};
pub use rows::{Row, RowStatus, Summary};
pub use run::{RunPhase, RunRequest, Target};
pub use systems::{DEFAULT_SYSTEMS, MAX_SYSTEMS};

use std::rc::Rc;
use tms_core::engine::{Event, Mode};
use tms_core::tapis::{RequestRecord, SystemInfo};
use tms_core::wording::Page;
use tms_core::{Problem, Secret, SystemId, Token, TokenError};

/// Under this many seconds left, the token panel warns that the token is about to expire.
pub const EXPIRING_SECS: i64 = 600;

#[derive(Clone, Debug, Default, PartialEq)]
pub enum TokenField {
    #[default]
    Empty,
    Parsed(Token),
    Invalid(TokenError),
}

/// The `data-state` of `#token-status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenStatus {
    None,
    Valid,
    Expiring,
    Expired,
    Malformed,
}

impl TokenStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenStatus::None => "none",
            TokenStatus::Valid => "valid",
            TokenStatus::Expiring => "expiring",
            TokenStatus::Expired => "expired",
            TokenStatus::Malformed => "malformed",
        }
    }
}

/// The password login's progress; a success shows as the token it brings.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Login {
    #[default]
    Idle,
    Running,
    Failed(Failure),
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppState {
    pub now_ms: u64,
    pub token: TokenField,
    /// Counts token changes. A run or discovery remembers the generation it started with, so
    /// what it learns about its token (a rejection, a list of systems) never sticks to a newer one.
    pub token_gen: u64,
    pub remember_token: bool,
    pub base_url: String,
    pub username: String,
    /// The user typed the username: a new token no longer fills it in.
    pub username_edited: bool,
    /// Tapis refused the current token (revoked, invalid): nothing more is sent with it until
    /// the user brings a new one.
    pub token_rejected: Option<Problem>,
    // The lists are shared, not copied, by the state values each action makes: a tick or an
    // engine event must not cost a copy of hundreds of rows and thousands of log lines.
    /// The systems as the user entered them, valid or not, in order.
    pub systems: Rc<Vec<String>>,
    /// What is typed in the systems field but not yet a chip.
    pub systems_draft: String,
    /// How many ids of the last paste did not fit under [`MAX_SYSTEMS`].
    pub systems_left_out: usize,
    /// The id last removed from the list, for screen readers; cleared when ids are added, so
    /// removing the same id again is announced again.
    pub systems_removed: Option<String>,
    pub login: Login,
    pub discovery: Discovery,
    /// The last id given to a run or a discovery; answers carry it, so those of older ones are ignored.
    pub last_task_id: u64,
    pub run: RunPhase,
    pub rows: Rc<Vec<Rc<Row>>>,
    pub log: Rc<Vec<Rc<RequestRecord>>>,
    /// The system whose credential removal awaits the user's confirmation.
    pub confirm_remove: Option<SystemId>,
    /// Why the last run request was refused, shown next to the run buttons.
    pub refused: Option<Refusal>,
    /// How many run requests were refused so far (to announce a repeated refusal).
    pub refusals: u32,
    /// The page embedding the app: its token, its requests for one, the results it is told.
    pub host: HostLink,
    /// The page offers only "Check only" (its configuration's mode).
    pub check_only: bool,
    /// Whether the last "Copy report" reached the clipboard.
    pub report_copied: Option<bool>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Tick(u64),
    /// Text pasted into the token field; a [`Secret`] so that no Debug print can show it.
    TokenInput(Secret),
    LoginStarted,
    LoggedIn(Token),
    LoginFailed(Failure),
    ForgetToken,
    SetRemember(bool),
    SetBaseUrl(String),
    SetUsername(String),
    /// The systems field changed: every complete id (followed by a comma, space or newline)
    /// becomes a chip, the rest stays as the draft.
    SystemsDraft(String),
    /// Enter or leaving the field: the whole draft becomes chips.
    CommitDraft,
    /// One id picked from the discovered systems; the draft is left alone.
    AddSystem(String),
    RemoveSystem(usize),
    /// "Find my systems": the reducer checks the token and hands a request to the app's effect.
    Discover,
    Discovered {
        id: u64,
        result: Result<Vec<SystemInfo>, Problem>,
    },
    /// The user asked for a run; the reducer checks the form and starts [`RunPhase::Running`].
    Run {
        mode: Mode,
        target: Target,
    },
    /// Retry one row in its last mode; a removal asks for confirmation again.
    Retry(SystemId),
    /// The Cancel button: stops the run and any discovery.
    Cancel,
    /// A row's "Stop waiting": that system ends with the reason it was waiting for.
    StopWaiting(SystemId),
    Engine {
        run_id: u64,
        event: Event,
    },
    RunFinished {
        run_id: u64,
    },
    Request(RequestRecord),
    ReportCopied(bool),
    AskRemove(SystemId),
    CloseRemove,
    /// A token the host page handed over (`tms:token` event or message).
    HostToken(Secret),
    /// Something from the host side that was not taken: what, and why (never its content).
    HostIgnored {
        what: String,
        why: String,
    },
}

impl AppState {
    pub fn new(now_ms: u64, base_url: String) -> Self {
        AppState {
            now_ms,
            base_url,
            systems: Rc::new(DEFAULT_SYSTEMS.iter().map(|s| s.to_string()).collect()),
            ..AppState::default()
        }
    }

    pub fn apply(mut self, action: Action) -> Self {
        match action {
            Action::Tick(now) => self.now_ms = now,
            Action::TokenInput(raw) => self.set_token(self.token_field(&raw)),
            Action::LoginStarted => self.login = Login::Running,
            Action::LoggedIn(token) => {
                self.login = Login::Idle;
                self.set_token(TokenField::Parsed(token));
            }
            Action::LoginFailed(failure) => self.login = Login::Failed(failure),
            Action::ForgetToken => {
                // No run goes on with a token the user asked the page to forget.
                if let Some(request) = self.run.request() {
                    request.control.cancel();
                }
                self.set_token(TokenField::Empty);
                self.remember_token = false;
            }
            Action::SetRemember(on) => self.remember_token = on,
            Action::SetBaseUrl(url) => self.base_url = url,
            Action::SetUsername(name) => {
                self.username_edited = !name.trim().is_empty();
                self.username = name;
            }
            Action::SystemsDraft(text) => self.type_systems(text),
            Action::CommitDraft => self.commit_draft(),
            Action::AddSystem(id) => self.add_systems(&id),
            Action::RemoveSystem(index) => self.remove_system(index),
            Action::Discover => self.request_discovery(),
            Action::Discovered { id, result } => self.on_discovered(id, result),
            Action::Run { mode, target } => self.request_run(mode, target),
            Action::Retry(system) => self.retry(system),
            Action::StopWaiting(system) => {
                if let Some(request) = self.run.request() {
                    request.control.stop_waiting(&system);
                }
            }
            Action::Cancel => {
                if let Some(request) = self.run.request() {
                    request.control.cancel();
                }
                self.discovery.cancel();
            }
            Action::Engine { run_id, event } if self.run.is(run_id) => self.on_event(event),
            Action::Engine { .. } => {}
            Action::RunFinished { run_id } if self.run.is(run_id) => {
                let request = self.run.request().cloned();
                let focus_row = request.as_ref().and_then(|r| match &r.target {
                    Target::One(system) => Some(system.clone()),
                    Target::All => None,
                });
                self.run = RunPhase::Done { focus_row };
                if let Some(request) = request {
                    self.host_run_finished(request.mode);
                }
            }
            Action::RunFinished { .. } => {}
            Action::Request(record) => self.log_request(record),
            Action::ReportCopied(ok) => self.report_copied = Some(ok),
            Action::AskRemove(system) => self.confirm_remove = Some(system),
            Action::CloseRemove => self.confirm_remove = None,
            Action::HostToken(raw) => self.host_token(raw),
            Action::HostIgnored { what, why } => self.host_note(&what, Some(why)),
        }
        self.update_host_ask();
        self
    }

    /// What the token field holds for `raw`: empty, a token, or why it is not one.
    fn token_field(&self, raw: &Secret) -> TokenField {
        if raw.expose().trim().is_empty() {
            return TokenField::Empty;
        }
        match Token::parse(raw.expose(), self.now_ms / 1000) {
            Ok(token) => TokenField::Parsed(token),
            Err(err) => TokenField::Invalid(err),
        }
    }

    /// A new token fills the tenant URL and username from its claims, unless the user typed
    /// a username of their own (kept, so the mismatch refusal can explain it). Anything learnt
    /// with the previous token (its rejection, the systems it could see) goes with it.
    fn set_token(&mut self, field: TokenField) {
        // The very token Tapis rejected, again (pasted, or resent by a host that caches it):
        // nothing changes, so the rejection stands and no run starts with it.
        if self.token_rejected.is_some()
            && matches!(&field, TokenField::Parsed(_))
            && field == self.token
        {
            return;
        }
        if let TokenField::Parsed(token) = &field {
            let info = token.info();
            if let Ok(base) = info.base_url() {
                self.base_url = base.as_str().to_string();
            }
            if !self.username_edited || self.username.trim().is_empty() {
                self.username = info.username.clone();
                self.username_edited = false;
            }
        }
        self.token = field;
        self.token_gen += 1;
        self.token_rejected = None;
        self.discovery.cancel();
        self.discovery = Discovery::Idle;
    }

    fn log_request(&mut self, record: RequestRecord) {
        Rc::make_mut(&mut self.log).push(Rc::new(record));
    }

    fn next_task_id(&mut self) -> u64 {
        self.last_task_id += 1;
        self.last_task_id
    }

    pub fn token(&self) -> Option<&Token> {
        match &self.token {
            TokenField::Parsed(token) => Some(token),
            _ => None,
        }
    }

    pub fn token_status(&self) -> TokenStatus {
        match &self.token {
            TokenField::Empty => TokenStatus::None,
            TokenField::Invalid(TokenError::Expired { .. }) => TokenStatus::Expired,
            TokenField::Invalid(_) => TokenStatus::Malformed,
            TokenField::Parsed(token) => match token.info().seconds_left(self.now_ms / 1000) {
                left if left <= 0 => TokenStatus::Expired,
                left if left < EXPIRING_SECS => TokenStatus::Expiring,
                _ => TokenStatus::Valid,
            },
        }
    }

    /// Why the token field holds no usable token, with the way to a fresh one where it expired.
    pub fn token_error(&self) -> Option<String> {
        match &self.token {
            TokenField::Invalid(err @ TokenError::Expired { .. }) => {
                Some(format!("{err} {}", self.page().fresh_token()))
            }
            TokenField::Invalid(err) => Some(err.to_string()),
            _ => None,
        }
    }

    /// What the page offers, for the ways out of problems and refusals.
    pub fn page(&self) -> Page {
        Page {
            token_from_host: self.host.asks(),
            check_only: self.check_only,
        }
    }

    /// Why the username field will make Tapis refuse, if it will.
    pub fn username_mismatch(&self) -> Option<&str> {
        let owner = &self.token()?.info().username;
        (!self.username.trim().is_empty() && self.username.trim() != owner)
            .then_some(owner.as_str())
    }
}
