//! `--output json`: one JSON object, `schema` 1. The shape is a stable contract (README).

use serde_json::{json, Map, Value};

use crate::finding::Report;

/// The report as a JSON value: `schema, command, target, checks, [notes], <section>`.
pub fn value(report: &Report) -> Value {
    let mut m = Map::new();
    m.insert("schema".into(), json!(report.schema));
    m.insert("command".into(), json!(report.command));
    m.insert(
        "target".into(),
        serde_json::to_value(&report.target).unwrap_or(Value::Null),
    );
    m.insert(
        "checks".into(),
        serde_json::to_value(&report.checks).unwrap_or(Value::Null),
    );
    if !report.notes.is_empty() {
        m.insert("notes".into(), json!(report.notes));
    }
    if let Some(s) = &report.section {
        m.insert(s.name.clone(), s.json.clone());
    }
    Value::Object(m)
}

pub fn render(report: &Report) -> String {
    serde_json::to_string_pretty(&value(report)).unwrap_or_else(|_| "{}".into()) + "\n"
}
