//! Turning a Tapis answer into one of a closed set of problems the UI can explain in words a
//! researcher understands, with the next step. The raw Tapis message is kept separately for
//! the activity log; explanations never contain Tapis codes.

use crate::duration::human_secs;
use crate::envelope::{full_message, is_json_object, message_excerpt};
use crate::http::{Response, TransportError};
use crate::wording::{Page, HELP_TICKET, TOKEN_EXPIRED};
use std::fmt;

/// Which call produced the answer: the same status means different things per call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Operation {
    Check,
    GetSystem,
    ListSystems,
    Create,
    Remove,
    Login,
}

impl Operation {
    /// Tapis answers these only after an SSH login to the system's host (`CredUtils`), which
    /// can take up to [`crate::engine::TAPIS_SSH_MAX_MS`]; removal only touches its secret store.
    pub fn logs_in_to_host(self) -> bool {
        matches!(self, Operation::Check | Operation::Create)
    }
}

/// Why TMS refused to create keys (`SYSLIB_CRED_TMS_KEYS_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TmsRefusal {
    TenantNotAllowed,
    NotConfigured,
    InvalidSystemType,
    /// The system has a static effective user (`NOT_ALLOWED ... IsStaticEffectiveUser: true`).
    StaticUser,
    /// A login-user mapping on the request. The app sends none: tms-mvp's resource fills in the
    /// caller's name (`CredentialResource.createUserCredential`), so it is Tapis's own doing.
    LoginUser,
    KeyService,
    BadArgument,
    Other,
}

impl TmsRefusal {
    fn from_message(msg: &str) -> Option<TmsRefusal> {
        let code = &msg[msg.find("SYSLIB_CRED_TMS_KEYS")?..];
        let code = &code[..code
            .find(|c: char| !(c.is_ascii_uppercase() || c == '_'))
            .unwrap_or(code.len())];
        Some(match code.trim_start_matches("SYSLIB_CRED_TMS_KEYS") {
            "_TENANT_NOT_ALLOWED" => TmsRefusal::TenantNotAllowed,
            "_NOT_CFG" => TmsRefusal::NotConfigured,
            "_INVALID_SYS_TYPE" => TmsRefusal::InvalidSystemType,
            "_NOT_ALLOWED" if msg.contains("IsStaticEffectiveUser: true") => TmsRefusal::StaticUser,
            "_NOT_ALLOWED" => TmsRefusal::LoginUser,
            "_HTTP_ERR" | "_ERR" | "_NO_BODY" | "_NULL_FIELD" | "_EMPTY_FIELD" => {
                TmsRefusal::KeyService
            }
            "_BAD_ARG" => TmsRefusal::BadArgument,
            _ => TmsRefusal::Other,
        })
    }

    pub fn sentence(self) -> &'static str {
        match self {
            TmsRefusal::TenantNotAllowed => "Your Tapis tenant is not allowed to use TMS keys.",
            TmsRefusal::NotConfigured => "TMS keys are not set up for your Tapis tenant.",
            TmsRefusal::InvalidSystemType => "TMS keys only work on Linux systems.",
            TmsRefusal::StaticUser => "This system logs everyone in as one fixed account, so it cannot get a personal TMS key.",
            TmsRefusal::LoginUser => "Tapis refused this request because of how Tapis itself is set up, not because of anything you entered.",
            TmsRefusal::KeyService => "Tapis's key service did not hand out a key.",
            TmsRefusal::BadArgument => "Tapis refused the request to create a key.",
            TmsRefusal::Other => "Tapis refused to create a TMS key for this system.",
        }
    }
}

