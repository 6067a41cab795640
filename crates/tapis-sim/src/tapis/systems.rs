//! Reading systems: `getSystem`, `getSystems`, and the DTO rendering with `select`.

use super::{enum_str, unauth, Req, Who};
use crate::resp::{self, Resp};
use crate::scenario::SystemDef;
use crate::search;
use crate::state::Sim;
use serde_json::{json, Map, Value};

/// Attributes that tapis-systems `TapisSystemDTO.addDisplayField` writes with
/// `Boolean.toString`: under `select` they are the strings "true"/"false".
const STRING_BOOLEANS: [&str; 9] = [
    "enabled",
    "useProxy",
    "canExec",
    "canRunBatch",
    "enableCmdPrefix",
    "allowChildren",
    "deleted",
    "isPublic",
    "isDynamicEffectiveUser",
];

/// All attributes as `TapisSystemDTO.allAttrs` serialises them (Gson, JSON booleans), with a
/// dynamic effective user resolved to the caller as `SystemsServiceImpl.getSystem` does.
fn system_json(s: &SystemDef, user: &str, tenant: &str) -> Map<String, Value> {
    let effective = if s.is_dynamic() {
        user
    } else {
        s.effective_user_id.as_str()
    };
    let v = json!({
        "isPublic": false,
        "isDynamicEffectiveUser": s.is_dynamic(),
        "sharedWithUsers": [],
        "tenant": tenant,
        "id": s.id,
        "description": format!("{} (simulated)", s.id),
        "systemType": enum_str(s.system_type),
        "owner": s.owner,
        "host": s.host,
        "enabled": s.enabled,
        "effectiveUserId": effective,
        "defaultAuthnMethod": enum_str(s.default_authn_method),
        "authnCredential": null,
        "bucketName": null,
        "rootDir": "/",
        "port": 22,
        "useProxy": false,
        "proxyHost": null,
        "proxyPort": -1,
        "dtnSystemId": null,
        "canExec": s.can_exec,
        "canRunBatch": s.can_exec,
        "enableCmdPrefix": false,
        "mpiCmd": null,
        "jobRuntimes": [{"runtimeType": "SINGULARITY", "version": null}],
        "jobWorkingDir": "HOST_EVAL($SCRATCH)",
        "jobEnvVariables": [],
        "jobMaxJobs": 2147483647,
        "jobMaxJobsPerUser": 2147483647,
        "batchScheduler": "SLURM",
        "batchLogicalQueues": [],
        "batchDefaultLogicalQueue": null,
        "batchSchedulerProfile": "tacc",
        "jobCapabilities": [],
        "tags": [],
        "notes": {},
        "importRefId": null,
        "uuid": "00000000-0000-4000-8000-000000000000",
        "allowChildren": false,
        "parentId": null,
        "deleted": false,
        "created": "2024-01-01T00:00:00Z",
        "updated": "2024-01-01T00:00:00Z",
    });
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// tapis-systems `SystemResource.SUMMARY_ATTRS`: the default `select` of a list.
const SUMMARY: [&str; 8] = [
    "id",
    "systemType",
    "owner",
    "host",
    "effectiveUserId",
    "defaultAuthnMethod",
    "canExec",
    "parentId",
];

/// `TapisSystemDTO.getDisplayObject`: no select (or `allAttributes`) = every attribute as Gson
/// writes it; otherwise `id` first, then the summary if asked, then each named attribute, booleans
/// as strings. Unknown names are skipped.
fn display(full: Map<String, Value>, select: &[&str]) -> Value {
    if select.is_empty() || select.contains(&"allAttributes") {
        return Value::Object(full);
    }
    let mut names: Vec<&str> = Vec::new();
    if select.contains(&"summaryAttributes") {
        names.extend(SUMMARY);
    }
    if !select.contains(&"id") {
        names.push("id");
    }
    names.extend(select.iter().copied());
    let mut out = Map::new();
    for name in names {
        let Some(v) = full.get(name) else { continue };
        let v = match v {
            Value::Bool(b) if STRING_BOOLEANS.contains(&name) => Value::String(b.to_string()),
            other => other.clone(),
        };
        out.insert(name.to_string(), v);
    }
    Value::Object(out)
}

fn select_list(req: &Req) -> Vec<&str> {
    req.q("select")
        .map(|s| {
            s.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// tapis-systems `SystemResource.getSystems` -> `getSearchResponse`, `SystemsServiceImpl.getSystems`.
pub(super) fn list(sim: &Sim, req: &Req, who: &Who) -> Resp {
    let user = who.user.as_str();
    // SystemsServiceImpl.getSystems: upper-cased, then checked against AuthListType; a bad value is
    // an IllegalArgumentException the resource wraps in SYSAPI_SELECT_ERROR (500).
    let list_type = req
        .q("listType")
        .filter(|v| !v.trim().is_empty())
        .unwrap_or("OWNED")
        .to_uppercase();
    let keep: fn(&SystemDef, &str) -> bool = match list_type.as_str() {
        "OWNED" => |s, u| s.owner == u,
        "SHARED_PUBLIC" => |s, u| s.owner != u && s.visible(u),
        "ALL" => |s, u| s.visible(u),
        other => {
            return resp::mapped(
                500,
                format!(
                    "SYSAPI_SELECT_ERROR Unable to retrieve system records. {} Error: SYSLIB_LISTTYPE_ERROR Invalid listType value. {} ListType: {other}",
                    who.api, who.api
                ),
            )
        }
    };
    let conds = match search::parse(req.q("search").unwrap_or("")) {
        Ok(c) => c,
        Err(e) => {
            return resp::mapped(
                400,
                format!(
                    "SYSAPI_SEARCH_ERROR Unable to validate search list. {} Error: {e}",
                    who.api
                ),
            )
        }
    };
    let number = |name: &str, default: i64| -> Result<i64, Resp> {
        req.q(name)
            .map(|v| {
                v.parse::<i64>().map_err(|_| {
                    resp::mapped(
                        400,
                        format!("TAPIS_INVALID_PARAMETER Invalid query parameter {name}: {v}"),
                    )
                })
            })
            .unwrap_or(Ok(default))
    };
    let (limit, skip) = match (number("limit", 100), number("skip", 0)) {
        (Ok(l), Ok(s)) => (l, s.max(0) as usize),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let matching: Vec<Map<String, Value>> = sim
        .scenario
        .systems
        .iter()
        .filter(|s| keep(s, user))
        .map(|s| system_json(s, user, &sim.scenario.tenant_id))
        .filter(|m| conds.iter().all(|c| c.matches(m)))
        .collect();
    // -1 unless computeTotal=true (getSearchResponse).
    let total = if req.flag("computeTotal") {
        matching.len() as i64
    } else {
        -1
    };
    let take = if limit <= 0 {
        usize::MAX
    } else {
        limit as usize
    };
    let mut select = select_list(req);
    if select.is_empty() {
        select = SUMMARY.to_vec();
    }
    let page: Vec<Value> = matching
        .into_iter()
        .skip(skip)
        .take(take)
        .map(|m| display(m, &select))
        .collect();
    // RespSystems: ResultListMetadata.
    let metadata = json!({
        "recordCount": page.len(), "recordLimit": limit, "recordsSkipped": skip,
        "orderBy": req.q("orderBy"), "startAfter": req.q("startAfter"), "totalCount": total,
    });
    resp::ok_meta(
        200,
        &format!("TAPIS_FOUND Systems found: {} systems", page.len()),
        Value::Array(page),
        metadata,
    )
}

/// tapis-systems `SystemResource.getSystem` and `SystemsServiceImpl.getSystem`: a missing system is
/// a NotFoundException (SYSAPI_NOT_FOUND), a refused read a ForbiddenException (SYSLIB_UNAUTH),
/// both through ApiExceptionMapper.
pub(super) fn get(sim: &Sim, req: &Req, id: &str, who: &Who) -> Resp {
    let s = match sim.scenario.system(id) {
        None => {
            return resp::mapped(
                404,
                format!(
                    "SYSAPI_NOT_FOUND Record not found. {} System: {id}",
                    who.api
                ),
            )
        }
        Some(s) if !s.visible(&who.user) && s.owner != who.user => {
            return resp::mapped(403, unauth(who, id, "read"))
        }
        Some(s) => s,
    };
    resp::ok(
        200,
        &format!("TAPIS_FOUND System found: {id}"),
        display(
            system_json(s, &who.user, &sim.scenario.tenant_id),
            &select_list(req),
        ),
    )
}
