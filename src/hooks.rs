//! Hooks that connect the app to time.
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Calls `on_tick` every `period_ms` while the component is mounted: drives the token countdown,
/// elapsed times and retry countdowns without any component keeping its own timer.
#[hook]
pub fn use_interval(period_ms: i32, on_tick: Callback<()>) {
    use_effect_with(period_ms, move |&period| {
        let closure = Closure::<dyn Fn()>::new(move || on_tick.emit(()));
        let window = web_sys::window().expect("a window");
        let id = window
            .set_interval_with_callback_and_timeout_and_arguments_0(
                closure.as_ref().unchecked_ref(),
                period,
            )
            .ok();
        move || {
            if let Some(id) = id {
                window.clear_interval_with_handle(id);
            }
            drop(closure);
        }
    });
}
