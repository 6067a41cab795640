//! Accept loop and per-request pipeline: control endpoints, faults, Tapis handlers, CORS, log.

use crate::control;
use crate::faults::{self, FaultAction, Target};
use crate::resp::{self, add_cors, Resp};
use crate::state::{LogEntry, Sim};
use crate::tapis::{self, Req};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Request;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};
use tokio::task::JoinSet;

pub(crate) async fn serve(listener: TcpListener, sim: Arc<Sim>, mut stop: oneshot::Receiver<()>) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    conns.spawn(connection(stream, sim.clone()));
                }
                // Typically EMFILE: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(20)).await,
            },
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
        }
    }
    conns.shutdown().await;
}

/// Runs one HTTP/1 connection; a `drop` fault notifies `kill`, and dropping the hyper connection
/// future closes the socket without writing a response.
async fn connection(stream: TcpStream, sim: Arc<Sim>) {
    let kill = Arc::new(Notify::new());
    let svc_kill = kill.clone();
    let svc = service_fn(move |req| {
        let (sim, kill) = (sim.clone(), svc_kill.clone());
        async move { Ok::<_, Infallible>(handle(&sim, &kill, req).await) }
    });
    let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), svc);
    tokio::select! {
        _ = conn => {}
        _ = kill.notified() => {}
    }
}

/// Query strings should never carry secrets, but if a client puts one there the log must not keep it.
fn redact(query: &str) -> String {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let name = pair.split('=').next().unwrap_or("");
            let lower = name.to_ascii_lowercase();
            if ["password", "token", "secret", "jwt"]
                .iter()
                .any(|s| lower.contains(s))
            {
                format!("{name}=REDACTED")
            } else {
                pair.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

async fn handle(sim: &Sim, kill: &Notify, req: Request<Incoming>) -> Resp {
    let started_ms = sim.elapsed_ms();
    let (parts, body) = req.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let req = Req {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: form_urlencoded::parse(raw_query.as_bytes())
            .into_owned()
            .collect(),
        headers: parts.headers,
        body,
    };
    if req.path == "/sim" || req.path.starts_with("/sim/") {
        let mut r = control::handle(sim, &req);
        add_cors(&mut r);
        return r;
    }
    let seq = sim.next_seq();
    let record = |status: u16| {
        sim.record(LogEntry {
            seq,
            method: req.method.clone(),
            path: req.path.clone(),
            query: redact(&raw_query),
            status,
            started_ms,
            ended_ms: sim.elapsed_ms(),
        })
    };
    // A client that gives up (fetch aborted on cancel or timeout) drops this future: log it
    // as unanswered, so tests see every request that reached the simulator.
    let unanswered = Unanswered(Some(&record));
    let decision = sim.decide(&req.method, &req.path);
    let action = decision
        .action
        .filter(|a| !matches!(a, FaultAction::NoCors));
    // An answer lost after Tapis acted: the handler's effects happen before the fault.
    let handled = if decision.after_handler {
        Some(normal(sim, &req).await)
    } else {
        None
    };
    if decision.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(decision.latency_ms)).await;
    }
    let mut response = match (action, handled) {
        (Some(FaultAction::Drop), _) => {
            unanswered.answer(0);
            kill.notify_one();
            return std::future::pending::<Resp>().await;
        }
        (Some(action), handled) => {
            let at = Target {
                base_url: &sim.base_url,
                path: &req.path,
                query: &raw_query,
            };
            faults::answer(&action, &at, handled.map(|r| r.status().as_u16()))
        }
        (None, Some(handled)) => handled,
        (None, None) => normal(sim, &req).await,
    };
    if !decision.no_cors {
        add_cors(&mut response);
    }
    unanswered.answer(response.status().as_u16());
    response
}

/// What the simulator answers without a fault: Tapis, or 204 to a preflight.
async fn normal(sim: &Sim, req: &Req) -> Resp {
    if req.method == "OPTIONS" {
        resp::empty(204)
    } else {
        tapis::route(sim, req).await
    }
}

/// Records a request's status exactly once: when answered, or with 0 when dropped unanswered.
struct Unanswered<'a, F: Fn(u16)>(Option<&'a F>);

impl<F: Fn(u16)> Unanswered<'_, F> {
    fn answer(mut self, status: u16) {
        if let Some(record) = self.0.take() {
            record(status);
        }
    }
}

impl<F: Fn(u16)> Drop for Unanswered<'_, F> {
    fn drop(&mut self) {
        if let Some(record) = self.0.take() {
            record(0);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_secret_parameters() {
        assert_eq!(
            super::redact("a=1&access_token=xyz&Password=p"),
            "a=1&access_token=REDACTED&Password=REDACTED"
        );
        assert_eq!(super::redact("createTmsKeys=true"), "createTmsKeys=true");
        assert_eq!(super::redact(""), "");
    }
}
