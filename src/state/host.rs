//! The host page's side of the state: a token handed over by the page that embeds the app, the
//! app asking it for a fresh one, and the results it reports back. The bridge itself (events,
//! messages) is in `services/host.rs`; here only what it decides, so it is tested natively.
use super::{AppState, Target, TokenField, TokenStatus};
use tms_core::engine::{Mode, Outcome};
use tms_core::tapis::RequestRecord;
use tms_core::TokenError;

/// Asks for a fresh token for the same reason at most this often, so a host that keeps answering
/// with a short-lived (or a rejected) token is not asked in a tight loop.
pub const ASK_INTERVAL_MS: u64 = 30_000;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostLink {
    /// The host supplies the token (its configuration hides the password form): ask it for a
    /// fresh one even before it has sent any.
    pub supplies_token: bool,
    /// The host has sent a token.
    pub sent_token: bool,
    /// The last request for a token: the bridge sends `tms:token-needed` once per `seq`.
    pub ask: Option<TokenAsk>,
    asked_gen: Option<u64>,
    last_ask: Option<(u64, &'static str)>,
    /// A run stopped because Tapis rejected the token: it goes on, in this mode, when the host
    /// sends a fresh token.
    pub resume: Option<Mode>,
    /// Counts finished runs: the bridge sends `tms:done` once per value.
    pub done_seq: u64,
    /// Notes in the activity log so far: a page flooding the app with messages cannot grow
    /// the log (and memory) without bound.
    notes: usize,
}

/// After this many host notes, one last note says the rest are not logged.
pub const MAX_HOST_NOTES: usize = 100;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenAsk {
    pub seq: u64,
    /// `expiring`, `expired` or `rejected`.
    pub reason: &'static str,
}

/// One system in `tms:done`: never the token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostResult {
    pub id: String,
    pub state: String,
    pub detail: String,
}

impl HostLink {
    pub(super) fn asks(&self) -> bool {
        self.supplies_token || self.sent_token
    }
}

impl AppState {
    /// A token from the host page: taken like a pasted one, and a run the old one could not
    /// finish goes on with it. One that cannot be used (malformed, expired) does not replace a
    /// usable token: the host's mistake is noted, and the user's token stays.
    pub(super) fn host_token(&mut self, token: tms_core::Secret) {
        self.host.sent_token = true;
        let field = self.token_field(&token);
        if self.usable_token().is_ok() {
            let why = match &field {
                TokenField::Invalid(error) => Some(error.to_string()),
                TokenField::Empty => Some(TokenError::Empty.to_string()),
                TokenField::Parsed(_) => None,
            };
            if let Some(why) = why {
                self.host_note("token from the host page ignored", Some(why));
                return;
            }
        }
        self.host_note("token received from the host page", None);
        self.set_token(field);
        if let (Some(mode), false) = (self.host.resume, self.run.is_running()) {
            if self.usable_token().is_ok() {
                self.host.resume = None;
                self.request_run(mode, Target::All);
            }
        }
    }

    /// Something from the host side that was not taken, noted in the activity log (what and why,
    /// never the message's content).
    pub(super) fn host_note(&mut self, what: &str, why: Option<String>) {
        self.host.notes += 1;
        let (path, message) = match self.host.notes {
            n if n < MAX_HOST_NOTES => (what.to_string(), why),
            MAX_HOST_NOTES => (
                "further notes about the host page are not logged".to_string(),
                None,
            ),
            _ => return,
        };
        let record = RequestRecord {
            started_ms: self.now_ms,
            method: "HOST",
            path,
            status: None,
            duration_ms: 0,
            message,
            system: None,
        };
        self.log_request(record);
    }

    /// A run ended: tell the host, unless it is about to go on with a fresh token.
    pub(super) fn host_run_finished(&mut self, mode: Mode) {
        let rejected = self
            .rows
            .iter()
            .any(|r| matches!(r.outcome(), Some(Outcome::TokenRejected(_))));
        if rejected && self.host.asks() && mode != Mode::Remove {
            self.host.resume = Some(mode);
        } else {
            self.host.done_seq += 1;
        }
    }

    /// Called after every action: asks the host for a token when the one in use expires within
    /// ten minutes or Tapis rejected it, once per token and, for one reason, at most every
    /// [`ASK_INTERVAL_MS`].
    pub(super) fn update_host_ask(&mut self) {
        if !self.host.asks() {
            return;
        }
        let reason = match (self.token_rejected.is_some(), self.token_status()) {
            (true, _) => "rejected",
            (_, TokenStatus::Expired) => "expired",
            (_, TokenStatus::Expiring) => "expiring",
            _ => return,
        };
        let recent = self.host.last_ask.is_some_and(|(t, last)| {
            last == reason && self.now_ms.saturating_sub(t) < ASK_INTERVAL_MS
        });
        if self.host.asked_gen == Some(self.token_gen) || recent {
            return;
        }
        let seq = self.host.ask.as_ref().map_or(1, |a| a.seq + 1);
        self.host.ask = Some(TokenAsk { seq, reason });
        self.host.asked_gen = Some(self.token_gen);
        self.host.last_ask = Some((self.now_ms, reason));
    }

    /// The rows as `tms:done` reports them.
    pub fn host_results(&self) -> Vec<HostResult> {
        self.rows
            .iter()
            .map(|row| HostResult {
                id: row.system.to_string(),
                state: row.state().to_string(),
                detail: row.outcome().map(Outcome::explanation).unwrap_or_default(),
            })
            .collect()
    }

    /// Whether the last run has ended (for the bridge: results exist).
    pub fn run_done(&self) -> bool {
        self.run.is_done()
    }
}
