//! All of the app's state in one value, changed only by [`Action`]s through [`AppState::apply`].
//!
//! Browser-free so the reducer and the report are unit-tested natively; the Yew `Reducible`
//! wrapper lives in `app.rs`.
use serde::Serialize;
use tms_core::engine::{Event, Mode, Outcome, Step};
use tms_core::system_id::{is_separator, parse_list};
use tms_core::tapis::{RequestRecord, SystemInfo};
use tms_core::{BaseUrl, Problem, Secret, SystemId, Token, TokenError};

/// Under this many seconds left, the token panel warns that the token is about to expire.
pub const EXPIRING_SECS: i64 = 600;
/// The systems most DesignSafe users need; the form starts with them.
pub const DEFAULT_SYSTEMS: [&str; 3] = ["stampede3", "ls6", "frontera"];

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

#[derive(Clone, Debug, Default, PartialEq)]
pub enum Pending<T> {
    #[default]
    Idle,
    Running,
    /// What went wrong and what to do, ready to show.
    Failed(String),
    Done(T),
}

/// A problem as one message: what happened, then what to do.
pub fn problem_text(problem: &Problem) -> String {
    format!("{} {}", problem.explanation(), problem.next_step())
}

#[derive(Clone, Debug, PartialEq)]
pub enum RowStatus {
    Queued,
    Step(Step),
    Done(Outcome),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    pub system: SystemId,
    pub mode: Mode,
    pub status: RowStatus,
    pub attempt: u32,
    /// When the engine started on this system (ms since the epoch); `None` while queued.
    pub started_ms: Option<u64>,
    pub elapsed_ms: u64,
}

impl Row {
    fn queued(system: SystemId, mode: Mode) -> Self {
        Row {
            system,
            mode,
            status: RowStatus::Queued,
            attempt: 0,
            started_ms: None,
            elapsed_ms: 0,
        }
    }

