//! The per-system check -> read system -> create flow, run for many systems in parallel with a
//! bound, bounded retries, a shared stop on token rejection, and prompt cancellation.
//!
//! Invariants: a create is sent only after a definite "no key" or "key refused" from the check;
//! after an ambiguous answer on create (5xx, timeout, network) the key is checked again before
//! any new create, since Tapis may have stored it; a removal is only run in `Mode::Remove`,
//! which the app starts after the user confirms.

mod outcome;
mod task;

pub use outcome::Outcome;

use crate::http::{Cancel, Clock, Transport};
use crate::problem::Problem;
use crate::system_id::SystemId;
use crate::tapis::{Client, RequestRecord, DEFAULT_TIMEOUT_MS};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use task::{run_bounded, Run};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Establish,
    CheckOnly,
    Remove,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub mode: Mode,
    /// Systems worked on at once. Tapis is served over HTTP/2 (tapis-deployer
    /// `playbooks/roles/proxy/templates/docker/nginx.conf`), so the browser sends them all at
    /// once on one connection; systems are usually separate login hosts, so a run rarely puts
    /// more than one SSH login on any of them, and Tapis's credential code holds no lock across
    /// users. Eight keeps a user's run to a handful of Tapis threads while 30 systems take
    /// four rounds, not five (an HTTP/1.1 tenant would queue all past six in the browser).
    pub concurrency: usize,
    /// How long a freshly made key may take to be accepted by the host (allocation
    /// propagation): the DesignSafe portal's onboarding waits up to 5 minutes.
    pub create_retry_window_ms: u64,
    /// Retries after a 5xx, timeout or network error; never after a 4xx. On create, each one
    /// is a check first (Tapis may have stored the key) and a create only if it is missing.
    pub transient_retries: u32,
    /// For requests that need no SSH login: reading a system, removing, login, discovery.
    pub request_timeout_ms: u64,
    /// For a check or a create, which wait for Tapis to log in to the host over SSH (up to
    /// [`TAPIS_SSH_MAX_MS`]): a shorter timeout would give up on a create Tapis is still
    /// carrying out.
    pub ssh_timeout_ms: u64,
    /// After a create whose answer was lost (network error, timeout), how long from sending it
    /// before the check that decides whether to create again: Tapis stores the key only after
    /// its SSH login succeeds, so an earlier check would find nothing and mint a second key.
    pub create_settle_ms: u64,
    /// Makes backoff jitter reproducible.
    pub seed: u64,
}

/// The longest one SSH login by Tapis takes before it gives up: tapis-shared-java
/// `ssh/apache/SSHTimeouts.java`, 30 s to connect plus 20 s to authenticate.
pub const TAPIS_SSH_MAX_MS: u64 = 50_000;

/// See [`Options::concurrency`].
pub const DEFAULT_CONCURRENCY: usize = 8;

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Establish,
            concurrency: DEFAULT_CONCURRENCY,
            create_retry_window_ms: 300_000,
            transient_retries: 2,
            request_timeout_ms: DEFAULT_TIMEOUT_MS,
            // The SSH login plus the key service and secret store calls around it.
            ssh_timeout_ms: TAPIS_SSH_MAX_MS + 25_000,
            create_settle_ms: TAPIS_SSH_MAX_MS + 10_000,
            seed: 0,
        }
    }
}

/// What to run: one token's client, the systems (duplicates run once) and the options.
#[derive(Clone, Debug)]
pub struct RunSpec {
    pub client: Client,
    pub systems: Vec<SystemId>,
    pub options: Options,
}

/// The user's hold on a running run: cancel all of it, or stop waiting on one system's retries.
/// Cheap to clone; the UI keeps one and the engine another.
#[derive(Clone, Debug, Default)]
pub struct RunControl {
    cancel: Cancel,
    /// One flag per started system; a list, as a map would only add code to the wasm.
    stop_waiting: Arc<Mutex<Vec<(SystemId, Cancel)>>>,
}

impl RunControl {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.cancel.cancel()
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Ends this system's current or next wait before a retry: the row ends with the reason
    /// it was waiting for, instead of trying again.
    pub fn stop_waiting(&self, system: &SystemId) {
        self.waiting_flag(system).cancel()
    }

    pub(super) fn waiting_flag(&self, system: &SystemId) -> Cancel {
        let mut flags = self.stop_waiting.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, flag)) = flags.iter().find(|(id, _)| id == system) {
            return flag.clone();
        }
        let flag = Cancel::new();
        flags.push((system.clone(), flag.clone()));
        flag
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Queued,
    Checking,
    ReadingSystem,
    Creating,
    /// The UI counts down to `retry_at_ms` (unix ms), shows why and offers to stop waiting.
    WaitingRetry {
        retry_at_ms: u64,
        reason: Problem,
    },
    Removing,
}

impl Step {
    pub fn state(&self) -> &'static str {
        match self {
            Step::Queued => "queued",
            Step::Checking => "checking",
            Step::ReadingSystem => "reading-system",
            Step::Creating => "creating",
            Step::WaitingRetry { .. } => "waiting-retry",
            Step::Removing => "removing",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    Step {
        system: SystemId,
        step: Step,
        /// 1 for the first try of a step, 0 while queued.
        attempt: u32,
        elapsed_ms: u64,
    },
    Done {
        system: SystemId,
        outcome: Outcome,
        elapsed_ms: u64,
    },
    Request(RequestRecord),
}

/// Runs `spec.options.mode` for every system (duplicates once), reporting progress through
/// `on_event`. Every system ends with exactly one `Event::Done`.
pub async fn run<T: Transport, C: Clock>(
    transport: &T,
    clock: &C,
    spec: &RunSpec,
    control: &RunControl,
    on_event: impl FnMut(Event),
) {
    let run = Run {
        transport,
        clock,
        spec,
        control,
        halt: Cancel::new(),
        halted: RefCell::new(None),
        on_event: RefCell::new(on_event),
    };
    // Quadratic, and fine: the app caps a run at 500 ids (state::MAX_SYSTEMS).
    let mut systems: Vec<&SystemId> = Vec::with_capacity(spec.systems.len());
    for id in &spec.systems {
        if !systems.contains(&id) {
            systems.push(id);
        }
    }
    for id in &systems {
        run.emit(Event::Step {
            system: (*id).clone(),
            step: Step::Queued,
            attempt: 0,
            elapsed_ms: 0,
        });
    }
    let run = &run;
    let tasks = systems
        .iter()
        .enumerate()
        .map(|(i, id)| Box::pin(run.system(id, i)) as Pin<Box<dyn Future<Output = ()> + '_>>)
        .collect();
    run_bounded(spec.options.concurrency, tasks).await;
}
