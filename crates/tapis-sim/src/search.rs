//! The Tapis `search` query syntax: `(attr.op.value)~(attr.op.value)`, all conditions ANDed.

use serde_json::{Map, Value};
use std::cmp::Ordering;

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cond {
    pub attr: String,
    op: Op,
    values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
    In,
    Nin,
    Like,
    Nlike,
    Between,
    Nbetween,
}

pub(crate) fn parse(search: &str) -> Result<Vec<Cond>, String> {
    let search = search.trim();
    if search.is_empty() {
        return Ok(Vec::new());
    }
    search.split('~').map(parse_one).collect()
}

fn parse_one(term: &str) -> Result<Cond, String> {
    let inner = term.trim();
    let inner = inner
        .strip_prefix('(')
        .and_then(|t| t.strip_suffix(')'))
        .unwrap_or(inner);
    let mut parts = inner.splitn(3, '.');
    let (Some(attr), Some(op), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!("condition {term:?} is not attr.op.value"));
    };
    let op = match op.to_ascii_lowercase().as_str() {
        "eq" => Op::Eq,
        "neq" => Op::Neq,
        "lt" => Op::Lt,
        "lte" => Op::Lte,
        "gt" => Op::Gt,
        "gte" => Op::Gte,
        "in" => Op::In,
        "nin" => Op::Nin,
        "like" => Op::Like,
        "nlike" => Op::Nlike,
        "between" => Op::Between,
        "nbetween" => Op::Nbetween,
        other => return Err(format!("unknown operator {other:?}")),
    };
    let values: Vec<String> = match op {
        Op::In | Op::Nin | Op::Between | Op::Nbetween => {
            value.split(',').map(str::to_string).collect()
        }
        _ => vec![value.to_string()],
    };
    if matches!(op, Op::Between | Op::Nbetween) && values.len() != 2 {
        return Err(format!(
            "{term:?}: between needs two comma-separated values"
        ));
    }
    Ok(Cond {
        attr: attr.to_string(),
        op,
        values,
    })
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Numbers compare numerically, everything else as text.
fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

/// `*` matches any run of characters, as in Tapis `like`.
fn like(pattern: &str, text: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == text;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !text.starts_with(first) || !text[first.len()..].ends_with(last) {
        return false;
    }
    let mut rest = &text[first.len()..text.len() - last.len()];
    for mid in &parts[1..parts.len() - 1] {
        match rest.find(mid) {
            Some(i) => rest = &rest[i + mid.len()..],
            None => return false,
        }
    }
    true
}

impl Cond {
    pub fn matches(&self, item: &Map<String, Value>) -> bool {
        let Some(v) = item.get(&self.attr) else {
            return false;
        };
        let v = as_text(v);
        let first = self.values[0].as_str();
        let between = || {
            compare(&v, first) != Ordering::Less
                && compare(&v, &self.values[1]) != Ordering::Greater
        };
        match self.op {
            Op::Eq => compare(&v, first) == Ordering::Equal,
            Op::Neq => compare(&v, first) != Ordering::Equal,
            Op::Lt => compare(&v, first) == Ordering::Less,
            Op::Lte => compare(&v, first) != Ordering::Greater,
            Op::Gt => compare(&v, first) == Ordering::Greater,
            Op::Gte => compare(&v, first) != Ordering::Less,
            Op::In => self.values.contains(&v),
            Op::Nin => !self.values.contains(&v),
            Op::Like => like(first, &v),
            Op::Nlike => !like(first, &v),
            Op::Between => between(),
            Op::Nbetween => !between(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item() -> Map<String, Value> {
        json!({"id": "stampede3", "port": 22, "canExec": true})
            .as_object()
            .unwrap()
            .clone()
    }

    #[test]
    fn operators() {
        let m = |s: &str| parse(s).unwrap().iter().all(|c| c.matches(&item()));
        assert!(m("(id.eq.stampede3)"));
        assert!(!m("(id.neq.stampede3)"));
        assert!(m("(id.in.ls6,stampede3)~(canExec.eq.true)"));
        assert!(m("(id.like.stam*)") && m("(id.like.*pede*)") && !m("(id.like.ls*)"));
        assert!(m("(port.between.10,30)") && m("(port.gt.9)") && !m("(port.lt.9)"));
        assert!(m("id.nin.ls6"));
        assert!(parse("(id.approx.x)").is_err());
        assert!(parse("(id)").is_err());
    }
}