    /// The row's `data-state`.
    pub fn state(&self) -> &'static str {
        match &self.status {
            RowStatus::Queued => "queued",
            RowStatus::Step(step) => step.state(),
            RowStatus::Done(outcome) => outcome.state(),
        }
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.status {
            RowStatus::Done(outcome) => Some(outcome),
            _ => None,
        }
    }

    pub fn is_done(&self) -> bool {
        self.outcome().is_some()
    }

    /// Elapsed time to show: frozen once done, live while the engine works on it.
    pub fn elapsed_at(&self, now_ms: u64) -> u64 {
        match (self.is_done(), self.started_ms) {
            (false, Some(start)) => now_ms.saturating_sub(start),
            _ => self.elapsed_ms,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct AppState {
    pub now_ms: u64,
    pub token: TokenField,
    pub remember_token: bool,
    pub base_url: String,
    pub username: String,
    /// The user typed the username: a new token no longer fills it in.
    pub username_edited: bool,
    /// Why Tapis rejected the current token during a run (revoked, invalid): runs stop until
    /// the user brings a new one.
    pub token_rejected: Option<String>,
    /// The systems as the user entered them, valid or not, in order.
    pub systems: Vec<String>,
    /// What is typed in the systems field but not yet a chip.
    pub systems_draft: String,
    pub login: Pending<()>,
    pub discovery: Pending<Vec<SystemInfo>>,
    /// Identifies the current run so that events of a cancelled, older run are ignored.
    pub run_id: u64,
    pub running: bool,
    pub rows: Vec<Row>,
    pub log: Vec<RequestRecord>,
    /// The system whose credential removal awaits the user's confirmation.
    pub confirm_remove: Option<SystemId>,
    /// Why the last run request was refused, shown next to the run buttons.
    pub run_refused: Option<String>,
    /// How many run requests were refused so far (to announce a repeated refusal).
    pub refusals: u32,
    /// The run the app's effect must start; set by the reducer so it sees the latest input.
    pub run_request: Option<RunRequest>,
}

/// Everything the engine needs for one run, decided by the reducer.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRequest {
    pub run_id: u64,
    pub mode: Mode,
    pub base_url: BaseUrl,
    pub token: Token,
    pub username: String,
    pub systems: Vec<SystemId>,
}

/// Which systems a run covers: the whole list, or one row (retry, remove).
#[derive(Clone, Debug, PartialEq)]
pub enum Target {
    All,
    One(SystemId),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Tick(u64),
    /// Text pasted into the token field; a [`Secret`] so that no Debug print can show it.
    TokenInput(Secret),
    LoginStarted,
    LoggedIn(Token),
    LoginFailed(String),
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
    DiscoveryStarted,
    /// The systems found, or what went wrong as a sentence to show.
    Discovered(Result<Vec<SystemInfo>, String>),
    /// The user asked for a run; the reducer checks the form and sets `run_request`.
    Run {
        mode: Mode,
        target: Target,
    },
    /// Retry one row in its last mode; a removal asks for confirmation again.
    Retry(SystemId),
    Engine {
        run_id: u64,
        event: Event,
    },
    RunFinished {
        run_id: u64,
    },
    Request(RequestRecord),
    AskRemove(SystemId),
    CloseRemove,
}

impl AppState {
    pub fn new(now_ms: u64, base_url: String) -> Self {
        AppState {
            now_ms,
            base_url,
            systems: DEFAULT_SYSTEMS.iter().map(|s| s.to_string()).collect(),
            ..AppState::default()
        }
    }

    pub fn apply(mut self, action: Action) -> Self {
        match action {
            Action::Tick(now) => self.now_ms = now,
            Action::TokenInput(raw) => {
                let field = if raw.expose().trim().is_empty() {
                    TokenField::Empty
                } else {
                    match Token::parse(raw.expose(), self.now_ms / 1000) {
                        Ok(token) => TokenField::Parsed(token),
                        Err(err) => TokenField::Invalid(err),
                    }
                };
                self.set_token(field);
            }
            Action::LoginStarted => self.login = Pending::Running,
            Action::LoggedIn(token) => {
                self.login = Pending::Done(());
                self.set_token(TokenField::Parsed(token));
            }
            Action::LoginFailed(message) => self.login = Pending::Failed(message),
            Action::ForgetToken => {
                self.set_token(TokenField::Empty);
                self.remember_token = false;
            }
            Action::SetRemember(on) => self.remember_token = on,
            Action::SetBaseUrl(url) => self.base_url = url,
            Action::SetUsername(name) => {
                self.username_edited = !name.trim().is_empty();
                self.username = name;
            }
            Action::SystemsDraft(text) => {
                let (complete, rest) = match text.rfind(is_separator) {
                    Some(i) => text.split_at(i + 1),
                    None => ("", text.as_str()),
                };
                self.add_systems(complete);
                self.systems_draft = rest.to_string();
            }
            Action::CommitDraft => self.commit_draft(),
            Action::AddSystem(id) => self.add_systems(&id),
            Action::RemoveSystem(index) => {
                if index < self.systems.len() {
                    self.systems.remove(index);
                }
            }
            Action::DiscoveryStarted => self.discovery = Pending::Running,
            Action::Discovered(Ok(systems)) => self.discovery = Pending::Done(systems),
            Action::Discovered(Err(message)) => self.discovery = Pending::Failed(message),
            Action::Run { mode, target } => self.request_run(mode, target),
            Action::Retry(system) => {
                match self
                    .rows
                    .iter()
                    .find(|r| r.system == system)
                    .map(|r| r.mode)
                {
                    // Never delete on a bare "Retry": the user confirms the removal again.
                    Some(Mode::Remove) => self.confirm_remove = Some(system),
                    mode => self.request_run(mode.unwrap_or(Mode::Establish), Target::One(system)),
                }
            }
            Action::Engine { run_id, event } if run_id == self.run_id => self.on_event(event),
            Action::Engine { .. } => {}
            Action::RunFinished { run_id } if run_id == self.run_id => {
                self.running = false;
                self.run_request = None;
            }
            Action::RunFinished { .. } => {}
            Action::Request(record) => self.log.push(record),
            Action::AskRemove(system) => self.confirm_remove = Some(system),
            Action::CloseRemove => self.confirm_remove = None,
        }
        self
    }

    fn add_systems(&mut self, text: &str) {
        for id in text.split(is_separator).filter(|s| !s.is_empty()) {
            if !self.systems.iter().any(|s| s == id) {
                self.systems.push(id.to_string());
            }
        }
    }

    fn commit_draft(&mut self) {
        let draft = std::mem::take(&mut self.systems_draft);
        self.add_systems(&draft);
    }

    /// Checks the form and, when it is fit to run, queues the rows and hands the run to the app's
    /// effect. Nothing is sent when any input is wrong: the refusal says what to fix.
    fn request_run(&mut self, mode: Mode, target: Target) {
        self.commit_draft();
        if self.running {
            return;
        }
        match self.check_run(&target) {
            Err(reason) => {
                self.run_refused = Some(reason);
                self.refusals += 1;
            }
            Ok((base_url, token, systems)) => {
                self.run_refused = None;
                self.run_id += 1;
                self.running = true;
                match target {
                    Target::All => {
                        self.rows = systems
                            .iter()
                            .map(|s| Row::queued(s.clone(), mode))
                            .collect()
                    }
                    Target::One(ref system) => match self.row_mut(system) {
                        Some(row) => *row = Row::queued(system.clone(), mode),
                        None => self.rows.push(Row::queued(system.clone(), mode)),
                    },
                }
                self.run_request = Some(RunRequest {
                    run_id: self.run_id,
                    mode,
                    base_url,
                    token,
                    username: self.username.trim().to_string(),
                    systems,
                });
            }
        }
    }

    fn check_run(&self, target: &Target) -> Result<(BaseUrl, Token, Vec<SystemId>), String> {
        let token = match (&self.token, self.token_status()) {
            (_, TokenStatus::Expired) => {
                return Err("Your token has expired: log in again or paste a fresh token.".into())
            }
            (TokenField::Parsed(token), _) => token.clone(),
            (TokenField::Invalid(err), _) => return Err(err.to_string()),
            (TokenField::Empty, _) => return Err("Paste your Tapis token or log in first.".into()),
        };
        if let Some(reason) = &self.token_rejected {
            return Err(format!("{reason} Log in again or paste a fresh token."));
        }
        let base_url = self.tenant()?;
        if self.username.trim().is_empty() {
            return Err("Enter the Tapis username to set up credentials for.".into());
        }
        if let Some(owner) = self.username_mismatch() {
            return Err(mismatch_text(owner));
        }
        let systems = match target {
            Target::One(system) => vec![system.clone()],
            Target::All => {
                let list = parse_list(&self.systems.join(","));
                if let Some((id, err)) = list.invalid.first() {
                    return Err(format!("Fix or remove the system \"{id}\" first: {err}"));
                }
                if list.valid.is_empty() {
                    return Err("Add at least one system, for example stampede3.".into());
                }
                list.valid
            }
        };
        Ok((base_url, token, systems))
    }

    /// The tenant the token may be sent to: the one that issued it. A different URL in the
    /// advanced field is refused rather than trusted, so a token never leaves for another host.
    pub fn tenant(&self) -> Result<BaseUrl, String> {
        let base = BaseUrl::parse(&self.base_url).map_err(|e| e.to_string())?;
        if let Some(token) = self.token() {
            // Fail closed: a token whose issuer is not a usable tenant address goes nowhere.
            let issuer = token.info().base_url().map_err(|e| {
                format!(
                    "This token's issuer ({}) is not a Tapis tenant address: {e}",
                    token.info().issuer
                )
            })?;
            if issuer != base {
                return Err(format!(
                    "This token was issued by {}; it is only sent to that tenant. Set the tenant URL back to it, or use a token from {}.",
                    issuer.as_str(),
                    base.as_str()
                ));
            }
        }
        Ok(base)
    }

    /// A new token fills the tenant URL and username from its claims, unless the user typed
    /// a username of their own (kept, so the mismatch refusal can explain it). Anything learnt
    /// with the previous token (its rejection, the systems it could see) goes with it.
    fn set_token(&mut self, field: TokenField) {
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
        self.token_rejected = None;
        self.discovery = Pending::Idle;
    }

    fn on_event(&mut self, event: Event) {
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
                if let Outcome::TokenRejected(problem) = &outcome {
                    self.token_rejected = Some(problem.explanation());
                }
                if let Some(row) = self.row_mut(&system) {
                    row.status = RowStatus::Done(outcome);
                    row.elapsed_ms = elapsed_ms;
                }
            }
            Event::Request(record) => self.log.push(record),
        }
    }

    fn row_mut(&mut self, system: &SystemId) -> Option<&mut Row> {
        self.rows.iter_mut().find(|r| &r.system == system)
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

    /// Why the username field will make Tapis refuse, if it will.
    pub fn username_mismatch(&self) -> Option<&str> {
        let owner = &self.token()?.info().username;
        (!self.username.trim().is_empty() && self.username.trim() != owner)
            .then_some(owner.as_str())
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            total: self.rows.len(),
            ..Summary::default()
        };
        for row in &self.rows {
            let Some(outcome) = row.outcome() else {
                continue;
            };
            s.done += 1;
            match outcome {
                Outcome::Present => s.present += 1,
                Outcome::Created { .. } => s.created += 1,
                Outcome::Missing { .. } => s.missing += 1,
                Outcome::Removed => s.removed += 1,
                Outcome::Cancelled => s.cancelled += 1,
                _ => s.attention += 1,
            }
        }
        s
    }

    /// The `data-state` of `#summary`.
    pub fn summary_state(&self) -> &'static str {
        match (self.running, self.rows.is_empty()) {
            (true, _) => "running",
            (false, true) => "idle",
            (false, false) => "done",
        }
    }

    /// The activity report a user can attach to a help ticket. It never contains the token.
    pub fn report_json(&self) -> String {
        let report = Report {
            tool: "tms-credentials",
            version: env!("CARGO_PKG_VERSION"),
            generated_at_ms: self.now_ms,
            tenant: &self.base_url,
            username: &self.username,
            token_expires_at: self.token().map(|t| t.info().expires_at),
            results: self
                .rows
                .iter()
                .map(|row| ReportRow {
                    system: row.system.as_str(),
                    state: row.state(),
                    explanation: row.outcome().map(|o| o.explanation()),
                    next_step: row.outcome().and_then(|o| o.next_step()),
                    elapsed_ms: row.elapsed_ms,
                })
                .collect(),
            requests: &self.log,
        };
        serde_json::to_string_pretty(&report).unwrap_or_default()
    }
}

