//! Fault rules: network and gateway misbehaviour injected in front of the Tapis handlers.

use crate::resp::{self, Resp};
use hyper::header::{HeaderValue, CONTENT_TYPE, LOCATION};
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FaultRule {
    /// HTTP method, or "*" (the default) for any method except OPTIONS, so that browser preflights
    /// do not shift the count; name "OPTIONS" explicitly to target preflights.
    #[serde(default = "any")]
    pub method: String,
    /// Path glob; `*` matches exactly one segment.
    pub path: String,
    /// Fire only on the N-th matching request (1-based); absent = every matching request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nth: Option<u32>,
    /// Fire at most this many times.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Added before the request is handled (or dropped) whenever the rule fires.
    #[serde(default)]
    pub latency_ms: u64,
    /// Run the Tapis handler first (its effects happen: a credential is stored or removed), then
    /// wait the latency, then replace its answer with the action: an answer lost, or too late,
    /// after Tapis acted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub after_handler: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<FaultAction>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer with this status and body instead of Tapis. A JSON body is sent as application/json,
    /// a string as text/plain, unless `content_type` says otherwise (a string body is sent as is).
    #[serde(rename_all = "camelCase")]
    Status {
        status: u16,
        #[serde(default)]
        body: serde_json::Value,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        content_type: Option<String>,
    },
    /// Close the TCP connection without any HTTP response.
    Drop,
    /// The gateway's own error page for `status` (502 by default; nginx's pages for 500, 502,
    /// 503 and 504), HTML unless `format` is "text".
    #[serde(rename_all = "camelCase")]
    BadGateway {
        #[serde(default = "bad_gateway")]
        status: u16,
        #[serde(default)]
        format: PageFormat,
    },
    /// A response declared as application/json whose body does not parse: the start of a Systems
    /// envelope, cut off. `status` absent: 200, or with `afterHandler` the handler's own status.
    #[serde(rename_all = "camelCase")]
    InvalidJson {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
    },
    /// A redirect (`status` 3xx, 307 by default) to `location`; absent: the same path and query
    /// on another loopback port. CORS headers as on any answer, so a browser fetch with
    /// `redirect: "manual"` sees an opaque redirect.
    #[serde(rename_all = "camelCase")]
    Redirect {
        #[serde(default = "temporary_redirect")]
        status: u16,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        location: Option<String>,
    },
    /// Handle normally but send no CORS headers (preflights to the path included).
    NoCors,
}

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum PageFormat {
    #[default]
    Html,
    Text,
}

fn any() -> String {
    "*".into()
}
fn bad_gateway() -> u16 {
    502
}
fn temporary_redirect() -> u16 {
    307
}

impl FaultRule {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !self.path.starts_with('/') {
            return Err(format!("fault path {:?} must start with '/'", self.path));
        }
        if self.nth == Some(0) {
            return Err("fault nth is 1-based; 0 never fires".into());
        }
        let (status, allowed) = match &self.action {
            Some(FaultAction::Status { status, .. })
            | Some(FaultAction::InvalidJson {
                status: Some(status),
            }) => (*status, 100..=599),
            Some(FaultAction::BadGateway { status, .. }) => (*status, 500..=599),
            Some(FaultAction::Redirect { status, .. }) => (*status, 300..=399),
            _ => return Ok(()),
        };
        if !allowed.contains(&status) {
            return Err(format!(
                "fault status {status} is not in {}..={} for this kind",
                allowed.start(),
                allowed.end()
            ));
        }
        Ok(())
    }

    fn method_matches(&self, method: &str) -> bool {
        if self.method == "*" {
            method != "OPTIONS"
        } else {
            self.method.eq_ignore_ascii_case(method)
        }
    }

    fn is_no_cors(&self) -> bool {
        matches!(self.action, Some(FaultAction::NoCors))
    }
}

pub(crate) fn path_matches(pattern: &str, path: &str) -> bool {
    let pat: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let segs: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    pat.len() == segs.len() && pat.iter().zip(&segs).all(|(p, s)| *p == "*" || p == s)
}

/// A rule plus its run-time counters.
#[derive(Debug, Clone)]
pub(crate) struct FaultSlot {
    pub rule: FaultRule,
    seen: u32,
    fired: u32,
}

impl FaultSlot {
    pub fn new(rule: FaultRule) -> Self {
        FaultSlot {
            rule,
            seen: 0,
            fired: 0,
        }
    }
    fn exhausted(&self) -> bool {
        self.rule.limit.is_some_and(|l| self.fired >= l)
    }
}

