//! `/sim/*`: test controls that are not part of Tapis. No token, never logged, never faulted.

use crate::faults::FaultRule;
use crate::resp::{self, Resp};
use crate::state::Sim;
use crate::tapis::Req;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct TokenReq {
    username: String,
    lifetime_secs: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokeReq {
    username: String,
}

fn body<'a, T: Deserialize<'a>>(req: &'a Req) -> Result<T, Resp> {
    serde_json::from_slice(&req.body).map_err(|e| bad(format!("invalid body: {e}")))
}

fn bad(message: String) -> Resp {
    resp::json(400, &json!({"error": message}))
}

fn to_json<T: serde::Serialize>(v: &T) -> Resp {
    resp::json(200, &serde_json::to_value(v).unwrap_or(Value::Null))
}

pub(crate) fn handle(sim: &Sim, req: &Req) -> Resp {
    let result = match (req.method.as_str(), req.path.trim_end_matches('/')) {
        ("OPTIONS", _) => Ok(resp::empty(204)),
        ("GET", "/sim/log") => Ok(to_json(&sim.log())),
        ("DELETE", "/sim/log") => {
            sim.clear_log();
            Ok(resp::empty(204))
        }
        ("POST", "/sim/reset") => {
            sim.reset();
            Ok(resp::empty(204))
        }
        ("GET", "/sim/faults") => Ok(to_json(&sim.faults())),
        ("PUT", "/sim/faults") => body::<Vec<FaultRule>>(req).and_then(|rules| {
            rules
                .iter()
                .try_for_each(FaultRule::validate)
                .map_err(bad)?;
            sim.set_faults(rules);
            Ok(to_json(&sim.faults()))
        }),
        ("POST", "/sim/token") => body::<TokenReq>(req).map(|t| {
            let lifetime = t.lifetime_secs.unwrap_or(sim.scenario.token_lifetime_secs);
            to_json(&json!({"accessToken": sim.mint(&t.username, lifetime).token}))
        }),
        ("POST", "/sim/revoke") => body::<RevokeReq>(req).map(|r| {
            sim.revoke(&r.username);
            resp::empty(204)
        }),
        ("GET", "/sim/credentials") => Ok(to_json(&sim.credentials())),
        _ => Ok(resp::json(
            404,
            &json!({"error": format!("no control endpoint {} {}", req.method, req.path)}),
        )),
    };
    result.unwrap_or_else(|r| r)
}
