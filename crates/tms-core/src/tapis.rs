//! Typed Tapis requests, response envelopes, and the one `send` helper every call goes
//! through (timeout, cancellation, activity-log record).

use crate::base_url::BaseUrl;
use crate::encoding::percent_encode;
use crate::http::{
    race, Cancel, Clock, Either, Method, Request, Response, Transport, TransportError, TOKEN_HEADER,
};
use crate::problem::{classify, Operation, Problem, TmsRefusal};
use crate::secret::Secret;
use crate::system_id::SystemId;
use crate::token::Token;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// The fields the app needs to decide what to do with a system.
pub const SYSTEM_FIELDS: &str =
    "id,host,defaultAuthnMethod,effectiveUserId,isDynamicEffectiveUser,systemType,enabled,canExec";
pub const DISCOVER_LIMIT: u32 = 1000;
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;
/// Log excerpts stay short: enough to recognise the message, not a whole HTML page.
pub const EXCERPT_CHARS: usize = 300;

#[derive(Clone, Debug)]
pub struct Client {
    base: BaseUrl,
    token: Token,
}

impl Client {
    pub fn new(base: BaseUrl, token: Token) -> Self {
        Client { base, token }
    }

    pub fn base(&self) -> &BaseUrl {
        &self.base
    }

    pub fn token(&self) -> &Token {
        &self.token
    }

    /// The Tapis username from the token: TMS needs it, not the login name.
    pub fn username(&self) -> &str {
        &self.token.info().username
    }

    /// Checked before every request so an expired token is never sent.
    pub fn ensure_fresh(&self, now_ms: u64) -> Result<(), Problem> {
        if self.token.info().is_expired(now_ms / 1000) {
            return Err(Problem::TokenExpired { message: None });
        }
        Ok(())
    }

    fn request(&self, method: Method, path: &str, body: Option<String>) -> Request {
        let mut headers = vec![(
            TOKEN_HEADER.to_string(),
            self.token.secret().expose().to_string(),
        )];
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        Request {
            method,
            url: format!("{}{path}", self.base.as_str()),
            headers,
            body,
        }
    }

    fn credential_path(system: &SystemId, user: &str) -> String {
        format!(
            "/v3/systems/credential/{}/user/{}",
            percent_encode(system.as_str()),
            percent_encode(user)
        )
    }

    pub fn check(&self, system: &SystemId, user: &str) -> Request {
        let path = format!("{}/check", Self::credential_path(system, user));
        self.request(Method::Post, &path, None)
    }

    pub fn get_system(&self, system: &SystemId) -> Request {
        let path = format!(
            "/v3/systems/{}?select={SYSTEM_FIELDS}",
            percent_encode(system.as_str())
        );
        self.request(Method::Get, &path, None)
    }

    pub fn list_systems(&self, limit: u32) -> Request {
        let path = format!("/v3/systems?listType=ALL&select={SYSTEM_FIELDS}&limit={limit}");
        self.request(Method::Get, &path, None)
    }

    /// `createTmsKeys` is a query parameter only: in the body it fails schema validation.
    pub fn create_tms(&self, system: &SystemId, user: &str) -> Request {
        let path = format!("{}?createTmsKeys=true", Self::credential_path(system, user));
        self.request(Method::Post, &path, Some("{}".into()))
    }

    pub fn remove(&self, system: &SystemId, user: &str) -> Request {
        self.request(Method::Delete, &Self::credential_path(system, user), None)
    }

    pub fn userinfo(&self) -> Request {
        self.request(Method::Get, "/v3/oauth2/userinfo", None)
    }
}

