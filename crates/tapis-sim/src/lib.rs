//! A local simulator of the parts of the Tapis REST API the TMS credentials app uses.
//! See docs/simulator.md for the scenario schema, faults and `/sim/` control endpoints.

// Handlers return a ready response as their error for early exits; one allocation per request
// costs nothing here, and boxing every error would only add noise.
#![allow(clippy::result_large_err)]
// The full system JSON (every TapisSystemDTO attribute) is one json! literal.
#![recursion_limit = "256"]

mod control;
mod faults;
mod jwt;
mod resp;
mod scenario;
mod search;
mod server;
mod state;
mod tapis;

pub use faults::{FaultAction, FaultRule, PageFormat};
pub use scenario::{
    AuthnMethod, Behaviour, CredState, CredentialDef, Scenario, SystemDef, SystemType, TmsConfig,
    TmsError, User, DYNAMIC_USER,
};
pub use state::{LogEntry, StoredCredential};

use state::Sim;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// A running simulator. Dropping it without `shutdown` leaves it serving until the runtime ends.
pub struct SimHandle {
    sim: Arc<Sim>,
    listen_url: String,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Binds `addr` (port 0 = any free port) and serves on the caller's tokio runtime.
pub async fn spawn(scenario: Scenario, addr: SocketAddr) -> std::io::Result<SimHandle> {
    spawn_behind(scenario, addr, None).await
}

/// As `spawn`, for a simulator reached through a proxy at `public_url` (as Tapis is reached
/// through its nginx, tapis-deployer `playbooks/roles/proxy/templates/docker/nginx.conf`): tokens,
/// tenants and sites then name the proxy, not the port the simulator listens on.
pub async fn spawn_behind(
    scenario: Scenario,
    addr: SocketAddr,
    public_url: Option<&str>,
) -> std::io::Result<SimHandle> {
    // Key generation is CPU-bound; keep it off the async workers.
    tokio::task::spawn_blocking(|| {
        jwt::keys();
    })
    .await
    .map_err(std::io::Error::other)?;
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let listen_url = format!("http://{}", listener.local_addr()?);
    let base_url = public_url.map_or_else(
        || listen_url.clone(),
        |u| u.trim_end_matches('/').to_string(),
    );
    let sim = Arc::new(Sim::new(scenario, base_url));
    let (stop, stopped) = oneshot::channel();
    let task = tokio::spawn(server::serve(listener, sim.clone(), stopped));
    Ok(SimHandle {
        sim,
        listen_url,
        stop,
        task,
    })
}

impl SimHandle {
    /// The tenant's base_url, no trailing slash: the public URL when behind a proxy, otherwise
    /// the listen URL.
    pub fn base_url(&self) -> String {
        self.sim.base_url.clone()
    }
    /// "http://127.0.0.1:PORT": where the simulator itself answers (the control endpoints too).
    pub fn listen_url(&self) -> &str {
        &self.listen_url
    }
    pub fn log(&self) -> Vec<LogEntry> {
        self.sim.log()
    }
    /// A negative lifetime gives an already-expired token.
    pub fn mint_token(&self, username: &str, lifetime_secs: i64) -> String {
        self.sim.mint(username, lifetime_secs).token
    }
    /// Revokes every token issued to `username` so far.
    pub fn revoke(&self, username: &str) {
        self.sim.revoke(username)
    }
    pub fn set_faults(&self, faults: Vec<FaultRule>) {
        self.sim.set_faults(faults)
    }
    pub fn credentials(&self) -> Vec<StoredCredential> {
        self.sim.credentials()
    }
    /// Back to the scenario, as `POST /sim/reset`.
    pub fn reset(&self) {
        self.sim.reset()
    }
    /// Stops accepting and closes every open connection.
    pub async fn shutdown(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
