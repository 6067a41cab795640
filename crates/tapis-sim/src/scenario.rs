//! The scenario: everything the simulator starts from and returns to on `POST /sim/reset`.

use crate::faults::FaultRule;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// Marker Tapis uses for "the effective user is whoever calls".
pub const DYNAMIC_USER: &str = "${apiUserId}";

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Scenario {
    pub tenant_id: String,
    #[serde(default = "default_lifetime")]
    pub token_lifetime_secs: i64,
    /// Seeds the only randomness (token ids), so runs are reproducible.
    #[serde(default)]
    pub seed: u64,
    #[serde(default)]
    pub tms: TmsConfig,
    /// false: the tenant's authenticator config does not list the password grant, so the token
    /// endpoint answers 400 "Invalid grant_type (password); this grant type is not allowed ...".
    #[serde(default = "yes")]
    pub allow_password_grant: bool,
    /// true: the authenticator's call to the Tokens API fails, so a correct password gets 400
    /// "Failure to generate an access token; please try again later." (`TokensResource.post`).
    #[serde(default)]
    pub tokens_api_down: bool,
    /// true: Vault behind SK fails. A read is answered as "no key" (`CredUtils.getCredential`
    /// logs the TapisClientException and returns null); a write or delete is 500 SYSAPI_CRED_ERROR
    /// wrapping `SYSLIB_CRED_SK_ERROR`, after a create's new key has passed its SSH check.
    #[serde(default)]
    pub secret_store_down: bool,
    pub users: Vec<User>,
    pub systems: Vec<SystemDef>,
    #[serde(default)]
    pub credentials: Vec<CredentialDef>,
    #[serde(default)]
    pub faults: Vec<FaultRule>,
}

/// Tenant-wide TMS settings: the first two createTmsKeys validations, and the tms-mvp branch's
/// unfinished create.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TmsConfig {
    #[serde(default = "yes")]
    pub tenant_allowed: bool,
    #[serde(default = "yes")]
    pub configured: bool,
    /// As tms-mvp's `CredentialResource.createUserCredential`: a blank `loginUser` is filled in
    /// with the caller's name, so `CredUtils.createCredentialForUser` refuses every createTmsKeys
    /// as a login-user mapping (`NOT_ALLOWED ... IsStaticEffectiveUser: false`).
    #[serde(default)]
    pub login_user_defaulted: bool,
}

