//! The activity report a user attaches to a help ticket: the rows and every request, never the
//! token or password.
use super::AppState;
use tms_core::json::Writer;
use tms_core::tapis::RequestRecord;
use tms_core::BaseUrl;

impl AppState {
    pub fn report_json(&self) -> String {
        let mut w = Writer::new();
        w.begin_object()
            .key("tool")
            .string("tms-credentials")
            .key("version")
            .string(env!("CARGO_PKG_VERSION"))
            .key("generated_at_ms")
            .number(self.now_ms)
            .key("tenant")
            .string(&self.report_tenant())
            .key("username")
            .string(&self.report_username())
            .key("token_expires_at")
            .opt_number(self.token().map(|t| t.info().expires_at))
            .key("results")
            .begin_array();
        for row in self.rows.iter() {
            let outcome = row.outcome();
            w.begin_object()
                .key("system")
                .string(row.system.as_str())
                .key("state")
                .string(row.state())
                .key("explanation")
                .opt_string(outcome.map(|o| o.explanation()).as_deref())
                .key("next_step")
                .opt_string(outcome.and_then(|o| o.next_step()).as_deref())
                .key("elapsed_ms")
                .number(row.elapsed_ms)
                .end_object();
        }
        w.end_array().key("requests").begin_array();
        for record in self.log.iter() {
            write_record(&mut w, record);
        }
        w.end_array().end_object();
        w.finish()
    }
}

impl AppState {
    /// Both fields are typed by the user, who may paste a token or a password into them by
    /// mistake: the report holds them only in a shape that cannot carry one.
    fn report_tenant(&self) -> String {
        BaseUrl::parse(&self.base_url).map_or_else(
            |_| "(not a tenant address: left out)".to_string(),
            |url| url.as_str().to_string(),
        )
    }

    /// Who the requests were made as: with a token, its owner (a run under any other name is
    /// refused), so nothing typed in the field is written at all.
    fn report_username(&self) -> String {
        if let Some(token) = self.token() {
            return token.info().username.clone();
        }
        let name = self.username.trim();
        let plausible = name.len() <= 64
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+'));
        if plausible {
            name.to_string()
        } else {
            "(not a user name: left out)".to_string()
        }
    }
}

fn write_record(w: &mut Writer, r: &RequestRecord) {
    w.begin_object()
        .key("started_ms")
        .number(r.started_ms)
        .key("method")
        .string(r.method)
        .key("path")
        .string(&r.path)
        .key("status")
        .opt_number(r.status.map(u64::from))
        .key("duration_ms")
        .number(r.duration_ms)
        .key("message")
        .opt_string(r.message.as_deref())
        .key("system")
        .opt_string(r.system.as_ref().map(|s| s.as_str()))
        .end_object();
}