/// Why a run for another user is refused: Tapis makes TMS keys only for the token's own user.
pub fn mismatch_text(owner: &str) -> String {
    format!(
        "Your token belongs to {owner}: Tapis sets up TMS keys only for the token's own user. \
         Use {owner} as the username, or log in as the user you typed."
    )
}

/// "+1.2 s": how long after the session's first request one was sent, exactly as
/// `format!("+{:.1} s", ms as f64 / 1000.0)` prints it (round half to even on the f64), but in
/// integer arithmetic, so the wasm carries no float formatting (`{:.1}` pulls in ~10 KB).
pub fn offset_label(ms: u64) -> String {
    let tenths = ms / 100;
    let rem = ms % 100;
    let up = if rem != 50 {
        rem > 50
    } else {
        // A near-tie: compare the f64 quotient q = m / 2^shift with the midpoint (2·tenths+1)/20.
        let bits = (ms as f64 / 1000.0).to_bits();
        let mantissa = (bits & ((1 << 52) - 1)) | (1 << 52);
        let shift = 1075 - ((bits >> 52) & 0x7ff) as u32;
        let lhs = u128::from(mantissa) * 20;
        let rhs = u128::from(2 * tenths + 1) << shift;
        if lhs == rhs {
            tenths % 2 == 1
        } else {
            lhs > rhs
        }
    };
    let tenths = tenths + u64::from(up);
    format!("+{}.{} s", tenths / 10, tenths % 10)
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub done: usize,
    pub present: usize,
    pub created: usize,
    pub missing: usize,
    pub removed: usize,
    pub cancelled: usize,
    pub attention: usize,
}

