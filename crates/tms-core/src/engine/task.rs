//! One system's flow (check -> read system -> create, or remove) with its retries and waits,
//! and the bounded scheduler that runs many of them at once without an async runtime.

use super::{Event, Mode, Outcome, RunControl, RunSpec, Step};
use crate::http::{sleep_unless_cancelled, Cancel, Clock, Response, Transport};
use crate::problem::{Operation, Problem};
use crate::system_id::SystemId;
use crate::tapis::{parse_result, Call, Sender, SystemInfo};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::task::Poll;

/// Backoff bases: transient errors start at 1 s; a not-yet-accepted key at 3 s (as the portal),
/// doubling up to 60 s.
const TRANSIENT_BASE_MS: u64 = 1_000;
const KEY_BASE_MS: u64 = 3_000;
const KEY_MAX_MS: u64 = 60_000;

/// Why a step ended without a success response.
enum End {
    /// Final for the system as is (stop, cancel).
    Outcome(Outcome),
    /// Still to be interpreted by the flow (e.g. "missing" means "go on and create").
    Problem(Problem),
    /// A request already on its way was cut off; holds how the run ended. Only a create reads
    /// this differently: Tapis may still carry it out.
    CutOff(Outcome),
}

impl End {
    fn into_outcome(self) -> Outcome {
        match self {
            End::Outcome(o) | End::CutOff(o) => o,
            End::Problem(p) => Outcome::from_problem(p),
        }
    }
}

/// Which failures a step retries in place.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Retry {
    /// 5xx, timeout and network errors (safe to repeat: reads, checks, removal).
    Transient,
    /// Only a new key the host has not accepted yet (create: anything else may have stored
    /// a key, so the flow checks before creating again).
    KeyOnly,
}

pub(super) struct Run<'a, T, C, F> {
    pub(super) transport: &'a T,
    pub(super) clock: &'a C,
    pub(super) spec: &'a RunSpec,
    pub(super) control: &'a RunControl,
    /// Cancelled on a token rejection so every in-flight request and sleep ends at once.
    pub(super) halt: Cancel,
    pub(super) halted: RefCell<Option<Problem>>,
    pub(super) on_event: RefCell<F>,
}

