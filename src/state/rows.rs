//! One row per system in the run, and the summary over them.
use super::AppState;
use std::rc::Rc;
use tms_core::engine::{Mode, Outcome, Step};
use tms_core::wording::count;
use tms_core::SystemId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RowStatus {
    /// What the engine is doing; a new row starts as `Step::Queued`.
    Step(Step),
    Done(Outcome),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub system: SystemId,
    pub mode: Mode,
    pub status: RowStatus,
    pub attempt: u32,
    /// When the engine started on this system (ms since the epoch); `None` while queued.
    pub started_ms: Option<u64>,
    pub elapsed_ms: u64,
}

impl Row {
    pub(super) fn queued(system: SystemId, mode: Mode) -> Self {
        Row {
            system,
            mode,
            status: RowStatus::Step(Step::Queued),
            attempt: 0,
            started_ms: None,
            elapsed_ms: 0,
        }
    }

    /// The row's `data-state`.
    pub fn state(&self) -> &'static str {
        match &self.status {
            RowStatus::Step(step) => step.state(),
            RowStatus::Done(outcome) => outcome.state(),
        }
    }

    pub fn outcome(&self) -> Option<&Outcome> {
        match &self.status {
            RowStatus::Done(outcome) => Some(outcome),
            RowStatus::Step(_) => None,
        }
    }

    /// Elapsed time to show: frozen once done, live while the engine works on it.
    pub fn elapsed_at(&self, now_ms: u64) -> u64 {
        match (self.outcome(), self.started_ms) {
            (None, Some(start)) => now_ms.saturating_sub(start),
            _ => self.elapsed_ms,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub done: usize,
    pub present: usize,
    pub created: usize,
    /// A refused stored key replaced by a new one (its row says "Replaced").
    pub replaced: usize,
    pub missing: usize,
    /// Check only: a stored key the system refused (its row says "Key refused", not "Missing").
    pub refused: usize,
    pub removed: usize,
    pub cancelled: usize,
    pub attention: usize,
}

impl Summary {
    /// "2 created, 1 already set up, 1 needs attention".
    pub fn sentence(&self) -> String {
        let parts: Vec<String> = [
            (self.created, "created", "created"),
            (self.replaced, "replaced", "replaced"),
            (self.present, "already set up", "already set up"),
            (self.missing, "missing", "missing"),
            (self.refused, "key refused", "keys refused"),
            (self.removed, "removed", "removed"),
            (self.attention, "needs attention", "need attention"),
            (self.cancelled, "cancelled", "cancelled"),
        ]
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect();
        parts.join(", ")
    }

    /// The line under the status while a run goes on: "1 of 3 systems done. 1 created".
    pub fn progress(&self) -> String {
        let line = format!(
            "{} of {} done. {}",
            self.done,
            count(self.total, "system"),
            self.sentence()
        );
        line.trim_end().to_string()
    }
}

impl AppState {
    /// The row to change, copied out of the shared list (one pointer per row, one row).
    pub(super) fn row_mut(&mut self, system: &SystemId) -> Option<&mut Row> {
        let index = self.rows.iter().position(|r| &r.system == system)?;
        Some(Rc::make_mut(&mut Rc::make_mut(&mut self.rows)[index]))
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            total: self.rows.len(),
            ..Summary::default()
        };
        for outcome in self.rows.iter().filter_map(|r| r.outcome()) {
            s.done += 1;
            match outcome {
                Outcome::Present => s.present += 1,
                Outcome::Created { replaced: false } => s.created += 1,
                Outcome::Created { replaced: true } => s.replaced += 1,
                Outcome::Missing { rejected: false } => s.missing += 1,
                Outcome::Missing { rejected: true } => s.refused += 1,
                Outcome::Removed => s.removed += 1,
                Outcome::Cancelled => s.cancelled += 1,
                _ => s.attention += 1,
            }
        }
        s
    }
}
