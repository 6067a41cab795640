//! Typed Tapis calls (each request paired with the operation that classifies its answer), the
//! system fields the app decides on, and the one `send` every call goes through (timeout,
//! cancellation, activity-log record).

use crate::base_url::BaseUrl;
use crate::encoding::percent_encode;
use crate::envelope::{self, excerpt, message_excerpt};
use crate::http::{
    any_cancelled, race, Cancel, Clock, Either, Method, Request, Response, Transport,
    TransportError, MAX_BODY_BYTES, TOKEN_HEADER,
};
use crate::json::{self, Flex};
use crate::problem::{classify, Operation, Problem, TmsRefusal};
use crate::secret::Secret;
use crate::system_id::SystemId;
use crate::token::Token;
use serde::{Deserialize, Serialize};

/// The fields the app needs to decide what to do with a system.
pub const SYSTEM_FIELDS: &str =
    "id,host,defaultAuthnMethod,effectiveUserId,isDynamicEffectiveUser,systemType,enabled,canExec";
pub const DISCOVER_LIMIT: u32 = 1000;
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// A request and the operation its answer is classified as: built together, so they can
/// never disagree.
#[derive(Clone, Debug)]
pub struct Call {
    pub op: Operation,
    pub request: Request,
}

/// Builds the calls for one token. The token leaves its `Secret` only here, into the
/// `X-Tapis-Token` header of a request to the tenant it was checked against.
#[derive(Clone, Debug)]
pub struct Client {
    base: BaseUrl,
    token: Token,
}

impl Client {
    pub fn new(base: BaseUrl, token: Token) -> Self {
        Client { base, token }
    }

    pub fn token(&self) -> &Token {
        &self.token
    }

    /// Checked before every request so an expired token is never sent.
    pub fn ensure_fresh(&self, now_ms: u64) -> Result<(), Problem> {
        if self.token.info().is_expired(now_ms / 1000) {
            return Err(Problem::TokenExpired { message: None });
        }
        Ok(())
    }

    fn call(&self, op: Operation, method: Method, path: &str, body: Option<&str>) -> Call {
        let mut headers = vec![(
            TOKEN_HEADER.to_string(),
            self.token.secret().expose().to_string(),
        )];
        if body.is_some() {
            headers.push(("Content-Type".into(), "application/json".into()));
        }
        let request = Request {
            method,
            url: format!("{}{path}", self.base.as_str()),
            headers,
            body: body.map(str::to_string),
        };
        Call { op, request }
    }

    /// Credentials are always the token's own user's: Tapis creates TMS keys for no one else.
    fn credential_path(&self, system: &SystemId) -> String {
        format!(
            "/v3/systems/credential/{}/user/{}",
            percent_encode(system.as_str()),
            percent_encode(&self.token.info().username)
        )
    }

    pub fn check(&self, system: &SystemId) -> Call {
        let path = format!("{}/check", self.credential_path(system));
        self.call(Operation::Check, Method::Post, &path, None)
    }

    pub fn get_system(&self, system: &SystemId) -> Call {
        let path = format!(
            "/v3/systems/{}?select={SYSTEM_FIELDS}",
            percent_encode(system.as_str())
        );
        self.call(Operation::GetSystem, Method::Get, &path, None)
    }

    pub fn list_systems(&self, limit: u32) -> Call {
        let path = format!("/v3/systems?listType=ALL&select={SYSTEM_FIELDS}&limit={limit}");
        self.call(Operation::ListSystems, Method::Get, &path, None)
    }

    /// `createTmsKeys` is a query parameter only: in the body it fails schema validation.
    pub fn create_tms(&self, system: &SystemId) -> Call {
        let path = format!("{}?createTmsKeys=true", self.credential_path(system));
        self.call(Operation::Create, Method::Post, &path, Some("{}"))
    }

    pub fn remove(&self, system: &SystemId) -> Call {
        self.call(
            Operation::Remove,
            Method::Delete,
            &self.credential_path(system),
            None,
        )
    }
}

/// The password grant: the only request without a token header.
pub fn password_grant(base: &BaseUrl, username: &str, password: &Secret) -> Call {
    let body = format!(
        r#"{{"grant_type":"password","password":{},"username":{}}}"#,
        json::string_literal(password.expose()),
        json::string_literal(username),
    );
    let request = Request {
        method: Method::Post,
        url: format!("{}/v3/oauth2/tokens", base.as_str()),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Some(body),
    };
    Call {
        op: Operation::Login,
        request,
    }
}

/// What the app needs to know about a system to decide whether TMS keys can be made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "RawSystem", rename_all = "camelCase")]
pub struct SystemInfo {
    pub id: String,
    pub host: String,
    pub system_type: String,
    pub default_authn_method: String,
    pub effective_user_id: String,
    /// Unknown (missing or unreadable) counts as dynamic: Tapis has the last word.
    pub is_dynamic_effective_user: bool,
    /// Unknown counts as enabled: Tapis has the last word.
    pub enabled: bool,
    pub can_exec: bool,
}

