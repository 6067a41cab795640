//! Test doubles: a virtual clock, a scripted transport, and a tiny executor that advances the
//! virtual clock whenever every task is waiting, so retries and timeouts cost no real time; and
//! (in `real.rs`) the real HTTP transport and system clock for runs against the simulator.
#![allow(dead_code)]

mod real;
#[allow(unused_imports)] // only the tests against the simulator use them
pub use real::{HttpTransport, SystemClock};

use serde_json::json;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use tms_core::http::{Clock, Request, Response, Transport, TransportError};
use tms_core::{BaseUrl, Token};

pub const START_MS: u64 = 1_700_000_000_000;

#[derive(Default)]
pub struct FakeClock {
    now: Cell<u64>,
    timers: RefCell<Vec<(u64, Waker)>>,
}

impl FakeClock {
    pub fn new() -> Self {
        let c = FakeClock::default();
        c.now.set(START_MS);
        c
    }

    /// Jumps to the earliest pending timer; false when nothing is waiting on time.
    fn advance(&self) -> bool {
        let Some(next) = self.timers.borrow().iter().map(|(t, _)| *t).min() else {
            return false;
        };
        self.now.set(self.now.get().max(next));
        let now = self.now.get();
        let due: Vec<Waker> = {
            let mut timers = self.timers.borrow_mut();
            let (due, rest): (Vec<_>, Vec<_>) = timers.drain(..).partition(|(t, _)| *t <= now);
            *timers = rest;
            due.into_iter().map(|(_, w)| w).collect()
        };
        due.into_iter().for_each(Waker::wake);
        true
    }

    pub fn elapsed(&self) -> u64 {
        self.now.get() - START_MS
    }
}

impl Clock for FakeClock {
    fn now_ms(&self) -> u64 {
        self.now.get()
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        let deadline = self.now.get() + ms;
        poll_fn(move |cx| {
            if self.now.get() >= deadline {
                Poll::Ready(())
            } else {
                self.timers
                    .borrow_mut()
                    .push((deadline, cx.waker().clone()));
                Poll::Pending
            }
        })
    }
}

struct Flag(AtomicBool);
impl Wake for Flag {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// Polls to completion; when nothing was woken, time jumps to the next timer.
pub fn block_on<F: Future>(clock: &FakeClock, fut: F) -> F::Output {
    let flag = Arc::new(Flag(AtomicBool::new(false)));
    let waker = Waker::from(flag.clone());
    let mut cx = Context::from_waker(&waker);
    let mut fut = pin!(fut);
    for _ in 0..1_000_000 {
        if let Poll::Ready(v) = fut.as_mut().poll(&mut cx) {
            return v;
        }
        if !flag.0.swap(false, Ordering::SeqCst) && !clock.advance() {
            panic!("deadlock: nothing woken and no timer pending");
        }
    }
    panic!("executor did not finish");
}

/// Runs both futures; returns when the first (main) one finishes.
pub async fn alongside<A: Future, B: Future<Output = ()>>(main: A, side: B) -> A::Output {
    let mut main = pin!(main);
    let mut side = pin!(side);
    let mut side_done = false;
    poll_fn(|cx| {
        if !side_done {
            side_done = side.as_mut().poll(cx).is_ready();
        }
        main.as_mut().poll(cx)
    })
    .await
}

#[derive(Clone, Debug)]
pub struct Reply {
    pub delay_ms: u64,
    pub result: Result<(u16, String), TransportError>,
}

pub fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        delay_ms: 100,
        result: Ok((status, body.into())),
    }
}

pub fn envelope(status: &str, message: &str, result: serde_json::Value) -> String {
    json!({"status": status, "message": message, "result": result, "version": "1.8.2"}).to_string()
}

pub fn error(status: u16, message: &str) -> Reply {
    reply(status, envelope("error", message, serde_json::Value::Null))
}

pub fn ok() -> Reply {
    reply(
        200,
        envelope(
            "success",
            "SYSAPI_CRED_OK Credential check passed",
            serde_json::Value::Null,
        ),
    )
}

pub fn created() -> Reply {
    reply(
        201,
        envelope(
            "success",
            "SYSAPI_CRED_UPDATED Credential created",
            serde_json::Value::Null,
        ),
    )
}

pub fn missing() -> Reply {
    error(
        401,
        "SYSLIB_CRED_NOT_FOUND Credential not found for user jdoe",
    )
}

pub fn key_rejected() -> Reply {
    error(
        401,
        "SYSAPI_CRED_VALID_FAIL Validation failed. SYSLIB_CRED_VALID_FAIL auth failed",
    )
}

pub fn system(authn: &str, system_type: &str, enabled: bool, dynamic: bool) -> Reply {
    let result = json!({
        "id": "x", "host": "login.tacc.utexas.edu", "defaultAuthnMethod": authn, "systemType": system_type,
        "enabled": enabled, "isDynamicEffectiveUser": dynamic,
        "effectiveUserId": if dynamic { "${apiUserId}" } else { "shared" }, "canExec": true
    });
    reply(200, envelope("success", "TAPIS_FOUND System found", result))
}

