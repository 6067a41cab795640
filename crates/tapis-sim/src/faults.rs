//! Fault rules: network and gateway misbehaviour injected in front of the Tapis handlers.

use serde::{Deserialize, Serialize};

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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<FaultAction>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum FaultAction {
    /// Answer with this status and body instead of Tapis. A JSON body is sent as application/json,
    /// a string as text/plain.
    #[serde(rename_all = "camelCase")]
    Status {
        status: u16,
        #[serde(default)]
        body: serde_json::Value,
    },
    /// Close the TCP connection without any HTTP response.
    Drop,
    /// The gateway's own 502 page (HTML unless `format` is "text").
    #[serde(rename_all = "camelCase")]
    BadGateway {
        #[serde(default)]
        format: PageFormat,
    },
    /// A response declared as application/json whose body does not parse.
    #[serde(rename_all = "camelCase")]
    InvalidJson {
        #[serde(default = "ok")]
        status: u16,
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
fn ok() -> u16 {
    200
}

impl FaultRule {
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !self.path.starts_with('/') {
            return Err(format!("fault path {:?} must start with '/'", self.path));
        }
        if self.nth == Some(0) {
            return Err("fault nth is 1-based; 0 never fires".into());
        }
        if let Some(FaultAction::Status { status, .. } | FaultAction::InvalidJson { status }) =
            &self.action
        {
            if !(100..=599).contains(status) {
                return Err(format!("fault status {status} is not an HTTP status"));
            }
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
        match &slot.rule.action {
            Some(FaultAction::NoCors) => d.no_cors = true,
            Some(a) if d.action.is_none() => d.action = Some(a.clone()),
            _ => {}
        }
    }
    d
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