/// Everything that can go wrong, as a closed set. HTTP-derived variants keep the raw Tapis
/// message (an excerpt) for the log; it is never part of `explanation()`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    TokenExpired {
        message: Option<String>,
    },
    TokenInvalid {
        message: String,
    },
    TokenRevoked {
        message: String,
    },
    LoginRejected {
        message: String,
    },
    /// The tenant refuses the password grant from this page (403 on the token request).
    LoginNotAllowed {
        message: String,
    },
    /// The password is right but the account is outside the tenant's users (authenticator
    /// `ldap.py` `InvalidTenantUserError`).
    LoginNotInTenant {
        message: String,
    },
    CredentialsMissing {
        message: String,
    },
    KeyRejected {
        message: String,
    },
    /// Tapis cannot test this kind of credential here (`SYSLIB_CRED_NOT_SUPPORTED`): it says
    /// nothing about whether a key works, so it is never a reason to create one.
    CannotVerify {
        message: String,
    },
    HostUnreachable {
        message: String,
    },
    NoAccess {
        message: String,
    },
    NotFound {
        message: String,
    },
    NotTms {
        authn_method: String,
    },
    SystemDisabled,
    NotLinux {
        system_type: String,
    },
    TmsRefused {
        reason: TmsRefusal,
        message: String,
    },
    /// One refusal of a new key by the host (401 on create): retried while the window lasts.
    KeyNotYetUsable {
        message: String,
    },
    /// The host refused every new key until the window closed or the user stopped waiting.
    KeyNotAccepted {
        waited_ms: u64,
        stopped: bool,
        message: String,
    },
    ServerError {
        status: u16,
        message: String,
    },
    /// Tapis could not write to (or delete from) its secret store, Vault behind SK
    /// (`CredUtils` `SYSLIB_CRED_SK_ERROR`). A failed read cannot be told apart: Tapis answers
    /// it as "no key" (`CredUtils.getCredential`).
    SecretStore {
        message: String,
    },
    Unexpected {
        status: u16,
        message: String,
    },
    Network {
        detail: String,
    },
    /// Tapis (or something in between) answered with a redirect, which is never followed.
    Redirected,
    Timeout,
    Cancelled,
    /// The user cancelled while a create's result was unknown (on its way, or lost and not yet
    /// checked again): Tapis may have stored a key.
    CreateInterrupted,
}

