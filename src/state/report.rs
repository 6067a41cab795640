//! The activity report a user attaches to a help ticket: the rows and every request, never the
//! token or password.
use super::AppState;
use tms_core::json::Writer;
use tms_core::tapis::RequestRecord;

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
            .string(&self.base_url)
            .key("username")
            .string(&self.username)
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