/// What the fault layer decided for one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    pub latency_ms: u64,
    pub action: Option<FaultAction>,
    /// A firing rule says to run the handler first, before the latency and the action.
    pub after_handler: bool,
    pub no_cors: bool,
}

/// Counts the request against every matching rule; the first firing action wins, latencies add up.
pub(crate) fn decide(slots: &mut [FaultSlot], method: &str, path: &str) -> Decision {
    let mut d = Decision::default();
    for slot in slots.iter_mut() {
        if !path_matches(&slot.rule.path, path) {
            continue;
        }
        if !slot.rule.method_matches(method) {
            // A browser whose real request would lose CORS must also see its preflight lose it.
            if method == "OPTIONS" && slot.rule.is_no_cors() && !slot.exhausted() {
                d.no_cors = true;
            }
            continue;
        }
        slot.seen += 1;
        let due = slot.rule.nth.is_none_or(|n| n == slot.seen);
        if !due || slot.exhausted() {
            continue;
        }
        slot.fired += 1;
        d.latency_ms += slot.rule.latency_ms;
        d.after_handler |= slot.rule.after_handler;
        match &slot.rule.action {
            Some(FaultAction::NoCors) => d.no_cors = true,
            Some(a) if d.action.is_none() => d.action = Some(a.clone()),
            _ => {}
        }
    }
    d
}

/// Where a faulted request was going: what a default redirect points elsewhere.
pub(crate) struct Target<'a> {
    /// The tenant's base URL: the simulator's own "http://127.0.0.1:PORT", or the proxy's.
    pub base_url: &'a str,
    pub path: &'a str,
    /// Raw query string, "" if none.
    pub query: &'a str,
}

impl Target<'_> {
    /// The same path and query on the next loopback port: another origin, where nothing of the
    /// simulator's listens, so a client that follows the redirect fails visibly.
    fn elsewhere(&self) -> String {
        let port: u16 = self
            .base_url
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let other = port.checked_add(1).unwrap_or(port - 1);
        let query = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        format!("http://127.0.0.1:{other}{}{query}", self.path)
    }
}

/// The answer a fault action gives (all but `drop` and `noCors`, which the server handles);
/// `handled` is the status the Tapis handler answered when the rule runs it first.
pub(crate) fn answer(action: &FaultAction, at: &Target, handled: Option<u16>) -> Resp {
    match action {
        FaultAction::Status {
            status,
            body,
            content_type,
        } => {
            let (default_type, text) = match body {
                Value::Null => ("text/plain", String::new()),
                Value::String(s) => ("text/plain", s.clone()),
                other => ("application/json", other.to_string()),
            };
            let mut r = resp::raw(*status, default_type, text);
            if let Some(v) = content_type
                .as_deref()
                .and_then(|c| HeaderValue::from_str(c).ok())
            {
                r.headers_mut().insert(CONTENT_TYPE, v);
            }
            r
        }
        FaultAction::BadGateway { status, format } => gateway_page(*status, *format),
        FaultAction::InvalidJson { status } => resp::raw(
            status.or(handled).unwrap_or(200),
            "application/json",
            r#"{"status": "success", "message": "Syst"#,
        ),
        FaultAction::Redirect { status, location } => {
            let mut r = resp::empty(*status);
            let to = location.clone().unwrap_or_else(|| at.elsewhere());
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(LOCATION, v);
            }
            r
        }
        // The server acts on these itself and never asks for an answer.
        FaultAction::Drop | FaultAction::NoCors => resp::empty(500),
    }
}

/// nginx's own error pages, as a gateway in front of Tapis sends them.
fn gateway_page(status: u16, format: PageFormat) -> Resp {
    let title = match status {
        500 => "500 Internal Server Error",
        503 => "503 Service Temporarily Unavailable",
        504 => "504 Gateway Time-out",
        _ => "502 Bad Gateway",
    };
    match format {
        PageFormat::Html => resp::raw(
            status,
            "text/html",
            format!("<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"),
        ),
        PageFormat::Text => resp::text(status, title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_is_per_segment() {
        assert!(path_matches("/v3/systems/*", "/v3/systems/ls6"));
        assert!(!path_matches("/v3/systems/*", "/v3/systems"));
        assert!(!path_matches(
            "/v3/systems/*",
            "/v3/systems/credential/ls6/user/demo"
        ));
        assert!(path_matches(
            "/v3/systems/credential/*/user/*/check",
            "/v3/systems/credential/ls6/user/demo/check"
        ));
    }
}
