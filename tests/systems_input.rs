//! The systems field in a real browser: chips, invalid ids, and the keys and buttons that edit it.
#![cfg(target_arch = "wasm32")]

use tms_credentials::components::SystemsInput;
use wasm_bindgen_test::*;
use yew::prelude::*;

wasm_bindgen_test_configure!(run_in_browser);

mod support;
use support::*;

#[derive(Clone)]
struct Spies {
    draft: Recorder<String>,
    commit: Recorder<()>,
    remove: Recorder<usize>,
}

impl Spies {
    fn new() -> Self {
        Spies {
            draft: Recorder::new(),
            commit: Recorder::new(),
            remove: Recorder::new(),
        }
    }

    fn nothing_emitted(&self) -> bool {
        self.draft.count() + self.commit.count() + self.remove.count() == 0
    }
}

fn systems_input(systems: &[&str], draft: &str, spies: &Spies) -> Html {
    html! {
        <SystemsInput
            systems={std::rc::Rc::new(systems.iter().map(|s| s.to_string()).collect::<Vec<_>>())}
            draft={draft.to_string()}
            on_draft={spies.draft.callback()}
            on_commit={spies.commit.callback()}
            on_remove={spies.remove.callback()}
        />
    }
}

#[wasm_bindgen_test]
async fn each_id_is_a_chip_and_invalid_ids_say_what_is_wrong() {
    let spies = Spies::new();
    let m = Mounted::new(systems_input(
        &["stampede3", "Stampede3", "bad/id"],
        "",
        &spies,
    ))
    .await;

    let chips: Vec<(String, bool)> = query_all(&m.host, ".chips [data-chip]")
        .iter()
        .map(|chip| {
            (
                chip.get_attribute("data-chip").unwrap(),
                has_class(chip, "invalid"),
            )
        })
        .collect();
    assert_eq!(
        chips,
        vec![
            ("stampede3".to_string(), false),
            ("Stampede3".to_string(), true),
            ("bad/id".to_string(), true),
        ]
    );

    let errors: Vec<(String, String)> = query_all(&m.host, "#systems-errors [data-invalid-system]")
        .iter()
        .map(|p| {
            (
                p.get_attribute("data-invalid-system").unwrap(),
                p.text_content().unwrap(),
            )
        })
        .collect();
    assert_eq!(errors.len(), 2, "one error line per invalid id: {errors:?}");
    assert_eq!(errors[0].0, "Stampede3");
    assert_eq!(
        errors[0].1,
        "\u{201c}Stampede3\u{201d}: Tapis system ids are lower-case; did you mean \u{201c}stampede3\u{201d}?"
    );
    assert_eq!(errors[1].0, "bad/id");
    assert!(
        errors[1].1.starts_with("\u{201c}bad/id\u{201d}: "),
        "{}",
        errors[1].1
    );
    assert!(
        errors[1].1.contains("\u{201c}/\u{201d}"),
        "names the bad character: {}",
        errors[1].1
    );
    assert_eq!(
        attr(&m.host, "#systems", "aria-invalid").as_deref(),
        Some("true")
    );
    assert!(spies.nothing_emitted());
    m.finish().await;

    // All valid: no error lines, field not marked invalid.
    let m = Mounted::new(systems_input(&["stampede3", "ls6"], "", &spies)).await;
    assert_eq!(query_all(&m.host, "[data-chip]").len(), 2);
    assert!(query_all(&m.host, ".chip.invalid").is_empty());
    assert!(query_all(&m.host, "#systems-errors *").is_empty());
    assert_eq!(
        attr(&m.host, "#systems", "aria-invalid").as_deref(),
        Some("false")
    );
    m.finish().await;
}

#[wasm_bindgen_test]
async fn typing_emits_the_draft_and_enter_commits_it() {
    let spies = Spies::new();
    let mut m = Mounted::new(systems_input(&[], "", &spies)).await;

    type_into(&m.host, "#systems", "a,b");
    settle().await;
    assert_eq!(spies.draft.take(), vec!["a,b".to_string()]);

    // The parent keeps the draft; Enter turns it into chips and must not submit anything.
    m.update(systems_input(&[], "a,b", &spies)).await;
    let default_allowed = key_down(&m.host, "#systems", "Enter");
    settle().await;
    assert_eq!(spies.commit.count(), 1);
    assert!(!default_allowed, "Enter's default action is prevented");
    assert_eq!(spies.remove.count(), 0);
    m.finish().await;
}

#[wasm_bindgen_test]
async fn backspace_in_the_empty_field_removes_the_last_chip_only() {
    let spies = Spies::new();
    let mut m = Mounted::new(systems_input(&["stampede3", "ls6", "frontera"], "", &spies)).await;

    key_down(&m.host, "#systems", "Backspace");
    settle().await;
    assert_eq!(spies.remove.take(), vec![2]);

    // A held Backspace (auto-repeat) removes nothing: it was emptying the draft.
    key_repeat(&m.host, "#systems", "Backspace");
    settle().await;
    assert!(spies.remove.take().is_empty());

    // With text in the field, Backspace edits the text.
    m.update(systems_input(
        &["stampede3", "ls6", "frontera"],
        "fr",
        &spies,
    ))
    .await;
    key_down(&m.host, "#systems", "Backspace");
    settle().await;
    assert!(spies.remove.take().is_empty());

    // Nothing left to remove.
    m.update(systems_input(&[], "", &spies)).await;
    key_down(&m.host, "#systems", "Backspace");
    settle().await;
    assert!(spies.remove.take().is_empty());

    // Other keys do nothing.
    m.update(systems_input(&["ls6"], "", &spies)).await;
    key_down(&m.host, "#systems", "a");
    settle().await;
    assert!(spies.nothing_emitted());
    m.finish().await;
}

#[wasm_bindgen_test]
async fn a_chips_remove_button_removes_that_chip() {
    let spies = Spies::new();
    let m = Mounted::new(systems_input(&["stampede3", "ls6", "bad/id"], "", &spies)).await;

    click(&m.host, "button[aria-label='Remove ls6']");
    settle().await;
    assert_eq!(spies.remove.take(), vec![1]);

    // Invalid chips can be removed the same way.
    click(&m.host, "[data-chip='bad/id'] button");
    settle().await;
    assert_eq!(spies.remove.take(), vec![2]);
    assert_eq!(
        attr(&m.host, "[data-chip='bad/id'] button", "aria-label").as_deref(),
        Some("Remove bad/id (not a valid system id)")
    );
    m.finish().await;
}

#[wasm_bindgen_test]
async fn the_last_removal_is_announced() {
    let spies = Spies::new();
    let m = Mounted::new(html! {
        <SystemsInput
            systems={std::rc::Rc::new(vec!["stampede3".to_string()])}
            draft={String::new()}
            removed={Some("ls6".to_string())}
            on_draft={spies.draft.callback()}
            on_commit={spies.commit.callback()}
            on_remove={spies.remove.callback()}
        />
    })
    .await;
    assert_eq!(
        attr(&m.host, "#systems-removed", "role").as_deref(),
        Some("status")
    );
    assert_eq!(
        get(&m.host, "#systems-removed").text_content().as_deref(),
        Some("Removed ls6.")
    );
    m.finish().await;

    // Nothing removed yet: the region is there, empty, before anything is announced.
    let m = Mounted::new(systems_input(&["stampede3"], "", &spies)).await;
    assert_eq!(
        get(&m.host, "#systems-removed").text_content().as_deref(),
        Some("")
    );
    m.finish().await;
}
