//! Browser-free core of the TMS credentials app: token claims, URL and system-id rules, Tapis
//! requests, error classification and the check-then-create engine.
//!
//! Nothing here depends on a browser or an async runtime: the app supplies a [`http::Transport`]
//! and a [`http::Clock`], so the same code runs under wasm32 and in native tests.

pub mod base_url;
pub mod duration;
pub mod encoding;
pub mod engine;
pub mod envelope;
pub mod http;
pub mod json;
pub mod problem;
pub mod secret;
pub mod system_id;
pub mod tapis;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod token;
pub mod wording;

pub use base_url::{BaseUrl, UrlError, DEFAULT_BASE_URL};
pub use problem::Problem;
pub use secret::Secret;
pub use system_id::SystemId;
pub use token::{Token, TokenError, TokenInfo};
