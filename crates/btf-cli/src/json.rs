//! Just enough JSON output for `--json`: objects written field by field, strings escaped as
//! RFC 8259 requires.

use std::fmt::Write as _;

/// One JSON object under construction, fields in insertion order.
#[derive(Debug, Default)]
pub struct Object {
    text: String,
}

/// A JSON value.
#[derive(Debug)]
pub enum Value<'a> {
    Null,
    Bool(bool),
    Num(u64),
    Str(&'a str),
}

impl<'a> From<Option<&'a str>> for Value<'a> {
    fn from(s: Option<&'a str>) -> Self {
        s.map_or(Value::Null, Value::Str)
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Str(s)
    }
}

impl From<u64> for Value<'_> {
    fn from(n: u64) -> Self {
        Value::Num(n)
    }
}

impl From<Option<u64>> for Value<'_> {
    fn from(n: Option<u64>) -> Self {
        n.map_or(Value::Null, Value::Num)
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

impl Object {
    /// Adds `"key": value`.
    pub fn field<'v>(mut self, key: &str, value: impl Into<Value<'v>>) -> Self {
        self.text.push(if self.text.is_empty() { '{' } else { ',' });
        push_str(&mut self.text, key);
        self.text.push(':');
        match value.into() {
            Value::Null => self.text.push_str("null"),
            Value::Bool(b) => self.text.push_str(if b { "true" } else { "false" }),
            Value::Num(n) => {
                let _ = write!(self.text, "{n}");
            }
            Value::Str(s) => push_str(&mut self.text, s),
        }
        self
    }

    /// Adds `"key": <json>` where `json` is already JSON text (a nested object or array).
    pub fn raw(mut self, key: &str, json: &str) -> Self {
        self.text.push(if self.text.is_empty() { '{' } else { ',' });
        push_str(&mut self.text, key);
        self.text.push(':');
        self.text.push_str(json);
        self
    }

    /// The finished object's text.
    pub fn finish(mut self) -> String {
        if self.text.is_empty() {
            self.text.push('{');
        }
        self.text.push('}');
        self.text
    }
}

/// A JSON array of already-encoded values.
pub fn array(items: impl IntoIterator<Item = String>) -> String {
    let items: Vec<String> = items.into_iter().collect();
    format!("[{}]", items.join(","))
}

/// A JSON string literal.
pub fn string(s: &str) -> String {
    let mut out = String::new();
    push_str(&mut out, s);
    out
}

fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_orders_fields() {
        let o = Object::default()
            .field("a", "x\"y\\z\n\u{1}")
            .field("n", 7u64)
            .field("none", None::<&str>)
            .field("t", true)
            .finish();
        assert_eq!(o, r#"{"a":"x\"y\\z\n\u0001","n":7,"none":null,"t":true}"#);
        assert_eq!(Object::default().finish(), "{}");
        let nested = Object::default()
            .raw("list", &array([string("a"), "1".to_string()]))
            .finish();
        assert_eq!(nested, r#"{"list":["a",1]}"#);
    }
}
