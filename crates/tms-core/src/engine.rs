//! The per-system check -> read system -> create flow, run for many systems in parallel with a
//! bound, bounded retries, a shared stop on token rejection, and prompt cancellation.

use crate::http::{sleep_unless_cancelled, Cancel, Clock, Request, Response, Transport};
use crate::problem::{Operation, Problem};
use crate::system_id::SystemId;
use crate::tapis::{parse_result, Client, RequestRecord, Sender, SystemInfo, DEFAULT_TIMEOUT_MS};
use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Establish,
    CheckOnly,
    Remove,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    pub mode: Mode,
    pub concurrency: usize,
    /// How long a freshly made key may take to be accepted by the host (allocation propagation).
    pub create_retry_window_ms: u64,
    /// Retries after a 5xx, timeout or network error; never after a 4xx.
    pub transient_retries: u32,
    pub request_timeout_ms: u64,
    /// Makes backoff jitter reproducible.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            mode: Mode::Establish,
            concurrency: 4,
            create_retry_window_ms: 120_000,
            transient_retries: 2,
            request_timeout_ms: DEFAULT_TIMEOUT_MS,
            seed: 0,
        }
    }
}

/// Backoff bases: transient errors start at 1 s; a not-yet-accepted key at 5 s, up to 30 s.
const TRANSIENT_BASE_MS: u64 = 1_000;
const KEY_BASE_MS: u64 = 5_000;
const KEY_MAX_MS: u64 = 30_000;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    Queued,
    Checking,
    ReadingSystem,
    Creating,
    /// The UI counts down to `retry_at_ms` (unix ms) and shows why.
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

    /// A short phrase for the progress column.
    pub fn label(&self) -> &'static str {
        match self {
            Step::Queued => "waiting for its turn",
            Step::Checking => "checking the stored key",
            Step::ReadingSystem => "reading the system's settings",
            Step::Creating => "creating a Tapis-managed key",
            Step::WaitingRetry {
                reason: Problem::KeyNotYetUsable { .. },
                ..
            } => "waiting for the host to accept the key",
            Step::WaitingRetry { .. } => "waiting to try again",
            Step::Removing => "removing the stored key",
        }
    }
}

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
            Outcome::Created { replaced: false } => "A Tapis-managed key was created and the system accepts it.".into(),
            Outcome::Created { replaced: true } => "The system had refused your stored key; Tapis replaced it with a new managed key, which the system accepts.".into(),
            Outcome::Missing { rejected: false } => "No key is stored for you on this system yet.".into(),
            Outcome::Removed => "Your stored key for this system was removed from Tapis.".into(),
            Outcome::Cancelled => "Stopped before finishing.".into(),
            Outcome::TokenRejected(p) => format!("{} All systems were stopped.", p.explanation()),
            other => other.problem().map(|p| p.explanation()).unwrap_or_default(),
        }
    }

    pub fn next_step(&self) -> Option<String> {
        self.problem().map(|p| p.next_step())
    }

    pub fn needs_attention(&self) -> bool {
        self.problem().is_some()
    }

    fn from_problem(p: Problem) -> Outcome {
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

/// Why a step ended without a success response.
enum End {
    /// Final for the system as is (stop, cancel).
    Outcome(Outcome),
    /// Still to be interpreted by the flow (e.g. "missing" means "go on and create").
    Problem(Problem),
}

impl End {
    fn into_outcome(self) -> Outcome {
        match self {
            End::Outcome(o) => o,
            End::Problem(p) => Outcome::from_problem(p),
        }
    }
}

struct Run<'a, T, C, F> {
    transport: &'a T,
    clock: &'a C,
    client: &'a Client,
    username: &'a str,
    options: &'a Options,
    cancel: &'a Cancel,
    /// Cancelled on a token rejection so every in-flight request and sleep ends at once.
    halt: Cancel,
    halted: RefCell<Option<Problem>>,
    on_event: RefCell<F>,
}

