//! Entry point of the web app. Trunk builds this binary for wasm32; natively it only explains itself.

#[cfg(target_arch = "wasm32")]
fn main() {
    tms_credentials::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("tms-credentials is a web app: build it with `trunk build` or run `./run` from the repository root.");
}
