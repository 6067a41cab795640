//! The boundary to the outside world: requests, responses, the transport and clock the app
//! supplies, cancellation, and two tiny future combinators (so no async runtime is needed).

use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Poll, Waker};

pub const TOKEN_HEADER: &str = "X-Tapis-Token";

/// The largest answer the app reads: a list of a thousand systems with `select` is ~300 KB.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Method {
    Get,
    Post,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A fully built request. Not Serialize, and its Debug hides the token header and the body
/// (which carries the password for the password grant).
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    pub method: Method,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<String>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The URL without scheme and host: what the activity log shows.
    pub fn path(&self) -> &str {
        let rest = self.url.split_once("://").map_or(&*self.url, |(_, r)| r);
        rest.find('/').map_or("/", |i| &rest[i..])
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let headers: Vec<(&str, &str)> = self
            .headers
            .iter()
            .map(|(k, v)| {
                let hidden = k.eq_ignore_ascii_case(TOKEN_HEADER);
                (k.as_str(), if hidden { "[redacted]" } else { v.as_str() })
            })
            .collect();
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &headers)
            .field(
                "body",
                &self.body.as_ref().map(|b| format!("[{} bytes]", b.len())),
            )
            .finish()
    }
}

/// Debug shows the body's size only: a body can hold a token (the password grant's answer).
/// No headers: Tapis's answers are read by status and body, never by Content-Type.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Response {
    pub status: u16,
    pub body: String,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body", &format_args!("[{} bytes]", self.body.len()))
            .finish()
    }
}

impl Response {
    pub fn new(status: u16, body: impl Into<String>) -> Self {
        Response {
            status,
            body: body.into(),
        }
    }

    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransportError {
    /// No answer: connection refused, DNS, TLS, or (in the browser) a CORS refusal, which
    /// fetch cannot tell apart from a network failure.
    Network(String),
    Timeout,
    Cancelled,
    /// The transport refused to follow a redirect: it would re-send the token elsewhere.
    Redirected,
    /// The answer was larger than [`MAX_BODY_BYTES`].
    TooLarge(usize),
}

impl fmt::Display for TransportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportError::Network(d) => write!(f, "network error: {d}"),
            TransportError::Timeout => write!(f, "no answer in time"),
            TransportError::Cancelled => write!(f, "cancelled"),
            TransportError::Redirected => {
                write!(f, "redirect refused (it would re-send the token)")
            }
            TransportError::TooLarge(n) => write!(f, "answer too large ({n} bytes)"),
        }
    }
}

/// Sends one request. The browser implements it with fetch; tests with a scripted fake.
/// Futures need not be Send: the browser is single-threaded.
pub trait Transport {
    fn send(&self, req: Request) -> impl Future<Output = Result<Response, TransportError>>;
}

pub trait Clock {
    /// Unix epoch milliseconds.
    fn now_ms(&self) -> u64;
    fn sleep(&self, ms: u64) -> impl Future<Output = ()>;
}

/// A cancellation flag shared by the UI and every running task; `cancelled()` wakes waiting
/// futures so pending sleeps and requests end promptly.
#[derive(Clone, Default)]
pub struct Cancel(Arc<Mutex<CancelState>>);

#[derive(Default)]
struct CancelState {
    cancelled: bool,
    next_id: u64,
    /// A few entries at most (one per pending race), so a list: smaller in the wasm than a map.
    waiters: Vec<(u64, Waker)>,
}

impl fmt::Debug for Cancel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cancel({})", self.is_cancelled())
    }
}

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, CancelState> {
        // A panic elsewhere must not make cancellation itself panic.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn cancel(&self) {
        let waiters = {
            let mut s = self.state();
            s.cancelled = true;
            std::mem::take(&mut s.waiters)
        };
        waiters.into_iter().for_each(|(_, w)| w.wake());
    }

    pub fn is_cancelled(&self) -> bool {
        self.state().cancelled
    }

    /// Completes once `cancel()` has been called.
    pub fn cancelled(&self) -> Cancelled<'_> {
        Cancelled {
            cancel: self,
            id: None,
        }
    }
}

/// The future returned by [`Cancel::cancelled`]. It deregisters its waker when dropped, so
/// finished races leave nothing behind.
pub struct Cancelled<'a> {
    cancel: &'a Cancel,
    id: Option<u64>,
}