impl<T: Transport, C: Clock, F: FnMut(Event)> Run<'_, T, C, F> {
    fn emit(&self, event: Event) {
        (self.on_event.borrow_mut())(event)
    }

    fn stopped(&self) -> Option<Outcome> {
        if let Some(p) = self.halted.borrow().as_ref() {
            return Some(Outcome::TokenRejected(p.clone()));
        }
        self.cancel.is_cancelled().then_some(Outcome::Cancelled)
    }

    /// The first rejection wins so every system reports the same reason.
    fn halt(&self, problem: Problem) -> Outcome {
        let problem = self.halted.borrow_mut().get_or_insert(problem).clone();
        self.halt.cancel();
        Outcome::TokenRejected(problem)
    }

    async fn system(&self, id: &SystemId, index: usize) {
        let mut task = Task {
            run: self,
            id,
            started_ms: self.clock.now_ms(),
            rng: self.options.seed ^ fnv1a(id.as_str()) ^ index as u64,
        };
        let outcome = task.flow().await;
        self.emit(Event::Done {
            system: id.clone(),
            outcome,
            elapsed_ms: task.elapsed(),
        });
    }
}

struct Task<'r, 'a, T, C, F> {
    run: &'r Run<'a, T, C, F>,
    id: &'r SystemId,
    started_ms: u64,
    rng: u64,
}

impl<T: Transport, C: Clock, F: FnMut(Event)> Task<'_, '_, T, C, F> {
    fn elapsed(&self) -> u64 {
        self.run.clock.now_ms().saturating_sub(self.started_ms)
    }

    fn step(&self, step: Step, attempt: u32) {
        self.run.emit(Event::Step {
            system: self.id.clone(),
            step,
            attempt,
            elapsed_ms: self.elapsed(),
        });
    }

    async fn flow(&mut self) -> Outcome {
        let (client, user, id) = (self.run.client, self.run.username, self.id);
        if self.run.options.mode == Mode::Remove {
            return match self
                .call(Step::Removing, Operation::Remove, || {
                    client.remove(id, user)
                })
                .await
            {
                Ok(_) => Outcome::Removed,
                Err(end) => end.into_outcome(),
            };
        }
        // Only a definite "no key" or "key refused" goes on; anything ambiguous ends here.
        let stale = match self
            .call(Step::Checking, Operation::Check, || client.check(id, user))
            .await
        {
            Ok(_) => return Outcome::Present,
            Err(End::Problem(Problem::CredentialsMissing { .. })) => false,
            Err(End::Problem(Problem::KeyRejected { .. })) => true,
            Err(end) => return end.into_outcome(),
        };
        if self.run.options.mode == Mode::CheckOnly {
            return Outcome::Missing { rejected: stale };
        }
        let info = match self
            .call(Step::ReadingSystem, Operation::GetSystem, || {
                client.get_system(id)
            })
            .await
        {
            Ok(resp) => parse_result::<SystemInfo>(&resp),
            Err(end) => return end.into_outcome(),
        };
        if let Some(p) = info.map(|i| i.tms_problem()).unwrap_or_else(Some) {
            return Outcome::from_problem(p);
        }
        match self
            .call(Step::Creating, Operation::Create, || {
                client.create_tms(id, user)
            })
            .await
        {
            Ok(_) => Outcome::Created { replaced: stale },
            Err(end) => end.into_outcome(),
        }
    }