impl<T: Transport, C: Clock, F: FnMut(Event)> Run<'_, T, C, F> {
    pub(super) fn emit(&self, event: Event) {
        (self.on_event.borrow_mut())(event)
    }

    fn stopped(&self) -> Option<Outcome> {
        if let Some(p) = self.halted.borrow().as_ref() {
            return Some(Outcome::TokenRejected(p.clone()));
        }
        self.control.is_cancelled().then_some(Outcome::Cancelled)
    }

    /// The first rejection wins so every system reports the same reason.
    fn halt(&self, problem: Problem) -> Outcome {
        let problem = self.halted.borrow_mut().get_or_insert(problem).clone();
        self.halt.cancel();
        Outcome::TokenRejected(problem)
    }

    pub(super) async fn system(&self, id: &SystemId, index: usize) {
        let mut task = Task {
            run: self,
            id,
            started_ms: self.clock.now_ms(),
            first_create_ms: None,
            sent_ms: 0,
            rng: self.spec.options.seed ^ fnv1a(id.as_str()) ^ index as u64,
            stop_waiting: self.control.waiting_flag(id),
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
    /// The key-acceptance window runs from the first create, across re-checks.
    first_create_ms: Option<u64>,
    /// When the last request left: a create whose answer was lost may still be running.
    sent_ms: u64,
    rng: u64,
    stop_waiting: Cancel,
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
        let (client, id) = (&self.run.spec.client, self.id);
        if self.run.spec.options.mode == Mode::Remove {
            return match self
                .call(Step::Removing, Retry::Transient, || client.remove(id))
                .await
            {
                Ok(_) => Outcome::Removed,
                Err(end) => end.into_outcome(),
            };
        }
        // Only a definite "no key" or "key refused" goes on; anything ambiguous ends here.
        let stale = match self.check().await {
            Ok(()) => return Outcome::Present,
            Err(Ok(stale)) => stale,
            // Tapis cannot test a credential here: the system's definition may say why (not
            // Linux, not TMS keys). Nothing is created either way.
            Err(Err(End::Problem(p @ Problem::CannotVerify { .. }))) => {
                return match self.system_problem().await {
                    Ok(reason) => Outcome::from_problem(reason.unwrap_or(p)),
                    Err(end) => end.into_outcome(),
                };
            }
            Err(Err(end)) => return end.into_outcome(),
        };
        if self.run.spec.options.mode == Mode::CheckOnly {
            return Outcome::Missing { rejected: stale };
        }
        match self.system_problem().await {
            Ok(None) => self.create(stale).await,
            Ok(Some(p)) => Outcome::from_problem(p),
            Err(end) => end.into_outcome(),
        }
    }

    /// Reads the system: why its definition rules out TMS keys, if it does (an unreadable
    /// definition is a problem too).
    async fn system_problem(&mut self) -> Result<Option<Problem>, End> {
        let (client, id) = (&self.run.spec.client, self.id);
        let resp = self
            .call(Step::ReadingSystem, Retry::Transient, || {
                client.get_system(id)
            })
            .await?;
        Ok(parse_result::<SystemInfo>(&resp)
            .map(|i| i.tms_problem())
            .unwrap_or_else(Some))
    }

    /// `Ok` when a working key is in place; `Err(Ok(stale))` when the check says definitely
    /// none (or a refused one: `stale`); `Err(Err(_))` for anything else.
    async fn check(&mut self) -> Result<(), Result<bool, End>> {
        let (client, id) = (&self.run.spec.client, self.id);
        match self
            .call(Step::Checking, Retry::Transient, || client.check(id))
            .await
        {
            Ok(_) => Ok(()),
            Err(End::Problem(Problem::CredentialsMissing { .. })) => Err(Ok(false)),
            Err(End::Problem(Problem::KeyRejected { .. })) => Err(Ok(true)),
            Err(end) => Err(Err(end)),
        }
    }

    /// Creates, and after an ambiguous answer checks before creating again: a create that
    /// timed out or failed with a 5xx may still have stored a key, and re-posting would mint a
    /// second key pair that stays valid.
    async fn create(&mut self, stale: bool) -> Outcome {
        let client = &self.run.spec.client;
        let id = self.id;
        let mut rechecks = 0;
        self.first_create_ms = Some(self.run.clock.now_ms());
        loop {
            let problem = match self
                .call(Step::Creating, Retry::KeyOnly, || client.create_tms(id))
                .await
            {
                Ok(_) => return Outcome::Created { replaced: stale },
                // Only a cancel cuts a create off (see call()); Tapis may still carry it out.
                Err(end @ End::CutOff(_)) => return self.unsettled(end),
                Err(End::Problem(p)) if may_have_stored(&p) => p,
                Err(end) => return end.into_outcome(),
            };
            if rechecks >= self.run.spec.options.transient_retries {
                return Outcome::Failed(problem);
            }
            rechecks += 1;
            let mut delay = self.jittered(TRANSIENT_BASE_MS << (rechecks - 1));
            if matches!(problem, Problem::Network { .. } | Problem::Timeout) {
                let settled = self.sent_ms + self.run.spec.options.create_settle_ms;
                delay = delay.max(settled.saturating_sub(self.run.clock.now_ms()));
            }
            // Until the re-check answers, a key may be in place: a cancel must not say otherwise.
            if let Err(end) = self.wait(delay, problem, rechecks).await {
                return self.unsettled(end);
            }
            match self.check().await {
                Ok(()) => return Outcome::Created { replaced: stale },
                Err(Ok(_)) => continue,
                Err(Err(end)) => return self.unsettled(end),
            }
        }
    }

    /// How a create's flow ends when it stops before knowing whether Tapis stored the key (cut
    /// off on its way, or lost and not yet checked again): a cancel says a key may be in place.
    /// A token rejection stays one (a new token comes first, and the next run checks first).
    fn unsettled(&self, end: End) -> Outcome {
        match end {
            End::CutOff(_) | End::Outcome(_) if self.run.control.is_cancelled() => {
                Outcome::Failed(Problem::CreateInterrupted)
            }
            end => end.into_outcome(),
        }
    }

    /// One step with its retries. Checks the stop flags and the token's expiry before every
    /// request, so nothing is sent once the run is over.
    async fn call(
        &mut self,
        step: Step,
        retry: Retry,
        build: impl Fn() -> Call,
    ) -> Result<Response, End> {
        let run = self.run;
        let (all, cancel_only) = ([&run.control.cancel, &run.halt], [&run.control.cancel]);
        let options = &run.spec.options;
        let mut transient = 0u32;
        for attempt in 1.. {
            if let Some(o) = run.stopped() {
                return Err(End::Outcome(o));
            }
            if let Err(p) = run.spec.client.ensure_fresh(run.clock.now_ms()) {
                return Err(End::Outcome(run.halt(p)));
            }
            self.step(step.clone(), attempt);
            let call = build();
            let sender = Sender {
                transport: run.transport,
                clock: run.clock,
                timeout_ms: if call.op.logs_in_to_host() {
                    options.ssh_timeout_ms
                } else {
                    options.request_timeout_ms
                },
                // A token rejected elsewhere stops what has not left, but a create already on
                // its way lands: its answer says whether Tapis made a key (a cut-off could not).
                cancel: if call.op == Operation::Create {
                    &cancel_only
                } else {
                    &all
                },
            };
            self.sent_ms = run.clock.now_ms();
            let mut log = |r| run.emit(Event::Request(r));
            let problem = match sender.call(call, Some(self.id), &mut log).await {
                Ok(resp) => return Ok(resp),
                // Cut off on its way: the step decides what that means.
                Err(Problem::Cancelled) => {
                    return Err(End::CutOff(run.stopped().unwrap_or(Outcome::Cancelled)))
                }
                Err(p) if p.is_token_rejection() => return Err(End::Outcome(run.halt(p))),
                Err(p) => p,
            };
            let delay = match (&problem, retry) {
                (p, Retry::Transient)
                    if p.is_transient() && transient < run.spec.options.transient_retries =>
                {
                    transient += 1;
                    self.jittered(TRANSIENT_BASE_MS << (transient - 1))
                }
                (Problem::KeyNotYetUsable { message }, _) => {
                    let first = self.first_create_ms.unwrap_or(self.started_ms);
                    let waits = attempt.min(16) - 1;
                    let delay = self.jittered((KEY_BASE_MS << waits).min(KEY_MAX_MS));
                    let deadline = first + run.spec.options.create_retry_window_ms;
                    if run.clock.now_ms() + delay > deadline {
                        return Err(End::Problem(Problem::KeyNotAccepted {
                            waited_ms: run.clock.now_ms().saturating_sub(first),
                            stopped: false,
                            message: message.clone(),
                        }));
                    }
                    delay
                }
                _ => return Err(End::Problem(problem)),
            };
            self.wait(delay, problem, attempt).await?;
        }
        unreachable!("the retry loop only ends by returning")
    }

    /// Waits before a retry, visibly; the user may cancel the run or stop waiting on this row.
    async fn wait(&mut self, delay: u64, reason: Problem, attempt: u32) -> Result<(), End> {
        let run = self.run;
        let retry_at_ms = run.clock.now_ms() + delay;
        self.step(
            Step::WaitingRetry {
                retry_at_ms,
                reason: reason.clone(),
            },
            attempt,
        );
        let flags = [&run.control.cancel, &run.halt, &self.stop_waiting];
        if sleep_unless_cancelled(run.clock, delay, &flags).await {
            return Ok(());
        }
        if let Some(o) = run.stopped() {
            return Err(End::Outcome(o));
        }
        Err(End::Problem(match reason {
            Problem::KeyNotYetUsable { message } => Problem::KeyNotAccepted {
                waited_ms: run
                    .clock
                    .now_ms()
                    .saturating_sub(self.first_create_ms.unwrap_or(self.started_ms)),
                stopped: true,
                message,
            },
            other => other,
        }))
    }

    /// "Equal jitter": half the delay fixed, half random, so parallel systems spread out.
    fn jittered(&mut self, delay_ms: u64) -> u64 {
        let half = delay_ms / 2;
        half + splitmix64(&mut self.rng) % (half + 1)
    }
}

/// An answer to a create that leaves open whether Tapis stored the key.
fn may_have_stored(p: &Problem) -> bool {
    p.is_transient()
        || matches!(
            p,
            Problem::Unexpected {
                status: 200..=299,
                ..
            }
        )
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
pub(super) async fn run_bounded<'a>(
    limit: usize,
    tasks: Vec<Pin<Box<dyn Future<Output = ()> + 'a>>>,
) {
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