pub fn tms_system() -> Reply {
    system("TMS_KEYS", "LINUX", true, true)
}

pub fn fail(err: TransportError, delay_ms: u64) -> Reply {
    Reply {
        delay_ms,
        result: Err(err),
    }
}

impl Reply {
    pub fn after(mut self, delay_ms: u64) -> Self {
        self.delay_ms = delay_ms;
        self
    }
}

#[derive(Clone, Debug)]
pub struct Sent {
    pub at_ms: u64,
    pub op: String,
    pub system: String,
    pub request: Request,
}

/// Answers by (operation, system) from a script; the last reply of a script repeats.
pub struct FakeTransport<'c> {
    clock: &'c FakeClock,
    script: RefCell<HashMap<(String, String), VecDeque<Reply>>>,
    pub sent: RefCell<Vec<Sent>>,
    in_flight: Cell<usize>,
    pub max_in_flight: Cell<usize>,
}

impl<'c> FakeTransport<'c> {
    pub fn new(clock: &'c FakeClock) -> Self {
        FakeTransport {
            clock,
            script: RefCell::default(),
            sent: RefCell::default(),
            in_flight: Cell::new(0),
            max_in_flight: Cell::new(0),
        }
    }

    pub fn on(&self, op: &str, system: &str, replies: impl IntoIterator<Item = Reply>) -> &Self {
        self.script
            .borrow_mut()
            .insert((op.into(), system.into()), replies.into_iter().collect());
        self
    }

    fn next_reply(&self, key: &(String, String)) -> Reply {
        let mut script = self.script.borrow_mut();
        let queue = script
            .get_mut(key)
            .unwrap_or_else(|| panic!("unscripted request {key:?}"));
        if queue.len() > 1 {
            queue.pop_front().unwrap()
        } else {
            queue.front().cloned().expect("empty script")
        }
    }

    pub fn ops(&self, system: &str) -> Vec<String> {
        self.sent
            .borrow()
            .iter()
            .filter(|s| s.system == system)
            .map(|s| s.op.clone())
            .collect()
    }

    pub fn clock(&self) -> &'c FakeClock {
        self.clock
    }

    /// When each request of `op` (any system) left, in order.
    pub fn times(&self, op: &str) -> Vec<u64> {
        self.sent
            .borrow()
            .iter()
            .filter(|s| s.op == op)
            .map(|s| s.at_ms)
            .collect()
    }

    pub fn count(&self) -> usize {
        self.sent.borrow().len()
    }
}

/// (operation, system id) from the request path.
pub fn route(req: &Request) -> (String, String) {
    let path = req.path().split('?').next().unwrap_or_default().to_string();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let method = req.method.as_str();
    let (op, system) = match parts.as_slice() {
        ["v3", "systems", "credential", id, "user", _, "check"] => ("check", *id),
        ["v3", "systems", "credential", id, "user", _] if method == "POST" => ("create", *id),
        ["v3", "systems", "credential", id, "user", _] if method == "DELETE" => ("remove", *id),
        ["v3", "systems", id] => ("get", *id),
        ["v3", "systems"] => ("list", ""),
        ["v3", "oauth2", "tokens"] => ("token", ""),
        ["v3", "oauth2", "userinfo"] => ("userinfo", ""),
        _ => panic!("unexpected path {path}"),
    };
    (op.to_string(), system.to_string())
}

struct InFlight<'a>(&'a Cell<usize>);
impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() - 1);
    }
}

impl Transport for FakeTransport<'_> {
    async fn send(&self, req: Request) -> Result<Response, TransportError> {
        let key = route(&req);
        let reply = self.next_reply(&key);
        self.sent.borrow_mut().push(Sent {
            at_ms: self.clock.now_ms(),
            op: key.0,
            system: key.1,
            request: req,
        });
        self.in_flight.set(self.in_flight.get() + 1);
        self.max_in_flight
            .set(self.max_in_flight.get().max(self.in_flight.get()));
        let _guard = InFlight(&self.in_flight);
        self.clock.sleep(reply.delay_ms).await;
        reply
            .result
            .map(|(status, body)| Response::new(status, body))
    }
}

pub fn raw_token(user: &str, exp_s: u64) -> String {
    tms_core::testing::access_token(user, "https://designsafe.tapis.io/v3/tokens", exp_s)
}

pub fn token_expiring_in(ms: u64) -> Token {
    Token::parse(&raw_token("jdoe", (START_MS + ms) / 1000), START_MS / 1000).unwrap()
}

pub fn client() -> tms_core::tapis::Client {
    tms_core::tapis::Client::new(BaseUrl::default(), token_expiring_in(4 * 3600 * 1000))
}