    /// One step with its retries. Checks the stop flags and the token's expiry before every
    /// request, so nothing is sent once the run is over.
    async fn call(
        &mut self,
        step: Step,
        op: Operation,
        build: impl Fn() -> Request,
    ) -> Result<Response, End> {
        let run = self.run;
        let flags = [run.cancel, &run.halt];
        let sender = Sender {
            transport: run.transport,
            clock: run.clock,
            timeout_ms: run.options.request_timeout_ms,
            cancel: &flags,
        };
        let first_ms = run.clock.now_ms();
        let (mut transient, mut key_waits) = (0u32, 0u32);
        for attempt in 1.. {
            if let Some(o) = run.stopped() {
                return Err(End::Outcome(o));
            }
            if let Err(p) = run.client.ensure_fresh(run.clock.now_ms()) {
                return Err(End::Outcome(run.halt(p)));
            }
            self.step(step.clone(), attempt);
            let mut log = |r| run.emit(Event::Request(r));
            let problem = match sender.call(op, build(), Some(self.id), &mut log).await {
                Ok(resp) => return Ok(resp),
                Err(Problem::Cancelled) => {
                    return Err(End::Outcome(run.stopped().unwrap_or(Outcome::Cancelled)))
                }
                Err(p) if p.is_token_rejection() => return Err(End::Outcome(run.halt(p))),
                Err(p) => p,
            };
            let delay = if problem.is_transient() && transient < run.options.transient_retries {
                transient += 1;
                Some(self.jittered(TRANSIENT_BASE_MS << (transient - 1)))
            } else if matches!(problem, Problem::KeyNotYetUsable { .. }) {
                key_waits += 1;
                let delay = self.jittered((KEY_BASE_MS << (key_waits - 1).min(8)).min(KEY_MAX_MS));
                let deadline = first_ms + run.options.create_retry_window_ms;
                (run.clock.now_ms() + delay <= deadline).then_some(delay)
            } else {
                None
            };
            let Some(delay) = delay else {
                return Err(End::Problem(problem));
            };
            let retry_at_ms = run.clock.now_ms() + delay;
            self.step(
                Step::WaitingRetry {
                    retry_at_ms,
                    reason: problem,
                },
                attempt,
            );
            if !sleep_unless_cancelled(run.clock, delay, &flags).await {
                return Err(End::Outcome(run.stopped().unwrap_or(Outcome::Cancelled)));
            }
        }
        unreachable!("the retry loop only ends by returning")
    }

    /// "Equal jitter": half the delay fixed, half random, so parallel systems spread out.
    fn jittered(&mut self, delay_ms: u64) -> u64 {
        let half = delay_ms / 2;
        half + splitmix64(&mut self.rng) % (half + 1)
    }
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Runs the futures with at most `limit` in progress at a time, in order; no runtime needed.
async fn run_bounded<'a>(limit: usize, tasks: Vec<Pin<Box<dyn Future<Output = ()> + 'a>>>) {
    let mut waiting: VecDeque<_> = tasks.into();
    let mut running: Vec<Pin<Box<dyn Future<Output = ()> + 'a>>> = Vec::new();
    poll_fn(|cx| loop {
        while running.len() < limit.max(1) {
            match waiting.pop_front() {
                Some(task) => running.push(task),
                None => break,
            }
        }
        let before = running.len();
        running.retain_mut(|task| task.as_mut().poll(cx).is_pending());
        if running.is_empty() && waiting.is_empty() {
            return Poll::Ready(());
        }
        // Freed slots must start their next task in this same poll, or nothing wakes it.
        if running.len() == before || waiting.is_empty() {
            return Poll::Pending;
        }
    })
    .await
}

/// Runs `options.mode` for every system (duplicates once), reporting progress through
/// `on_event`. Every system ends with exactly one `Event::Done`.
#[allow(clippy::too_many_arguments)]
pub async fn run<T: Transport, C: Clock>(
    transport: &T,
    clock: &C,
    client: &Client,
    username: &str,
    systems: &[SystemId],
    options: &Options,
    cancel: &Cancel,
    on_event: impl FnMut(Event),
) {
    let run = Run {
        transport,
        clock,
        client,
        username,
        options,
        cancel,
        halt: Cancel::new(),
        halted: RefCell::new(None),
        on_event: RefCell::new(on_event),
    };
    let mut seen = BTreeSet::new();
    let systems: Vec<&SystemId> = systems.iter().filter(|id| seen.insert(*id)).collect();
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
    run_bounded(options.concurrency, tasks).await;
}
