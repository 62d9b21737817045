//! Scoring model: presets, TOML round trip, rejected models with line numbers.

use kam::segment::{Measure, Model, Norm};

#[test]
fn presets_parse_and_round_trip() {
    for name in Model::PRESET_NAMES {
        let m = Model::preset(name).unwrap_or_else(|| panic!("preset {name} must parse"));
        assert_eq!(m.name, *name);
        let text = m.to_toml();
        let back = Model::from_toml(&text).unwrap_or_else(|e| panic!("{name}: {e}\n{text}"));
        assert_eq!(back, m, "{name} round trip");
    }
    assert_eq!(Model::default().name, "value-potential");
    assert!(Model::preset("nope").is_none());
}

#[test]
fn value_potential_preset_shape() {
    let m = Model::default();
    assert_eq!(m.grid.cells[0], vec!["Development", "Key"]);
    assert_eq!(m.grid.cells[1], vec!["Opportunity", "Maintenance"]);
    let cap = m.cap.as_ref().unwrap();
    assert_eq!(
        (cap.tier.as_str(), cap.overflow.as_str()),
        ("Key", "Development")
    );
    assert_eq!(cap.max_share, 0.2);
    let cadence: Vec<(String, u32)> = m
        .tiers
        .iter()
        .map(|t| (t.name.clone(), t.cadence_days))
        .collect();
    assert_eq!(
        cadence,
        vec![
            ("Key".to_string(), 30),
            ("Development".to_string(), 90),
            ("Maintenance".to_string(), 180),
            ("Opportunity".to_string(), 365)
        ]
    );
    assert!(
        m.value
            .criteria
            .iter()
            .any(|c| c.measure == Measure::Revenue12m
                && c.norm == Norm::Percentile { invert: false })
    );
    assert!(
        m.potential
            .criteria
            .iter()
            .any(|c| c.measure == Measure::Growth && matches!(c.norm, Norm::Linear { .. }))
    );
}

#[test]
fn other_presets_shape() {
    let vl = Model::preset("volume-loyalty").unwrap();
    assert_eq!(
        vl.grid.cells,
        vec![vec!["Star", "Treasure"], vec!["Prune", "Danger"]]
    );
    let rb = Model::preset("revenue-bands").unwrap();
    assert_eq!(rb.grid.value_cuts, vec![5.0, 10.0, 50.0]);
    assert_eq!(
        rb.grid.cells,
        vec![vec!["Small", "Basic", "Key", "Strategic"]]
    );
    assert!(rb.cap.is_none());
}

fn err_of(text: &str) -> kam::segment::ModelError {
    Model::from_toml(text).expect_err("model must be rejected")
}

/// A valid model text with one line swapped for `bad`.
fn variant(find: &str, replace: &str) -> String {
    let t = Model::default().to_toml();
    assert!(t.contains(find), "fixture must contain {find:?}");
    t.replacen(find, replace, 1)
}

fn line_containing(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn unknown_metric_reports_its_line() {
    let t = variant("metric = \"margin_12m\"", "metric = \"margins\"");
    let e = err_of(&t);
    assert_eq!(e.line, line_containing(&t, "\"margins\""));
    assert!(e.reason.contains("unknown metric `margins`"), "{e}");
    assert_eq!(
        e.to_string().lines().next().unwrap(),
        format!("line {}: {}", e.line, e.reason)
    );
}

#[test]
fn negative_weight_and_all_errors_collected() {
    let t = variant("weight = 3.0", "weight = -1.0");
    let t = t.replacen("cells = [", "cells = [\n  [\"Nope\", \"Key\"],", 1);
    let e = err_of(&t);
    assert_eq!(e.line, line_containing(&t, "weight = -1.0"));
    assert!(e.reason.contains("weight must be ≥ 0"));
    let all = e.to_string();
    assert!(all.contains("unknown tier `Nope`"), "{all}");
    assert!(all.contains("expected 2 rows"), "{all}");
}

#[test]
fn non_increasing_cuts_rejected() {
    let t = variant("value_cuts = [50.0]", "value_cuts = [50.0, 40.0]");
    let e = err_of(&t);
    assert_eq!(e.line, line_containing(&t, "value_cuts"));
    assert!(e.reason.contains("strictly increasing"), "{e}");
    let t = variant("potential_cuts = [50.0]", "potential_cuts = [150.0]");
    assert!(err_of(&t).reason.contains("outside 0–100"));
}

#[test]
fn cap_naming_unknown_tier_rejected() {
    let t = variant("overflow = \"Development\"", "overflow = \"Growth\"");
    let e = err_of(&t);
    assert_eq!(e.line, line_containing(&t, "overflow = \"Growth\""));
    assert!(e.reason.contains("unknown tier `Growth`"), "{e}");
}

#[test]
fn empty_axis_rejected() {
    let t = r#"name = "x"
[value]
criteria = []
[potential]
[[potential.criteria]]
metric = "loyalty"
weight = 1
norm = "rating"
[grid]
value_cuts = []
potential_cuts = []
cells = [["A"]]
[[tier]]
name = "A"
priority = 1
cadence_days = 30
"#;
    let e = err_of(t);
    assert!(e.reason.contains("axis `value` has no criteria"), "{e}");
    assert_eq!(e.line, 2);
}

#[test]
fn syntax_and_unknown_field_errors_have_lines() {
    let t = variant("norm = \"rating\"", "norm = \"rating\"\nscale = 7");
    let e = err_of(&t);
    assert_eq!(e.line, line_containing(&t, "scale = 7"));
    assert!(e.reason.contains("scale"), "{e}");
    let e = err_of("name = \"x\"\nvalue = [\n");
    assert!(e.line >= 2, "{e}");
}

#[test]
fn linear_needs_bounds_and_rating_needs_a_rating() {
    let t = variant("min = -0.5\n", "");
    assert!(err_of(&t).reason.contains("needs `min` and `max`"));
    let t = variant(
        "metric = \"revenue_12m\"\nweight = 4.0\nnorm = \"percentile\"",
        "metric = \"revenue_12m\"\nweight = 4.0\nnorm = \"rating\"",
    );
    assert!(err_of(&t).reason.contains("norm `rating` needs"));
}
