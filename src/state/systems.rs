//! The systems field: typed or pasted ids become chips, each id once, at most [`MAX_SYSTEMS`].
use super::AppState;
use std::collections::HashSet;
use std::rc::Rc;
use tms_core::system_id::is_separator;

/// The systems most DesignSafe users need; the form starts with them.
pub const DEFAULT_SYSTEMS: [&str; 3] = ["stampede3", "ls6", "frontera"];

/// More ids than anyone has allocations on; a bigger paste is a mistake, and would make every
/// render and run slow. The ids past it are left out with a message, never silently.
pub const MAX_SYSTEMS: usize = 500;

impl AppState {
    /// Every complete id (followed by a separator) becomes a chip; the rest stays the draft.
    pub(super) fn type_systems(&mut self, text: String) {
        // The split goes after the separator's last byte: separators include multi-byte
        // whitespace (no-break, ideographic, em space) pasted from documents.
        let end = text
            .char_indices()
            .rfind(|&(_, c)| is_separator(c))
            .map_or(0, |(i, c)| i + c.len_utf8());
        let (complete, rest) = text.split_at(end);
        self.add_systems(complete);
        self.systems_draft = rest.to_string();
    }

    pub(super) fn commit_draft(&mut self) {
        let draft = std::mem::take(&mut self.systems_draft);
        self.add_systems(&draft);
    }

    /// Adds the ids in `text` not already listed, up to [`MAX_SYSTEMS`]; a set keeps a paste of
    /// thousands linear.
    pub(super) fn add_systems(&mut self, text: &str) {
        let mut seen: HashSet<&str> = self.systems.iter().map(String::as_str).collect();
        let room = MAX_SYSTEMS.saturating_sub(self.systems.len());
        let (mut new, mut left_out) = (Vec::new(), 0);
        for id in text.split(is_separator).filter(|s| !s.is_empty()) {
            if !seen.insert(id) {
                continue;
            }
            if new.len() < room {
                new.push(id.to_string());
            } else {
                left_out += 1;
            }
        }
        // The notice answers the last paste that brought ids; typing a draft leaves it.
        if new.len() + left_out > 0 {
            self.systems_left_out = left_out;
        }
        if !new.is_empty() {
            Rc::make_mut(&mut self.systems).extend(new);
            self.systems_removed = None;
        }
    }

    pub(super) fn remove_system(&mut self, index: usize) {
        if index < self.systems.len() {
            let removed = Rc::make_mut(&mut self.systems).remove(index);
            self.systems_removed = Some(removed);
            self.systems_left_out = 0;
        }
    }

    /// Why some pasted ids are not in the list, if any were left out.
    pub fn systems_notice(&self) -> Option<String> {
        (self.systems_left_out > 0).then(|| {
            format!(
                "Only {MAX_SYSTEMS} systems fit in one list; {} more were left out. Run these first, then the rest.",
                self.systems_left_out
            )
        })
    }
}
