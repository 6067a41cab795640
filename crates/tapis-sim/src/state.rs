//! The simulator's mutable world, shared by every connection.

use crate::faults::{self, Decision, FaultRule, FaultSlot};
use crate::jwt;
use crate::resp::now_secs;
use crate::scenario::{CredState, Scenario};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Mutex, MutexGuard};
use std::time::Instant;

/// One request as `GET /sim/log` reports it. Never holds a token or password value.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LogEntry {
    pub seq: u64,
    pub method: String,
    pub path: String,
    /// The raw query string with secret-looking parameters redacted; "" when absent.
    pub query: String,
    /// 0 when no answer was sent: the connection was dropped by a fault, or the client gave up.
    pub status: u16,
    pub started_ms: u64,
    pub ended_ms: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct StoredCredential {
    pub system_id: String,
    pub username: String,
    pub state: CredState,
}

pub(crate) struct Sim {
    pub scenario: Scenario,
    pub base_url: String,
    started: Instant,
    inner: Mutex<World>,
    /// Outside World on purpose: a reset must not replay token ids already handed out.
    rng: Mutex<StdRng>,
}

/// Everything `POST /sim/reset` restores.
struct World {
    creds: BTreeMap<(String, String), CredState>,
    create_failures_left: HashMap<String, u32>,
    faults: Vec<FaultSlot>,
    log: Vec<LogEntry>,
    next_seq: u64,
    issued: HashMap<String, Vec<String>>,
    revoked: HashSet<String>,
}

impl World {
    fn from(s: &Scenario) -> World {
        World {
            creds: s
                .credentials
                .iter()
                .map(|c| ((c.system_id.clone(), c.username.clone()), c.state))
                .collect(),
            create_failures_left: s
                .systems
                .iter()
                .map(|sys| (sys.id.clone(), sys.behaviour.create_fail401_times))
                .collect(),
            faults: s.faults.iter().cloned().map(FaultSlot::new).collect(),
            log: Vec::new(),
            next_seq: 1,
            issued: HashMap::new(),
            revoked: HashSet::new(),
        }
    }
}

pub(crate) struct Minted {
    pub token: String,
    pub jti: String,
    pub exp: i64,
}

impl Sim {
    pub fn new(scenario: Scenario, base_url: String) -> Sim {
        Sim {
            inner: Mutex::new(World::from(&scenario)),
            rng: Mutex::new(StdRng::seed_from_u64(scenario.seed)),
            scenario,
            base_url,
            started: Instant::now(),
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        // A panic elsewhere must not wedge the simulator for the rest of a test run.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn elapsed_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    pub fn reset(&self) {
        *self.world() = World::from(&self.scenario);
    }

    pub fn next_seq(&self) -> u64 {
        let mut w = self.world();
        w.next_seq += 1;
        w.next_seq - 1
    }

    pub fn record(&self, entry: LogEntry) {
        self.world().log.push(entry);
    }

    pub fn log(&self) -> Vec<LogEntry> {
        let mut log = self.world().log.clone();
        log.sort_by_key(|e| e.seq);
        log
    }

    pub fn clear_log(&self) {
        self.world().log.clear();
    }

    pub fn faults(&self) -> Vec<FaultRule> {
        self.world().faults.iter().map(|s| s.rule.clone()).collect()
    }

    pub fn set_faults(&self, rules: Vec<FaultRule>) {
        self.world().faults = rules.into_iter().map(FaultSlot::new).collect();
    }

    pub fn decide(&self, method: &str, path: &str) -> Decision {
        faults::decide(&mut self.world().faults, method, path)
    }

    pub fn mint(&self, username: &str, lifetime_secs: i64) -> Minted {
        let jti = {
            let mut rng = self.rng.lock().unwrap_or_else(|e| e.into_inner());
            let bytes: [u8; 16] = rng.gen();
            let h: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            format!(
                "{}-{}-{}-{}-{}",
                &h[0..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..32]
            )
        };
        let exp = now_secs() + lifetime_secs;
        let iss = format!("{}/v3/tokens", self.base_url);
        let token = jwt::sign(&jwt::access_claims(
            &iss,
            &self.scenario.tenant_id,
            username,
            &jti,
            exp,
        ));
        self.world()
            .issued
            .entry(username.to_string())
            .or_default()
            .push(jti.clone());
        Minted { token, jti, exp }
    }

    pub fn revoke(&self, username: &str) {
        let mut w = self.world();
        let jtis = w.issued.get(username).cloned().unwrap_or_default();
        w.revoked.extend(jtis);
    }

    pub fn is_revoked(&self, jti: &str) -> bool {
        self.world().revoked.contains(jti)
    }

    pub fn credential(&self, system: &str, user: &str) -> Option<CredState> {
        self.world()
            .creds
            .get(&(system.to_string(), user.to_string()))
            .copied()
    }

    pub fn store_credential(&self, system: &str, user: &str, state: CredState) {
        self.world()
            .creds
            .insert((system.to_string(), user.to_string()), state);
    }

    /// Returns whether something was removed.
    pub fn remove_credential(&self, system: &str, user: &str) -> bool {
        self.world()
            .creds
            .remove(&(system.to_string(), user.to_string()))
            .is_some()
    }

    pub fn credentials(&self) -> Vec<StoredCredential> {
        self.world()
            .creds
            .iter()
            .map(|((system_id, username), state)| StoredCredential {
                system_id: system_id.clone(),
                username: username.clone(),
                state: *state,
            })
            .collect()
    }

    /// Consumes one simulated "allocation not on the host yet" failure, if any are left.
    pub fn take_create_failure(&self, system: &str) -> bool {
        let mut w = self.world();
        match w.create_failures_left.get_mut(system) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}
