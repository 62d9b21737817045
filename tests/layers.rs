//! The layer rule of ARCHITECTURE.md, kept by a test instead of by memory:
//! a module under `src/` may name (`crate::…`) only modules of its own layer
//! or below, and the top-level modules form no cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Bottom to top. A module may use modules of a lower layer, or of its own
/// layer when that makes no cycle.
const LAYERS: &[&[&str]] = &[
    &["domain", "clock", "identity", "paths", "par", "chunks"],
    &["segment", "audit"],
    &["store"],
    &["book"],
    &["transfer", "describe", "demo"],
    &["commands"],
    &["backend"],
    &["server"],
    &["tui"],
    &["cli"],
];

fn rank(module: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&module))
}

/// The top-level module a source file belongs to (`src/tui/app.rs` → tui).
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every top-level module a line names through `crate::`, including the
/// groups of `use crate::{a::b, c};`.
fn named_modules(line: &str) -> Vec<String> {
    let code = line.split("//").next().unwrap_or("");
    let mut found = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            // Top-level names of the group: split on commas outside braces.
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            found.push(item);
        } else {
            found.push(after.to_string());
        }
        rest = after;
    }
    found
        .into_iter()
        .map(|s| {
            s.trim()
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|s| !s.is_empty() && s != "self")
        .collect()
}

#[test]
fn imports_only_go_down_and_make_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut problems = Vec::new();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let name = file.file_name().unwrap();
        if name == "lib.rs" || name == "main.rs" {
            continue; // the crate root declares modules; main only calls cli
        }
        let from = module_of(&src, file);
        let Some(from_rank) = rank(&from) else {
            problems.push(format!(
                "{}: module `{from}` is in no layer (add it to LAYERS and ARCHITECTURE.md)",
                file.display()
            ));
            continue;
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in text.lines().enumerate() {
            for to in named_modules(line) {
                if to == from {
                    continue;
                }
                match rank(&to) {
                    Some(r) if r <= from_rank => {
                        edges.entry(from.clone()).or_default().insert(to);
                    }
                    Some(_) => problems.push(format!(
                        "{}:{}: `{from}` imports `{to}`, a layer above it",
                        file.display(),
                        n + 1
                    )),
                    None => problems.push(format!(
                        "{}:{}: `{to}` is in no layer",
                        file.display(),
                        n + 1
                    )),
                }
            }
        }
    }
    // Same-layer imports are allowed only without a cycle.
    for start in edges.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in edges.get(&at).into_iter().flatten() {
                if next == start {
                    problems.push(format!("import cycle: {} → {start}", path.join(" → ")));
                } else if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    problems.dedup();
    assert!(
        problems.is_empty(),
        "layer rule broken:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_scanner_sees_grouped_and_inline_paths() {
    assert_eq!(
        named_modules("use crate::{book::Book, store::{Store, Batch}, self};"),
        vec!["book", "store"]
    );
    assert_eq!(
        named_modules("    let x = crate::tui::run(); // crate::cli is a comment"),
        vec!["tui"]
    );
    assert_eq!(rank("cli"), Some(9));
    assert!(rank("tui") > rank("server"));
}
