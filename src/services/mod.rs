//! Side effects the browser provides to the core: HTTP, time, storage and file export.
//! Components never call these directly; the root component's hooks and callbacks do.

pub mod clock;
pub mod export;
pub mod host;
pub mod page;
pub mod storage;
pub mod tasks;
pub mod transport;