impl Summary {
    /// "2 created, 1 already set up, 1 needs attention".
    pub fn sentence(&self) -> String {
        let parts: Vec<String> = [
            (self.created, "created", "created"),
            (self.present, "already set up", "already set up"),
            (self.missing, "missing", "missing"),
            (self.removed, "removed", "removed"),
            (self.attention, "needs attention", "need attention"),
            (self.cancelled, "cancelled", "cancelled"),
        ]
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
        if parts.is_empty() {
            String::new()
        } else {
            parts.join(", ")
        }
    }
}

#[derive(Serialize)]
struct Report<'a> {
    tool: &'static str,
    version: &'static str,
    generated_at_ms: u64,
    tenant: &'a str,
    username: &'a str,
    token_expires_at: Option<u64>,
    results: Vec<ReportRow<'a>>,
    requests: &'a [RequestRecord],
}

#[derive(Serialize)]
struct ReportRow<'a> {
    system: &'a str,
    state: &'static str,
    explanation: Option<String>,
    next_step: Option<String>,
    elapsed_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use tms_core::encoding::base64url_encode;

    const NOW_MS: u64 = 1_800_000_000_000;

    #[test]
    fn offset_label_matches_float_formatting() {
        let exhaustive = 0..3_000_000u64;
        let ties = (0..200_000u64).map(|k| k * 100 + 50);
        let large = (1u64 << 40) - 20_000..(1u64 << 40);
        for ms in exhaustive.chain(ties).chain(large) {
            assert_eq!(
                offset_label(ms),
                format!("+{:.1} s", ms as f64 / 1000.0),
                "{ms} ms"
            );
        }
    }

    fn token_input(raw: impl Into<String>) -> Action {
        Action::TokenInput(Secret::new(raw.into()))
    }

    fn jwt(username: &str, iss: &str, exp_in_secs: i64) -> String {
        let claims = serde_json::json!({
            "iss": iss, "sub": format!("{username}@designsafe"), "exp": (NOW_MS / 1000) as i64 + exp_in_secs,
            "tapis/tenant_id": "designsafe", "tapis/username": username, "tapis/token_type": "access",
        });
        format!(
            "{}.{}.c2ln",
            base64url_encode(br#"{"alg":"RS256","typ":"JWT"}"#),
            base64url_encode(claims.to_string().as_bytes())
        )
    }

    fn with_token(exp_in_secs: i64) -> AppState {
        AppState::new(NOW_MS, "https://designsafe.tapis.io".into()).apply(token_input(jwt(
            "alice",
            "https://designsafe.tapis.io/v3/tokens",
            exp_in_secs,
        )))
    }

    fn id(s: &str) -> SystemId {
        SystemId::parse(s).unwrap()
    }

    #[test]
    fn token_status_follows_the_clock() {
        let cases: &[(i64, u64, TokenStatus)] = &[
            (4 * 3600, 0, TokenStatus::Valid),
            (4 * 3600, (4 * 3600 - 300) * 1000, TokenStatus::Expiring),
            (4 * 3600, (4 * 3600 + 1) * 1000, TokenStatus::Expired),
            (300, 0, TokenStatus::Expiring),
        ];
        for (exp, later_ms, expected) in cases {
            let state = with_token(*exp).apply(Action::Tick(NOW_MS + later_ms));
            assert_eq!(
                state.token_status(),
                *expected,
                "exp {exp} later {later_ms}"
            );
        }
    }

    #[test]
    fn token_input_states() {
        let base = AppState::new(NOW_MS, String::new());
        let cases: &[(&str, TokenStatus)] = &[
            ("", TokenStatus::None),
            ("   ", TokenStatus::None),
            ("not-a-token", TokenStatus::Malformed),
            ("a.b.c", TokenStatus::Malformed),
        ];
        for (raw, expected) in cases {
            let state = base.clone().apply(token_input(raw.to_string()));
            assert_eq!(state.token_status(), *expected, "input {raw:?}");
        }
        let expired = base.apply(token_input(jwt(
            "alice",
            "https://designsafe.tapis.io/v3/tokens",
            -60,
        )));
        assert_eq!(expired.token_status(), TokenStatus::Expired);
    }

    #[test]
    fn a_token_fills_tenant_and_username_but_keeps_a_typed_username() {
        let state = AppState::new(NOW_MS, String::new()).apply(token_input(jwt(
            "alice",
            "http://127.0.0.1:5050/v3/tokens",
            3600,
        )));
        assert_eq!(state.base_url, "http://127.0.0.1:5050");
        assert_eq!(state.username, "alice");
        assert_eq!(state.username_mismatch(), None);

        let typed = state.apply(Action::SetUsername("bob".into()));
        assert_eq!(typed.username_mismatch(), Some("alice"));
        let renewed = typed.apply(token_input(jwt(
            "alice",
            "http://127.0.0.1:5050/v3/tokens",
            7200,
        )));
        assert_eq!(
            renewed.username, "bob",
            "a username the user typed is not overwritten"
        );
    }

    #[test]
    fn forgetting_the_token_clears_it_and_the_opt_in() {
        let state = with_token(3600)
            .apply(Action::SetRemember(true))
            .apply(Action::ForgetToken);
        assert_eq!(state.token_status(), TokenStatus::None);
        assert!(!state.remember_token);
    }

    #[test]
    fn systems_field_turns_complete_ids_into_chips() {
        let cases: &[(&str, &[&str], &str)] = &[
            ("vista", &[], "vista"),
            ("vista,", &["vista"], ""),
            ("vista, ls6 frontera", &["vista"], "frontera"),
            ("a\nb\n", &["a", "b"], ""),
            ("stampede3,", &[], ""), // already present: not duplicated
            ("ls6x;vista;", &["ls6x", "vista"], ""),
        ];
        for (typed, added, draft) in cases {
            let state =
                AppState::new(NOW_MS, String::new()).apply(Action::SystemsDraft(typed.to_string()));
            let mut expected: Vec<&str> = DEFAULT_SYSTEMS.to_vec();
            expected.extend_from_slice(added);
            assert_eq!(state.systems, expected, "typed {typed:?}");
            assert_eq!(state.systems_draft, *draft, "typed {typed:?}");
        }
        let state = AppState::new(NOW_MS, String::new())
            .apply(Action::SystemsDraft("vista".into()))
            .apply(Action::CommitDraft)
            .apply(Action::RemoveSystem(0))
            .apply(Action::RemoveSystem(99));
        assert_eq!(state.systems, ["ls6", "frontera", "vista"]);

        let picked = state
            .apply(Action::SystemsDraft("corr".into()))
            .apply(Action::AddSystem("vista-gpu".into()));
        assert_eq!(picked.systems, ["ls6", "frontera", "vista", "vista-gpu"]);
        assert_eq!(
            picked.systems_draft, "corr",
            "picking a system keeps what the user was typing"
        );
    }

    #[test]
    fn a_run_is_refused_with_a_reason_and_nothing_changes() {
        let ok = with_token(3600);
        let cases: Vec<(&str, AppState)> = vec![
            (
                "no token",
                AppState::new(NOW_MS, "https://designsafe.tapis.io".into()),
            ),
            (
                "expired",
                with_token(3600).apply(Action::Tick(NOW_MS + 3601 * 1000)),
            ),
            ("malformed", ok.clone().apply(token_input("abc"))),
            (
                "invalid id",
                ok.clone().apply(Action::SystemsDraft("Stampede3,".into())),
            ),
            (
                "no systems",
                (0..3).fold(ok.clone(), |s, _| s.apply(Action::RemoveSystem(0))),
            ),
            (
                "other tenant",
                ok.clone()
                    .apply(Action::SetBaseUrl("https://tacc.tapis.io".into())),
            ),
            (
                "http tenant",
                ok.clone()
                    .apply(Action::SetBaseUrl("http://designsafe.tapis.io".into())),
            ),
            (
                "another user",
                ok.clone().apply(Action::SetUsername("bob".into())),
            ),
            (
                "issuer is not a tenant",
                AppState::new(NOW_MS, "https://designsafe.tapis.io".into())
                    .apply(token_input(jwt("alice", "not a url", 3600))),
            ),
            (
                "no username",
                ok.clone().apply(Action::SetUsername("  ".into())),
            ),
        ];
        for (name, state) in cases {
            let after = state.apply(Action::Run {
                mode: Mode::Establish,
                target: Target::All,
            });
            assert!(after.run_refused.is_some(), "{name}: refused with a reason");
            assert!(!after.running, "{name}");
            assert!(after.run_request.is_none(), "{name}: nothing to send");
            assert!(after.rows.is_empty(), "{name}: no rows queued");
        }
    }

    #[test]
    fn a_run_queues_rows_and_hands_the_request_over() {
        let state = with_token(3600)
            .apply(Action::SystemsDraft("vista".into()))
            .apply(Action::Run {
                mode: Mode::Establish,
                target: Target::All,
            });
        assert!(state.running);
        assert_eq!(state.summary_state(), "running");
        let request = state.run_request.clone().expect("a run request");
        assert_eq!(request.run_id, 1);
        assert_eq!(request.username, "alice");
        assert_eq!(
            request.systems,
            [id("stampede3"), id("ls6"), id("frontera"), id("vista")]
        );
        assert!(state.rows.iter().all(|r| r.state() == "queued"));
        // A second request while running is ignored rather than starting a parallel run.
        let again = state.clone().apply(Action::Run {
            mode: Mode::CheckOnly,
            target: Target::All,
        });
        assert_eq!(again.run_id, 1);
    }

    #[test]
    fn engine_events_drive_rows_summary_and_log() {
        let mut state = with_token(3600).apply(Action::Run {
            mode: Mode::Establish,
            target: Target::All,
        });
        let events = [
            Event::Step {
                system: id("stampede3"),
                step: Step::Checking,
                attempt: 1,
                elapsed_ms: 0,
            },
            Event::Done {
                system: id("stampede3"),
                outcome: Outcome::Created { replaced: false },
                elapsed_ms: 3100,
            },
            Event::Done {
                system: id("ls6"),
                outcome: Outcome::Present,
                elapsed_ms: 900,
            },
            Event::Done {
                system: id("frontera"),
                outcome: Outcome::NoAccess,
                elapsed_ms: 500,
            },
        ];
        state = state.apply(Action::Engine {
            run_id: 1,
            event: events[0].clone(),
        });
        assert_eq!(state.rows[0].state(), "checking");
        for event in &events[1..] {
            state = state.apply(Action::Engine {
                run_id: 1,
                event: event.clone(),
            });
        }
        // Events of an older run are ignored.
        state = state.apply(Action::Engine {
            run_id: 0,
            event: Event::Done {
                system: id("ls6"),
                outcome: Outcome::Cancelled,
                elapsed_ms: 1,
            },
        });
        let summary = state.summary();
        assert_eq!(
            (
                summary.done,
                summary.created,
                summary.present,
                summary.attention
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(
            summary.sentence(),
            "1 created, 1 already set up, 1 needs attention"
        );
        assert_eq!(state.rows[0].elapsed_ms, 3100);
        state = state.apply(Action::RunFinished { run_id: 1 });
        assert_eq!(state.summary_state(), "done");
        assert!(
            state.run_request.is_none(),
            "the finished run's copy of the token is dropped"
        );
    }

    #[test]
    fn elapsed_time_starts_when_the_engine_takes_the_system_up() {
        let queued = Event::Step {
            system: id("ls6"),
            step: Step::Queued,
            attempt: 0,
            elapsed_ms: 0,
        };
        let checking = Event::Step {
            system: id("ls6"),
            step: Step::Checking,
            attempt: 1,
            elapsed_ms: 0,
        };
        let mut state = with_token(3600).apply(Action::Run {
            mode: Mode::Establish,
            target: Target::All,
        });
        state = state.apply(Action::Engine {
            run_id: 1,
            event: queued,
        });
        assert_eq!(state.rows[1].started_ms, None);
        assert_eq!(
            state.rows[1].elapsed_at(NOW_MS + 5000),
            0,
            "no time counts while queued"
        );
        state = state
            .apply(Action::Tick(NOW_MS + 2000))
            .apply(Action::Engine {
                run_id: 1,
                event: checking,
            });
        assert_eq!(state.rows[1].elapsed_at(NOW_MS + 5000), 3000);
    }

    #[test]
    fn retry_and_remove_touch_only_their_row() {
        let mut state = with_token(3600).apply(Action::Run {
            mode: Mode::Establish,
            target: Target::All,
        });
        for (system, outcome) in [
            ("stampede3", Outcome::Created { replaced: false }),
            ("ls6", Outcome::Present),
            ("frontera", Outcome::NotFound),
        ] {
            state = state.apply(Action::Engine {
                run_id: 1,
                event: Event::Done {
                    system: id(system),
                    outcome,
                    elapsed_ms: 1,
                },
            });
        }
        state = state.apply(Action::RunFinished { run_id: 1 });
        state = state.apply(Action::Run {
            mode: Mode::Remove,
            target: Target::One(id("ls6")),
        });
        assert_eq!(state.run_request.as_ref().unwrap().systems, [id("ls6")]);
        let states: Vec<_> = state.rows.iter().map(Row::state).collect();
        assert_eq!(states, ["created", "queued", "not-found"]);
        assert_eq!(state.rows[1].mode, Mode::Remove);
    }

    #[test]
    fn a_new_token_refills_the_username_unless_the_user_typed_one() {
        let alice = jwt("alice", "https://designsafe.tapis.io/v3/tokens", 3600);
        let bob = jwt("bob", "https://designsafe.tapis.io/v3/tokens", 3600);
        let state = AppState::new(NOW_MS, String::new()).apply(token_input(alice.clone()));
        let after_forget = state
            .clone()
            .apply(Action::ForgetToken)
            .apply(token_input(bob.clone()));
        assert_eq!(
            after_forget.username, "bob",
            "a forgotten token's user does not stick"
        );
        let replaced = state.clone().apply(token_input(bob));
        assert_eq!(replaced.username, "bob");
        let cleared = state
            .apply(Action::SetUsername("carol".into()))
            .apply(Action::SetUsername(String::new()));
        assert_eq!(
            cleared.apply(token_input(alice)).username,
            "alice",
            "an emptied field is refilled"
        );
    }

    #[test]
    fn a_token_rejected_in_a_run_blocks_the_next_until_a_new_token() {
        let rejected = Outcome::TokenRejected(Problem::TokenRevoked {
            message: "Token is revoked.".into(),
        });
        let mut state = with_token(3600).apply(Action::Run {
            mode: Mode::Establish,
            target: Target::All,
        });
        for system in ["stampede3", "ls6", "frontera"] {
            let event = Event::Done {
                system: id(system),
                outcome: rejected.clone(),
                elapsed_ms: 1,
            };
            state = state.apply(Action::Engine { run_id: 1, event });
        }
        state = state
            .apply(Action::RunFinished { run_id: 1 })
            .apply(Action::Run {
                mode: Mode::Establish,
                target: Target::All,
            });
        assert!(
            !state.running
                && state
                    .run_refused
                    .as_deref()
                    .unwrap()
                    .contains("Log in again")
        );
        let fresh = state.apply(token_input(jwt(
            "alice",
            "https://designsafe.tapis.io/v3/tokens",
            7200,
        )));
        let again = fresh.apply(Action::Run {
            mode: Mode::Establish,
            target: Target::All,
        });
        assert!(again.running, "a new token clears the rejection");
    }

    #[test]
    fn systems_found_with_one_token_are_dropped_with_it() {
        let state = with_token(3600).apply(Action::Discovered(Ok(vec![])));
        assert_eq!(state.discovery, Pending::Done(vec![]));
        assert_eq!(state.apply(Action::ForgetToken).discovery, Pending::Idle);
    }

    #[test]
    fn retrying_a_removal_asks_again_and_sends_nothing() {
        let mut state = with_token(3600).apply(Action::Run {
            mode: Mode::Remove,
            target: Target::One(id("ls6")),
        });
        let failed = Outcome::Failed(Problem::ServerError {
            status: 503,
            message: String::new(),
        });
        state = state
            .apply(Action::Engine {
                run_id: 1,
                event: Event::Done {
                    system: id("ls6"),
                    outcome: failed,
                    elapsed_ms: 1,
                },
            })
            .apply(Action::RunFinished { run_id: 1 })
            .apply(Action::Retry(id("ls6")));
        assert_eq!(state.confirm_remove, Some(id("ls6")));
        assert!(
            !state.running && state.run_id == 1,
            "no run without the confirmation"
        );

        let check = with_token(3600)
            .apply(Action::Run {
                mode: Mode::CheckOnly,
                target: Target::All,
            })
            .apply(Action::RunFinished { run_id: 1 })
            .apply(Action::Retry(id("ls6")));
        assert_eq!(
            check.run_request.unwrap().mode,
            Mode::CheckOnly,
            "other rows retry in their mode"
        );
    }

    #[test]
    fn the_report_never_contains_the_token() {
        let raw = jwt("alice", "https://designsafe.tapis.io/v3/tokens", 3600);
        let state = AppState::new(NOW_MS, String::new())
            .apply(token_input(raw.clone()))
            .apply(Action::Run {
                mode: Mode::CheckOnly,
                target: Target::All,
            })
            .apply(Action::Engine {
                run_id: 1,
                event: Event::Done {
                    system: id("ls6"),
                    outcome: Outcome::Missing { rejected: false },
                    elapsed_ms: 5,
                },
            });
        let report = state.report_json();
        let payload = raw.split('.').nth(1).unwrap();
        assert!(
            !report.contains(payload),
            "no part of the token in the report"
        );
        let parsed: serde_json::Value = serde_json::from_str(&report).unwrap();
        assert_eq!(parsed["username"], "alice");
        assert_eq!(parsed["results"][1]["system"], "ls6");
        assert_eq!(parsed["results"][1]["state"], "missing");
    }
}