impl Problem {
    pub fn code(&self) -> &'static str {
        match self {
            Problem::TokenExpired { .. } => "token-expired",
            Problem::TokenInvalid { .. } => "token-invalid",
            Problem::TokenRevoked { .. } => "token-revoked",
            Problem::LoginRejected { .. } => "login-rejected",
            Problem::LoginNotAllowed { .. } => "login-not-allowed",
            Problem::LoginNotInTenant { .. } => "login-not-in-tenant",
            Problem::CredentialsMissing { .. } => "credentials-missing",
            Problem::KeyRejected { .. } => "key-rejected",
            Problem::CannotVerify { .. } => "cannot-verify",
            Problem::HostUnreachable { .. } => "host-unreachable",
            Problem::NoAccess { .. } => "no-access",
            Problem::NotFound { .. } => "not-found",
            Problem::NotTms { .. } => "not-tms",
            Problem::SystemDisabled => "system-disabled",
            Problem::NotLinux { .. } => "not-linux",
            Problem::TmsRefused { .. } => "tms-refused",
            Problem::KeyNotYetUsable { .. } => "key-not-yet-usable",
            Problem::KeyNotAccepted { .. } => "key-not-accepted",
            Problem::ServerError { .. } => "server-error",
            Problem::SecretStore { .. } => "secret-store",
            Problem::Unexpected { .. } => "unexpected-response",
            Problem::Network { .. } => "network",
            Problem::Redirected => "redirected",
            Problem::Timeout => "timeout",
            Problem::Cancelled => "cancelled",
            Problem::CreateInterrupted => "create-interrupted",
        }
    }

    /// The Tapis message or transport detail, for the activity log only.
    pub fn raw_message(&self) -> Option<&str> {
        match self {
            Problem::TokenExpired { message } => message.as_deref(),
            Problem::TokenInvalid { message }
            | Problem::TokenRevoked { message }
            | Problem::LoginRejected { message }
            | Problem::LoginNotAllowed { message }
            | Problem::LoginNotInTenant { message }
            | Problem::CredentialsMissing { message }
            | Problem::KeyRejected { message }
            | Problem::CannotVerify { message }
            | Problem::HostUnreachable { message }
            | Problem::NoAccess { message }
            | Problem::NotFound { message }
            | Problem::TmsRefused { message, .. }
            | Problem::KeyNotYetUsable { message }
            | Problem::KeyNotAccepted { message, .. }
            | Problem::ServerError { message, .. }
            | Problem::SecretStore { message }
            | Problem::Unexpected { message, .. } => Some(message),
            Problem::Network { detail } => Some(detail),
            _ => None,
        }
    }

    /// The token is unusable: every system must stop, since every further call fails too.
    pub fn is_token_rejection(&self) -> bool {
        matches!(
            self,
            Problem::TokenExpired { .. }
                | Problem::TokenInvalid { .. }
                | Problem::TokenRevoked { .. }
        )
    }

    /// Worth retrying as-is: the same request may succeed a moment later. Never 4xx.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Problem::ServerError { .. }
                | Problem::SecretStore { .. }
                | Problem::Network { .. }
                | Problem::Timeout
        )
    }

    pub fn explanation(&self) -> String {
        match self {
            Problem::TokenExpired { .. } => TOKEN_EXPIRED.into(),
            Problem::TokenInvalid { .. } => "Tapis did not accept your token.".into(),
            Problem::TokenRevoked { .. } => "Tapis reports your token as revoked.".into(),
            Problem::LoginRejected { .. } => "Tapis did not accept that username and password.".into(),
            Problem::LoginNotAllowed { .. } => "This Tapis tenant does not allow logging in with a password from this page.".into(),
            Problem::LoginNotInTenant { .. } => "Your username and password are right, but this Tapis tenant does not include your account.".into(),
            Problem::CredentialsMissing { .. } => "No key is stored for you on this system yet.".into(),
            Problem::KeyRejected { .. } => "A key is stored for you, but the system refused it when Tapis tried to log in.".into(),
            Problem::CannotVerify { .. } => "Tapis cannot test this kind of credential on this system, so it could not tell whether a key works there. Nothing was changed.".into(),
            Problem::HostUnreachable { .. } => "Tapis could not connect to this system; it may be down or under maintenance.".into(),
            Problem::NoAccess { .. } => "Tapis does not let your account use this system (it is not shared with you). This is a Tapis permission, not your TACC allocation.".into(),
            Problem::NotFound { .. } => "Tapis does not know a system with this id (or it was deleted).".into(),
            Problem::NotTms { authn_method } => format!(
                "This system does not use TMS keys: it expects {}.",
                describe_authn(authn_method)
            ),
            Problem::SystemDisabled => "This system is currently disabled in Tapis.".into(),
            Problem::NotLinux { system_type } => format!(
                "This system is set to use TMS keys, but Tapis supports them only on Linux systems (this one is {}).",
                if system_type.is_empty() { "not Linux" } else { system_type }
            ),
            Problem::TmsRefused { reason, .. } => reason.sentence().into(),
            Problem::KeyNotYetUsable { .. } => "Tapis made a key, but the system refused it, so it was not saved; this is usual for a few minutes after you get an allocation.".into(),
            Problem::KeyNotAccepted { waited_ms, stopped, .. } => format!(
                "{} {}{} the system refused every new key Tapis made, so none was saved. Either your allocation on this system has not reached it yet, or you have no account or allocation there.",
                if *stopped { "You stopped waiting after" } else { "For" },
                human_secs(waited_ms / 1000),
                if *stopped { "; until then" } else { "," },
            ),
            Problem::ServerError { .. } => "Tapis had an internal error.".into(),
            Problem::SecretStore { .. } => "Tapis could not reach its secret store, where it keeps your keys, so the change was not saved.".into(),
            Problem::Unexpected { .. } => "Tapis gave an answer this app does not understand (the Activity log shows it).".into(),
            Problem::Network { .. } => "Tapis could not be reached (network problem, or the browser blocked the request).".into(),
            Problem::Redirected => "The tenant address answered with a redirect; the app does not follow it, because that would send your token to another address.".into(),
            Problem::Timeout => "Tapis did not answer in time.".into(),
            Problem::Cancelled => "Stopped at your request.".into(),
            Problem::CreateInterrupted => "The run stopped before it was known whether Tapis made a key, so one may or may not be in place now.".into(),
        }
    }

    /// The next step on a stand-alone page that offers set-up.
    pub fn next_step(&self) -> String {
        self.next_step_on(Page::default())
    }

    pub fn next_step_on(&self, page: Page) -> String {
        let fresh = page.fresh_token();
        // A host-fed page goes on by itself once the fresh token arrives.
        let then = if page.token_from_host {
            ""
        } else {
            " Then run it again."
        };
        match self {
            Problem::TokenExpired { .. } | Problem::TokenInvalid { .. } => format!("{fresh}{then}"),
            // Tapis's proxy answers "revoked" for every token while its revocation lookup is
            // down (tapis-project/site-router db.py assumes all tokens revoked on a Redis error).
            Problem::TokenRevoked { .. } => format!(
                "{fresh}{then} If a fresh token is refused the same way, Tapis's token check is failing: try again later."
            ),
            Problem::LoginRejected { .. } => "Check your username and password and try again.".into(),
            Problem::LoginNotInTenant { .. } => "Check the tenant address (for DesignSafe, https://designsafe.tapis.io); if it is right, open a DesignSafe help ticket asking for your account to be given access.".into(),
            Problem::LoginNotAllowed { .. } => "Paste an access token instead (in a DesignSafe Jupyter notebook, your Tapis client holds one); treat it like a password.".into(),
            Problem::CredentialsMissing { .. } if page.check_only => {
                "This page only checks: create the TMS key where your portal offers to set up TMS keys.".into()
            }
            Problem::CredentialsMissing { .. } => {
                "Run “Set up credentials” to create a TMS key for it.".into()
            }
            // A refused key is also what a missing allocation looks like: say both.
            Problem::KeyRejected { .. } if page.check_only => "This page only checks: replace the key where your portal offers to set up TMS keys; if a new one is refused too, check that your allocation on this system is active.".into(),
            Problem::KeyRejected { .. } => "Run “Set up credentials” to replace it with a new TMS key; if that is refused too, check that your allocation on this system is active.".into(),
            Problem::CannotVerify { .. } => format!("Do not remove a key stored for this system: it may well work. To have this looked at, {HELP_TICKET}."),
            Problem::HostUnreachable { .. } => "Check TACC's system status (the TACC user portal lists outages and maintenance) and try again later.".into(),
            Problem::NoAccess { .. } => format!("Check the system id; if you should have access to it, {HELP_TICKET}."),
            Problem::NotFound { .. } => "Check the system id for typos, or pick it from the list of your systems.".into(),
            Problem::NotTms { authn_method } => match authn_method.as_str() {
                "PKI_KEYS" => "Register your own SSH key pair for this system through the DesignSafe or Tapis web interface; logging in to it needs multi-factor authentication.".into(),
                "PASSWORD" => "Store your password for this system through the DesignSafe or Tapis web interface.".into(),
                _ => "Set up the credential this system expects through the DesignSafe or Tapis web interface.".into(),
            },
            Problem::SystemDisabled => format!("Wait until the system is enabled again; if it stays disabled, {HELP_TICKET}."),
            Problem::NotLinux { .. } => format!("This cannot be fixed from here: {HELP_TICKET}."),
            Problem::TmsRefused { reason, .. } => match reason {
                TmsRefusal::KeyService => format!("Try again in a few minutes; if it keeps failing, {HELP_TICKET}."),
                TmsRefusal::LoginUser => format!("This needs a change in Tapis: {HELP_TICKET}."),
                // effectiveUserId belongs to the system: its owner can change it.
                TmsRefusal::StaticUser => format!("The system's owner (or Tapis staff) would have to change its login account: {HELP_TICKET}."),
                _ => format!("Only Tapis staff can change this: {HELP_TICKET}."),
            },
            Problem::KeyNotYetUsable { .. } => "Wait a few minutes and run it again; if it still fails, check that your allocation is active on this system.".into(),
            Problem::KeyNotAccepted { .. } => "If you were added to an allocation on this system today, wait 15 minutes and press Retry. Otherwise check your active allocations in the TACC user portal, or ask your PI to add you to one on this system.".into(),
            Problem::ServerError { .. } | Problem::Timeout => "Try again in a few minutes.".into(),
            Problem::Unexpected { .. } => format!("Try again; if it keeps happening, {HELP_TICKET}."),
            Problem::SecretStore { .. } => format!("Nothing is wrong on your side: try again in a few minutes; if it keeps failing, {HELP_TICKET}."),
            Problem::Network { .. } => "Check your connection and the tenant address, then try again.".into(),
            Problem::Redirected => "Check the tenant address: use the exact https address of your Tapis tenant (for DesignSafe, https://designsafe.tapis.io).".into(),
            Problem::Cancelled => "Run it again when you are ready.".into(),
            Problem::CreateInterrupted => "Press Retry: it checks first and creates a key only if none works.".into(),
        }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.explanation())
    }
}