/// The password grant: the only request without a token header.
pub fn password_token_request(base: &BaseUrl, username: &str, password: &Secret) -> Request {
    // A typed body, not `json!`: the wasm then carries no `serde_json::Value` serializer. Fields
    // in the order `json!`'s sorted map wrote them, so the bytes sent are unchanged.
    #[derive(Serialize)]
    struct PasswordGrant<'a> {
        grant_type: &'static str,
        password: &'a str,
        username: &'a str,
    }
    let body = serde_json::to_string(&PasswordGrant {
        grant_type: "password",
        password: password.expose(),
        username,
    })
    .expect("strings always serialize");
    Request {
        method: Method::Post,
        url: format!("{}/v3/oauth2/tokens", base.as_str()),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Some(body),
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SystemInfo {
    #[serde(deserialize_with = "or_default")]
    pub id: String,
    #[serde(deserialize_with = "or_default")]
    pub host: String,
    #[serde(deserialize_with = "or_default")]
    pub system_type: String,
    #[serde(deserialize_with = "or_default")]
    pub default_authn_method: String,
    #[serde(deserialize_with = "or_default")]
    pub effective_user_id: String,
    /// Missing means unknown: treated as dynamic and left for Tapis to decide.
    #[serde(deserialize_with = "or_true", default = "yes")]
    pub is_dynamic_effective_user: bool,
    /// Missing means unknown: treated as enabled and left for Tapis to decide.
    #[serde(deserialize_with = "or_true", default = "yes")]
    pub enabled: bool,
    #[serde(deserialize_with = "or_default")]
    pub can_exec: bool,
}

impl SystemInfo {
    /// Why TMS keys cannot be created on this system, if anything; checked before creating so
    /// the user hears the real reason instead of a generic failure.
    pub fn tms_problem(&self) -> Option<Problem> {
        if self.default_authn_method != "TMS_KEYS" {
            return Some(Problem::NotTms {
                authn_method: self.default_authn_method.clone(),
            });
        }
        if self.system_type != "LINUX" {
            return Some(Problem::NotLinux {
                system_type: self.system_type.clone(),
            });
        }
        if !self.enabled {
            return Some(Problem::SystemDisabled);
        }
        if !self.is_dynamic_effective_user {
            return Some(Problem::TmsRefused {
                reason: TmsRefusal::StaticUser,
                message: format!("effective user is {}", self.effective_user_id),
            });
        }
        None
    }
}

fn yes() -> bool {
    true
}

fn or_default<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

fn or_true<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    Ok(Option::<bool>::deserialize(d)?.unwrap_or(true))
}

/// One line of the activity log. Holds no token and no request body.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub started_ms: u64,
    pub method: &'static str,
    /// Without host, with query.
    pub path: String,
    pub status: Option<u16>,
    pub duration_ms: u64,
    /// The Tapis message (excerpt) or the transport error.
    pub message: Option<String>,
    pub system: Option<SystemId>,
}

/// The `message` of a Tapis JSON envelope, or a short excerpt of a plain-text or HTML body.
/// Never panics on any input.
pub fn message_excerpt(body: &str) -> String {
    excerpt(&full_message(body))
}

/// The whole message: what classification reads, since Tapis nests the decisive code (e.g.
/// `SYSLIB_CRED_CONN_FAIL`) after long context that an excerpt would cut off.
pub fn full_message(body: &str) -> String {
    if let Some(m) = envelope_message(body) {
        return m;
    }
    let text = body.trim();
    if text.starts_with('<') {
        let lower = text.to_ascii_lowercase();
        if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>")) {
            if start + 7 <= end {
                return text[start + 7..end].to_string();
            }
        }
        return strip_tags(text);
    }
    text.to_string()
}

/// The `message` string of a JSON envelope, if the body is one.
fn envelope_message(body: &str) -> Option<String> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(mut map)) => match map.remove("message") {
            Some(Value::String(m)) => Some(m),
            _ => None,
        },
        _ => None,
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn excerpt(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(EXCERPT_CHARS) {
        Some((i, _)) => format!("{}…", &joined[..i]),
        None => joined,
    }
}

/// The `result` of a success envelope.
pub fn envelope_result(body: &str) -> Option<Value> {
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(mut map)) => map.remove("result"),
        _ => None,
    }
}

/// How one request is sent: the same for the engine, login and discovery.
pub struct Sender<'a, T, C> {
    pub transport: &'a T,
    pub clock: &'a C,
    pub timeout_ms: u64,
    pub cancel: &'a [&'a Cancel],
}