impl Default for TmsConfig {
    fn default() -> Self {
        TmsConfig {
            tenant_allowed: true,
            configured: true,
            login_user_defaulted: false,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct User {
    pub username: String,
    pub password: String,
    /// false: the LDAP bind works but the user is outside the tenant's user search filter
    /// (authenticator `service/ldap.py` `check_username_password`: `InvalidTenantUserError`).
    #[serde(default = "yes")]
    pub in_tenant: bool,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SystemType {
    Linux,
    S3,
    Irods,
    Globus,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum AuthnMethod {
    Password,
    PkiKeys,
    AccessKey,
    Token,
    TmsKeys,
    Cert,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SystemDef {
    pub id: String,
    pub host: String,
    pub system_type: SystemType,
    pub default_authn_method: AuthnMethod,
    #[serde(default = "default_owner")]
    pub owner: String,
    /// `${apiUserId}` (the default) makes the effective user dynamic, as in Tapis.
    #[serde(default = "default_effective_user")]
    pub effective_user_id: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default = "yes")]
    pub can_exec: bool,
    /// Usernames that may read the system ("*" = everyone): READ permission or a share in Tapis
    /// (tapis-systems `AuthUtils.checkAuthOboUser`, op `read`).
    #[serde(default = "everyone")]
    pub visible_to: Vec<String>,
    /// Usernames with an account on the host ("*" = everyone). Tapis knows nothing of accounts or
    /// allocations: the others pass every permission check, and only the SSH login fails.
    #[serde(default = "everyone")]
    pub usable_by: Vec<String>,
    #[serde(default)]
    pub behaviour: Behaviour,
}

impl SystemDef {
    pub fn is_dynamic(&self) -> bool {
        self.effective_user_id == DYNAMIC_USER
    }
    pub fn visible(&self, user: &str) -> bool {
        allowed(&self.visible_to, user)
    }
    /// Whether `user` has an account on the host, so that an SSH login with a good key succeeds.
    pub fn has_account(&self, user: &str) -> bool {
        !self.behaviour.no_account && allowed(&self.usable_by, user)
    }
}

fn allowed(list: &[String], user: &str) -> bool {
    list.iter().any(|u| u == "*" || u == user)
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Behaviour {
    /// How long the simulated SSH login (check, and verification after create) takes.
    #[serde(default)]
    pub ssh_check_delay_ms: u64,
    #[serde(default)]
    pub host_unreachable: bool,
    /// Returned by createTmsKeys after the validations pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tms_error: Option<TmsError>,
    /// The first N create attempts fail verification with 401 (allocation not on the host yet).
    #[serde(default)]
    pub create_fail401_times: u32,
    /// Nobody has an account on the host: every SSH login fails, so every created key is refused
    /// (401, nothing stored), forever. Per user: `usableBy`.
    #[serde(default)]
    pub no_account: bool,
    /// The check fails inside the Systems service: 500 `SYSAPI_CRED_CHECK_ERROR`.
    #[serde(default)]
    pub check_error: bool,
}

/// The `SYSLIB_CRED_TMS_KEYS_*` reasons the Systems service can report.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub enum TmsError {
    #[serde(rename = "SYSLIB_CRED_TMS_KEYS_TENANT_NOT_ALLOWED")]
    TenantNotAllowed,
    #[serde(rename = "SYSLIB_CRED_TMS_KEYS_NOT_CFG")]
    NotCfg,
    #[serde(rename = "SYSLIB_CRED_TMS_KEYS_INVALID_SYS_TYPE")]
    InvalidSysType,
    #[serde(rename = "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED")]
    NotAllowed,
    #[serde(rename = "SYSLIB_CRED_TMS_KEYS_HTTP_ERR")]
    HttpErr,
    #[serde(rename = "SYSLIB_CRED_TMS_KEYS_ERR")]
    Err,
    #[serde(rename = "SYSLIB_CRED_TMS_KEYS_NO_BODY")]
    NoBody,
    #[serde(rename = "SYSLIB_CRED_TMS_KEYS_NULL_FIELD")]
    NullField,
    #[serde(rename = "SYSLIB_CRED_TMS_KEYS_EMPTY_FIELD")]
    EmptyField,
}

impl TmsError {
    pub fn code(self) -> &'static str {
        match self {
            TmsError::TenantNotAllowed => "SYSLIB_CRED_TMS_KEYS_TENANT_NOT_ALLOWED",
            TmsError::NotCfg => "SYSLIB_CRED_TMS_KEYS_NOT_CFG",
            TmsError::InvalidSysType => "SYSLIB_CRED_TMS_KEYS_INVALID_SYS_TYPE",
            TmsError::NotAllowed => "SYSLIB_CRED_TMS_KEYS_NOT_ALLOWED",
            TmsError::HttpErr => "SYSLIB_CRED_TMS_KEYS_HTTP_ERR",
            TmsError::Err => "SYSLIB_CRED_TMS_KEYS_ERR",
            TmsError::NoBody => "SYSLIB_CRED_TMS_KEYS_NO_BODY",
            TmsError::NullField => "SYSLIB_CRED_TMS_KEYS_NULL_FIELD",
            TmsError::EmptyField => "SYSLIB_CRED_TMS_KEYS_EMPTY_FIELD",
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub enum CredState {
    /// The host accepts the stored key.
    Valid,
    /// Stored, but the host refuses it (e.g. key removed from authorized_keys).
    Rejected,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CredentialDef {
    pub system_id: String,
    pub username: String,
    #[serde(default = "valid")]
    pub state: CredState,
}

fn default_lifetime() -> i64 {
    14400
}
fn yes() -> bool {
    true
}
fn valid() -> CredState {
    CredState::Valid
}
fn default_owner() -> String {
    "tacc".into()
}
fn default_effective_user() -> String {
    DYNAMIC_USER.into()
}
fn everyone() -> Vec<String> {
    vec!["*".into()]
}

impl Scenario {
    /// The built-in scenario served when no `--scenario` is given.
    pub fn demo() -> Scenario {
        Scenario::from_json(include_str!("../scenarios/demo.json"))
            .expect("built-in demo scenario is valid")
    }

    /// Reads JSON, or TOML when the file name ends in `.toml`.
    pub fn from_path(path: &Path) -> Result<Scenario, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read scenario {}: {e}", path.display()))?;
        let is_toml = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
        let parsed = if is_toml {
            Scenario::from_toml(&text)
        } else {
            Scenario::from_json(&text)
        };
        parsed.map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let s: Scenario =
            serde_json::from_str(text).map_err(|e| format!("invalid scenario JSON: {e}"))?;
        s.validate()?;
        Ok(s)
    }

    pub fn from_toml(text: &str) -> Result<Scenario, String> {
        let s: Scenario =
            toml::from_str(text).map_err(|e| format!("invalid scenario TOML: {e}"))?;
        s.validate()?;
        Ok(s)
    }

    pub fn system(&self, id: &str) -> Option<&SystemDef> {
        self.systems.iter().find(|s| s.id == id)
    }

    /// Cross-references serde cannot check.
    fn validate(&self) -> Result<(), String> {
        if self.tenant_id.is_empty() {
            return Err("tenantId must not be empty".into());
        }
        let mut ids = HashSet::new();
        for s in &self.systems {
            let id_ok = !s.id.is_empty()
                && s.id.len() <= 80
                && s.id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
            if !id_ok {
                return Err(format!(
                    "system id {:?} is not a valid Tapis id (a-z 0-9 - _ . , at most 80)",
                    s.id
                ));
            }
            if !ids.insert(s.id.as_str()) {
                return Err(format!("system id {:?} is declared twice", s.id));
            }
        }
        let mut users = HashSet::new();
        for u in &self.users {
            if !users.insert(u.username.as_str()) {
                return Err(format!("user {:?} is declared twice", u.username));
            }
        }
        for c in &self.credentials {
            if self.system(&c.system_id).is_none() {
                return Err(format!(
                    "credential refers to unknown system {:?}",
                    c.system_id
                ));
            }
        }
        for f in &self.faults {
            f.validate()?;
        }
        Ok(())
    }
}