impl Future for Cancelled<'_> {
    type Output = ();

    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> Poll<()> {
        let this = &mut *self;
        let mut s = this.cancel.state();
        if s.cancelled {
            return Poll::Ready(());
        }
        let id = *this.id.get_or_insert_with(|| {
            s.next_id += 1;
            s.next_id
        });
        let waker = cx.waker().clone();
        match s.waiters.iter_mut().find(|(i, _)| *i == id) {
            Some(entry) => entry.1 = waker,
            None => s.waiters.push((id, waker)),
        }
        Poll::Pending
    }
}

impl Drop for Cancelled<'_> {
    fn drop(&mut self) {
        if let Some(id) = self.id {
            self.cancel.state().waiters.retain(|(i, _)| *i != id);
        }
    }
}

/// Completes when any of the flags is cancelled.
pub async fn any_cancelled(flags: &[&Cancel]) {
    let mut waits: Vec<_> = flags.iter().map(|c| c.cancelled()).collect();
    poll_fn(|cx| {
        if waits
            .iter_mut()
            .any(|w| std::pin::Pin::new(w).poll(cx).is_ready())
        {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}

#[derive(Debug, PartialEq, Eq)]
pub enum Either<A, B> {
    Left(A),
    Right(B),
}

/// Runs both futures, returning whichever finishes first (the first one wins ties); the loser
/// is dropped, which is how requests and sleeps get abandoned.
pub async fn race<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    poll_fn(|cx| {
        if let Poll::Ready(x) = a.as_mut().poll(cx) {
            return Poll::Ready(Either::Left(x));
        }
        if let Poll::Ready(y) = b.as_mut().poll(cx) {
            return Poll::Ready(Either::Right(y));
        }
        Poll::Pending
    })
    .await
}

/// Sleeps, unless one of the flags is cancelled first. Returns false when cancelled.
pub async fn sleep_unless_cancelled<C: Clock>(clock: &C, ms: u64, flags: &[&Cancel]) -> bool {
    matches!(
        race(clock.sleep(ms), any_cancelled(flags)).await,
        Either::Left(())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::task::{Context, Wake};

    struct Count(AtomicUsize);
    impl Wake for Count {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    #[test]
    fn cancel_wakes_and_cleans_up() {
        let count = Arc::new(Count(AtomicUsize::new(0)));
        let waker = Waker::from(count.clone());
        let mut cx = Context::from_waker(&waker);
        let cancel = Cancel::new();
        {
            let mut f = Box::pin(cancel.cancelled());
            assert!(f.as_mut().poll(&mut cx).is_pending());
            assert!(f.as_mut().poll(&mut cx).is_pending());
            assert_eq!(cancel.state().waiters.len(), 1);
        }
        assert_eq!(
            cancel.state().waiters.len(),
            0,
            "dropped waiter deregisters"
        );
        let clone = cancel.clone();
        let other = Cancel::new();
        let flags = [&other, &cancel];
        let mut f = Box::pin(any_cancelled(&flags));
        assert!(f.as_mut().poll(&mut cx).is_pending());
        clone.cancel();
        assert_eq!(count.0.load(Ordering::SeqCst), 1);
        assert!(f.as_mut().poll(&mut cx).is_ready());
        assert!(cancel.is_cancelled());
    }

    #[test]
    fn request_debug_and_path() {
        let req = Request {
            method: Method::Post,
            url: "https://x.org/v3/oauth2/tokens?a=b".into(),
            headers: vec![("x-tapis-token".into(), "SECRET".into())],
            body: Some("{\"password\":\"pw\"}".into()),
        };
        let dbg = format!("{req:?}");
        assert!(!dbg.contains("SECRET") && !dbg.contains("pw") && dbg.contains("[redacted]"));
        assert_eq!(req.path(), "/v3/oauth2/tokens?a=b");
        assert_eq!(req.header("X-Tapis-Token"), Some("SECRET"));
        let resp = Response::new(201, r#"{"result":{"access_token":"SECRET"}}"#);
        let dbg = format!("{resp:?}");
        assert!(!dbg.contains("SECRET") && dbg.contains("201"), "{dbg}");
    }
}