impl<T: Transport, C: Clock> Sender<'_, T, C> {
    /// Sends one request, raced against the timeout and the cancel flags, and reports it to
    /// `on_request`. A cancellation before sending sends nothing.
    pub async fn send(
        &self,
        req: Request,
        system: Option<&SystemId>,
        on_request: &mut dyn FnMut(RequestRecord),
    ) -> Result<Response, TransportError> {
        if self.cancel.iter().any(|c| c.is_cancelled()) {
            return Err(TransportError::Cancelled);
        }
        let started_ms = self.clock.now_ms();
        let method = req.method.as_str();
        let path = req.path().to_string();
        let stop = async {
            match race(
                self.clock.sleep(self.timeout_ms),
                crate::http::any_cancelled(self.cancel),
            )
            .await
            {
                Either::Left(()) => TransportError::Timeout,
                Either::Right(()) => TransportError::Cancelled,
            }
        };
        let result = match race(self.transport.send(req), stop).await {
            Either::Left(r) => r,
            Either::Right(e) => Err(e),
        };
        on_request(RequestRecord {
            started_ms,
            method,
            path,
            status: result.as_ref().ok().map(|r| r.status),
            duration_ms: self.clock.now_ms().saturating_sub(started_ms),
            message: match &result {
                // A success body can hold secrets (the password grant returns the token): only
                // an envelope's message is logged, never the body itself.
                Ok(r) if r.is_success() => envelope_message(&r.body).map(|m| excerpt(&m)),
                Ok(r) => Some(message_excerpt(&r.body)).filter(|m| !m.is_empty()),
                Err(e) => Some(e.to_string()),
            },
            system: system.cloned(),
        });
        result
    }

    /// Sends and classifies; a 2xx gives the response.
    pub async fn call(
        &self,
        op: Operation,
        req: Request,
        system: Option<&SystemId>,
        on_request: &mut dyn FnMut(RequestRecord),
    ) -> Result<Response, Problem> {
        let result = self.send(req, system, on_request).await;
        classify(op, &result)?;
        result.map_err(|_| Problem::Cancelled)
    }
}

/// Logs in with the password grant and returns the parsed access token.
pub async fn login<T: Transport, C: Clock>(
    transport: &T,
    clock: &C,
    base: &BaseUrl,
    username: &str,
    password: &Secret,
    mut on_request: impl FnMut(RequestRecord),
) -> Result<Token, Problem> {
    let sender = Sender {
        transport,
        clock,
        timeout_ms: DEFAULT_TIMEOUT_MS,
        cancel: &[],
    };
    let req = password_token_request(base, username.trim(), password);
    let resp = sender
        .call(Operation::Login, req, None, &mut on_request)
        .await?;
    let raw = envelope_result(&resp.body)
        .and_then(|r| {
            r.pointer("/access_token/access_token")?
                .as_str()
                .map(str::to_string)
        })
        .ok_or_else(|| Problem::Unexpected {
            status: resp.status,
            message: "the login answer holds no access token".into(),
        })?;
    Token::parse(&raw, clock.now_ms() / 1000).map_err(|e| Problem::TokenInvalid {
        message: e.to_string(),
    })
}

/// Lists every system the user can see (`listType=ALL`, not just owned ones).
pub async fn discover<T: Transport, C: Clock>(
    transport: &T,
    clock: &C,
    client: &Client,
    mut on_request: impl FnMut(RequestRecord),
) -> Result<Vec<SystemInfo>, Problem> {
    client.ensure_fresh(clock.now_ms())?;
    let sender = Sender {
        transport,
        clock,
        timeout_ms: DEFAULT_TIMEOUT_MS,
        cancel: &[],
    };
    let resp = sender
        .call(
            Operation::ListSystems,
            client.list_systems(DISCOVER_LIMIT),
            None,
            &mut on_request,
        )
        .await?;
    parse_result(&resp)
}

