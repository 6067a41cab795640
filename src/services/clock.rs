//! The browser's [`Clock`]: wall time from `Date.now()`, sleeping with `setTimeout`.
use std::future::Future;
use tms_core::http::Clock;
use wasm_bindgen_futures::JsFuture;

#[derive(Clone, Copy, Default)]
pub struct BrowserClock;

pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

impl Clock for BrowserClock {
    fn now_ms(&self) -> u64 {
        now_ms()
    }

    fn sleep(&self, ms: u64) -> impl Future<Output = ()> {
        let mut timer = Timer(None);
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            if let Some(window) = web_sys::window() {
                let delay = i32::try_from(ms).unwrap_or(i32::MAX);
                timer.0 = window
                    .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, delay)
                    .ok();
            }
        });
        async move {
            let _ = JsFuture::from(promise).await;
            drop(timer);
        }
    }
}

/// A pending `setTimeout`, cleared when the sleep is dropped unfinished (a request that
/// answered before its timeout, a cancelled retry wait, an unmounted app): no timer outlives
/// what it was for.
struct Timer(Option<i32>);

impl Drop for Timer {
    fn drop(&mut self) {
        if let (Some(handle), Some(window)) = (self.0, web_sys::window()) {
            window.clear_timeout_with_handle(handle);
        }
    }
}
