//! Build step: embeds every `scripts/*.rhai` into the binary as the built-in saved scripts
//! (`src/script/catalogue.rs` includes the generated list).

use std::fmt::Write;
use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut names: Vec<(String, String)> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| {
                    let path = e.path();
                    let name = path
                        .file_name()?
                        .to_str()?
                        .strip_suffix(".rhai")?
                        .to_string();
                    println!("cargo:rerun-if-changed={}", path.display());
                    Some((name, path.display().to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    let mut out = String::from(
        "/// The built-in saved scripts: (name, source), sorted by name.\npub static BUILTIN: &[(&str, &str)] = &[\n",
    );
    for (name, path) in names {
        let _ = writeln!(out, "    ({name:?}, include_str!({path:?})),");
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR is set by cargo"))
        .join("saved_scripts.rs");
    std::fs::write(dest, out).expect("write saved_scripts.rs");
}
