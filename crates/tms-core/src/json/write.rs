//! A small pretty-printing JSON writer for the reports the app exports: values go in one
//! after another and the writer places commas, line breaks and indentation.

use super::string_literal;

#[derive(Default)]
pub struct Writer {
    out: String,
    /// One entry per open container: whether it has an item yet.
    open: Vec<bool>,
    after_key: bool,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts a value: a comma after the previous item, then a new indented line.
    fn item(&mut self) {
        if std::mem::take(&mut self.after_key) {
            return;
        }
        if let Some(has_items) = self.open.last_mut() {
            if std::mem::replace(has_items, true) {
                self.out.push(',');
            }
            self.newline(self.open.len());
        }
    }

    fn newline(&mut self, depth: usize) {
        self.out.push('\n');
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn close(&mut self, bracket: char) {
        if self.open.pop() == Some(true) {
            self.newline(self.open.len());
        }
        self.out.push(bracket);
    }

    pub fn begin_object(&mut self) -> &mut Self {
        self.item();
        self.out.push('{');
        self.open.push(false);
        self
    }

    pub fn end_object(&mut self) -> &mut Self {
        self.close('}');
        self
    }

    pub fn begin_array(&mut self) -> &mut Self {
        self.item();
        self.out.push('[');
        self.open.push(false);
        self
    }

    pub fn end_array(&mut self) -> &mut Self {
        self.close(']');
        self
    }

    /// The key of the next value in an object.
    pub fn key(&mut self, key: &str) -> &mut Self {
        self.item();
        self.out.push_str(&string_literal(key));
        self.out.push_str(": ");
        self.after_key = true;
        self
    }

    pub fn string(&mut self, value: &str) -> &mut Self {
        self.item();
        self.out.push_str(&string_literal(value));
        self
    }

    pub fn number(&mut self, value: u64) -> &mut Self {
        self.item();
        self.out.push_str(&value.to_string());
        self
    }

    pub fn null(&mut self) -> &mut Self {
        self.item();
        self.out.push_str("null");
        self
    }

    pub fn opt_string(&mut self, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.string(v),
            None => self.null(),
        }
    }

    pub fn opt_number(&mut self, value: Option<u64>) -> &mut Self {
        match value {
            Some(v) => self.number(v),
            None => self.null(),
        }
    }

    pub fn finish(self) -> String {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_pretty_json_that_reads_back() {
        let mut w = Writer::new();
        w.begin_object()
            .key("name")
            .string("a \"quoted\" é")
            .key("n")
            .number(42)
            .key("none")
            .null()
            .key("empty")
            .begin_array()
            .end_array()
            .key("list")
            .begin_array();
        for i in 0..2 {
            w.begin_object().key("i").number(i).end_object();
        }
        w.end_array().key("opt").opt_string(None).end_object();
        let text = w.finish();
        assert_eq!(
            text,
            "{\n  \"name\": \"a \\\"quoted\\\" é\",\n  \"n\": 42,\n  \"none\": null,\n  \"empty\": [],\n  \"list\": [\n    {\n      \"i\": 0\n    },\n    {\n      \"i\": 1\n    }\n  ],\n  \"opt\": null\n}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back["list"][1]["i"], 1);
    }
}