/// A system as Tapis sends it: booleans as JSON booleans or, under `select`, as strings; any
/// field may be missing or of another type without failing the answer.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawSystem {
    #[serde(default)]
    id: Flex,
    #[serde(default)]
    host: Flex,
    #[serde(default)]
    system_type: Flex,
    #[serde(default)]
    default_authn_method: Flex,
    #[serde(default)]
    effective_user_id: Flex,
    #[serde(default)]
    is_dynamic_effective_user: Flex,
    #[serde(default)]
    enabled: Flex,
    #[serde(default)]
    can_exec: Flex,
}

impl From<RawSystem> for SystemInfo {
    fn from(raw: RawSystem) -> Self {
        let text = |f: &Flex| f.text().unwrap_or_default();
        SystemInfo {
            id: text(&raw.id),
            host: text(&raw.host),
            system_type: text(&raw.system_type).to_ascii_uppercase(),
            default_authn_method: text(&raw.default_authn_method).to_ascii_uppercase(),
            effective_user_id: text(&raw.effective_user_id),
            is_dynamic_effective_user: raw.is_dynamic_effective_user.as_bool().unwrap_or(true),
            enabled: raw.enabled.as_bool().unwrap_or(true),
            can_exec: raw.can_exec.as_bool().unwrap_or(false),
        }
    }
}

impl SystemInfo {
    /// Whether users sign in to this system with TMS keys (its default authn method).
    pub fn uses_tms_keys(&self) -> bool {
        self.default_authn_method == "TMS_KEYS"
    }

    /// Why TMS keys cannot be created on this system, if anything; checked before creating so
    /// the user hears the real reason instead of a generic failure.
    pub fn tms_problem(&self) -> Option<Problem> {
        if !self.uses_tms_keys() {
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
                any_cancelled(self.cancel),
            )
            .await
            {
                Either::Left(()) => TransportError::Timeout,
                Either::Right(()) => TransportError::Cancelled,
            }
        };
        let result = match race(self.transport.send(req), stop).await {
            Either::Left(Ok(r)) if r.body.len() > MAX_BODY_BYTES => {
                Err(TransportError::TooLarge(r.body.len()))
            }
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
                Ok(r) if r.is_success() => envelope::message(&r.body).map(|m| excerpt(&m)),
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
        call: Call,
        system: Option<&SystemId>,
        on_request: &mut dyn FnMut(RequestRecord),
    ) -> Result<Response, Problem> {
        let result = self.send(call.request, system, on_request).await;
        classify(call.op, &result)?;
        result.map_err(|_| Problem::Cancelled)
    }
}

#[derive(Deserialize)]
struct Grant {
    access_token: AccessToken,
}

#[derive(Deserialize)]
struct AccessToken {
    access_token: String,
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
    let call = password_grant(base, username.trim(), password);
    let resp = sender.call(call, None, &mut on_request).await?;
    let raw = envelope::result::<Grant>(&resp.body)
        .map(|g| g.access_token.access_token)
        .ok_or_else(|| Problem::Unexpected {
            status: resp.status,
            message: "the login answer holds no access token".into(),
        })?;
    Token::parse(&raw, clock.now_ms() / 1000).map_err(|e| Problem::TokenInvalid {
        message: e.to_string(),
    })
}

/// Lists every system the user can see (`listType=ALL`, not just owned ones). Systems without
/// an id are dropped: nothing can be done with them.
pub async fn discover<T: Transport, C: Clock>(
    transport: &T,
    clock: &C,
    client: &Client,
    cancel: &Cancel,
    mut on_request: impl FnMut(RequestRecord),
) -> Result<Vec<SystemInfo>, Problem> {
    client.ensure_fresh(clock.now_ms())?;
    let sender = Sender {
        transport,
        clock,
        timeout_ms: DEFAULT_TIMEOUT_MS,
        cancel: &[cancel],
    };
    let call = client.list_systems(DISCOVER_LIMIT);
    let resp = sender.call(call, None, &mut on_request).await?;
    let mut systems: Vec<SystemInfo> = parse_result(&resp)?;
    systems.retain(|s| !s.id.is_empty());
    Ok(systems)
}

/// The envelope's `result` as `R`, or an "unexpected answer" problem.
pub fn parse_result<R: for<'de> Deserialize<'de>>(resp: &Response) -> Result<R, Problem> {
    envelope::result(&resp.body).ok_or_else(|| Problem::Unexpected {
        status: resp.status,
        message: format!("unreadable answer: {}", message_excerpt(&resp.body)),
    })
}

#[cfg(test)]
mod tests;
