//! The real thing for native tests: HTTP through reqwest and the system clock through tokio.

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tms_core::http::{Clock, Method, Request, Response, Transport, TransportError};

/// Sends requests over real HTTP. No timeout of its own: the engine races its own.
pub struct HttpTransport {
    client: reqwest::Client,
}

impl Default for HttpTransport {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpTransport {
    pub fn new() -> Self {
        HttpTransport {
            // As the browser transport: a redirect is refused, never followed with the token.
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("reqwest client"),
        }
    }
}

/// The error and its causes on one line ("connection closed before message completed" is a
/// cause, not the top-level message).
fn network(e: reqwest::Error) -> TransportError {
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    TransportError::Network(detail)
}

impl Transport for HttpTransport {
    async fn send(&self, req: Request) -> Result<Response, TransportError> {
        let method = match req.method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Delete => reqwest::Method::DELETE,
        };
        let mut builder = self.client.request(method, &req.url);
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = req.body {
            builder = builder.body(body);
        }
        let resp = builder.send().await.map_err(network)?;
        if resp.status().is_redirection() {
            return Err(TransportError::Redirected);
        }
        let status = resp.status().as_u16();
        let body = resp.text().await.map_err(network)?;
        Ok(Response { status, body })
    }
}

/// Wall-clock time and tokio sleeps.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis() as u64
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        tokio::time::sleep(Duration::from_millis(ms))
    }
}
