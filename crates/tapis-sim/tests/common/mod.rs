//! Shared helpers: start a simulator on a free port and talk to it over real HTTP.
#![allow(dead_code)]

use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tapis_sim::{Scenario, SimHandle};

pub struct Sim {
    pub handle: SimHandle,
    pub url: String,
    pub http: reqwest::Client,
}

pub struct Reply {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub elapsed: Duration,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }
    pub fn message(&self) -> String {
        self.json()["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    pub fn content_type(&self) -> &str {
        self.header("content-type").unwrap_or("")
    }
}

/// Users alice and bob, and one system per behaviour the tests need.
pub fn test_scenario() -> Scenario {
    Scenario::from_json(
        &json!({
            "tenantId": "designsafe",
            "tokenLifetimeSecs": 600,
            "users": [
                {"username": "alice", "password": "alice-pw"},
                {"username": "bob", "password": "bob-pw"}
            ],
            "systems": [
                {"id": "ok", "host": "ok.example", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS",
                 "behaviour": {"sshCheckDelayMs": 200}},
                {"id": "rejected", "host": "rejected.example", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS"},
                {"id": "down", "host": "down.example", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS",
                 "behaviour": {"hostUnreachable": true}},
                {"id": "hidden", "host": "hidden.example", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS",
                 "visibleTo": ["bob"]},
                {"id": "nouse", "host": "nouse.example", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS",
                 "usableBy": ["bob"]},
                {"id": "s3", "host": "s3.example", "systemType": "S3", "defaultAuthnMethod": "TMS_KEYS"},
                {"id": "static", "host": "static.example", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS",
                 "effectiveUserId": "svc"},
                {"id": "flaky", "host": "flaky.example", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS",
                 "behaviour": {"createFail401Times": 2}},
                {"id": "pki", "host": "pki.example", "systemType": "LINUX", "defaultAuthnMethod": "PKI_KEYS",
                 "owner": "alice"},
                {"id": "disabled", "host": "disabled.example", "systemType": "LINUX", "defaultAuthnMethod": "TMS_KEYS",
                 "enabled": false, "canExec": false}
            ],
            "credentials": [
                {"systemId": "rejected", "username": "alice", "state": "rejected"},
                {"systemId": "down", "username": "alice"}
            ]
        })
        .to_string(),
    )
    .expect("test scenario parses")
}

pub async fn start(scenario: Scenario) -> Sim {
    let handle = tapis_sim::spawn(scenario, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("spawn");
    let url = handle.base_url();
    Sim {
        handle,
        url,
        http: reqwest::Client::new(),
    }
}

impl Sim {
    pub fn token(&self, user: &str) -> String {
        self.handle.mint_token(user, 600)
    }

    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Result<Reply, reqwest::Error> {
        let mut rb = self
            .http
            .request(method.parse().unwrap(), format!("{}{}", self.url, path));
        if let Some(t) = token {
            rb = rb.header("X-Tapis-Token", t);
        }
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let start = Instant::now();
        let r = rb.send().await?;
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await?;
        Ok(Reply {
            status,
            headers,
            text,
            elapsed: start.elapsed(),
        })
    }

    /// A request that must get an HTTP answer.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Reply {
        self.send(method, path, token, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
    }

    /// Call as `user` with a fresh token.
    pub async fn as_user(
        &self,
        user: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let t = self.token(user);
        self.call(method, path, Some(&t), body).await
    }

    /// The password grant, as JSON.
    pub async fn grant(&self, user: &str, password: &str) -> Reply {
        let body = json!({"username": user, "password": password, "grant_type": "password"});
        self.call("POST", "/v3/oauth2/tokens", None, Some(body))
            .await
    }

    pub async fn create(&self, user: &str, system: &str) -> Reply {
        let path = format!("/v3/systems/credential/{system}/user/{user}?createTmsKeys=true");
        self.as_user(user, "POST", &path, Some(json!({}))).await
    }

    pub async fn check(&self, user: &str, system: &str) -> Reply {
        let path = format!("/v3/systems/credential/{system}/user/{user}/check");
        self.as_user(user, "POST", &path, None).await
    }
}
