//! The model's modules depend downward: no import cycle among `src/sim/`'s files. Each file is a
//! module; a path it names (`use`, or inline `crate::sim::…`, `super::…`, a child's `name::…`)
//! is an edge to the module that defines it, following a parent's `pub use` re-exports to the child
//! that holds the item. A parent's own `pub use` of its children is not an edge (that is how a
//! folder shows its parts). Test code (from a file's first `#[cfg(test)]` or `#[cfg(all(test`) is
//! left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

type Module = Vec<String>;

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in fs::read_dir(dir).expect("src/sim is readable") {
        let p = e.expect("a directory entry").path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `src/sim/a/b.rs` is `sim::a::b`; `src/sim/a/mod.rs` is `sim::a`.
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).expect("under src");
    let mut m: Module = rel
        .with_extension("")
        .iter()
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    if m.last().is_some_and(|s| s == "mod") {
        m.pop();
    }
    m
}

/// The code without comments and tests.
fn code(text: &str) -> String {
    let tests = ["#[cfg(test)]", "#[cfg(all(test"]
        .iter()
        .filter_map(|m| text.find(m))
        .min();
    let text = &text[..tests.unwrap_or(text.len())];
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Splits `a::{b, c::{d, e}}` into `a::b`, `a::c` (a group's first level is enough to find a module).
fn expand(path: &str) -> Vec<String> {
    let path: String = path.chars().filter(|c| !c.is_whitespace()).collect();
    let Some(open) = path.find("::{") else {
        return vec![path];
    };
    let (prefix, group) = (&path[..open], &path[open + 3..path.len().saturating_sub(1)]);
    let (mut parts, mut depth, mut cur) = (Vec::new(), 0, String::new());
    for c in group.chars() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut cur));
                continue;
            }
            _ => {}
        }
        cur.push(c);
    }
    parts.push(cur);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .map(|p| format!("{prefix}::{}", p.split("::{").next().unwrap_or("")))
        .collect()
}

/// Every path in `text` that starts `crate::`, `super::`, `self::` or (`children`) a child's name.
fn paths(text: &str, children: &BTreeSet<String>) -> Vec<(bool, String)> {
    let mut out = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    // `use` statements, whole (groups expanded); `pub use` marked as a re-export.
    let mut rest = String::with_capacity(text.len());
    while i < text.len() {
        let at_word = i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if at_word && text[i..].starts_with("use ") {
            let end = text[i..].find(';').map_or(text.len(), |e| i + e);
            let public = text[..i].trim_end().ends_with("pub")
                || text[..i].trim_end().ends_with("pub(crate)");
            for p in expand(&text[i + 4..end]) {
                out.push((public, p));
            }
            i = end + 1;
            continue;
        }
        let c = text[i..].chars().next().unwrap_or(' ');
        rest.push(c);
        i += c.len_utf8();
    }
    // Inline paths elsewhere.
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let chars: Vec<char> = rest.chars().collect();
    let mut k = 0;
    while k < chars.len() {
        if is_ident(chars[k]) && (k == 0 || !(is_ident(chars[k - 1]) || chars[k - 1] == ':')) {
            let mut j = k;
            while j < chars.len()
                && (is_ident(chars[j]) || (chars[j] == ':' && chars.get(j + 1) == Some(&':')))
            {
                j += if chars[j] == ':' { 2 } else { 1 };
            }
            let p: String = chars[k..j].iter().collect();
            let first = p.split("::").next().unwrap_or("");
            if p.contains("::")
                && (["crate", "super", "self"].contains(&first) || children.contains(first))
            {
                out.push((false, p));
            }
            k = j.max(k + 1);
        } else {
            k += 1;
        }
    }
    out
}

#[test]
fn the_models_modules_have_no_import_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut list = Vec::new();
    files(&src.join("sim"), &mut list);
    let modules: BTreeMap<Module, String> = list
        .iter()
        .map(|f| {
            (
                module_of(&src, f),
                code(&fs::read_to_string(f).expect("readable")),
            )
        })
        .collect();
    // A parent's re-exports: (parent, name) → the child module that holds it.
    let mut reexports: BTreeMap<(Module, String), Module> = BTreeMap::new();
    for (m, text) in &modules {
        for (public, p) in paths(text, &BTreeSet::new()) {
            let segs: Vec<&str> = p.split("::").collect();
            if public && segs.len() >= 2 && !["crate", "super", "self"].contains(&segs[0]) {
                let mut child = m.clone();
                child.push(segs[0].into());
                reexports.insert((m.clone(), segs[segs.len() - 1].into()), child);
            }
        }
    }
    let resolve = |mut segs: Vec<String>| -> Option<Module> {
        let k = (1..=segs.len())
            .rev()
            .find(|&k| modules.contains_key(&segs[..k]))?;
        let mut at: Module = segs.drain(..k).collect();
        while let Some(first) = segs.first().cloned() {
            let Some(child) = reexports.get(&(at.clone(), first)) else {
                break;
            };
            at = child.clone();
            segs.remove(0);
        }
        Some(at)
    };
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (m, text) in &modules {
        let children: BTreeSet<String> = modules
            .keys()
            .filter(|c| c.len() == m.len() + 1 && c.starts_with(m))
            .map(|c| c[m.len()].clone())
            .collect();
        let out = edges.entry(m.clone()).or_default();
        for (public, p) in paths(text, &children) {
            let segs: Vec<String> = p.split("::").map(String::from).collect();
            let full: Vec<String> = match segs[0].as_str() {
                "crate" => segs[1..].to_vec(),
                "super" => {
                    let mut at = m.clone();
                    let ups = segs.iter().take_while(|s| *s == "super").count();
                    at.truncate(at.len().saturating_sub(ups));
                    at.into_iter().chain(segs[ups..].iter().cloned()).collect()
                }
                "self" => m.iter().cloned().chain(segs[1..].iter().cloned()).collect(),
                // A parent's `pub use child::…` shows its parts: not an edge.
                _ if public => continue,
                _ => m.iter().cloned().chain(segs).collect(),
            };
            if let Some(to) = resolve(full)
                && &to != m
            {
                out.insert(to);
            }
        }
    }
    // The leaves everything else builds on import nothing from the model but one another.
    let leaves = [
        "time", "node", "version", "decimal", "sample", "slab", "sort", "sorted",
    ]
    .map(|l| vec!["sim".to_string(), l.to_string()]);
    for leaf in &leaves {
        let deps: Vec<String> = edges[leaf]
            .iter()
            .filter(|d| !leaves.contains(d))
            .map(|d| d.join("::"))
            .collect();
        assert!(
            deps.is_empty(),
            "{} should be a leaf; it imports {deps:?}",
            leaf.join("::")
        );
    }
    // Any cycle, named by the modules on it.
    let mut cycles = Vec::new();
    for start in edges.keys() {
        let mut seen = BTreeSet::new();
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((at, path)) = stack.pop() {
            for next in &edges[&at] {
                if next == start {
                    let names: Vec<String> = path.iter().map(|m| m.join("::")).collect();
                    cycles.push(names.join(" → ") + " → " + &start.join("::"));
                } else if next > start && seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "import cycles in src/sim:\n{}",
        cycles.join("\n")
    );
}
