//! The activity report a user attaches to a help ticket: the rows and every request, never the
//! token or password.
use super::AppState;
use serde::Serialize;
use tms_core::tapis::RequestRecord;

#[derive(Serialize)]
struct Report<'a> {
    tool: &'static str,
    version: &'static str,
    generated_at_ms: u64,
    tenant: &'a str,
    username: &'a str,
    token_expires_at: Option<u64>,
    results: Vec<ReportRow<'a>>,
    requests: Vec<&'a RequestRecord>,
}

#[derive(Serialize)]
struct ReportRow<'a> {
    system: &'a str,
    state: &'static str,
    explanation: Option<String>,
    next_step: Option<String>,
    elapsed_ms: u64,
}

impl AppState {
    pub fn report_json(&self) -> String {
        let report = Report {
            tool: "tms-credentials",
            version: env!("CARGO_PKG_VERSION"),
            generated_at_ms: self.now_ms,
            tenant: &self.base_url,
            username: &self.username,
            token_expires_at: self.token().map(|t| t.info().expires_at),
            results: self
                .rows
                .iter()
                .map(|row| ReportRow {
                    system: row.system.as_str(),
                    state: row.state(),
                    explanation: row.outcome().map(|o| o.explanation()),
                    next_step: row.outcome().and_then(|o| o.next_step()),
                    elapsed_ms: row.elapsed_ms,
                })
                .collect(),
            requests: self.log.iter().map(|r| &**r).collect(),
        };
        serde_json::to_string_pretty(&report).unwrap_or_default()
    }
}