/// The envelope's `result` as `R`, or an "unexpected answer" problem.
pub fn parse_result<R: for<'de> Deserialize<'de>>(resp: &Response) -> Result<R, Problem> {
    envelope_result(&resp.body)
        .and_then(|v| serde_json::from_value(v).ok())
        .ok_or_else(|| Problem::Unexpected {
            status: resp.status,
            message: format!("unreadable answer: {}", message_excerpt(&resp.body)),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::encoding::base64url_encode;

    pub(crate) fn token(user: &str) -> Token {
        let claims = serde_json::json!({
            "iss": "https://designsafe.tapis.io/v3/tokens", "exp": 4_000_000_000u64,
            "tapis/tenant_id": "designsafe", "tapis/username": user, "tapis/token_type": "access"
        });
        let raw = format!(
            "e30.{}.c2ln",
            base64url_encode(claims.to_string().as_bytes())
        );
        Token::parse(&raw, 0).unwrap()
    }

    #[test]
    fn request_builders() {
        let client = Client::new(BaseUrl::default(), token("jdoe"));
        let id = SystemId::parse("stampede3").unwrap();
        let base = "https://designsafe.tapis.io";
        let cases = [
            (client.check(&id, "jdoe"), "POST", "/v3/systems/credential/stampede3/user/jdoe/check", None),
            (client.get_system(&id), "GET", "/v3/systems/stampede3?select=id,host,defaultAuthnMethod,effectiveUserId,isDynamicEffectiveUser,systemType,enabled,canExec", None),
            (client.list_systems(50), "GET", "/v3/systems?listType=ALL&select=id,host,defaultAuthnMethod,effectiveUserId,isDynamicEffectiveUser,systemType,enabled,canExec&limit=50", None),
            (client.create_tms(&id, "jdoe"), "POST", "/v3/systems/credential/stampede3/user/jdoe?createTmsKeys=true", Some("{}")),
            (client.remove(&id, "j doe/x"), "DELETE", "/v3/systems/credential/stampede3/user/j%20doe%2Fx", None),
            (client.userinfo(), "GET", "/v3/oauth2/userinfo", None),
        ];
        for (req, method, path, body) in cases {
            assert_eq!(req.method.as_str(), method);
            assert_eq!(req.url, format!("{base}{path}"));
            assert_eq!(req.path(), path);
            assert_eq!(req.body.as_deref(), body);
            assert_eq!(
                req.header("x-tapis-token"),
                Some(client.token().secret().expose())
            );
            assert_eq!(req.header("content-type").is_some(), body.is_some());
            assert!(req.header("X-Tapis-User").is_none() && req.header("X-Tapis-Tenant").is_none());
        }
        let pw = password_token_request(&BaseUrl::default(), "jdoe", &Secret::new("pw".into()));
        assert_eq!(pw.url, format!("{base}/v3/oauth2/tokens"));
        assert!(pw.header(TOKEN_HEADER).is_none());
        let body: Value = serde_json::from_str(pw.body.as_deref().unwrap()).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"username":"jdoe","password":"pw","grant_type":"password"})
        );
        assert_eq!(
            pw.body.as_deref(),
            Some(r#"{"grant_type":"password","password":"pw","username":"jdoe"}"#)
        );
    }

    #[test]
    fn excerpts_never_panic() {
        let long = "é".repeat(1000);
        let cases = [
            (
                r#"{"status":"error","message":"SYSAPI_NOSYSTEM x","version":"1"}"#.to_string(),
                "SYSAPI_NOSYSTEM x".to_string(),
            ),
            (
                "TAPIS_SECURITY_JWT_EXPIRED  token\n expired ".into(),
                "TAPIS_SECURITY_JWT_EXPIRED token expired".into(),
            ),
            (
                "<html><head><title>502 Bad Gateway</title></head></html>".into(),
                "502 Bad Gateway".into(),
            ),
            (
                "<html><body><h1>Oops</h1><p>down</p></body></html>".into(),
                "Oops down".into(),
            ),
            ("<title>".into(), "".into()),
            ("</title><title>".into(), "".into()),
            ("".into(), "".into()),
            (r#"{"message": 5}"#.into(), r#"{"message": 5}"#.into()),
            ("[1,2]".into(), "[1,2]".into()),
            (long.clone(), format!("{}…", "é".repeat(EXCERPT_CHARS))),
        ];
        for (body, want) in cases {
            assert_eq!(message_excerpt(&body), want, "{body}");
        }
    }

    #[test]
    fn system_info_is_tolerant() {
        let full = r#"{"id":"ls6","host":"ls6.tacc.utexas.edu","systemType":"LINUX","defaultAuthnMethod":"TMS_KEYS",
            "effectiveUserId":"${apiUserId}","isDynamicEffectiveUser":true,"enabled":true,"canExec":true,"extra":1}"#;
        let s: SystemInfo = serde_json::from_str(full).unwrap();
        assert_eq!(
            (s.id.as_str(), s.default_authn_method.as_str(), s.can_exec),
            ("ls6", "TMS_KEYS", true)
        );
        let sparse: SystemInfo =
            serde_json::from_str(r#"{"id":"x","host":null,"enabled":null}"#).unwrap();
        assert_eq!(sparse.host, "");
        assert!(sparse.enabled && sparse.is_dynamic_effective_user && !sparse.can_exec);
        let resp = Response::new(200, format!(r#"{{"status":"success","result":[{full}]}}"#));
        assert_eq!(parse_result::<Vec<SystemInfo>>(&resp).unwrap(), vec![s]);
        let bad = parse_result::<Vec<SystemInfo>>(&Response::new(200, "<html>")).unwrap_err();
        assert_eq!(bad.code(), "unexpected-response");
    }
}
