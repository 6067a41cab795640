//! Response builders shared by the Tapis and control handlers.

use http_body_util::Full;
use hyper::body::Bytes;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Response, StatusCode};
use serde_json::{json, Value};

pub(crate) type Resp = Response<Full<Bytes>>;

/// Systems API version, git commit and build time reported in every Systems envelope
/// (tapis-shared-java `TapisRestUtils.createSuccessResponse` fills them from `TapisUtils`).
pub(crate) const VERSION: &str = "1.8.2";
pub(crate) const COMMIT: &str = "4f5e1b2c";
pub(crate) const BUILD: &str = "2025-01-15T16:22:31Z";
/// Version the Python services (authenticator, tenants) report: tapisservice `conf.version`.
pub(crate) const PY_VERSION: &str = "1.8.0";

pub(crate) const CORS: [(&str, &str); 4] = [
    ("access-control-allow-origin", "*"),
    ("access-control-allow-credentials", "true"),
    ("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, OPTIONS"),
    (
        "access-control-allow-headers",
        "Accept,Authorization,Cache-Control,Content-Type,DNT,If-Modified-Since,Keep-Alive,Origin,User-Agent,X-Mx-ReqToken,X-Requested-With,x-tapis-token,x-tapis-tracking-id",
    ),
];

pub(crate) fn add_cors(resp: &mut Resp) {
    for (k, v) in CORS {
        resp.headers_mut().insert(k, HeaderValue::from_static(v));
    }
}

pub(crate) fn raw(status: u16, content_type: &'static str, body: impl Into<Bytes>) -> Resp {
    let mut r = Response::new(Full::new(body.into()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    // Exactly "application/json", no charset: tapipy compares the header for equality.
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

pub(crate) fn json(status: u16, body: &Value) -> Resp {
    raw(status, "application/json", body.to_string())
}

pub(crate) fn text(status: u16, body: impl Into<String>) -> Resp {
    raw(status, "text/plain", body.into())
}

pub(crate) fn empty(status: u16) -> Resp {
    let mut r = Response::new(Full::new(Bytes::new()));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::NO_CONTENT);
    r
}

/// A Systems success envelope: tapis-shared-java `TapisRestUtils.createSuccessResponse` on a
/// `RespAbstract` subclass, serialised by Gson with `serializeNulls` and pretty printing
/// (`SystemResource.PRETTY`). `metadata` is null except on lists (`RespSystems`).
pub(crate) fn ok(status: u16, message: &str, result: Value) -> Resp {
    ok_meta(status, message, result, Value::Null)
}

pub(crate) fn ok_meta(status: u16, message: &str, result: Value, metadata: Value) -> Resp {
    envelope(status, "success", message, result, metadata)
}

/// An error the Systems resource builds itself: `TapisRestUtils.createErrorResponse`, status "error".
pub(crate) fn err(status: u16, message: impl Into<String>) -> Resp {
    envelope(status, "error", &message.into(), Value::Null, Value::Null)
}

/// An exception the Systems resource lets through: tapis-shared-java `ApiExceptionMapper` puts the
/// HTTP reason phrase (`Response.Status.toString()`) in `status`.
pub(crate) fn mapped(status: u16, message: impl Into<String>) -> Resp {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Internal Server Error");
    envelope(status, reason, &message.into(), Value::Null, Value::Null)
}

fn envelope(status: u16, word: &str, message: &str, result: Value, metadata: Value) -> Resp {
    let body = json!({"result": result, "status": word, "message": message, "version": VERSION,
        "commit": COMMIT, "build": BUILD, "metadata": metadata});
    raw(
        status,
        "application/json",
        serde_json::to_string_pretty(&body).unwrap_or_default(),
    )
}

/// The Python services' envelope: tapisservice `utils.ok` / `utils.error` (no commit/build,
/// `metadata` an empty object), sent by Flask's `jsonify`.
pub(crate) fn py_ok(status: u16, message: &str, result: Value) -> Resp {
    py_envelope(status, "success", message, result)
}

pub(crate) fn py_err(status: u16, message: impl Into<String>) -> Resp {
    py_envelope(status, "error", &message.into(), Value::Null)
}

fn py_envelope(status: u16, word: &str, message: &str, result: Value) -> Resp {
    json(
        status,
        &json!({"result": result, "status": word, "version": PY_VERSION, "message": message, "metadata": {}}),
    )
}

/// Seconds since the Unix epoch.
pub(crate) fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// ISO 8601 in UTC the way the authenticator (Python isoformat) prints it.
pub(crate) fn iso8601(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn iso8601_known_dates() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(super::iso8601(1_709_251_199), "2024-02-29T23:59:59+00:00");
    }
}
