//! The browser's [`Transport`]: `fetch` through gloo-net.
use gloo_net::http::RequestBuilder;
use tms_core::http::{Method, Request, Response, Transport, TransportError, MAX_BODY_BYTES};
use web_sys::{AbortController, RequestCredentials, RequestMode, RequestRedirect, ResponseType};

#[derive(Clone, Copy, Default)]
pub struct FetchTransport;

/// Aborts the fetch when the engine drops the request future (cancel or timeout), so the
/// browser does not keep a connection open for an answer nobody reads.
struct AbortOnDrop(Option<AbortController>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

impl Transport for FetchTransport {
    async fn send(&self, req: Request) -> Result<Response, TransportError> {
        let controller = AbortController::new().ok();
        let signal = controller.as_ref().map(|c| c.signal());
        let mut guard = AbortOnDrop(controller);
        let method = match req.method {
            Method::Get => gloo_net::http::Method::GET,
            Method::Post => gloo_net::http::Method::POST,
            Method::Delete => gloo_net::http::Method::DELETE,
        };
        // `omit`: Tapis answers with a wildcard origin, which browsers refuse with credentials.
        // `manual`: fetch would follow a 307/308 and re-send the token and the login body to
        // wherever it points; a redirect ends the request instead.
        let mut builder = RequestBuilder::new(&req.url)
            .method(method)
            .mode(RequestMode::Cors)
            .credentials(RequestCredentials::Omit)
            .redirect(RequestRedirect::Manual)
            .abort_signal(signal.as_ref());
        for (name, value) in &req.headers {
            builder = builder.header(name, value);
        }
        let sent = match req.body {
            Some(body) => builder.body(body).map_err(network)?.send().await,
            None => builder.send().await,
        };
        let response = sent.map_err(network)?;
        if response.type_() == ResponseType::Opaqueredirect {
            return Err(TransportError::Redirected);
        }
        // Refuse an announced oversize answer before reading it (the core caps the rest).
        let announced = response.headers().get("content-length");
        if let Some(len) = announced.and_then(|v| v.parse::<usize>().ok()) {
            if len > MAX_BODY_BYTES {
                return Err(TransportError::TooLarge(len));
            }
        }
        let status = response.status();
        let body = response.text().await.map_err(network)?;
        guard.0 = None; // finished: nothing to abort
        Ok(Response { status, body })
    }
}

/// The browser hides why a fetch failed (CORS, DNS, offline look the same); keep its words for the log.
fn network(err: gloo_net::Error) -> TransportError {
    TransportError::Network(err.to_string())
}