impl std::error::Error for Problem {}

pub fn describe_authn(method: &str) -> &str {
    match method {
        "PKI_KEYS" => "your own SSH key pair",
        "PASSWORD" => "a password",
        "ACCESS_KEY" => "an access key and secret",
        "TOKEN" => "a token",
        "CERT" => "a certificate",
        "" => "an unknown kind of credential",
        other => other,
    }
}

/// `Ok` for any 2xx; otherwise the problem. Keyed on status and message prefix, never on the
/// envelope's `status` field.
pub fn classify(op: Operation, result: &Result<Response, TransportError>) -> Result<(), Problem> {
    let resp = match result {
        // Tapis answers every success with its JSON envelope; a 2xx without one (a captive
        // portal's or SSO gateway's page, a body cut off) says nothing about the credential.
        Ok(r) if r.is_success() && is_json_object(&r.body) => return Ok(()),
        Ok(r) if r.is_success() => {
            return Err(Problem::Unexpected {
                status: r.status,
                message: format!("not a Tapis answer: {}", message_excerpt(&r.body)),
            })
        }
        Ok(r) => r,
        Err(TransportError::Network(detail)) => {
            return Err(Problem::Network {
                detail: detail.clone(),
            })
        }
        Err(TransportError::Timeout) => return Err(Problem::Timeout),
        Err(TransportError::Redirected) => return Err(Problem::Redirected),
        Err(TransportError::TooLarge(bytes)) => {
            return Err(Problem::Unexpected {
                status: 0,
                message: format!("the answer was {bytes} bytes, more than this app reads"),
            })
        }
        Err(TransportError::Cancelled) => return Err(Problem::Cancelled),
    };
    // Decide on the whole message; keep only an excerpt for the log and the UI.
    let full = full_message(&resp.body);
    let has = |code: &str| full.contains(code);
    let message = message_excerpt(&resp.body);
    let status = resp.status;
    let uses_token = op != Operation::Login;

    // The JWT filter answers before any service logic, in plain text (its Content-Type may
    // still say JSON): a token problem, never "credentials missing", never a reason to create.
    // A body that starts like JSON but does not parse (cut off) is not the filter's text.
    let plain_text = !resp.body.trim_start().starts_with('{');
    if uses_token && status == 401 && (has("TAPIS_SECURITY") || plain_text) {
        return Err(if has("EXPIRED") {
            Problem::TokenExpired {
                message: Some(message),
            }
        } else {
            Problem::TokenInvalid { message }
        });
    }
    if uses_token && has("Token is revoked") {
        return Err(Problem::TokenRevoked { message });
    }
    // A caller who may not even read the system gets 500 SYSAPI_CHECK_ERROR ... SYSLIB_UNAUTH
    // (ApiUtils.checkSystemExists): a permission problem, final, not a server fault to retry.
    if uses_token && (status == 403 || (status >= 500 && has("SYSLIB_UNAUTH"))) {
        return Err(Problem::NoAccess { message });
    }
    if op == Operation::Create {
        if let Some(reason) = TmsRefusal::from_message(&full) {
            return Err(Problem::TmsRefused { reason, message });
        }
    }
    let per_system = matches!(
        op,
        Operation::Check | Operation::GetSystem | Operation::Create | Operation::Remove
    );
    Err(match (op, status) {
        // The authenticator answers a tenant without the password grant with a 400 too
        // (controllers.py TokensResource.post): the grant type, not the password, is refused.
        (Operation::Login, 400) if has("Invalid grant_type") => {
            Problem::LoginNotAllowed { message }
        }
        (Operation::Login, 400) if has("does not have access to the") => {
            Problem::LoginNotInTenant { message }
        }
        // The authenticator could not get a token from the Tokens API (a ResourceError, 400).
        (Operation::Login, 400) if has("please try again later") => {
            Problem::ServerError { status, message }
        }
        (Operation::Login, 400 | 401) => Problem::LoginRejected { message },
        // Not about any system: "no access to this system" would mislead.
        (Operation::Login, 403) => Problem::LoginNotAllowed { message },
        (_, 404) if per_system => Problem::NotFound { message },
        // Every failed validation is wrapped in SYSAPI_CRED_VALID_FAIL (ApiUtils
        // .checkCredValidationResult); only the SYSLIB code inside says why, so each is matched
        // exactly and an unknown one is unexpected, never a reason to create. On create a
        // connection failure is not a key the host has yet to accept: waiting would not help.
        (Operation::Check | Operation::Create, 401) if has("SYSLIB_CRED_CONN_FAIL") => {
            Problem::HostUnreachable { message }
        }
        // CredUtils.verifyConnection has no TMS_KEYS case on tms-mvp (its `default:`), nor
        // does verifyCredentials for GLOBUS or IRODS systems: "not supported", not "refused".
        (Operation::Check | Operation::Create, 401) if has("SYSLIB_CRED_NOT_SUPPORTED") => {
            Problem::CannotVerify { message }
        }
        (Operation::Check, 401) if has("SYSLIB_CRED_NOT_FOUND") => {
            Problem::CredentialsMissing { message }
        }
        (Operation::Check, 401) if has("SYSLIB_CRED_VALID_FAIL") => {
            Problem::KeyRejected { message }
        }
        // On a system whose method is not TMS_KEYS, Tapis checks an empty credential of that
        // method and stores nothing (CredUtils.createCredentialForUser, verifyConnection).
        (Operation::Create, 401)
            if has("SYSAPI_CRED_VALID_FAIL") && has("SYSLIB_CRED_NOT_FOUND") =>
        {
            Problem::NotTms {
                authn_method: String::new(),
            }
        }
        // The new key failed its SSH check: the allocation has not reached the host yet, or
        // the user has no account there. Only this exact answer means that.
        (Operation::Create, 401) if has("SYSLIB_CRED_VALID_FAIL") => {
            Problem::KeyNotYetUsable { message }
        }
        // Vault behind SK refused a write or delete; the key Tapis just made was not saved.
        (Operation::Create | Operation::Remove, 500) if has("SYSLIB_CRED_SK_ERROR") => {
            Problem::SecretStore { message }
        }
        (_, 500..=599) => Problem::ServerError { status, message },
        _ => Problem::Unexpected { status, message },
    })
}

#[cfg(test)]
mod tests;
